package dev.microshop.bench;

import dev.microshop.common.cluster.ClusterConfig;
import dev.microshop.common.cluster.ClusterTls;
import dev.microshop.common.cluster.ShopClusterManager;
import dev.microshop.invariants.Invariants;
import dev.microshop.customer.api.CustomerAddresses;
import dev.microshop.inventory.api.InventoryAddresses;
import dev.microshop.order.api.OrderAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The tools of scripts/bench.sh and scripts/chaos.sh, one subcommand each. Every measuring
 * command prints one JSON object on its last line.
 *
 * <pre>
 *   bare-http PORT                              a bare Vert.x HTTP server answering a fixed JSON
 *   bare-pg PORT PG_PORT                        the same, doing one primary-key SELECT per request (vertx-pg-client)
 *   insert-commits PG_PORT SECONDS CONCURRENCY  single-row INSERT commits per second
 *   load-get URL SECONDS CONNECTIONS            GET load: req/s, p50, p99, per-second series
 *   load-orders BASE SECONDS CUSTOMERS [PG_PORTS [PIDS_FILE]]  orders: accepted, approved/s, POST→APPROVED
 *                                               p50/p99; with PG_PORTS (comma-separated, the order database's
 *                                               server first: one all-in-one server, or each service's) the commits
 *                                               of those orders, from the load's start until every saga is done and
 *                                               the event readers caught up; with PIDS_FILE (lines "NAME PID" or
 *                                               "NAME PID tree", see CpuTicks) the CPU-ms each process spent in
 *                                               that same window
 *   storm BASES SECONDS CUSTOMERS [PAUSE_MS [SKUS]]  orders for the chaos runs (accepted keys → order ids); BASES
 *                                               is one web or several, comma-separated (customer i starts on the
 *                                               i-th, a retry goes to the next: a client behind a balancer); SKUS
 *                                               a comma-separated list to order from; every failed attempt counted
 *                                               by cause ("failedAttempts": 503, timeout, connect, ...), and each
 *                                               one on stderr ("failed attempt: EPOCH_MS WEB CAUSE", then the
 *                                               exception, or the answer's body); with
 *                                               -Dstorm.stop-file=PATH it also ends once PATH exists
 *   overload BASE SECONDS CONNECTIONS CUSTOMERS READ_URL READ_CONNECTIONS  orders from CONNECTIONS loops at once
 *                                               (CUSTOMERS accounts), each posting its next order as soon as the last
 *                                               was accepted (after a 503, the same again after Retry-After), beside READ_CONNECTIONS loops reading
 *                                               READ_URL: attempts/s, accepted/s, 503s (and how many said Retry-After),
 *                                               other failures, the answers' latency, whether every accepted order
 *                                               settled, and the reads' rate and p50/p99 during it
 *   commits PG_PORTS                            xact_commit summed over the shop's databases, and the next xid
 *   cpu-idle PIDS_FILE SECONDS                  the CPU-ms each process spends in SECONDS of no load (timers,
 *                                               heartbeats, pollers), to tell a process's per-order CPU from its idle cost
 *   check-invariants [ENV...]                   joins the cluster; every invariant of design.md
 * </pre>
 */
public final class Main {

  private static final String[] DEFAULT_SKUS = {"MUG-CLASSIC", "PEN-GEL-3", "STICKERS-10", "NOTEBOOK-A5", "SOCKS-STRIPE",
      "TOTE-CANVAS", "CABLE-USBC-2M", "TEE-LOGO-M"};
  /** The products the order loads choose from (the storm's SKUS argument, else the default list). */
  private static String[] skus = DEFAULT_SKUS;
  /** The order attempts that got no 202, by cause: one command per JVM, so one map. */
  private static final Map<String, java.util.concurrent.atomic.LongAdder> FAILED_ATTEMPTS =
      new java.util.concurrent.ConcurrentHashMap<>();
  /**
   * Set once the stop file ({@code -Dstorm.stop-file}) exists: each load's requester ends after its request in
   * progress (how bench.sh ends a warm-up once the target's JIT has settled, and chaos.sh a storm).
   */
  private static volatile boolean stormStopped;

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable t) {
      // a failed command must end: the Vert.x event-loop threads it started would keep the JVM alive
      t.printStackTrace();
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    String stopFile = System.getProperty("storm.stop-file");
    if (stopFile != null) {
      Thread watch = new Thread(() -> {
        while (!stormStopped) {
          stormStopped = java.nio.file.Files.exists(java.nio.file.Path.of(stopFile));
          try {
            Thread.sleep(200);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "stop-file");
      watch.setDaemon(true);
      watch.start();
    }
    switch (args[0]) {
      case "bare-http" -> bareHttp(Integer.parseInt(args[1]));
      case "bare-pg" -> barePg(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
      case "insert-commits" -> print(insertCommits(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
          args.length > 5 ? Integer.parseInt(args[4]) : 0, args.length > 5 ? Integer.parseInt(args[5]) : 0));
      case "load-get" -> print(loadGet(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
          args.length > 4 ? Integer.parseInt(args[4]) : 0));
      case "load-orders" -> print(loadOrders(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), true, 0,
          args.length > 4 ? ports(args[4]) : new int[0], args.length > 5 ? new CpuTicks(java.nio.file.Path.of(args[5])) : null, 0, 0));
      case "load-orders-paced" -> print(loadOrders(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), true, 0,
          new int[0], null, Double.parseDouble(args[4]), args.length > 5 ? Integer.parseInt(args[5]) : 0));
      case "storm" -> {
        if (args.length > 5) {
          skus = args[5].split(",");
        }
        print(loadOrders(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), false,
            args.length > 4 ? Long.parseLong(args[4]) : 200, new int[0], null, 0, 0));
      }
      case "overload" -> print(overload(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
          args[5], Integer.parseInt(args[6])));
      case "commits" -> print(commits(ports(args[1])));
      case "log-autovacuum" -> print(logAutovacuum(Integer.parseInt(args[1])));
      case "cpu-idle" -> print(cpuIdle(new CpuTicks(java.nio.file.Path.of(args[1])), Integer.parseInt(args[2])));
      case "check-invariants" -> System.exit(checkInvariants(args.length > 1 ? java.nio.file.Path.of(args[1]) : null));
      case "report" -> {
        Report.write(java.nio.file.Path.of(args[1]), java.nio.file.Path.of(args[2]), java.nio.file.Path.of(args[3]));
        System.exit(0);
      }
      default -> throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }

  private static int[] ports(String commaSeparated) {
    return java.util.Arrays.stream(commaSeparated.split(",")).filter(p -> !p.isBlank()).mapToInt(Integer::parseInt).toArray();
  }

  private static void print(JsonObject result) {
    System.out.println(result.encode());
    System.exit(0);
  }

  // ---------------------------------------------------------------- baselines

  private static void bareHttp(int port) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    Buffer body = new JsonObject().put("sku", "MUG-CLASSIC").put("name", "Classic mug").put("price", "12.90").toBuffer();
    for (int i = 0; i < 2; i++) {
      vertx.createHttpServer().requestHandler(req -> req.response().putHeader("Content-Type", "application/json").end(body))
          .listen(port);
    }
  }

  private static void barePg(int port, int pgPort) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(5))
        .connectingTo(new PgConnectOptions().setHost("localhost").setPort(pgPort).setDatabase("inventory")
            .setUser("postgres").setCachePreparedStatements(true))
        .using(vertx).build();
    for (int i = 0; i < 2; i++) {
      vertx.createHttpServer().requestHandler(req -> pool
              .preparedQuery("SELECT sku, name, price_cents, on_hand - reserved AS available FROM product WHERE sku = $1")
              .execute(Tuple.of("MUG-CLASSIC"))
              .onSuccess(rows -> {
                var r = rows.iterator().next();
                req.response().putHeader("Content-Type", "application/json").end(new JsonObject().put("sku", r.getString(0))
                    .put("name", r.getString(1)).put("priceCents", r.getLong(2)).put("available", r.getInteger(3)).toBuffer());
              })
              .onFailure(t -> req.response().setStatusCode(500).end()))
          .listen(port);
    }
  }

  /**
   * Has the PostgreSQL on {@code pgPort} log every autovacuum and autoanalyze with its times
   * ({@code log_autovacuum_min_duration=0}, in its postgresql.auto.conf, then reloaded): the benchmark's server only,
   * so that a slow second of a load can be set beside the vacuums that ended in it.
   */
  private static JsonObject logAutovacuum(int pgPort) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = superuser(vertx, pgPort, "postgres");
      await(pool.query("ALTER SYSTEM SET log_autovacuum_min_duration = 0").execute());
      await(pool.query("SELECT pg_reload_conf()").execute());
      return new JsonObject().put("logAutovacuumMinDuration", 0);
    } finally {
      await(vertx.close());
    }
  }

  /**
   * Single-row INSERT commits from {@code concurrency} connections for {@code seconds}, after an uncounted warm-up of
   * the same inserts: at least {@code warmMinSeconds}, then until this JVM's JIT compiled under 5 % of a core in each of
   * the last two 5 s windows (its compilers share the cores with PostgreSQL), at most {@code warmMaxSeconds}.
   */
  private static JsonObject insertCommits(int pgPort, int seconds, int concurrency, int warmMinSeconds, int warmMaxSeconds)
      throws Exception {
    Vertx vertx = Vertx.vertx();
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(concurrency))
        .connectingTo(new PgConnectOptions().setHost("localhost").setPort(pgPort).setDatabase("postgres").setUser("postgres"))
        .using(vertx).build();
    await(pool.query("CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, payload text, at timestamptz DEFAULT now())")
        .execute());
    JsonObject warmUp = new JsonObject().put("seconds", 0);
    if (warmMinSeconds > 0) {
      long warmStart = System.nanoTime();
      AtomicLong warmEnd = new AtomicLong(Long.MAX_VALUE);
      java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
      long[] compiled = {jit.getTotalCompilationTime(), 0}; // the compile time so far, the quiet windows in a row
      long timer = vertx.setPeriodic(5_000, id -> {
        long now = jit.getTotalCompilationTime();
        long percent = (now - compiled[0]) * 100 / 5_000; // ms compiling per 5 s, as % of a core
        compiled[0] = now;
        long elapsed = (System.nanoTime() - warmStart) / 1_000_000_000L;
        warmUp.put("seconds", elapsed).put("compilerPercentOfACore", percent);
        compiled[1] = percent < 5 ? compiled[1] + 1 : 0;
        if (elapsed >= warmMinSeconds && compiled[1] >= 2 || elapsed >= warmMaxSeconds) {
          warmEnd.set(System.nanoTime());
        }
      });
      List<Future<Void>> warm = new ArrayList<>();
      for (int i = 0; i < concurrency; i++) {
        warm.add(insertLoop(pool, warmEnd::get, new AtomicLong()));
      }
      await(Future.all(warm));
      vertx.cancelTimer(timer);
    }
    AtomicLong commits = new AtomicLong();
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    List<Future<Void>> loops = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      loops.add(insertLoop(pool, () -> end, commits));
    }
    long start = System.nanoTime();
    // (await's 300 s bound would end a long storm: its own length plus the retries of its last orders)
    Future.all(loops).toCompletionStage().toCompletableFuture().get(seconds + 300L, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    await(pool.query("DROP TABLE bench_insert").execute());
    vertx.close();
    return new JsonObject().put("commitsPerSecond", Math.round(commits.get() / elapsed)).put("concurrency", concurrency)
        .put("seconds", elapsed).put("warmUp", warmUp);
  }

  private static Future<Void> insertLoop(Pool pool, java.util.function.LongSupplier end, AtomicLong commits) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    insertStep(pool, end, commits, done);
    return done.future();
  }

  private static void insertStep(Pool pool, java.util.function.LongSupplier end, AtomicLong commits, io.vertx.core.Promise<Void> done) {
    if (System.nanoTime() > end.getAsLong() || stormStopped) {
      done.complete();
      return;
    }
    pool.preparedQuery("INSERT INTO bench_insert (payload) VALUES ($1)").execute(Tuple.of("x")).onComplete(ar -> {
      if (ar.succeeded()) {
        commits.incrementAndGet();
      }
      insertStep(pool, end, commits, done);
    });
  }

  // ---------------------------------------------------------------- load

  /**
   * Closed-loop GET load from {@code connections} concurrent requesters, after {@code warmupSeconds}
   * of the same load that is not counted (the JIT compiles the server's hot paths meanwhile).
   */
  private static JsonObject loadGet(String url, int seconds, int connections, int warmupSeconds) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    WebClient client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(connections));
    if (warmupSeconds > 0) {
      Histogram discard = new Histogram(60_000_000_000L, 3);
      long warmStart = System.nanoTime();
      List<Future<Void>> warm = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        warm.add(getLoop(client, url, warmStart, warmStart + warmupSeconds * 1_000_000_000L, discard,
            new long[warmupSeconds + 2], new AtomicLong()));
      }
      await(Future.all(warm));
    }
    Histogram latency = new Histogram(60_000_000_000L, 3);
    long[] perSecond = new long[seconds + 2];
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    long cpuBefore = cpu();
    List<Future<Void>> loops = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      loops.add(getLoop(client, url, start, end, latency, perSecond, errors));
    }
    // (await's 300 s bound would end a long storm: its own length plus the retries of its last orders)
    Future.all(loops).toCompletionStage().toCompletableFuture().get(seconds + 300L, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    long cpuMs = cpu() - cpuBefore;
    vertx.close();
    JsonArray series = new JsonArray();
    for (int i = 0; i < seconds; i++) {
      series.add(perSecond[i]);
    }
    return new JsonObject().put("requests", latency.getTotalCount()).put("errors", errors.get()).put("seconds", elapsed)
        .put("requestsPerSecond", Math.round(latency.getTotalCount() / elapsed))
        .put("p50Ms", latency.getValueAtPercentile(50) / 1e6).put("p99Ms", latency.getValueAtPercentile(99) / 1e6)
        .put("perSecond", series).put("percentiles", percentiles(latency))
        .put("loadGeneratorCpuShare", round(cpuMs / 1000.0 / elapsed / Runtime.getRuntime().availableProcessors()));
  }

  /**
   * One requester: the next request when the last one answered. Driven by callbacks with one
   * promise per loop (a future chain per request would nest thousands of futures deep).
   */
  private static Future<Void> getLoop(WebClient client, String url, long start, long end, Histogram latency,
                                      long[] perSecond, AtomicLong errors) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    getStep(client, url, start, end, latency, perSecond, errors, done);
    return done.future();
  }

  private static void getStep(WebClient client, String url, long start, long end, Histogram latency,
                              long[] perSecond, AtomicLong errors, io.vertx.core.Promise<Void> done) {
    long sent = System.nanoTime();
    if (sent > end || stormStopped) {
      done.complete();
      return;
    }
    client.getAbs(url).timeout(30_000).send().onComplete(ar -> {
      long now = System.nanoTime();
      if (ar.succeeded() && ar.result().statusCode() == 200) {
        synchronized (latency) {
          latency.recordValue(now - sent);
        }
        perSecond[(int) Math.min(perSecond.length - 1, (now - start) / 1_000_000_000L)]++;
      } else {
        errors.incrementAndGet();
      }
      getStep(client, url, start, end, latency, perSecond, errors, done);
    });
  }

  /** An order slower than this from PLACED to APPROVED is counted against the second it was placed in (the paced target). */
  private static final long SLOW_MS = 100;

  /**
   * Orders from {@code customers} concurrent customers for {@code seconds}: each places an order,
   * waits for its answer, places the next. Afterwards (benchmark) every order is read back and
   * POST→APPROVED is taken from the order's own timeline. With {@code ratePerSecond} above 0, paced
   * instead: that many orders a second, each sent on time whether the earlier ones were answered or
   * not (an open loop, by the customers in turn), so the latency is the shop's at that rate; after
   * {@code leadInSeconds} at the same rate whose orders are read back and reported apart, not counted (the rule of every
   * measured load: an uncounted warm-up under the same kind of load, here this generator's own start).
   */
  private static JsonObject loadOrders(String webs, int seconds, int customers, boolean measure, long pauseMs,
                                       int[] pgPorts, CpuTicks cpuTicks, double ratePerSecond, int leadInSeconds)
      throws Exception {
    String[] bases = webs.split(",");
    String base = bases[0];
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    WebClient client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(5000).setIdleTimeout(30),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(customers + 4));
    List<String> tokens = customers(client, bases, customers);
    startTogether();
    Map<String, String> accepted = new java.util.concurrent.ConcurrentHashMap<>();
    Map<String, String> owners = new java.util.concurrent.ConcurrentHashMap<>();
    long[] perSecond = new long[seconds + 2];
    System.err.println("customers ready: placing orders");
    Map<String, String> leadAccepted = new java.util.concurrent.ConcurrentHashMap<>();
    Map<String, String> leadOwners = new java.util.concurrent.ConcurrentHashMap<>();
    Instant leadStartedAt = Instant.now();
    Future<Void> leadIn = Future.succeededFuture();
    if (ratePerSecond > 0 && leadInSeconds > 0) { // the counted window follows it on the same schedule, without a gap
      long leadStart = System.nanoTime();
      long leadEnd = leadStart + leadInSeconds * 1_000_000_000L;
      leadIn = paced(vertx, client, bases, tokens, ratePerSecond, "l", leadStart, leadEnd, leadAccepted, leadOwners,
          new long[leadInSeconds + 2]);
      TimeUnit.NANOSECONDS.sleep(leadEnd - System.nanoTime());
    }
    JsonObject commitsBefore = pgPorts.length > 0 ? commits(pgPorts) : null;
    JsonObject ticksBefore = cpuTicks != null ? cpuTicks.sample() : null;
    long[] machineBefore = CpuTicks.machine();
    long start = System.nanoTime();
    Instant startedAt = Instant.now();
    long end = start + seconds * 1_000_000_000L;
    long cpuBefore = cpu();
    // the machine second by second, {busy, waiting for the disk, this generator's CPU in cores, the disks' writes, the
    // milliseconds each took}: what the orders of a slow second met
    List<double[]> machineBySecond = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicReference<MachineSample> lastSample =
        new java.util.concurrent.atomic.AtomicReference<>(new MachineSample(machineBefore, cpuBefore, CpuTicks.disks()));
    long sampler = vertx.setPeriodic(1000, id -> {
      MachineSample now = MachineSample.now();
      machineBySecond.add(now.since(lastSample.getAndSet(now)));
    });
    List<Future<Void>> loops = new ArrayList<>();
    if (ratePerSecond > 0) {
      loops.add(paced(vertx, client, bases, tokens, ratePerSecond, "p", start, end, accepted, owners, perSecond));
    } else {
      for (int i = 0; i < customers; i++) {
        loops.add(orderLoop(client, rotated(bases, i), tokens.get(i), "c" + i + "-", 0, start, end, accepted, owners, perSecond,
            pauseMs));
      }
    }
    // (await's 300 s bound would end a long storm: its own length plus the retries of its last orders)
    Future.all(loops).toCompletionStage().toCompletableFuture().get(seconds + 300L, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    vertx.cancelTimer(sampler);
    long cpuMs = cpu() - cpuBefore;
    // every process's CPU on the machine while the orders were placed (the shop, its PostgreSQL, this generator)
    double machineBusy = CpuTicks.busyShare(machineBefore, CpuTicks.machine());
    JsonObject result = new JsonObject().put("customers", customers).put("accepted", accepted.size()).put("seconds", elapsed)
        .put("machineBusyShareWhilePlacing", machineBusy)
        .put("startedAt", startedAt.toString())
        .put("acceptedPerSecond", Math.round(accepted.size() / elapsed))
        .put("loadGeneratorCpuShare", round(cpuMs / 1000.0 / elapsed / Runtime.getRuntime().availableProcessors()))
        .put("orderIds", new JsonArray(new ArrayList<>(accepted.values())));
    JsonArray series = new JsonArray(); // orders accepted in each second of the load (until a stop file ended it)
    for (int i = 0; i < Math.min(seconds, Math.ceil(elapsed)); i++) {
      series.add(perSecond[i]);
    }
    result.put("perSecond", series);
    JsonObject failed = new JsonObject();
    FAILED_ATTEMPTS.forEach((cause, n) -> failed.put(cause, n.sum()));
    result.put("failedAttempts", failed).put("failed", FAILED_ATTEMPTS.values().stream().mapToLong(java.util.concurrent.atomic.LongAdder::sum).sum());
    if (commitsBefore != null) {
      // the orders' own commits: until every saga is done and the event readers caught up, before
      // this command reads the orders back (its reads are not the shop's work)
      sagasDone(pgPorts[0], 120_000);
      Thread.sleep(2_000);
      if (ticksBefore != null) { // the same window: the load and its sagas and event readers, not the read-back
        JsonObject ticksAfter = cpuTicks.sample();
        result.put("cpu", new JsonObject().put("windowSeconds", (System.nanoTime() - start) / 1e9)
            .put("clockTicksPerSecond", cpuTicks.ticksPerSecond())
            .put("machineBusyShare", CpuTicks.busyShare(machineBefore, CpuTicks.machine()))
            .put("ms", cpuTicks.millisBetween(ticksBefore, ticksAfter)).put("ticksBefore", ticksBefore).put("ticksAfter", ticksAfter));
      }
      result.put("commits", new JsonObject().put("before", commitsBefore).put("after", commits(pgPorts)));
    }
    if (measure) {
      ReadBack read = readBack(client, base, accepted, owners, startedAt, perSecond.length);
      Histogram toApproved = read.toApproved;
      double span = read.firstPlaced == null ? 1 : Duration.between(read.firstPlaced, read.lastApproved).toNanos() / 1e9;
      result.put("statuses", new JsonObject(new HashMap<>(read.statuses)))
          .put("approved", toApproved.getTotalCount())
          .put("approvedPerSecond", Math.round(toApproved.getTotalCount() / span))
          .put("approvedSpanSeconds", span)
          .put("p50ToApprovedMs", toApproved.getValueAtPercentile(50) / 1e6)
          .put("p99ToApprovedMs", toApproved.getValueAtPercentile(99) / 1e6)
          .put("percentilesToApproved", percentiles(toApproved));
      JsonArray bySecond = new JsonArray();
      synchronized (machineBySecond) {
        for (int i = 0; i < Math.min(seconds, Math.ceil(elapsed)); i++) {
          double[] machine = i < machineBySecond.size() ? machineBySecond.get(i) : new double[] {0, 0, 0, 0, 0};
          bySecond.add(new JsonObject().put("second", i).put("placed", perSecond[i]).put("overSlowMs", read.slow[i])
              .put("machineBusy", machine[0]).put("machineIowait", machine[1]).put("loadGeneratorCores", machine[2])
              .put("diskWrites", (long) machine[3]).put("diskMsPerWrite", machine[4]));
        }
      }
      result.put("slowMs", SLOW_MS).put("bySecond", bySecond);
      if (ratePerSecond > 0 && leadInSeconds > 0) {
        leadIn.toCompletionStage().toCompletableFuture().get(300, TimeUnit.SECONDS);
        ReadBack lead = readBack(client, base, leadAccepted, leadOwners, leadStartedAt, leadInSeconds + 2);
        JsonArray slowBySecond = new JsonArray();
        for (int i = 0; i < leadInSeconds; i++) {
          slowBySecond.add(lead.slow[i]);
        }
        result.put("leadIn", new JsonObject().put("seconds", leadInSeconds).put("startedAt", leadStartedAt.toString())
            .put("placed", leadAccepted.size()).put("approved", lead.toApproved.getTotalCount())
            .put("p99ToApprovedMs", lead.toApproved.getValueAtPercentile(99) / 1e6)
            .put("overSlowMs", java.util.Arrays.stream(lead.slow).sum()).put("overSlowMsBySecond", slowBySecond));
      }
      result.remove("orderIds");
    }
    vertx.close();
    return result;
  }

  /** The orders of a load read back (waiting out a PENDING one): POST→APPROVED from each one's own timeline. */
  private static final class ReadBack {
    final Histogram toApproved = new Histogram(600_000_000_000L, 3);
    final Map<String, Integer> statuses = new HashMap<>();
    final long[] slow; // over SLOW_MS, by the second of the load they were placed in
    Instant firstPlaced;
    Instant lastApproved;

    ReadBack(int seconds) {
      slow = new long[seconds];
    }
  }

  private static ReadBack readBack(WebClient client, String base, Map<String, String> accepted, Map<String, String> owners,
                                   Instant startedAt, int seconds) throws Exception {
    ReadBack read = new ReadBack(seconds);
    Histogram toApproved = read.toApproved;
    long[] slow = read.slow;
    long deadline = System.currentTimeMillis() + 120_000;
    for (Map.Entry<String, String> e : accepted.entrySet()) {
      JsonObject order;
      do {
        order = await(client.getAbs(base + "/api/orders/" + e.getValue()).bearerTokenAuthentication(owners.get(e.getKey()))
            .send()).bodyAsJsonObject();
        if (order.getString("status", "PENDING").equals("PENDING")) {
          Thread.sleep(50);
        }
      } while (order.getString("status", "PENDING").equals("PENDING") && System.currentTimeMillis() < deadline);
      read.statuses.merge(order.getString("status"), 1, Integer::sum);
      Instant placed = null;
      Instant approved = null;
      for (Object t : order.getJsonArray("timeline", new JsonArray())) {
        JsonObject ev = (JsonObject) t;
        if (ev.getString("event").equals("PLACED")) {
          placed = Instant.parse(ev.getString("at"));
        } else if (ev.getString("event").equals("APPROVED")) {
          approved = Instant.parse(ev.getString("at"));
        }
      }
      if (placed != null && approved != null) {
        long took = Math.max(1, Duration.between(placed, approved).toNanos());
        toApproved.recordValue(took);
        if (took > SLOW_MS * 1_000_000L) {
          slow[(int) Math.max(0, Math.min(slow.length - 1, Duration.between(startedAt, placed).getSeconds()))]++;
        }
        read.firstPlaced = read.firstPlaced == null || placed.isBefore(read.firstPlaced) ? placed : read.firstPlaced;
        read.lastApproved = read.lastApproved == null || approved.isAfter(read.lastApproved) ? approved : read.lastApproved;
      }
    }
    return read;
  }

  /**
   * Beside another load generator (the tracing comparison of scripts/bench.sh: two shops under the same load at once),
   * both place from the same moment: this one creates {@code load.ready-file} once its customers are in, then waits
   * (at most 5 min) for {@code load.start-file}, which the script creates when every generator is ready. Without it,
   * one generator began placing 1.6 s before the other in a 5 s round, and its shop approved 1.49 x the other's.
   */
  private static void startTogether() throws Exception {
    String ready = System.getProperty("load.ready-file");
    String start = System.getProperty("load.start-file");
    if (ready != null) {
      java.nio.file.Files.createFile(java.nio.file.Path.of(ready));
    }
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (start != null && !java.nio.file.Files.exists(java.nio.file.Path.of(start)) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  /** Registers {@code n} customers (customer i on the i-th web, a retry on the next) and logs each in: their tokens. */
  private static List<String> customers(WebClient client, String[] bases, int n) throws Exception {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String email = "load-" + UUID.randomUUID() + "@example.com";
      JsonObject account = new JsonObject().put("name", "Load " + i).put("email", email).put("password", "a long password");
      String[] mine = rotated(bases, i);
      java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
      java.util.function.Supplier<String> web = () -> mine[calls.getAndIncrement() % mine.length]; // a retry: the next web
      await(retrying(() -> client.postAbs(web.get() + "/api/customers").timeout(15_000).sendJsonObject(account), 201, 409));
      calls.set(0);
      HttpResponse<Buffer> login = await(retrying(() -> client.postAbs(web.get() + "/api/login").timeout(15_000)
          .sendJsonObject(new JsonObject().put("email", email).put("password", "a long password")), 200));
      tokens.add(login.bodyAsJsonObject().getString("token"));
    }
    return tokens;
  }

  // ---------------------------------------------------------------- overload

  /** What the overload's order loops saw. */
  private static final class Overload {
    final Map<String, String> accepted = new java.util.concurrent.ConcurrentHashMap<>();
    final Map<String, String> owners = new java.util.concurrent.ConcurrentHashMap<>();
    final AtomicLong attempts = new AtomicLong();
    final AtomicLong shed = new AtomicLong();
    final AtomicLong shedWithRetryAfter = new AtomicLong();
    // recorded from the order loops' two event loops
    final Histogram acceptedLatency = new org.HdrHistogram.ConcurrentHistogram(600_000_000_000L, 3);
    final Histogram shedLatency = new org.HdrHistogram.ConcurrentHistogram(600_000_000_000L, 3);
  }

  private static JsonObject overload(String base, int seconds, int connections, int customers, String readUrl, int readConnections)
      throws Exception {
    // The order loops on two event loops, the reads on a Vert.x of their own: with the 256 loops and the
    // readers on one thread, a read's answer (and an order's) waited in the generator's own queue on a
    // saturated machine, and the p99s measured that queue, not the shop (a curl probe beside it saw
    // 9-54 ms sheds where this generator reported a p99 of seconds).
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    Vertx readerVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    WebClient client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(5000).setIdleTimeout(30),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(16));
    WebClient reader = WebClient.create(readerVertx, new WebClientOptions().setKeepAlive(true),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(readConnections));
    List<String> tokens = customers(client, new String[] {base}, customers);
    System.err.println("customers ready: overloading");
    Overload o = new Overload();
    Histogram reads = new Histogram(60_000_000_000L, 3);
    AtomicLong readErrors = new AtomicLong();
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    List<Future<Void>> loops = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int i = 0; i < readConnections; i++) {
      loops.add(getLoop(reader, readUrl, start, end, reads, new long[seconds + 2], readErrors));
    }
    // one deployment per event loop, each with its own client and every other order loop, started on it
    java.util.concurrent.atomic.AtomicInteger instance = new java.util.concurrent.atomic.AtomicInteger();
    await(vertx.deployVerticle(() -> context -> {
      WebClient own = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(5000).setIdleTimeout(30),
          new io.vertx.core.http.PoolOptions().setHttp1MaxSize(connections / 2 + 4));
      for (int i = instance.getAndIncrement(); i < connections; i += 2) {
        io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
        overloadStep(own, base, tokens.get(i % customers), "o" + i + "-", 0, end, o, done);
        loops.add(done.future());
      }
      return Future.succeededFuture();
    }, new io.vertx.core.DeploymentOptions().setInstances(2)));
    Future.all(loops).toCompletionStage().toCompletableFuture().get(seconds + 300L, TimeUnit.SECONDS);
    double elapsed = (System.nanoTime() - start) / 1e9;
    // every accepted order settles: polled until it leaves PENDING (2 minutes at most)
    Map<String, Integer> statuses = new HashMap<>();
    long deadline = System.currentTimeMillis() + 120_000;
    for (Map.Entry<String, String> e : o.accepted.entrySet()) {
      String status;
      do {
        status = await(client.getAbs(base + "/api/orders/" + e.getValue()).bearerTokenAuthentication(o.owners.get(e.getKey()))
            .send()).bodyAsJsonObject().getString("status", "PENDING");
        if (status.equals("PENDING")) {
          Thread.sleep(50);
        }
      } while (status.equals("PENDING") && System.currentTimeMillis() < deadline);
      statuses.merge(status, 1, Integer::sum);
    }
    JsonObject failed = new JsonObject();
    FAILED_ATTEMPTS.forEach((cause, n) -> failed.put(cause, n.sum()));
    vertx.close();
    readerVertx.close();
    return new JsonObject().put("seconds", elapsed).put("connections", connections)
        .put("attempts", o.attempts.get()).put("attemptsPerSecond", Math.round(o.attempts.get() / elapsed))
        .put("accepted", o.accepted.size()).put("acceptedPerSecond", Math.round(o.accepted.size() / elapsed))
        .put("acceptedP50Ms", o.acceptedLatency.getValueAtPercentile(50) / 1e6)
        .put("acceptedP99Ms", o.acceptedLatency.getValueAtPercentile(99) / 1e6)
        .put("shed", o.shed.get()).put("shedWithRetryAfter", o.shedWithRetryAfter.get())
        .put("shedP99Ms", o.shedLatency.getValueAtPercentile(99) / 1e6)
        .put("failedOtherwise", failed)
        .put("statuses", new JsonObject(new HashMap<>(statuses)))
        .put("unsettled", statuses.getOrDefault("PENDING", 0))
        .put("reads", new JsonObject().put("requests", reads.getTotalCount()).put("errors", readErrors.get())
            .put("requestsPerSecond", Math.round(reads.getTotalCount() / elapsed))
            .put("p50Ms", reads.getValueAtPercentile(50) / 1e6).put("p99Ms", reads.getValueAtPercentile(99) / 1e6));
  }

  /**
   * One overloading client, as the store front behaves: its next order as soon as the last one was
   * accepted; after a 503 the same order (its Idempotency-Key) again once Retry-After has passed
   * (1 s after any other failure).
   */
  private static void overloadStep(WebClient client, String base, String token, String prefix, int n, long end, Overload o,
                                   io.vertx.core.Promise<Void> done) {
    if (System.nanoTime() > end) {
      done.complete();
      return;
    }
    String key = prefix + n;
    JsonObject body = new JsonObject().put("lines", new JsonArray().add(new JsonObject()
        .put("sku", skus[ThreadLocalRandom.current().nextInt(skus.length)]).put("quantity", 1)));
    long sent = System.nanoTime();
    o.attempts.incrementAndGet();
    client.postAbs(base + "/api/orders").bearerTokenAuthentication(token).putHeader("Idempotency-Key", key)
        .timeout(30_000).sendJsonObject(body).onComplete(ar -> {
          long took = Math.max(1, System.nanoTime() - sent);
          long pauseMs = 0;
          if (ar.succeeded() && ar.result().statusCode() == 202) {
            o.accepted.put(key, ar.result().bodyAsJsonObject().getString("orderId"));
            o.owners.put(key, token);
            o.acceptedLatency.recordValue(took);
          } else if (ar.succeeded() && ar.result().statusCode() == 503) {
            o.shed.incrementAndGet();
            o.shedLatency.recordValue(took);
            String retryAfter = ar.result().getHeader("Retry-After");
            if (retryAfter != null) {
              o.shedWithRetryAfter.incrementAndGet();
            }
            pauseMs = retryAfter == null ? 1000 : Long.parseLong(retryAfter.trim()) * 1000;
          } else {
            FAILED_ATTEMPTS.computeIfAbsent(failureCause(ar), c -> new java.util.concurrent.atomic.LongAdder()).increment();
            pauseMs = 1000;
          }
          // after a refusal the same order again (its key), as the store front does; else the next order
          int following = pauseMs > 0 ? n : n + 1;
          Runnable next = () -> overloadStep(client, base, token, prefix, following, end, o, done);
          if (pauseMs > 0) {
            Vertx.currentContext().owner().setTimer(pauseMs, id -> next.run());
          } else {
            next.run();
          }
        });
  }

  /** The webs in the order customer {@code i} uses them: its own first, then the next ones (its retries). */
  private static String[] rotated(String[] bases, int i) {
    String[] order = new String[bases.length];
    for (int k = 0; k < bases.length; k++) {
      order[k] = bases[(i + k) % bases.length];
    }
    return order;
  }

  /**
   * Places {@code ratePerSecond} orders a second until {@code end}, by the customers in turn, each under its own
   * {@code prefix}-ed key; done when all are answered.
   */
  private static Future<Void> paced(Vertx vertx, WebClient client, String[] bases, List<String> tokens, double ratePerSecond,
                                    String prefix, long start, long end, Map<String, String> accepted, Map<String, String> owners,
                                    long[] perSecond) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    List<Future<Void>> placed = new ArrayList<>();
    long[] sent = {0};
    vertx.setPeriodic(2, timer -> {
      long now = System.nanoTime();
      long due = (long) ((Math.min(now, end) - start) / 1e9 * ratePerSecond);
      for (; sent[0] < due; sent[0]++) {
        int n = (int) sent[0];
        placed.add(placeOne(client, rotated(bases, n), tokens.get(n % tokens.size()), prefix + n, start, accepted, owners, perSecond));
      }
      if (now >= end) {
        vertx.cancelTimer(timer);
        Future.join(placed).onComplete(ar -> done.complete());
      }
    });
    return done.future();
  }

  private static Future<Void> orderLoop(WebClient client, String[] bases, String token, String prefix, int n, long start,
                                        long end, Map<String, String> accepted, Map<String, String> owners, long[] perSecond,
                                        long pauseMs) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    orderStep(client, bases, token, prefix, n, start, end, accepted, owners, perSecond, pauseMs, done);
    return done.future();
  }

  private static void orderStep(WebClient client, String[] bases, String token, String prefix, int n, long start, long end,
                                Map<String, String> accepted, Map<String, String> owners, long[] perSecond, long pauseMs,
                                io.vertx.core.Promise<Void> done) {
    if (System.nanoTime() > end || stormStopped) {
      done.complete();
      return;
    }
    placeOne(client, bases, token, prefix + n, start, accepted, owners, perSecond).onComplete(ar -> {
      Runnable next = () -> orderStep(client, bases, token, prefix, n + 1, start, end, accepted, owners, perSecond, pauseMs, done);
      if (pauseMs > 0) {
        Vertx.currentContext().owner().setTimer(pauseMs, id -> next.run());
      } else {
        next.run();
      }
    });
  }

  /** One order of one random product, placed (with retries) under {@code key}; recorded when accepted. Never fails. */
  private static Future<Void> placeOne(WebClient client, String[] bases, String token, String key, long start,
                                       Map<String, String> accepted, Map<String, String> owners, long[] perSecond) {
    JsonObject body = new JsonObject().put("lines", new JsonArray().add(new JsonObject()
        .put("sku", skus[ThreadLocalRandom.current().nextInt(skus.length)]).put("quantity", 1)));
    return placeWithRetries(client, bases, token, key, body, 0).transform(ar -> {
      if (ar.succeeded() && ar.result() != null) {
        accepted.put(key, ar.result());
        owners.put(key, token);
        perSecond[(int) Math.min(perSecond.length - 1, (System.nanoTime() - start) / 1_000_000_000L)]++;
      }
      return Future.<Void>succeededFuture();
    });
  }

  /** A client that keeps its Idempotency-Key across retries: the same order, never a second one. */
  private static Future<String> placeWithRetries(WebClient client, String[] bases, String token, String key, JsonObject body,
                                                 int attempt) {
    String web = bases[attempt % bases.length];
    return client.postAbs(web + "/api/orders").bearerTokenAuthentication(token)
        .putHeader("Idempotency-Key", key).timeout(15_000).sendJsonObject(body)
        .transform(ar -> {
          if (ar.succeeded() && ar.result().statusCode() == 202) {
            return Future.succeededFuture(ar.result().bodyAsJsonObject().getString("orderId"));
          }
          String cause = failureCause(ar);
          FAILED_ATTEMPTS.computeIfAbsent(cause, c -> new java.util.concurrent.atomic.LongAdder()).increment();
          // when and where, so that a run can tell a refusal of a web that was stopping from any other
          System.err.println("failed attempt: " + System.currentTimeMillis() + " " + web + " " + cause
              + (ar.failed() ? " (" + ar.cause() + ")" : " " + answerOf(ar.result())));
          if (attempt >= 20) {
            return Future.succeededFuture(null);
          }
          Vertx vertx = Vertx.currentContext().owner();
          return dev.microshop.common.MicroshopVertx.delay(vertx, 250)
              .compose(v -> placeWithRetries(client, bases, token, key, body, attempt + 1));
        });
  }

  /** A refusal's body as the shop wrote it (its error, message and errorId), on one line. */
  private static String answerOf(HttpResponse<Buffer> response) {
    String body = response.bodyAsString();
    return body == null ? "(no body)" : body.replaceAll("\\s+", " ");
  }

  /**
   * Why an order attempt got no 202: its status code, or "connect" (refused: nothing was sent),
   * "connect-timeout" (no answer to the connection attempt in time: nothing was sent either, but a
   * listener that takes nobody, not one that is gone), "timeout" (no answer in time), "closed" (the
   * connection closed before the answer), or the exception's class.
   */
  private static String failureCause(io.vertx.core.AsyncResult<HttpResponse<Buffer>> ar) {
    if (ar.succeeded()) {
      return Integer.toString(ar.result().statusCode());
    }
    Throwable t = ar.cause();
    if (t instanceof io.netty.channel.ConnectTimeoutException) {
      return "connect-timeout";
    }
    if (t instanceof java.net.ConnectException) {
      return "connect";
    }
    if (t instanceof java.util.concurrent.TimeoutException || t.getClass().getSimpleName().contains("Timeout")) {
      return "timeout";
    }
    if (t instanceof io.vertx.core.http.HttpClosedException) {
      return "closed";
    }
    return t.getClass().getSimpleName();
  }

  /**
   * A set-up request, sent again (up to 60 times, 0.5 s apart) when it failed or the shop answered
   * 5xx: the chaos run may kill the web JVM while the customers are being registered.
   */
  private static Future<HttpResponse<Buffer>> retrying(java.util.function.Supplier<Future<HttpResponse<Buffer>>> call,
                                                       int... ok) {
    return retrying(call, ok, 0);
  }

  private static Future<HttpResponse<Buffer>> retrying(java.util.function.Supplier<Future<HttpResponse<Buffer>>> call,
                                                       int[] ok, int attempt) {
    return call.get().transform(ar -> {
      if (ar.succeeded() && java.util.Arrays.stream(ok).anyMatch(code -> code == ar.result().statusCode())) {
        return Future.succeededFuture(ar.result());
      }
      boolean again = ar.failed() || ar.result().statusCode() >= 500;
      if (!again || attempt >= 60) {
        return Future.failedFuture(ar.failed() ? ar.cause().toString()
            : "HTTP " + ar.result().statusCode() + ": " + ar.result().bodyAsString());
      }
      Vertx vertx = Vertx.currentContext().owner();
      return dev.microshop.common.MicroshopVertx.delay(vertx, 500).compose(v -> retrying(call, ok, attempt + 1));
    });
  }

  private static JsonObject cpuIdle(CpuTicks cpuTicks, int seconds) throws InterruptedException {
    JsonObject before = cpuTicks.sample();
    long[] machineBefore = CpuTicks.machine();
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    JsonObject ms = cpuTicks.millisBetween(before, cpuTicks.sample());
    ms.remove("load-generator"); // this command, not a load
    return new JsonObject().put("seconds", (System.nanoTime() - start) / 1e9).put("ms", ms)
        .put("machineBusyShare", CpuTicks.busyShare(machineBefore, CpuTicks.machine()));
  }

  // ---------------------------------------------------------------- database figures

  /**
   * The transactions committed in the shop's databases so far ({@code xact_commit}, read-only ones
   * included) and the next transaction id: an id is taken only by a transaction that writes, so the
   * difference of two readings counts the write commits (server-wide: the shop's databases share
   * the all-in-one server, and these readings write nothing). With several servers (one per service,
   * clustered) both are summed over them.
   */
  private static JsonObject commits(int[] pgPorts) throws Exception {
    Vertx vertx = Vertx.vertx();
    JsonObject out = new JsonObject();
    long total = 0;
    long nextXid = 0;
    try {
      for (int pgPort : pgPorts) {
        Pool pool = superuser(vertx, pgPort, "postgres");
        for (var r : await(pool.query("SELECT datname, xact_commit FROM pg_stat_database"
            + " WHERE datname IN ('inventory', 'customer', 'order', 'shipping', 'history')").execute())) {
          out.put(r.getString(0), r.getLong(1));
          total += r.getLong(1);
        }
        nextXid += await(pool.query("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint").execute())
            .iterator().next().getLong(0);
        await(pool.close());
      }
    } finally {
      vertx.close();
    }
    return out.put("total", total).put("nextXid", nextXid);
  }

  /** A pool on one of the embedded server's databases as its superuser (loopback trust). */
  private static Pool superuser(Vertx vertx, int pgPort, String database) {
    return PgBuilder.pool().connectingTo(new PgConnectOptions().setHost("localhost").setPort(pgPort)
        .setDatabase(database).setUser("postgres")).using(vertx).build();
  }

  /** Waits until the order database has no unfinished saga. */
  private static void sagasDone(int pgPort, long timeoutMs) throws Exception {
    Vertx vertx = Vertx.vertx();
    Pool pool = superuser(vertx, pgPort, "order");
    try {
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (await(pool.query("SELECT count(*) FROM orders WHERE saga_step <> 'DONE'").execute())
          .iterator().next().getLong(0) > 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
    } finally {
      vertx.close();
    }
  }

  // ---------------------------------------------------------------- invariants

  /**
   * Joins the cluster (MICROSHOP_CLUSTER_* from the environment) and checks every invariant of
   * design.md, the history view's included, with the project's one checker ({@link Invariants}).
   * Prints how the accepted orders ended, each violation, then {@code invariants: N checked, M violated}.
   */
  private static int checkInvariants(java.nio.file.Path acceptedFile) throws Exception {
    VertxOptions options = new VertxOptions();
    ClusterTls.apply(options.getEventBusOptions(), System.getenv()); // a cluster with event-bus TLS takes members with it only
    Vertx vertx = await(Vertx.builder().with(options)
        .withClusterManager(new ShopClusterManager(ClusterConfig.load(System.getenv()))).buildClustered());
    try {
      List<String> accepted = null;
      if (acceptedFile != null) {
        accepted = java.nio.file.Files.readAllLines(acceptedFile).stream().map(String::trim).filter(id -> !id.isEmpty()).toList();
      }
      Invariants.Report report = Invariants.check(vertx, 1000, true, accepted);
      printOutcomes(accepted != null ? accepted : List.copyOf(report.statusOf().keySet()), report.statusOf());
      report.violations().forEach(v -> System.out.println("VIOLATED: " + v));
      System.out.printf("invariants: %d checked, %d violated%n", report.checks(), report.violations().size());
      return report.violations().isEmpty() ? 0 : 1;
    } finally {
      vertx.close();
    }
  }

  /**
   * One line for the chaos run to read: how the accepted orders ended. An outcome that approves
   * nothing satisfies every invariant, so the run checks these counts too.
   */
  private static void printOutcomes(List<String> accepted, Map<String, String> statusOf) {
    Map<String, Integer> byStatus = new java.util.TreeMap<>();
    accepted.forEach(id -> byStatus.merge(statusOf.getOrDefault(id, "MISSING"), 1, Integer::sum));
    int approved = byStatus.getOrDefault("APPROVED", 0) + byStatus.getOrDefault("SHIPPED", 0)
        + byStatus.getOrDefault("DELIVERED", 0);
    System.out.printf("orders: %d accepted, %d approved, %d rejected, %d cancelled %s%n", accepted.size(), approved,
        byStatus.getOrDefault("REJECTED", 0), byStatus.getOrDefault("CANCELLED", 0), byStatus);
  }

  private static JsonObject request(Vertx vertx, String address, JsonObject body) throws Exception {
    return await(vertx.eventBus().<JsonObject>request(address, body,
        new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(30_000))).body();
  }

  // ---------------------------------------------------------------- helpers

  private static JsonArray percentiles(Histogram h) {
    JsonArray out = new JsonArray();
    for (double p : new double[] {50, 75, 90, 95, 99, 99.9}) {
      out.add(new JsonObject().put("percentile", p).put("ms", h.getValueAtPercentile(p) / 1e6));
    }
    return out;
  }

  /** The machine's CPU ticks, this generator's CPU milliseconds and the disks' writes ({@link CpuTicks#disks()}), at once. */
  private record MachineSample(long[] machine, long generatorCpuMs, long[] disks) {
    static MachineSample now() {
      return new MachineSample(CpuTicks.machine(), cpu(), CpuTicks.disks());
    }

    /** {busy, waiting for the disk, the generator's CPU in cores, the disks' writes, the milliseconds each took}. */
    double[] since(MachineSample before) {
      return new double[] {CpuTicks.busyShare(before.machine, machine), CpuTicks.iowaitShare(before.machine, machine),
          (generatorCpuMs - before.generatorCpuMs) / 1000.0, disks[0] - before.disks[0], CpuTicks.msPerWrite(before.disks, disks)};
    }
  }

  private static long cpu() {
    return ProcessHandle.current().info().totalCpuDuration().map(Duration::toMillis).orElse(0L);
  }

  private static double round(double d) {
    return Math.round(d * 1000) / 1000.0;
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(300, TimeUnit.SECONDS);
  }
}
