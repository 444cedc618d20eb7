package dev.microshop.common.db;

import dev.microshop.common.StartRefused;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;

/**
 * The database server of one service as a process of its own, so that no service instance owns
 * the database that its peers use: starts the service's embedded PostgreSQL over a data directory
 * on a port, makes the service's role (generated password, kept in the secrets file beside the
 * data directory) and database, and runs until SIGTERM, which stops PostgreSQL in fast mode.
 * When its PostgreSQL dies under it, the process exits (status 1) so that its launcher sees it.
 *
 * <pre>java -cp app/target/microshop-fat.jar dev.microshop.common.db.DbServerMain \
 *     --service order --data-dir data/cluster/order/pg --port 15435</pre>
 *
 * The all-in-one jar runs it (and bench's): they carry the PostgreSQL binaries; a service's jar does
 * not, and refuses (status 2).
 *
 * <p>A database host (the instances of other machines connect to it): {@code --listen 10.0.0.1
 * --allow 10.0.0.0/24} (or several CIDRs, comma-separated, e.g. each member's {@code /32}) makes
 * PostgreSQL listen on that address too, and {@code pg_hba} admit there only the service's role, to
 * its own database, from those networks, with its SCRAM password; the superuser's trust stays on
 * loopback. {@code scripts/node.sh start --db-host} runs one per service that way.
 * {@code scripts/cluster.sh} starts one per service and points the instances at it
 * ({@code db.embedded=false}, {@code db.password-file} naming the secrets file).
 */
public final class DbServerMain {

  private static final Logger LOG = LoggerFactory.getLogger(DbServerMain.class);
  private static final Pattern SERVICE = Pattern.compile("[a-z][a-z0-9_]{0,62}");
  private static final String USAGE =
      "usage: DbServerMain --service NAME --data-dir DIR --port PORT [--listen ADDRESS --allow CIDR[,CIDR...]]\n"
          + "  NAME: lower-case, e.g. order; PORT: 1-65535; ADDRESS: an IP address to listen on besides loopback;\n"
          + "  CIDR: the networks whose hosts may connect as the service's role, e.g. 10.0.0.0/24";

  private static volatile boolean stopping;

  private DbServerMain() {
  }

  /** The command line, checked: a wrong one exits with status 2 and one line saying what is wrong. */
  record Args(String service, String dataDir, int port, EmbeddedPostgresServer.Remote remote) {

    static Args parse(List<String> args) {
      Map<String, String> values = new HashMap<>();
      for (int i = 0; i < args.size(); i += 2) {
        String name = args.get(i);
        if (!List.of("--service", "--data-dir", "--port", "--listen", "--allow").contains(name)) {
          throw new IllegalArgumentException("unknown option " + name + "\n" + USAGE);
        }
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException(name + " needs a value\n" + USAGE);
        }
        values.put(name, args.get(i + 1));
      }
      String service = values.get("--service");
      if (service == null || !SERVICE.matcher(service).matches()) {
        throw new IllegalArgumentException("--service must name a service in lower case, not " + service + "\n" + USAGE);
      }
      String dataDir = values.get("--data-dir");
      if (dataDir == null || dataDir.isBlank()) {
        throw new IllegalArgumentException("--data-dir is missing\n" + USAGE);
      }
      int port;
      try {
        port = Integer.parseInt(values.getOrDefault("--port", ""));
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException("--port must be 1-65535, not " + values.get("--port") + "\n" + USAGE);
      }
      String listen = values.get("--listen");
      String allow = values.get("--allow");
      if ((listen == null) != (allow == null)) {
        throw new IllegalArgumentException("--listen and --allow go together\n" + USAGE);
      }
      EmbeddedPostgresServer.Remote remote = EmbeddedPostgresServer.Remote.NONE;
      if (listen != null) {
        remote = new EmbeddedPostgresServer.Remote(listen.trim(), service,
            java.util.Arrays.stream(allow.split(",")).map(String::trim).filter(a -> !a.isEmpty()).toList());
      }
      return new Args(service, dataDir, port, remote);
    }
  }

  public static void main(String[] argv) throws InterruptedException {
    Args args;
    try {
      args = Args.parse(List.of(argv));
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    try {
      EmbeddedPostgresServer.requireInThisJar("the database server");
    } catch (StartRefused e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    EmbeddedPostgresServer.stoppedByLauncher(); // our hook below stops it, and says so
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(args, stopped), "db-server-stop"));

    EmbeddedPostgresServer server = EmbeddedPostgresServer.acquire(args.dataDir(), args.port(), false, args.remote());
    if (!server.owned()) {
      LOG.error("another process already runs the PostgreSQL of {} in {} (port {}): not starting a second one",
          args.service(), server.dataDir(), server.port());
      System.exit(1);
    }
    server.ensureServiceDatabase(args.service(), args.service());
    long pid = server.postmasterPid().orElseThrow(() -> new IllegalStateException("no postmaster.pid in " + server.dataDir()));
    ProcessHandle.of(pid).ifPresent(postmaster -> postmaster.onExit().thenRun(() -> {
      if (!stopping) {
        LOG.error("the PostgreSQL of {} (pid {}) ended on its own: this database server exits", args.service(), pid);
        Runtime.getRuntime().halt(1);
      }
    }));
    String where = "localhost:" + server.port() + (args.remote().listening()
        ? " and " + args.remote().address() + ":" + server.port() + " (role " + args.service() + " from "
            + String.join(",", args.remote().allowed()) + ", SCRAM)"
        : "");
    // from here on this JVM only waits: the heap that starting took (on a machine's first start, the unpacking
    // of PostgreSQL's programs: ~60 MB, garbage now) back to the OS, with scripts/lib/jvm.sh's settings
    // (MaxHeapFreeRatio, -ShrinkHeapInSteps) at this one collection
    System.gc();
    LOG.info("database server of {} ready on {} (pid {}, data in {}, password of role {} in {})",
        args.service(), where, pid, server.dataDir(), args.service(), server.passwordFile(args.service()));
    stopped.await();
  }

  private static void stop(Args args, CountDownLatch stopped) {
    stopping = true;
    EmbeddedPostgresServer.stopAll();
    LOG.info("database server of {} stopped", args.service());
    stopped.countDown();
  }
}
