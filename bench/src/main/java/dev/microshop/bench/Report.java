package dev.microshop.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Turns a bench run's measurements into bench/results/DATE.json and .html, and docs/benchmarks.md. */
final class Report {

  private Report() {
  }

  /**
   * The paced load's slowest seconds (the orders placed in a second that took over its slowMs to APPROVED, the
   * machine's busy and disk-wait shares in that second, the time its disks took per write) and PostgreSQL's
   * checkpoints and autovacuums meanwhile: what a p99 met.
   */
  private static String pacedSeconds(JsonObject paced) {
    if (paced == null || !paced.containsKey("bySecond")) {
      return "";
    }
    List<JsonObject> seconds = new ArrayList<>();
    paced.getJsonArray("bySecond").forEach(second -> seconds.add((JsonObject) second));
    seconds.sort(Comparator.comparingLong((JsonObject second) -> second.getLong("overSlowMs")).reversed());
    // the disks' time per write in a slow second beside the load's median second's: a stalled disk, not more writing
    double[] msPerWrite = seconds.stream().filter(second -> second.getLong("diskWrites", 0L) > 0)
        .mapToDouble(second -> second.getDouble("diskMsPerWrite")).sorted().toArray();
    List<String> worst = new ArrayList<>();
    for (JsonObject second : seconds.subList(0, Math.min(PACED_SECONDS_SHOWN, seconds.size()))) {
      if (second.getLong("overSlowMs") > 0) {
        String disk = second.getLong("diskWrites", 0L) == 0 ? "" : String.format(Locale.ROOT,
            "; the disks' %d writes %.2f ms each (the load's median second: %.2f ms)", second.getLong("diskWrites"),
            second.getDouble("diskMsPerWrite"), msPerWrite[msPerWrite.length / 2]);
        worst.add(String.format(Locale.ROOT, "second %d: %d (%d placed in it; machine %.0f %% busy, %.0f %% waiting for the disk; "
                + "the load generator %.0f %% of a core%s)",
            second.getInteger("second"), second.getLong("overSlowMs"), second.getLong("placed"),
            100 * second.getDouble("machineBusy"), 100 * second.getDouble("machineIowait"),
            100 * second.getDouble("loadGeneratorCores", 0.0), disk));
      }
    }
    List<String> server = new ArrayList<>();
    paced.getJsonArray("postgresLog", new JsonArray()).forEach(c -> server.add(String.format(Locale.ROOT,
        "second %.1f: %s", ((JsonObject) c).getDouble("second"), ((JsonObject) c).getString("event"))));
    JsonObject lead = paced.getJsonObject("leadIn");
    String leadIn = lead == null ? "" : String.format(Locale.ROOT, "The paced load began with an uncounted lead-in of %d s at "
            + "its rate: %d placed, p99 %.1f ms, %d over %d ms (by its second: %s). Then, counted: ", lead.getInteger("seconds"),
        lead.getLong("placed"), lead.getDouble("p99ToApprovedMs"), lead.getLong("overSlowMs"), paced.getLong("slowMs"),
        lead.getJsonArray("overSlowMsBySecond").stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", ")));
    return String.format(Locale.ROOT, "%n%s%s paced at half, over %d ms to APPROVED by the second they were placed in: %s. "
            + "PostgreSQL's checkpoints and autovacuums during that load (its log): %s.%n", leadIn, lead == null ? "Orders" : "orders",
        paced.getLong("slowMs"),
        worst.isEmpty() ? "none" : String.join("; ", worst), server.isEmpty() ? "none" : String.join("; ", server));
  }

  /** The most seconds of the paced load that pacedSeconds names. */
  private static final int PACED_SECONDS_SHOWN = 5;

  /**
   * The load with PostgreSQL's checkpoints ({@code log_checkpoints}) and autovacuums ({@code log_autovacuum_min_duration},
   * logged when one ends, with how long it took) from its server log, from the load's start to the last order's approval,
   * each at its second of the load: their reads, writes and syncs share the disk and the cores with every commit. The
   * load as it was when it has no start or there is no log.
   */
  static JsonObject withServerLog(JsonObject load, Path serverLog) throws IOException {
    if (load == null || !load.containsKey("startedAt") || !Files.exists(serverLog)) {
      return load;
    }
    java.time.Instant start = java.time.Instant.parse(load.getString("startedAt"));
    // the last approval: the placing lasted "seconds", the approvals span from the first placement to the last approval
    java.time.Instant end = start.plusMillis(Math.round(1000 * (1 + Math.max(load.getDouble("seconds", 0.0), load.getDouble("approvedSpanSeconds", 0.0)))));
    java.time.format.DateTimeFormatter stamp = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS z");
    List<String> lines = Files.readAllLines(serverLog);
    JsonArray events = new JsonArray();
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n); // "2026-12-06 15:04:01.081 UTC [10444] LOG:  checkpoint starting: wal"
      int log = line.indexOf("LOG:  ");
      int pid = line.indexOf(" [");
      if (log < 0 || pid < 0 || !SERVER_EVENT.matcher(line.substring(log + "LOG:  ".length())).lookingAt()) {
        continue;
      }
      java.time.Instant at;
      try {
        at = ZonedDateTime.parse(line.substring(0, pid), stamp).toInstant();
      } catch (java.time.format.DateTimeParseException e) {
        continue;
      }
      if (at.isBefore(start) || at.isAfter(end)) {
        continue;
      }
      StringBuilder message = new StringBuilder(line.substring(log + "LOG:  ".length()));
      for (int k = n + 1; k < lines.size() && lines.get(k).startsWith("\t"); k++) { // its detail lines
        message.append(' ').append(lines.get(k).trim());
      }
      java.util.regex.Matcher times = CHECKPOINT_TIMES.matcher(message);
      java.util.regex.Matcher elapsed = ELAPSED.matcher(message);
      java.util.regex.Matcher vacuum = AUTOVACUUM.matcher(message);
      boolean timed = elapsed.find();
      if (vacuum.lookingAt() && timed && Double.parseDouble(elapsed.group(1)) < MIN_VACUUM_SECONDS) {
        continue; // a small table's: nothing a second of commits would notice
      }
      String event = times.find() ? "checkpoint complete (" + times.group() + ")"
          : vacuum.lookingAt() && timed ? vacuum.group() + " (" + elapsed.group(1) + " s, ended)"
          : message.toString();
      events.add(new JsonObject().put("second", Math.round((at.toEpochMilli() - start.toEpochMilli()) / 100.0) / 10.0)
          .put("event", event));
    }
    return load.copy().put("postgresLog", events);
  }

  /** An autovacuum or autoanalyze shorter than this is left out of a load's server events. */
  private static final double MIN_VACUUM_SECONDS = 0.1;
  private static final java.util.regex.Pattern SERVER_EVENT = java.util.regex.Pattern.compile("checkpoint |automatic (vacuum|analyze) ");
  private static final java.util.regex.Pattern CHECKPOINT_TIMES = java.util.regex.Pattern.compile("write=[^;]*");
  private static final java.util.regex.Pattern AUTOVACUUM = java.util.regex.Pattern.compile("automatic (vacuum|analyze) of table \"[^\"]*\"");
  private static final java.util.regex.Pattern ELAPSED = java.util.regex.Pattern.compile("elapsed: ([0-9.]+) s");

  /** The paced order load (half the sustained rate, an open loop): its POST→APPROVED latency. */
  private static String pacedRow(JsonObject paced) {
    if (paced == null) {
      return "";
    }
    return String.format(Locale.ROOT, "| orders paced at half that rate | %d placed, %d approved, %d /s (POST→APPROVED p50 %.1f ms, p99 %.1f ms; the machine %.0f %% busy meanwhile) | | | p99 ≤ 100 ms |%n",
        paced.getLong("accepted", 0L), paced.getLong("approved", 0L), paced.getLong("acceptedPerSecond", 0L),
        paced.getDouble("p50ToApprovedMs", 0.0), paced.getDouble("p99ToApprovedMs", 0.0),
        100 * paced.getDouble("machineBusyShareWhilePlacing", 0.0));
  }

  static void write(Path work, Path resultsDir, Path markdown) throws IOException {
    JsonObject bareHttp = read(work, "bare-http.json");
    JsonObject barePg = read(work, "bare-pg.json");
    JsonObject insert = read(work, "insert.json");
    JsonObject get = read(work, "shop-get.json");
    JsonObject orders = read(work, "shop-orders.json");
    // commits of the orders themselves (load-orders reads them from the load's start until every saga is done):
    // write commits, which take a transaction id, compare with the INSERT commits; every transaction
    // (read-only ones too, as pg_stat_database counts them) is reported beside
    JsonObject before = orders.getJsonObject("commits").getJsonObject("before");
    JsonObject after = orders.getJsonObject("commits").getJsonObject("after");
    long accepted = orders.getLong("accepted");
    double commitsPerOrder = accepted == 0 ? 0 : (double) (after.getLong("nextXid") - before.getLong("nextXid")) / accepted;
    double transactionsPerOrder = accepted == 0 ? 0 : (double) (after.getLong("total") - before.getLong("total")) / accepted;
    double orderBound = commitsPerOrder == 0 ? 0 : insert.getLong("commitsPerSecond") / commitsPerOrder;
    long rssLoadMb = read(work, "rss-load.json").getLong("peakKb") / 1024;

    JsonObject ratios = new JsonObject()
        .put("productReadsVsBareSelect", ratio(get.getLong("requestsPerSecond"), barePg.getLong("requestsPerSecond")))
        .put("productReadsVsBareHttp", ratio(get.getLong("requestsPerSecond"), bareHttp.getLong("requestsPerSecond")))
        .put("approvedPerSecondVsInsertBound", ratio(orders.getLong("approvedPerSecond", 0L), orderBound))
        .put("approvedPerSecondVsInsertCommits", ratio(orders.getLong("approvedPerSecond", 0L), insert.getLong("commitsPerSecond")))
        .put("allInOneRssUnderLoadVs350Mb", ratio(rssLoadMb, 350));
    JsonObject result = new JsonObject()
        .put("date", ZonedDateTime.now().toString())
        .put("machine", machine())
        .put("bounds", new JsonObject().put("bareHttp", bareHttp).put("bareHttpWithPkSelect", barePg).put("insertCommits", insert))
        .put("shop", new JsonObject().put("productReads", get).put("orders", orders)
            .put("commitsPerOrder", Math.round(commitsPerOrder * 100) / 100.0)
            .put("transactionsPerOrder", Math.round(transactionsPerOrder * 100) / 100.0)
            .put("orderBoundPerSecond", Math.round(orderBound))
            .put("startToReadyMs", read(work, "start.json").getLong("startToReadyMs"))
            .put("jvm", readIfThere(work, "shop-jvm.json"))
            .put("jitDuringOrders", readIfThere(work, "shop-orders-jit.json"))
            .put("rssIdleMb", read(work, "rss-idle.json").getLong("idleKb") / 1024)
            .put("rssUnderLoadMb", rssLoadMb)
            .put("postgresRssUnderLoadMb", read(work, "rss-load.json").getLong("postgresKb", 0L) / 1024)
            .put("cpuMsPerOrder", cpuPerOrder(orders, readIfThere(work, "shop-idle.json")))
            .put("catalogStaleness", readIfThere(work, "catalog-staleness.json"))
            .put("overload", readIfThere(work, "shop-overload.json"))
            .put("ordersPaced", withServerLog(readIfThere(work, "shop-orders-paced.json"), work.resolve("pg.log"))))
        .put("ratios", ratios)
        .put("warmUps", new JsonObject() // each target's uncounted warm-up, until its JIT settled (absent: a fixed one)
            .put("bareHttp", readIfThere(work, "bare-http-warm-up.json"))
            .put("bareHttpWithPkSelect", readIfThere(work, "bare-pg-warm-up.json"))
            .put("insertCommits", insert.getJsonObject("warmUp"))
            .put("productReads", readIfThere(work, "shop-get-warm-up.json"))
            .put("orders", readIfThere(work, "shop-warm-up.json")))
        .put("targets", new JsonObject()
            .put("productReads >= 1.0 x bare single-query rate", ratios.getDouble("productReadsVsBareSelect") >= 1.0)
            .put("productReads p99 <= 5 ms", get.getDouble("p99Ms") <= 5.0)
            .put("approved/s >= 0.5 x (INSERT commits/s / commits per order)", ratios.getDouble("approvedPerSecondVsInsertBound") >= 0.5)
            .put("approved/s >= 0.05 x INSERT commits/s", ratios.getDouble("approvedPerSecondVsInsertCommits") >= 0.05)
            .put("all-in-one RSS under load <= 350 MB", rssLoadMb <= 350));
    JsonObject paced = readIfThere(work, "shop-orders-paced.json");
    if (paced != null) {
      result.getJsonObject("targets").put("paced at half the sustained rate: POST→APPROVED p99 <= 100 ms",
          paced.getLong("approved", 0L) > 0 && paced.getDouble("p99ToApprovedMs", 0.0) <= 100.0);
    }
    JsonObject overload = readIfThere(work, "shop-overload.json");
    if (overload != null) {
      JsonObject targets = result.getJsonObject("targets");
      // closed loops: the offered load is the number of clients placing orders back to back, against the
      // CUSTOMERS of the order load above (whose rate the shop sustained); attempts/s is only what got answered
      ratios.put("overloadClientsVsSustainedLoad", ratio(overload.getInteger("connections"), orders.getInteger("customers", 16)));
      targets.put("overload: >= 4 x the clients of the sustained order load (the load is an overload)",
              ratios.getDouble("overloadClientsVsSustainedLoad") >= 4.0)
          .put("overload: orders beyond capacity get 503 + Retry-After",
              overload.getLong("shed") > 0 && overload.getLong("shed").equals(overload.getLong("shedWithRetryAfter")))
          .put("overload: every accepted order settles", overload.getInteger("unsettled") == 0)
          .put("overload: product reads p99 <= 50 ms", overload.getJsonObject("reads").getDouble("p99Ms") <= 50.0);
    }
    JsonObject tracing = tracing(work);
    if (tracing != null) {
      result.put("tracing", tracing);
      result.getJsonObject("targets").put("tracing on: orders approved/s >= 0.9 x with tracing off",
          tracing.getJsonObject("ratiosToUntraced").getDouble("approvedPerSecond") >= 0.9);
    }
    JsonObject jars = jars();
    result.put("jarBytes", jars);
    long largestService = SERVICE_JARS.stream().mapToLong(j -> jars.getLong(j, Long.MAX_VALUE)).max().orElse(Long.MAX_VALUE);
    result.getJsonObject("targets")
        .put("every service jar <= 35 MB (largest: " + mb(largestService) + " MB)", largestService <= 35_000_000L)
        .put("web jar <= 20 MB (" + mb(jars.getLong(WEB_JAR, Long.MAX_VALUE)) + " MB)", jars.getLong(WEB_JAR, Long.MAX_VALUE) <= 20_000_000L);
    JsonObject clustered = new JsonObject();
    for (String[] run : new String[][] {{"cluster", "oneJvmPerService", ""}, {"cluster-x2", "x2", "order=2,inventory=2,customer=2"}}) {
      if (Files.exists(work.resolve(run[0] + "-orders.json"))) {
        clustered.put(run[1], clusteredRun(work, run[0], run[2], get, orders));
      }
    }
    if (!clustered.isEmpty()) {
      clustered.put("sizing", sizing(clustered.getJsonObject("oneJvmPerService", clustered.getJsonObject("x2"))));
      result.put("clustered", clustered);
      long largestIdleKb = largestInstanceIdleKb(clustered);
      result.getJsonObject("targets").put("clustered instance JVMs <= 150 MB RSS idle (largest: " + largestIdleKb / 1024 + " MB)",
          largestIdleKb <= 150 * 1024);
    }
    Files.createDirectories(resultsDir);
    String date = LocalDate.now().toString();
    Files.writeString(resultsDir.resolve(date + ".json"), result.encodePrettily());
    Files.writeString(resultsDir.resolve(date + ".html"), html(result));
    Files.createDirectories(markdown.getParent());
    Files.writeString(markdown, markdown(result, date));
    System.out.println(result.encodePrettily());
    System.out.println("written: " + resultsDir.resolve(date + ".json") + ", " + resultsDir.resolve(date + ".html") + ", " + markdown);
  }

  private static final List<String> SERVICE_JARS = List.of("customer", "inventory", "order", "shipping", "history").stream()
      .map(service -> "verticles/" + service + "/target/" + service + "-fat.jar").toList();
  private static final String WEB_JAR = "verticles/web/target/web-fat.jar";

  /** The size in bytes of every fat jar the benchmark ran (the repository's, as built), by path. */
  private static JsonObject jars() throws IOException {
    JsonObject sizes = new JsonObject();
    List<String> all = new java.util.ArrayList<>(List.of("app/target/microshop-fat.jar", "bench/target/bench-fat.jar", WEB_JAR));
    all.addAll(SERVICE_JARS);
    for (String jar : all) {
      if (Files.exists(Path.of(jar))) {
        sizes.put(jar, Files.size(Path.of(jar)));
      }
    }
    return sizes;
  }

  /** Bytes in MB (10^6 bytes, the unit), one decimal. */
  private static double mb(long bytes) {
    return round1(bytes / 1e6);
  }

  /** The largest idle RSS of an instance JVM (not a database server's JVM or PostgreSQL) over the clustered runs. */
  private static long largestInstanceIdleKb(JsonObject clustered) {
    long max = 0;
    for (String run : clustered.fieldNames()) {
      JsonObject rss = clustered.getJsonObject(run).getJsonObject("rssKb");
      if (rss == null) {
        continue; // the sizing
      }
      for (String n : rss.getJsonObject("idle").fieldNames()) {
        if (!n.startsWith("db-") && !n.startsWith("pg-")) {
          max = Math.max(max, rss.getJsonObject("idle").getLong(n, 0L));
        }
      }
    }
    return max;
  }

  /** One clustered run's figures, with their ratios to the all-in-one's of the same run. */
  private static JsonObject clusteredRun(Path work, String name, String instances, JsonObject aioGet, JsonObject aioOrders)
      throws IOException {
    JsonObject get = read(work, name + "-get.json");
    JsonObject orders = read(work, name + "-orders.json");
    JsonObject perOrder = cpuPerOrder(orders, readIfThere(work, name + "-idle.json"));
    JsonObject aioPerOrder = cpuPerOrder(aioOrders, readIfThere(work, "shop-idle.json"));
    JsonObject ratios = new JsonObject()
        .put("productReadsPerSecond", ratio(get.getLong("requestsPerSecond"), aioGet.getLong("requestsPerSecond")))
        .put("productReadsP99", ratio(get.getDouble("p99Ms"), aioGet.getDouble("p99Ms")))
        .put("approvedPerSecond", ratio(orders.getLong("approvedPerSecond", 0L), aioOrders.getLong("approvedPerSecond", 0L)))
        .put("p50ToApproved", ratio(orders.getDouble("p50ToApprovedMs", 0.0), aioOrders.getDouble("p50ToApprovedMs", 0.0)))
        .put("p99ToApproved", ratio(orders.getDouble("p99ToApprovedMs", 0.0), aioOrders.getDouble("p99ToApprovedMs", 0.0)))
        .put("cpuMsPerOrder", ratio(perOrder.getDouble("shopTotal"), aioPerOrder.getDouble("shopTotal")))
        .put("cpuMsPerOrderNetOfIdle", ratio(perOrder.getDouble("shopTotalNetOfIdle"), aioPerOrder.getDouble("shopTotalNetOfIdle")));
    return new JsonObject().put("instances", instances.isEmpty() ? "one JVM per service" : instances)
        .put("startToReadyMs", read(work, name + "-start.json").getLong("startToReadyMs"))
        .put("warmUp", readIfThere(work, name + "-warm-up.json"))
        .put("productReadsWarmUp", readIfThere(work, name + "-get-warm-up.json"))
        .put("productReads", get).put("orders", orders)
        .put("cpuMsPerOrder", perOrder)
        .put("ratiosToAllInOne", ratios)
        .put("rssKb", new JsonObject().put("idle", read(work, name + "-rss-idle.json"))
            .put("afterProductReads", read(work, name + "-rss-reads.json"))
            .put("afterOrders", read(work, name + "-rss-orders.json")));
  }

  /**
   * CPU-ms per approved order of every process measured during the order load (and of the load
   * generator): gross (all it spent in the load's window) and, when its idle cost was measured, net
   * (minus its idle CPU rate over the same window: timers, heartbeats and pollers cost that whatever
   * the load). Summed by component (net when it can be): each service's instances ("order" = order-1
   * + order-2), its database (the database server JVM + its PostgreSQL), the all-in-one's JVM and
   * PostgreSQL.
   */
  private static JsonObject cpuPerOrder(JsonObject orders, JsonObject idle) {
    JsonObject byProcess = new JsonObject();
    JsonObject byProcessNet = new JsonObject();
    JsonObject idleMsPerSecond = new JsonObject();
    Map<String, Double> byComponent = new TreeMap<>();
    JsonObject cpu = orders.getJsonObject("cpu");
    long approved = orders.getLong("approved", 0L);
    double gross = 0;
    double net = 0;
    if (cpu != null && approved > 0) {
      JsonObject ms = cpu.getJsonObject("ms");
      double window = cpu.getDouble("windowSeconds");
      for (String n : ms.fieldNames()) {
        double perOrder = ms.getLong(n) / (double) approved;
        byProcess.put(n, round2(perOrder));
        double netPerOrder = perOrder;
        if (idle != null && idle.getJsonObject("ms").containsKey(n)) {
          double rate = idle.getJsonObject("ms").getLong(n) / idle.getDouble("seconds");
          idleMsPerSecond.put(n, round1(rate));
          netPerOrder = Math.max(0, (ms.getLong(n) - rate * window) / approved);
          byProcessNet.put(n, round2(netPerOrder));
        }
        String component = n.startsWith("db-") ? "database " + n.substring(3)
            : n.startsWith("pg-") ? "database " + n.substring(3)
            : n.matches("[a-z]+-[0-9]+") ? n.substring(0, n.lastIndexOf('-')) : n;
        byComponent.merge(component, netPerOrder, Double::sum);
        if (!n.equals("load-generator")) {
          gross += perOrder;
          net += netPerOrder;
        }
      }
    }
    JsonObject components = new JsonObject();
    byComponent.forEach((n, v) -> components.put(n, round2(v)));
    return new JsonObject().put("approved", approved).put("byProcess", byProcess)
        .put("idleMsPerSecond", idleMsPerSecond).put("byProcessNetOfIdle", byProcessNet)
        .put("byComponent", components).put("componentsNetOfIdle", idle != null)
        .put("shopTotal", round2(gross)).put("shopTotalNetOfIdle", round2(net))
        .put("windowSeconds", cpu == null ? 0 : round1(cpu.getDouble("windowSeconds")))
        .put("busyShareOfAllCores", cpu == null ? 0 : ratio(cpu.getJsonObject("ms").fieldNames().stream()
            .mapToLong(n -> cpu.getJsonObject("ms").getLong(n)).sum() / 1000.0,
            cpu.getDouble("windowSeconds") * Runtime.getRuntime().availableProcessors()))
        .put("machineBusyShare", cpu == null ? 0 : cpu.getDouble("machineBusyShare", 0.0))
        .put("machineBusyShareWhileIdle", idle == null ? 0 : idle.getDouble("machineBusyShare", 0.0));
  }

  /**
   * What N hosts of this machine's size would carry if each service's instances scale out while each
   * service keeps one database: one host holds the five databases (their PostgreSQL and database
   * server JVMs), the other N - 1 the instances; from the CPU-ms per order measured on one machine.
   */
  private static JsonObject sizing(JsonObject run) {
    JsonObject comps = run.getJsonObject("cpuMsPerOrder").getJsonObject("byComponent");
    int cores = Runtime.getRuntime().availableProcessors();
    double db = 0;
    double instances = 0;
    String heaviest = null;
    String heaviestDb = null;
    JsonObject perCore = new JsonObject();
    for (String n : comps.fieldNames()) {
      if (n.equals("load-generator")) {
        continue;
      }
      double ms = comps.getDouble(n);
      perCore.put(n, ms == 0 ? 0 : Math.round(1000 / ms));
      if (n.startsWith("database ")) {
        db += ms;
        heaviestDb = heaviestDb == null || ms > comps.getDouble(heaviestDb) ? n : heaviestDb;
      } else {
        instances += ms;
      }
      heaviest = heaviest == null || ms > comps.getDouble(heaviest) ? n : heaviest;
    }
    double dbHost = db == 0 ? 0 : cores * 1000 / db;
    JsonArray hosts = new JsonArray();
    for (int n : new int[] {2, 4, 8}) {
      double inst = instances == 0 ? 0 : (n - 1) * cores * 1000 / instances;
      hosts.add(new JsonObject().put("hosts", n).put("cores", n * cores)
          .put("instanceHostsCarry", Math.round(inst)).put("databaseHostCarries", Math.round(dbHost))
          .put("ordersPerSecond", Math.round(Math.min(inst, dbHost)))
          .put("bound", inst <= dbHost ? "instances" : "database host")
          .put("databaseCoresToKeepUp", round1(inst * db / 1000)));
    }
    return new JsonObject().put("basis", run.getString("instances")).put("coresPerHost", cores)
        .put("ordersPerSecondPerCore", perCore).put("saturatesFirst", heaviest).put("heaviestDatabase", heaviestDb)
        .put("databaseMsPerOrder", round2(db)).put("instancesMsPerOrder", round2(instances))
        .put("databaseHostOrdersPerSecond", Math.round(dbHost))
        .put("instanceHostsBeforeTheDatabaseBinds", db == 0 ? 0 : Math.floor(instances / db))
        .put("hosts", hosts);
  }

  private static double round2(double d) {
    return Math.round(d * 100) / 100.0;
  }

  private static double round1(double d) {
    return Math.round(d * 10) / 10.0;
  }

  /** "its JVM 3.96 ms per order (idle 5.0 ms/s, net 3.50 ms), its PostgreSQL ..., the load generator ..." */
  private static String allInOneCpu(JsonObject cpu) {
    List<String> parts = new java.util.ArrayList<>();
    for (String[] p : new String[][] {{"shop", "its JVM"}, {"postgres", "its PostgreSQL"}, {"load-generator", "the load generator"}}) {
      Double gross = cpu.getJsonObject("byProcess").getDouble(p[0]);
      if (gross == null) {
        continue;
      }
      Double idle = cpu.getJsonObject("idleMsPerSecond").getDouble(p[0]);
      Double net = cpu.getJsonObject("byProcessNetOfIdle").getDouble(p[0]);
      parts.add(String.format(Locale.ROOT, "%s %.2f CPU-ms per order", p[1], gross)
          + (idle == null ? "" : String.format(Locale.ROOT, " (idle %.1f ms/s, net %.2f ms)", idle, net)));
    }
    return String.join(", ", parts);
  }

  /**
   * The rounds of the two shops side by side, tracing off and on (tracing-MODE-get-N.json, tracing-MODE-orders-N.json):
   * each mode's rounds together (rates over their summed time, the worse round's p99, CPU summed over orders) and
   * the ratios on/off. Null when the run had no such rounds.
   */
  /** The most rounds (reads and orders numbered on) of the tracing comparison that scripts/bench.sh runs. */
  private static final int TRACING_ROUNDS = 16;

  private static JsonObject tracing(Path work) throws IOException {
    JsonObject modes = new JsonObject();
    List<JsonObject> rounds = new ArrayList<>(); // every round on its own: totals cannot tell one noisy round from a cost
    for (String mode : List.of("off", "on")) {
      long requests = 0, errors = 0, approved = 0, accepted = 0, shopMs = 0, postgresMs = 0;
      double readSeconds = 0, approvedSeconds = 0, readP99 = 0, approvedP99 = 0;
      int readRounds = 0, orderRounds = 0, customers = 0;
      for (int n = 1; n <= TRACING_ROUNDS; n++) {
        JsonObject get = readIfThere(work, "tracing-" + mode + "-get-" + n + ".json");
        if (get != null) {
          readRounds++;
          requests += get.getLong("requests");
          errors += get.getLong("errors");
          readSeconds += get.getDouble("seconds");
          readP99 = Math.max(readP99, get.getDouble("p99Ms"));
          rounds.add(new JsonObject().put("round", n).put("tracing", mode).put("load", "productReads")
              .put("perSecond", Math.round(get.getLong("requests") / get.getDouble("seconds"))).put("p99Ms", get.getDouble("p99Ms")));
        }
        JsonObject orders = readIfThere(work, "tracing-" + mode + "-orders-" + n + ".json");
        if (orders != null) {
          orderRounds++;
          customers = orders.getInteger("customers", 0);
          approved += orders.getLong("approved", 0L);
          approvedSeconds += orders.getDouble("approvedSpanSeconds", 0.0);
          approvedP99 = Math.max(approvedP99, orders.getDouble("p99ToApprovedMs", 0.0));
          accepted += orders.getLong("accepted", 0L);
          JsonObject ms = orders.getJsonObject("cpu").getJsonObject("ms");
          shopMs += ms.getLong("shop", 0L);
          postgresMs += ms.getLong("postgres", 0L);
          rounds.add(new JsonObject().put("round", n).put("tracing", mode).put("load", "orders")
              .put("perSecond", round1(orders.getLong("approved", 0L) / orders.getDouble("approvedSpanSeconds", 0.0)))
              .put("p99Ms", orders.getDouble("p99ToApprovedMs", 0.0)));
        }
      }
      if (readRounds == 0 || orderRounds == 0) {
        return null;
      }
      modes.put(mode, new JsonObject()
          .put("warmUp", readIfThere(work, "tracing-" + mode + "-warm-up.json"))
          .put("productReadsWarmUp", readIfThere(work, "tracing-" + mode + "-get-warm-up.json"))
          .put("productReads", new JsonObject().put("rounds", readRounds).put("requests", requests).put("errors", errors)
              .put("requestsPerSecond", Math.round(requests / readSeconds)).put("worstRoundP99Ms", readP99))
          .put("orders", new JsonObject().put("rounds", orderRounds).put("customers", customers).put("approved", approved)
              .put("approvedPerSecond", round1(approved / approvedSeconds)).put("worstRoundP99ToApprovedMs", approvedP99)
              .put("shopCpuMsPerOrder", round2((double) shopMs / Math.max(1, accepted)))
              .put("postgresCpuMsPerOrder", round2((double) postgresMs / Math.max(1, accepted)))));
    }
    JsonObject off = modes.getJsonObject("off");
    JsonObject on = modes.getJsonObject("on");
    rounds.sort(Comparator.comparingInt(round -> round.getInteger("round"))); // in the order they ran
    modes.put("rounds", new JsonArray(rounds));
    return modes.put("ratiosToUntraced", new JsonObject()
        .put("productReadsPerSecond", ratio(on.getJsonObject("productReads").getDouble("requestsPerSecond"),
            off.getJsonObject("productReads").getDouble("requestsPerSecond")))
        .put("productReadsP99", ratio(on.getJsonObject("productReads").getDouble("worstRoundP99Ms"),
            off.getJsonObject("productReads").getDouble("worstRoundP99Ms")))
        .put("approvedPerSecond", ratio(on.getJsonObject("orders").getDouble("approvedPerSecond"),
            off.getJsonObject("orders").getDouble("approvedPerSecond")))
        .put("p99ToApproved", ratio(on.getJsonObject("orders").getDouble("worstRoundP99ToApprovedMs"),
            off.getJsonObject("orders").getDouble("worstRoundP99ToApprovedMs")))
        .put("shopCpuPerOrder", ratio(on.getJsonObject("orders").getDouble("shopCpuMsPerOrder"),
            off.getJsonObject("orders").getDouble("shopCpuMsPerOrder")))
        // off over on, as the rate: what one shop alone would reach, if CPU-bound, with tracing against without
        .put("untracedOverTracedCpuPerOrder", ratio(cpuPerOrder(off), cpuPerOrder(on))));
  }

  /** A tracing mode's shop JVM and PostgreSQL CPU per accepted order together, ms. */
  private static double cpuPerOrder(JsonObject mode) {
    JsonObject orders = mode.getJsonObject("orders");
    return orders.getDouble("shopCpuMsPerOrder") + orders.getDouble("postgresCpuMsPerOrder");
  }

  /** The rounds of one load, in their order: "off 627.6 /s (p99 166.3 ms), on …". */
  private static String roundsOf(JsonArray rounds, String load, String unit) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < rounds.size(); i++) {
      JsonObject round = rounds.getJsonObject(i);
      if (round.getString("load").equals(load)) {
        parts.add(String.format(Locale.ROOT, "%s %s %s (p99 %.1f ms)", round.getString("tracing"),
            round.getValue("perSecond"), unit, round.getDouble("p99Ms")));
      }
    }
    return String.join(", ", parts);
  }

  /**
   * The order warm-up before a shop's measured order load: an order storm of at least the fixed warm-up, then until
   * the JIT's compiler threads of its JVMs used under 5 % of a core over 5 s (bounded); and, when measured, the
   * compilers' share during the load itself. Empty when the run had none.
   */
  private static String warmUps(JsonObject warmUps, JsonObject during) {
    if (warmUps == null || warmUps.getJsonObject("orders") == null) {
      return "";
    }
    return String.format(Locale.ROOT, "%nEvery target had an uncounted warm-up under its own load first, at least the fixed one, then "
            + "until its JIT settled (the compiler threads of its JVMs under 5 %% of a core in two 5 s windows in a row; the INSERT load's generator, "
            + "the JVM that compiles there, in itself): bare HTTP %s; bare HTTP + PK SELECT %s; INSERT commits %s; product reads %s; "
            + "orders %s%s.%n",
        warmUp(warmUps.getJsonObject("bareHttp")), warmUp(warmUps.getJsonObject("bareHttpWithPkSelect")),
        warmUp(warmUps.getJsonObject("insertCommits")), warmUp(warmUps.getJsonObject("productReads")),
        warmUp(warmUps.getJsonObject("orders")),
        during == null ? "" : String.format(Locale.ROOT, " (during the order load itself the compilers used %d %% of a core)",
            during.getLong("compilerPercentOfACore")));
  }

  private static String warmUp(JsonObject warmUp) {
    if (warmUp == null || !warmUp.containsKey("compilerPercentOfACore")) {
      return "none";
    }
    long share = warmUp.getLong("compilerPercentOfACore");
    return String.format(Locale.ROOT, share < 5 ? "%d s (the JIT's compilers then %d %% of a core)"
        : "%d s, its bound: not settled (the JIT's compilers still %d %% of a core)", warmUp.getLong("seconds"), share);
  }

  /** The all-in-one's JVM as the run started it (scripts/run.sh's SHOP_JAVA_OPTS unless JAVA_OPTS was set). */
  private static String shopJvm(JsonObject jvm) {
    return jvm == null ? "" : "; the all-in-one shop with `" + jvm.getString("javaOpts") + "` and `MALLOC_ARENA_MAX="
        + jvm.getString("mallocArenaMax") + "`";
  }

  private static JsonObject readIfThere(Path work, String name) throws IOException {
    return Files.exists(work.resolve(name)) ? read(work, name) : null;
  }

  private static JsonObject read(Path work, String name) throws IOException {
    return new JsonObject(Files.readString(work.resolve(name)).trim());
  }

  private static double ratio(double a, double b) {
    return b == 0 ? 0 : Math.round(a / b * 1000) / 1000.0;
  }

  private static JsonObject machine() throws IOException {
    String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
        .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
    String mem = Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " ");
    return new JsonObject().put("cores", Runtime.getRuntime().availableProcessors()).put("cpu", cpu).put("memory", mem)
        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
  }

  private static String markdown(JsonObject r, String date) {
    JsonObject b = r.getJsonObject("bounds");
    JsonObject s = r.getJsonObject("shop");
    JsonObject get = s.getJsonObject("productReads");
    JsonObject o = s.getJsonObject("orders");
    JsonObject ratios = r.getJsonObject("ratios");
    StringBuilder md = new StringBuilder();
    md.append("# Benchmarks\n\n")
        .append("The latest run of `scripts/bench.sh` (").append(date).append("), on ")
        .append(r.getJsonObject("machine").getInteger("cores")).append(" cores (")
        .append(r.getJsonObject("machine").getString("cpu")).append("), ")
        .append(r.getJsonObject("machine").getString("memory")).append(", ")
        .append(r.getJsonObject("machine").getString("java")).append(". ")
        .append("Every bound is measured in the same run, on the same machine; the load generator shares the cores ")
        .append("(its CPU share is given); the order loads' generator runs in a lean JVM (C1 only, the serial collector), ")
        .append("the bounds' and the product reads' in the default one (scripts/bench.sh says why)").append(shopJvm(s.getJsonObject("jvm")))
        .append(". Raw figures: `bench/results/").append(date).append(".json`, charts: `.html`.\n\n")
        .append("| figure | value | bound (same run) | ratio | target |\n|---|---|---|---|---|\n")
        .append(String.format(Locale.ROOT, "| `GET /api/products/{sku}` (the web's catalog read model) | %d req/s (p50 %.2f ms, p99 %.2f ms) | bare HTTP + 1 PK SELECT: %d req/s | %.3f | ≥ 1.0, p99 ≤ 5 ms |%n",
            get.getLong("requestsPerSecond"), get.getDouble("p50Ms"), get.getDouble("p99Ms"),
            b.getJsonObject("bareHttpWithPkSelect").getLong("requestsPerSecond"), ratios.getDouble("productReadsVsBareSelect")))
        .append(stalenessRow(s.getJsonObject("catalogStaleness")))
        .append(String.format(Locale.ROOT, "| (same, against a bare fixed-JSON server) | | bare HTTP: %d req/s | %.3f | |%n",
            b.getJsonObject("bareHttp").getLong("requestsPerSecond"), ratios.getDouble("productReadsVsBareHttp")))
        .append(String.format(Locale.ROOT, "| orders approved per second | %d /s (POST→APPROVED p50 %.1f ms, p99 %.1f ms; %d orders) | INSERT commits %d /s ÷ %.2f write commits per order = %d /s | %.3f | ≥ 0.5 |%n",
            o.getLong("approvedPerSecond", 0L), o.getDouble("p50ToApprovedMs", 0.0), o.getDouble("p99ToApprovedMs", 0.0),
            o.getLong("accepted"), b.getJsonObject("insertCommits").getLong("commitsPerSecond"), s.getDouble("commitsPerOrder"),
            s.getLong("orderBoundPerSecond"), ratios.getDouble("approvedPerSecondVsInsertBound")))
        .append(String.format(Locale.ROOT, "| (same, against the INSERT commits alone) | | INSERT commits %d /s | %.3f | ≥ 0.05 |%n",
            b.getJsonObject("insertCommits").getLong("commitsPerSecond"), ratios.getDouble("approvedPerSecondVsInsertCommits", 0.0)))
        .append(pacedRow(s.getJsonObject("ordersPaced")))
        .append(String.format(Locale.ROOT, "| (transactions per order, read-only ones included) | %.2f | | | |%n",
            s.getDouble("transactionsPerOrder", 0.0)))
        .append(overloadRows(s.getJsonObject("overload"), ratios))
        .append(String.format(Locale.ROOT, "| all-in-one RSS | idle %d MB, under load %d MB (+ PostgreSQL %d MB) | 350 MB | %.3f | ≤ 1 |%n",
            s.getLong("rssIdleMb"), s.getLong("rssUnderLoadMb"), s.getLong("postgresRssUnderLoadMb"), ratios.getDouble("allInOneRssUnderLoadVs350Mb")))
        .append(String.format(Locale.ROOT, "| start to ready (all-in-one, fresh data) | %d ms | | | |%n", s.getLong("startToReadyMs")))
        .append(jarsRow(r.getJsonObject("jarBytes")))
        .append(String.format(Locale.ROOT, "%nLoad generator CPU share (of all cores): product reads %.2f, orders %.2f.%n",
            get.getDouble("loadGeneratorCpuShare"), o.getDouble("loadGeneratorCpuShare")))
        .append(warmUps(r.getJsonObject("warmUps"), s.getJsonObject("jitDuringOrders")))
        .append(pacedSeconds(s.getJsonObject("ordersPaced")))
        .append("\nCommits per order are the orders' own: counted from the load's start until every saga is done and the ")
        .append("event readers caught up, before the benchmark reads the orders back. Write commits are the transaction ")
        .append("ids taken (only a transaction that writes takes one), the durable commits that the INSERT bound measures; ")
        .append("read-only transactions, which `pg_stat_database` counts as commits too, are given beside.\n");
    md.append(tracingMarkdown(r));
    md.append("\nTargets met: ").append(r.getJsonObject("targets").encode()).append("\n");
    if (r.containsKey("clustered")) {
      md.append(clusteredMarkdown(r));
    }
    return md.toString();
  }

  /** The fat jars' sizes in MB (10^6 bytes): the services' range, the web's, the all-in-one's and bench's. */
  private static String jarsRow(JsonObject jars) {
    if (jars == null || jars.isEmpty()) {
      return "";
    }
    java.util.LongSummaryStatistics services = SERVICE_JARS.stream().filter(jars::containsKey).mapToLong(jars::getLong).summaryStatistics();
    return String.format(Locale.ROOT, "| fat jars (MB = 10^6 bytes) | services %.1f–%.1f MB, web %.1f MB; all-in-one %.1f MB, bench %.1f MB "
            + "(these two with PostgreSQL) | | | services ≤ 35 MB, web ≤ 20 MB |%n",
        mb(services.getMin()), mb(services.getMax()), mb(jars.getLong(WEB_JAR, 0L)),
        mb(jars.getLong("app/target/microshop-fat.jar", 0L)), mb(jars.getLong("bench/target/bench-fat.jar", 0L)));
  }

  /** The order overload: what 256 clients offered against the sustainable rate, what was shed, kept and settled, and the reads meanwhile. */
  private static String overloadRows(JsonObject ov, JsonObject ratios) {
    if (ov == null) {
      return "";
    }
    JsonObject reads = ov.getJsonObject("reads");
    return String.format(Locale.ROOT, "| order overload (%d clients) | %d attempts/s, %d accepted/s (202 p50 %.0f ms, p99 %.0f ms), %d answered 503 (%d with Retry-After; p99 %.0f ms), other failures %s; %d accepted, %d unsettled | the order load above (its clients) | %.0f × its clients | ≥ 4 × |%n",
            ov.getInteger("connections"), ov.getLong("attemptsPerSecond"), ov.getLong("acceptedPerSecond"), ov.getDouble("acceptedP50Ms"),
            ov.getDouble("acceptedP99Ms"), ov.getLong("shed"), ov.getLong("shedWithRetryAfter"), ov.getDouble("shedP99Ms"),
            ov.getJsonObject("failedOtherwise").encode(), ov.getLong("accepted"), ov.getLong("unsettled"),
            ratios.getDouble("overloadClientsVsSustainedLoad"))
        + String.format(Locale.ROOT, "| (product reads during the overload, 4 connections) | %d req/s, p50 %.2f ms, p99 %.2f ms, %d errors | | | p99 ≤ 50 ms |%n",
            reads.getLong("requestsPerSecond"), reads.getDouble("p50Ms"), reads.getDouble("p99Ms"), reads.getLong("errors"));
  }

  /** The same reads and order load on two shops side by side, tracing off and on, in rounds of the same run. */
  private static String tracingMarkdown(JsonObject r) {
    JsonObject t = r.getJsonObject("tracing");
    if (t == null) {
      return "";
    }
    JsonObject offReads = t.getJsonObject("off").getJsonObject("productReads");
    JsonObject offOrders = t.getJsonObject("off").getJsonObject("orders");
    JsonObject onReads = t.getJsonObject("on").getJsonObject("productReads");
    JsonObject onOrders = t.getJsonObject("on").getJsonObject("orders");
    JsonObject ratios = t.getJsonObject("ratiosToUntraced");
    return new StringBuilder("\n## The cost of tracing\n\n")
        .append("Two more all-in-one shops side by side, each on data of its own, one with `MICROSHOP_TRACING=on` (every ")
        .append("trace sampled, the default; spans kept in memory for the waterfall, no export) and one without. The same ")
        .append(String.format(Locale.ROOT, "product reads went to one and then the other (%d rounds per shop: off, on, on, off), ",
            onReads.getInteger("rounds")))
        .append(String.format(Locale.ROOT, "the same order load to both at once (%d rounds, %d customers each), so that what this ",
            onOrders.getInteger("rounds"), offOrders.getInteger("customers", 0)))
        .append("shared machine does meanwhile weighs on both alike (two untraced shops in that design, an A/A of 6 Dec 2026: 1.002 and 1.014 over ")
        .append("8 rounds, against 0.893 to 0.984 one after the other); each figure is over a shop's rounds together, a p99 the ")
        .append("worse of its rounds. ")
        .append(t.getJsonObject("off").getJsonObject("warmUp") == null ? "" : String.format(Locale.ROOT,
            "Each shop had uncounted warm-ups until its JIT settled first (product reads; orders): off %s; %s, on %s; %s. ",
            warmUp(t.getJsonObject("off").getJsonObject("productReadsWarmUp")), warmUp(t.getJsonObject("off").getJsonObject("warmUp")),
            warmUp(t.getJsonObject("on").getJsonObject("productReadsWarmUp")), warmUp(t.getJsonObject("on").getJsonObject("warmUp"))))
        .append("In production, sample less with ")
        .append("`MICROSHOP_TRACING_SAMPLE_RATIO` (e.g. `0.1`).\n\n")
        .append("| figure | tracing off | tracing on | ratio | target |\n|---|---|---|---|---|\n")
        .append(String.format(Locale.ROOT, "| orders approved per second | %.1f /s | %.1f /s | %.3f | ≥ 0.9 |%n",
            offOrders.getDouble("approvedPerSecond"), onOrders.getDouble("approvedPerSecond"), ratios.getDouble("approvedPerSecond")))
        .append(String.format(Locale.ROOT, "| POST→APPROVED p99 (worse round) | %.1f ms | %.1f ms | %.3f | |%n",
            offOrders.getDouble("worstRoundP99ToApprovedMs"), onOrders.getDouble("worstRoundP99ToApprovedMs"), ratios.getDouble("p99ToApproved")))
        .append(String.format(Locale.ROOT, "| shop JVM CPU per accepted order | %.2f ms | %.2f ms | %.3f | |%n",
            offOrders.getDouble("shopCpuMsPerOrder"), onOrders.getDouble("shopCpuMsPerOrder"), ratios.getDouble("shopCpuPerOrder")))
        .append(String.format(Locale.ROOT, "| PostgreSQL CPU per accepted order | %.2f ms | %.2f ms | | |%n",
            offOrders.getDouble("postgresCpuMsPerOrder"), onOrders.getDouble("postgresCpuMsPerOrder")))
        .append(String.format(Locale.ROOT, "| the two together (off / on: the rate one shop alone would reach if CPU-bound) | %.2f ms | %.2f ms | %.3f | |%n",
            cpuPerOrder(t.getJsonObject("off")), cpuPerOrder(t.getJsonObject("on")), ratios.getDouble("untracedOverTracedCpuPerOrder")))
        .append(String.format(Locale.ROOT, "| `GET /api/products/{sku}` | %d req/s | %d req/s | %.3f | |%n",
            offReads.getLong("requestsPerSecond"), onReads.getLong("requestsPerSecond"), ratios.getDouble("productReadsPerSecond")))
        .append(String.format(Locale.ROOT, "| product reads p99 (worse round) | %.2f ms | %.2f ms | %.3f | |%n",
            offReads.getDouble("worstRoundP99Ms"), onReads.getDouble("worstRoundP99Ms"), ratios.getDouble("productReadsP99")))
        .append(t.getJsonArray("rounds") == null ? "" : String.format(Locale.ROOT,
            "%nRound by round, in the order they ran: orders approved %s; product reads %s.%n",
            roundsOf(t.getJsonArray("rounds"), "orders", "/s"), roundsOf(t.getJsonArray("rounds"), "productReads", "req/s")))
        .toString();
  }

  /** The read model's staleness under the order load: from a stock change's write in the inventory to its being visible in the web. */
  private static String stalenessRow(JsonObject st) {
    if (st == null || st.isEmpty()) {
      return "";
    }
    return String.format(Locale.ROOT, "| (its staleness during the order load: a stock change visible in the web after) | p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d changes) | | | |%n",
        st.getDouble("p50Ms"), st.getDouble("p99Ms"), st.getDouble("maxMs"), st.getLong("changes"));
  }

  private static String clusteredMarkdown(JsonObject r) {
    JsonObject c = r.getJsonObject("clustered");
    JsonObject s = r.getJsonObject("shop");
    JsonObject aioGet = s.getJsonObject("productReads");
    JsonObject aioOrders = s.getJsonObject("orders");
    int cores = r.getJsonObject("machine").getInteger("cores");
    List<String> runs = c.fieldNames().stream().filter(n -> !n.equals("sizing")).sorted().toList(); // oneJvmPerService, then x2
    StringBuilder md = new StringBuilder("\n## The cost of clustering\n\n")
        .append("The same product reads and order load as the all-in-one's, against the clustered shop (`scripts/cluster.sh`: each JVM with its lean options, scripts/lib/jvm.sh, unless JAVA_OPTS is set, every ")
        .append("service's PostgreSQL in a database server process of its own), right after the all-in-one, in the same run. ")
        .append("**On one ").append(cores).append("-core machine these figures show the overhead of the cluster, not a speed-up**: ")
        .append("every hop of the saga crosses the event bus over TCP (Hazelcast membership, serialised messages) instead of a ")
        .append("local call, and more JVMs and more PostgreSQL servers share the same cores (and the load generator). ")
        .append("A second instance of a service adds no core here; what more machines would carry is estimated below from ")
        .append("the CPU each component spent per order.\n\n")
        .append("| figure | all-in-one |");
    for (String run : runs) {
      md.append(" clustered: ").append(c.getJsonObject(run).getString("instances")).append(" | ratio |");
    }
    md.append("\n|---|---|").append("---|---|".repeat(runs.size())).append("\n");
    md.append(String.format(Locale.ROOT, "| orders approved per second | %d /s |", aioOrders.getLong("approvedPerSecond", 0L)));
    for (String run : runs) {
      JsonObject o = c.getJsonObject(run).getJsonObject("orders");
      md.append(String.format(Locale.ROOT, " %d /s | %.3f |", o.getLong("approvedPerSecond", 0L),
          c.getJsonObject(run).getJsonObject("ratiosToAllInOne").getDouble("approvedPerSecond")));
    }
    md.append(String.format(Locale.ROOT, "%n| POST→APPROVED p50 | %.1f ms |", aioOrders.getDouble("p50ToApprovedMs", 0.0)));
    for (String run : runs) {
      md.append(String.format(Locale.ROOT, " %.1f ms | %.3f |", c.getJsonObject(run).getJsonObject("orders").getDouble("p50ToApprovedMs", 0.0),
          c.getJsonObject(run).getJsonObject("ratiosToAllInOne").getDouble("p50ToApproved")));
    }
    md.append(String.format(Locale.ROOT, "%n| POST→APPROVED p99 | %.1f ms |", aioOrders.getDouble("p99ToApprovedMs", 0.0)));
    for (String run : runs) {
      md.append(String.format(Locale.ROOT, " %.1f ms | %.3f |", c.getJsonObject(run).getJsonObject("orders").getDouble("p99ToApprovedMs", 0.0),
          c.getJsonObject(run).getJsonObject("ratiosToAllInOne").getDouble("p99ToApproved")));
    }
    md.append(String.format(Locale.ROOT, "%n| `GET /api/products/{sku}` | %d req/s |", aioGet.getLong("requestsPerSecond")));
    for (String run : runs) {
      md.append(String.format(Locale.ROOT, " %d req/s | %.3f |", c.getJsonObject(run).getJsonObject("productReads").getLong("requestsPerSecond"),
          c.getJsonObject(run).getJsonObject("ratiosToAllInOne").getDouble("productReadsPerSecond")));
    }
    md.append(String.format(Locale.ROOT, "%n| product reads p99 | %.2f ms |", aioGet.getDouble("p99Ms")));
    for (String run : runs) {
      md.append(String.format(Locale.ROOT, " %.2f ms | %.3f |", c.getJsonObject(run).getJsonObject("productReads").getDouble("p99Ms"),
          c.getJsonObject(run).getJsonObject("ratiosToAllInOne").getDouble("productReadsP99")));
    }
    md.append(String.format(Locale.ROOT, "%n| CPU-ms per approved order (the shop's processes, load generator apart) | %.2f ms |",
        s.getJsonObject("cpuMsPerOrder").getDouble("shopTotal")));
    for (String run : runs) {
      md.append(String.format(Locale.ROOT, " %.2f ms | %.3f |", c.getJsonObject(run).getJsonObject("cpuMsPerOrder").getDouble("shopTotal"),
          c.getJsonObject(run).getJsonObject("ratiosToAllInOne").getDouble("cpuMsPerOrder")));
    }
    md.append(String.format(Locale.ROOT, "%n| (the same, net of each process's idle CPU) | %.2f ms |",
        s.getJsonObject("cpuMsPerOrder").getDouble("shopTotalNetOfIdle")));
    for (String run : runs) {
      md.append(String.format(Locale.ROOT, " %.2f ms | %.3f |", c.getJsonObject(run).getJsonObject("cpuMsPerOrder").getDouble("shopTotalNetOfIdle"),
          c.getJsonObject(run).getJsonObject("ratiosToAllInOne").getDouble("cpuMsPerOrderNetOfIdle")));
    }
    md.append(String.format(Locale.ROOT, "%n| orders approved (measured) | %d |", aioOrders.getLong("approved", 0L)));
    for (String run : runs) {
      md.append(String.format(Locale.ROOT, " %d | |", c.getJsonObject(run).getJsonObject("orders").getLong("approved", 0L)));
    }
    md.append(String.format(Locale.ROOT, "%n| share of all cores busy during the order load: the shop's processes and the load generator | %.2f |",
        s.getJsonObject("cpuMsPerOrder").getDouble("busyShareOfAllCores")));
    for (String run : runs) {
      md.append(String.format(Locale.ROOT, " %.2f | |", c.getJsonObject(run).getJsonObject("cpuMsPerOrder").getDouble("busyShareOfAllCores")));
    }
    md.append(String.format(Locale.ROOT, "%n| (the same: every process of the machine, other people's too, from /proc/stat) | %.2f |",
        s.getJsonObject("cpuMsPerOrder").getDouble("machineBusyShare")));
    for (String run : runs) {
      md.append(String.format(Locale.ROOT, " %.2f | |", c.getJsonObject(run).getJsonObject("cpuMsPerOrder").getDouble("machineBusyShare")));
    }
    md.append(String.format(Locale.ROOT, "%n| start to ready (fresh data) | %d ms |", s.getLong("startToReadyMs")));
    for (String run : runs) {
      md.append(String.format(Locale.ROOT, " %d ms | |", c.getJsonObject(run).getLong("startToReadyMs")));
    }
    md.append(String.format(Locale.ROOT, "%n| uncounted warm-ups, until the JIT settled: product reads; orders | %s; %s |",
        warmUp(r.getJsonObject("warmUps").getJsonObject("productReads")), warmUp(r.getJsonObject("warmUps").getJsonObject("orders"))));
    for (String run : runs) {
      md.append(String.format(Locale.ROOT, " %s; %s | |", warmUp(c.getJsonObject(run).getJsonObject("productReadsWarmUp")),
          warmUp(c.getJsonObject(run).getJsonObject("warmUp"))));
    }
    md.append("\n\nRatios are clustered ÷ all-in-one: below 1 is slower for throughput, above 1 is slower for latency and CPU.\n");

    // CPU per order, by process
    md.append("\n### CPU per approved order, by process\n\n")
        .append("utime + stime from `/proc/<pid>/stat` of every process, read when the order load starts and again once every ")
        .append("saga is done and the event readers caught up (not the benchmark's reads of the orders afterwards), divided by ")
        .append("the orders approved. A PostgreSQL server is its postmaster and every child (`ps --ppid`, and the ended ")
        .append("backends through the postmaster's cutime + cstime); a database server is the `DbServerMain` JVM beside it. ")
        .append("Idle: the CPU-ms per second each process spent in 10 s of no load just before the order load (Hazelcast ")
        .append("heartbeats, the event readers' timers, pollers); net: the per-order CPU minus that idle rate over the load's ")
        .append("window, the cost that grows with orders (the sizing below uses it).\n\n")
        .append("The all-in-one: ").append(allInOneCpu(s.getJsonObject("cpuMsPerOrder"))).append(".\n\n")
        .append("| process |");
    List<String> all = runs;
    java.util.function.Function<String, JsonObject> cpuOf = run -> c.getJsonObject(run).getJsonObject("cpuMsPerOrder");
    for (String run : all) {
      md.append(" ").append(c.getJsonObject(run).getString("instances")).append(": CPU-ms/order | idle ms/s | net ms/order |");
    }
    md.append("\n|---|").append("---|---|---|".repeat(all.size())).append("\n");
    java.util.SortedSet<String> procs = new java.util.TreeSet<>();
    all.forEach(run -> procs.addAll(cpuOf.apply(run).getJsonObject("byProcess").fieldNames()));
    for (String p : procs) {
      md.append("| ").append(p).append(" |");
      for (String run : all) {
        JsonObject cpu = cpuOf.apply(run);
        Double v = cpu.getJsonObject("byProcess").getDouble(p);
        Double idle = cpu.getJsonObject("idleMsPerSecond").getDouble(p);
        Double net = cpu.getJsonObject("byProcessNetOfIdle").getDouble(p);
        md.append(v == null ? " – |" : String.format(Locale.ROOT, " %.2f |", v))
            .append(idle == null ? " – |" : String.format(Locale.ROOT, " %.1f |", idle))
            .append(net == null ? " – |" : String.format(Locale.ROOT, " %.2f |", net));
      }
      md.append("\n");
    }

    // sizing
    JsonObject z = c.getJsonObject("sizing");
    JsonObject basis = c.getJsonObject(runs.get(0)).getJsonObject("cpuMsPerOrder").getJsonObject("byComponent");
    for (String run : runs) {
      if (c.getJsonObject(run).getString("instances").equals(z.getString("basis"))) {
        basis = c.getJsonObject(run).getJsonObject("cpuMsPerOrder").getJsonObject("byComponent");
      }
    }
    md.append("\n### Sizing: what more machines would carry (an estimate)\n\n")
        .append("From the net CPU-ms per order of the clustered run with ").append(z.getString("basis"))
        .append(" (above), by component (a service's instances together; a service's database = its PostgreSQL + its database ")
        .append("server JVM). One core of a component carries 1000 ÷ its CPU-ms per order orders per second:\n\n")
        .append("| component | CPU-ms per order | orders/s one core carries |\n|---|---|---|\n");
    for (String n : z.getJsonObject("ordersPerSecondPerCore").fieldNames()) {
      md.append(String.format(Locale.ROOT, "| %s | %.2f | %d |%n", n, basis.getDouble(n), z.getJsonObject("ordersPerSecondPerCore").getLong(n)));
    }
    md.append(String.format(Locale.ROOT, "| **all instances** | %.2f | %d |%n| **all five databases** | %.2f | %d |%n",
        z.getDouble("instancesMsPerOrder"), Math.round(1000 / Math.max(0.001, z.getDouble("instancesMsPerOrder"))),
        z.getDouble("databaseMsPerOrder"), Math.round(1000 / Math.max(0.001, z.getDouble("databaseMsPerOrder")))));
    md.append(String.format(Locale.ROOT, "%nGiven a core each, **%s saturates first** (the most CPU per order). ", z.getString("saturatesFirst")))
        .append("But the instance tiers scale out (start more instances on more machines: event-bus point-to-point ")
        .append("delivery spreads the load), while each service keeps **one** database, whatever the number of instances. ")
        .append(String.format(Locale.ROOT, "So with N hosts of %d cores, one of them the database host holding the five databases ", z.getInteger("coresPerHost")))
        .append("and N − 1 running the instances:\n\n")
        .append("| hosts (cores) | instance hosts carry | the database host carries | estimate | bound | database cores needed to keep up |\n")
        .append("|---|---|---|---|---|---|\n");
    for (Object o : z.getJsonArray("hosts")) {
      JsonObject h = (JsonObject) o;
      md.append(String.format(Locale.ROOT, "| %d (%d) | %d orders/s | %d orders/s | **%d orders/s** | %s | %.1f |%n", h.getInteger("hosts"),
          h.getInteger("cores"), h.getLong("instanceHostsCarry"), h.getLong("databaseHostCarries"), h.getLong("ordersPerSecond"),
          h.getString("bound"), h.getDouble("databaseCoresToKeepUp")));
    }
    double db = z.getDouble("databaseMsPerOrder");
    md.append(String.format(Locale.ROOT, "%nThe database host: %.2f CPU-ms per order summed over the five services' PostgreSQL and ", db))
        .append(String.format(Locale.ROOT, "database server JVMs, so one %d-core database host carries at most about %d orders/s, ",
            z.getInteger("coresPerHost"), z.getLong("databaseHostOrdersPerSecond")))
        .append(String.format(Locale.ROOT, "and it becomes the bound once more than %.0f instance host(s) of the same size feed it. ",
            z.getDouble("instanceHostsBeforeTheDatabaseBinds")))
        .append(String.format(Locale.ROOT, "Sizing it: about %.2f cores per 100 orders/s at 100%% busy, %.2f at 60%% ", db / 10, db / 6))
        .append("(headroom for bursts, vacuum and checkpoints); past one host's cores the databases can be spread over ")
        .append("several database hosts, each service's database whole on one of them, so the heaviest, ")
        .append(z.getString("heaviestDatabase"))
        .append(String.format(Locale.ROOT, " (%.2f ms per order), caps the shop at about %d orders/s per %d cores of its host. ",
            basis.getDouble(z.getString("heaviestDatabase"), 0.0),
            Math.round(z.getInteger("coresPerHost") * 1000 / Math.max(0.001, basis.getDouble(z.getString("heaviestDatabase"), 0.0))),
            z.getInteger("coresPerHost")))
        .append("Past that, only a bigger host for it or less work per order in it (fewer commits, cheaper event-log reads) ")
        .append("raises the ceiling: adding instances does not.\n\n")
        .append("Assumptions, plainly: CPU only. The figures come from one ").append(cores)
        .append("-core box where every process and the load generator share the cores (contention, context switches and ")
        .append("idle timers are in the per-order CPU; on hosts of their own each would likely cost somewhat less); network ")
        .append("latency and bandwidth between hosts are not in them (every event-bus hop and SQL round trip would add ")
        .append("latency, not CPU); a component is taken to scale linearly with cores and instances; disk (WAL fsync), row ")
        .append("locks on the hot products and the connection pools' sizes are not modelled; the load generator's and the ")
        .append("web's HTTP clients would run elsewhere (its CPU is left out).\n");

    // RSS
    md.append("\n### Memory (RSS, kB) of every clustered process\n\n")
        .append("Instance JVMs, database server JVMs (`db-`) and PostgreSQL servers (`pg-`: the postmaster and its children summed, ")
        .append("so shared buffers count once per process, an overstatement), idle and after each load.\n\n");
    for (String run : runs) {
      JsonObject rss = c.getJsonObject(run).getJsonObject("rssKb");
      md.append("Clustered, ").append(c.getJsonObject(run).getString("instances")).append(":\n\n")
          .append("| process | idle | after the product reads | after the orders |\n|---|---|---|---|\n");
      long[] sums = new long[6];
      for (String n : rss.getJsonObject("idle").fieldNames()) {
        long[] v = {rss.getJsonObject("idle").getLong(n, 0L), rss.getJsonObject("afterProductReads").getLong(n, 0L),
            rss.getJsonObject("afterOrders").getLong(n, 0L)};
        md.append("| ").append(n).append(" | ").append(v[0]).append(" | ").append(v[1]).append(" | ").append(v[2]).append(" |\n");
        int group = n.startsWith("db-") || n.startsWith("pg-") ? 3 : 0;
        for (int k = 0; k < 3; k++) {
          sums[group + k] += v[k];
        }
      }
      md.append(String.format(Locale.ROOT, "| **instance JVMs, total** | %d | %d | %d |%n| **database servers and PostgreSQL, total** | %d | %d | %d |%n%n",
          sums[0], sums[1], sums[2], sums[3], sums[4], sums[5]));
    }
    return md.toString();
  }


  private static String html(JsonObject r) {
    JsonObject b = r.getJsonObject("bounds");
    JsonObject s = r.getJsonObject("shop");
    String throughput = lineChart("Requests per second over time", List.of(
        new Series("bare HTTP", b.getJsonObject("bareHttp").getJsonArray("perSecond"), "#888"),
        new Series("bare HTTP + PK SELECT", b.getJsonObject("bareHttpWithPkSelect").getJsonArray("perSecond"), "#0b5cad"),
        new Series("shop GET /api/products/{sku}", s.getJsonObject("productReads").getJsonArray("perSecond"), "#176b32"),
        new Series("shop orders accepted", s.getJsonObject("orders").getJsonArray("perSecond"), "#a4161a")));
    String latency = barChart("Latency percentiles (ms)", List.of(
        new Bars("GET /api/products/{sku}", s.getJsonObject("productReads").getJsonArray("percentiles"), "#176b32"),
        new Bars("bare HTTP + PK SELECT", b.getJsonObject("bareHttpWithPkSelect").getJsonArray("percentiles"), "#0b5cad"),
        new Bars("order POST → APPROVED", s.getJsonObject("orders").getJsonArray("percentilesToApproved", new JsonArray()), "#a4161a")));
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Microshop benchmark " + r.getString("date")
        + "</title><style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#1b1f24}"
        + "pre{background:#f4f4f2;padding:1rem;overflow:auto}</style></head><body><h1>Microshop benchmark</h1>"
        + "<p>" + r.getString("date") + " — " + r.getJsonObject("machine").encode() + "</p>"
        + "<h2>Ratios</h2><pre>" + r.getJsonObject("ratios").encodePrettily() + "\n" + r.getJsonObject("targets").encodePrettily()
        + "</pre>" + throughput + latency + "<h2>All figures</h2><pre>" + r.encodePrettily().replace("<", "&lt;")
        + "</pre></body></html>";
  }

  private record Series(String name, JsonArray values, String color) {
  }

  private record Bars(String name, JsonArray percentiles, String color) {
  }

  private static String lineChart(String title, List<Series> series) {
    int w = 800;
    int h = 300;
    double max = 1;
    int n = 1;
    for (Series s : series) {
      for (Object v : s.values()) {
        max = Math.max(max, ((Number) v).doubleValue());
      }
      n = Math.max(n, s.values().size());
    }
    StringBuilder svg = new StringBuilder("<h2>" + title + "</h2><svg width=\"" + w + "\" height=\"" + (h + 60)
        + "\" role=\"img\" aria-label=\"" + title + "\"><rect width=\"100%\" height=\"" + h + "\" fill=\"#fafaf8\"/>");
    svg.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"14\" font-size=\"12\">%.0f/s</text>", max));
    int legendY = h + 20;
    int i = 0;
    for (Series s : series) {
      StringBuilder pts = new StringBuilder();
      for (int k = 0; k < s.values().size(); k++) {
        double x = 40 + (w - 60) * (n == 1 ? 0 : (double) k / (n - 1));
        double y = h - 10 - (h - 30) * ((Number) s.values().getValue(k)).doubleValue() / max;
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      svg.append("<polyline fill=\"none\" stroke=\"").append(s.color()).append("\" stroke-width=\"2\" points=\"").append(pts).append("\"/>");
      svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>",
          40 + i * 190, legendY, s.color(), 56 + i * 190, legendY + 11, s.name()));
      i++;
    }
    return svg.append("</svg>").toString();
  }

  private static String barChart(String title, List<Bars> bars) {
    int w = 800;
    int h = 300;
    double max = 0.001;
    for (Bars b : bars) {
      for (Object p : b.percentiles()) {
        max = Math.max(max, ((JsonObject) p).getDouble("ms"));
      }
    }
    StringBuilder svg = new StringBuilder("<h2>" + title + "</h2><svg width=\"" + w + "\" height=\"" + (h + 60)
        + "\" role=\"img\" aria-label=\"" + title + "\"><rect width=\"100%\" height=\"" + h + "\" fill=\"#fafaf8\"/>");
    int groups = 6;
    double groupWidth = (w - 60) / (double) groups;
    for (int bi = 0; bi < bars.size(); bi++) {
      JsonArray ps = bars.get(bi).percentiles();
      for (int k = 0; k < ps.size(); k++) {
        JsonObject p = ps.getJsonObject(k);
        double barH = (h - 40) * p.getDouble("ms") / max;
        double x = 40 + k * groupWidth + bi * (groupWidth / (bars.size() + 1));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s p%s: %.2f ms</title></rect>",
            x, h - 10 - barH, groupWidth / (bars.size() + 1) - 2, barH, bars.get(bi).color(), bars.get(bi).name(),
            p.getValue("percentile"), p.getDouble("ms")));
        if (bi == 0) {
          svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\">p%s</text>", 40 + k * groupWidth, h + 4, p.getValue("percentile")));
        }
      }
      svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>",
          40 + bi * 240, h + 25, bars.get(bi).color(), 56 + bi * 240, h + 36, bars.get(bi).name()));
    }
    svg.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"14\" font-size=\"12\">%.1f ms</text>", max));
    return svg.append("</svg>").toString();
  }
}
