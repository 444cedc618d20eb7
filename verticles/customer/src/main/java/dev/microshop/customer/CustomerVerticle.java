package dev.microshop.customer;

import dev.microshop.common.failure.ServiceException;
import dev.microshop.common.audit.Audit;
import dev.microshop.common.batch.BatchMessages;
import dev.microshop.common.json.Input;
import dev.microshop.common.json.Money;
import dev.microshop.common.service.ServiceVerticle;
import dev.microshop.common.tracing.Tracing;
import dev.microshop.customer.api.CreditReservation;
import dev.microshop.customer.api.CustomerAddresses;
import dev.microshop.customer.api.Register;
import dev.microshop.customer.api.ReleaseCredit;
import dev.microshop.customer.api.ReserveCredit;
import dev.microshop.customer.db.CustomerRepository;
import dev.microshop.customer.db.CustomerRepository.Customer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Customers, their passwords and their credit: registration, log-in checks, credit reservations. */
public class CustomerVerticle extends ServiceVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(CustomerVerticle.class);
  private static final String BAD_CREDENTIALS = "invalid email or password";

  private final CustomerRepository customers = new CustomerRepository();
  private long defaultCreditLimitCents;
  /** Checked against when the email is unknown, so that both paths cost one hash. */
  private String decoyHash;

  @Override
  protected String service() {
    return CustomerAddresses.SERVICE;
  }

  @Override
  protected Future<?> startService() {
    defaultCreditLimitCents = Money.parseCents("default-credit-limit", conf.getValue("default-credit-limit", "1000.00"));
    return vertx.executeBlocking(() -> PasswordHasher.hash(UUID.randomUUID().toString()))
        .compose(h -> {
          decoyHash = h;
          return ensureAdmin();
        })
        .compose(v -> all(
            serve(CustomerAddresses.REGISTER, this::register),
            serve(CustomerAddresses.AUTHENTICATE, this::authenticate),
            serve(CustomerAddresses.GET, this::get),
            serve(CustomerAddresses.RESERVE_CREDIT, this::reserveCredit),
            serve(CustomerAddresses.RESERVE_CREDIT_ALL, this::reserveCreditAll),
            serve(CustomerAddresses.RELEASE_CREDIT, this::releaseCredit),
            serve(CustomerAddresses.SET_CREDIT_LIMIT, this::setCreditLimit),
            serve(CustomerAddresses.CREDIT_REPORT, this::creditReport)));
  }

  private Future<JsonObject> register(JsonObject body) {
    Register r = Register.fromJson(body);
    return vertx.executeBlocking(() -> PasswordHasher.hash(r.password()), false)
        .compose(hash -> customers.insert(pool,
            new Customer(UUID.randomUUID(), r.name(), r.email(), hash, "customer", defaultCreditLimitCents)))
        .compose(c -> view(c));
  }

  private Future<JsonObject> authenticate(JsonObject body) {
    Input in = Input.of(body).only("email", "password");
    String email = in.string("email", 1, 254);
    Object password = body.getValue("password");
    if (!(password instanceof String pw) || pw.length() > 200) {
      throw ServiceException.unauthorized(BAD_CREDENTIALS);
    }
    return customers.byEmail(pool, email)
        .compose(found -> vertx.executeBlocking(() -> {
          // one hash on every path: an unknown email takes as long as a wrong password
          boolean ok = PasswordHasher.verify(pw, found.map(Customer::passwordHash).orElse(decoyHash));
          return ok && found.isPresent() ? found : Optional.<Customer>empty();
        }, false))
        .map(match -> match
            .map(c -> new JsonObject().put("customerId", c.id().toString()).put("role", c.role()).put("name", c.name()))
            .orElseThrow(() -> ServiceException.unauthorized(BAD_CREDENTIALS)));
  }

  private Future<JsonObject> get(JsonObject body) {
    UUID id = Input.of(body).only("customerId").uuid("customerId");
    return customers.byId(pool, id)
        .compose(c -> c.map(this::view).orElseGet(() -> Future.failedFuture(ServiceException.notFound("no customer " + id))));
  }

  private Future<JsonObject> reserveCredit(JsonObject body) {
    ReserveCredit cmd = ReserveCredit.fromJson(body);
    return transaction(tx -> customers.reserveAll(tx, List.of(cmd))).map(r -> r.get(0).toJson());
  }

  private Future<JsonObject> reserveCreditAll(JsonObject body) {
    List<ReserveCredit> commands = BatchMessages.commands(body, ReserveCredit::fromJson);
    return Tracing.forEach("batch " + CustomerAddresses.RESERVE_CREDIT_ALL, service(), BatchMessages.traceParents(body),
            commands.stream().map(ReserveCredit::orderId).toList(), () -> transaction(tx -> customers.reserveAll(tx, commands)))
        .map(r -> BatchMessages.results(r, CreditReservation::toJson));
  }

  private Future<JsonObject> releaseCredit(JsonObject body) {
    ReleaseCredit cmd = ReleaseCredit.fromJson(body);
    return transaction(tx -> customers.release(tx, cmd.orderId())).map(CreditReservation::toJson);
  }

  private Future<JsonObject> setCreditLimit(JsonObject body) {
    String actor = Audit.actor(body);
    Input in = Input.of(body).only("customerId", "creditLimit");
    UUID id = in.uuid("customerId");
    long limit = in.cents("creditLimit");
    return transaction(tx -> customers.setCreditLimit(tx, id, limit).compose(v -> Audit.record(tx, actor, "credit-limit-set",
            id.toString(), new JsonObject().put("creditLimit", Money.format(limit)))))
        .compose(v -> get(new JsonObject().put("customerId", id.toString())));
  }

  private Future<JsonObject> creditReport(JsonObject body) {
    return customers.creditReport(pool).map(list -> new JsonObject().put("customers", list));
  }

  /** What a customer (or an admin) may see of a customer: never the password hash. */
  private Future<JsonObject> view(Customer c) {
    return customers.reservedCents(pool, c.id()).map(reserved -> new JsonObject()
        .put("id", c.id().toString())
        .put("name", c.name())
        .put("email", c.email())
        .put("role", c.role())
        .put("creditLimit", Money.format(c.creditLimitCents()))
        .put("creditLimitCents", c.creditLimitCents())
        .put("reservedCredit", Money.format(reserved))
        .put("reservedCreditCents", reserved)
        .put("availableCredit", Money.format(c.creditLimitCents() - reserved))
        .put("availableCreditCents", c.creditLimitCents() - reserved));
  }

  /**
   * The first administrator, from {@code MICROSHOP_ADMIN_EMAIL} and {@code MICROSHOP_ADMIN_PASSWORD}
   * (else {@code admin.email} and {@code admin.password} of conf/customer.json): created when missing.
   */
  private Future<Void> ensureAdmin() {
    JsonObject admin = conf.getJsonObject("admin", new JsonObject());
    String email = System.getenv().getOrDefault("MICROSHOP_ADMIN_EMAIL", admin.getString("email", ""));
    String password = System.getenv().getOrDefault("MICROSHOP_ADMIN_PASSWORD", admin.getString("password", ""));
    if (email.isBlank() || password.isBlank()) {
      return Future.succeededFuture();
    }
    return customers.byEmail(pool, email).compose(found -> {
      if (found.isPresent()) {
        if (!"admin".equals(found.get().role())) {
          LOG.warn("the administrator's email {} belongs to a customer: no administrator created", email);
        }
        return Future.succeededFuture();
      }
      return vertx.executeBlocking(() -> PasswordHasher.hash(password))
          .compose(hash -> customers.insert(pool, new Customer(UUID.randomUUID(), "Administrator", email, hash, "admin", 0)))
          .onSuccess(c -> LOG.info("administrator {} created", email))
          .recover(t -> t instanceof ServiceException se && se.code() == dev.microshop.common.failure.FailureCode.CONFLICT
              ? Future.succeededFuture() : Future.failedFuture(t)) // another instance created it just now
          .mapEmpty();
    });
  }
}
