package dev.microshop.common.audit;

import dev.microshop.common.eventlog.EventLog;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * The audit trail of admin actions: each is an {@code audit.<action>} event in the owning service's
 * event log, written in the transaction of the change itself (so an entry exists exactly when the
 * change committed), with the acting admin, the target and the change; its time is the event's.
 * An admin command names its actor in the body's {@value #ACTOR} field (the customer id of the
 * admin's token, put there by the web); every service answers {@link #address} with its newest entries.
 */
public final class Audit {

  /** The body field of an admin command that names who acts: the admin's customer id. */
  public static final String ACTOR = "actor";
  /** The event types of the audit trail start with this. */
  public static final String PREFIX = "audit.";

  private static final String LIST = "SELECT occurred_at, type, aggregate_id, payload FROM event_log"
      + " WHERE type LIKE 'audit.%' ORDER BY position DESC LIMIT $1";

  private Audit() {
  }

  /** Query {@code {limit?}} → {@code {service, entries: [{at, service, action, target, actor, change}]}}, newest first. */
  public static String address(String service) {
    return service + ".audit";
  }

  /**
   * Takes the actor out of an admin command's body (so that the command's own fields are checked
   * as before); null when the command came without one (sent on the bus by a test or a tool).
   */
  public static String actor(JsonObject body) {
    Object actor = body.remove(ACTOR);
    return actor == null ? null : String.valueOf(actor);
  }

  /** Records an admin action in the transaction {@code tx} that makes the change. */
  public static Future<Void> record(SqlClient tx, String actor, String action, String target, JsonObject change) {
    return EventLog.append(tx, PREFIX + action, target, new JsonObject().put("actor", actor).put("action", action)
        .put("target", target).put("change", change));
  }

  /** The newest {@code limit} entries of this service's trail. */
  public static Future<JsonArray> list(SqlClient client, String service, int limit) {
    return client.preparedQuery(LIST).execute(Tuple.of(limit)).map(rows -> {
      JsonArray entries = new JsonArray();
      for (Row r : rows) {
        Object p = r.getValue("payload");
        JsonObject payload = p instanceof JsonObject o ? o : new JsonObject(String.valueOf(p));
        entries.add(new JsonObject().put("at", r.getOffsetDateTime("occurred_at").toInstant().toString())
            .put("service", service).put("action", payload.getString("action")).put("target", r.getString("aggregate_id"))
            .put("actor", payload.getString("actor")).put("change", payload.getJsonObject("change", new JsonObject())));
      }
      return entries;
    });
  }
}
