package dev.microshop.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;

/** Turns a bench run's measurements into bench/results/DATE.json and .html, and docs/benchmarks.md. */
final class Report {

  private Report() {
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
            .put("rssIdleMb", read(work, "rss-idle.json").getLong("idleKb") / 1024)
            .put("rssUnderLoadMb", rssLoadMb)
            .put("postgresRssUnderLoadMb", read(work, "rss-load.json").getLong("postgresKb", 0L) / 1024))
        .put("ratios", ratios)
        .put("targets", new JsonObject()
            .put("productReads >= 0.5 x bare single-query rate", ratios.getDouble("productReadsVsBareSelect") >= 0.5)
            .put("approved/s >= 0.5 x (INSERT commits/s / commits per order)", ratios.getDouble("approvedPerSecondVsInsertBound") >= 0.5)
            .put("all-in-one RSS under load <= 350 MB", rssLoadMb <= 350));
    if (Files.exists(work.resolve("cluster-rss-idle.json"))) {
      result.put("clustered", new JsonObject().put("rssIdleKb", read(work, "cluster-rss-idle.json"))
          .put("rssUnderLoadKb", read(work, "cluster-rss-load.json")));
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
        .append("(its CPU share is given). Raw figures: `bench/results/").append(date).append(".json`, charts: `.html`.\n\n")
        .append("| figure | value | bound (same run) | ratio | target |\n|---|---|---|---|---|\n")
        .append(String.format(Locale.ROOT, "| `GET /api/products/{sku}` | %d req/s (p50 %.2f ms, p99 %.2f ms) | bare HTTP + 1 PK SELECT: %d req/s | %.3f | ≥ 0.5 |%n",
            get.getLong("requestsPerSecond"), get.getDouble("p50Ms"), get.getDouble("p99Ms"),
            b.getJsonObject("bareHttpWithPkSelect").getLong("requestsPerSecond"), ratios.getDouble("productReadsVsBareSelect")))
        .append(String.format(Locale.ROOT, "| (same, against a bare fixed-JSON server) | | bare HTTP: %d req/s | %.3f | |%n",
            b.getJsonObject("bareHttp").getLong("requestsPerSecond"), ratios.getDouble("productReadsVsBareHttp")))
        .append(String.format(Locale.ROOT, "| orders approved per second | %d /s (POST→APPROVED p50 %.1f ms, p99 %.1f ms; %d orders) | INSERT commits %d /s ÷ %.2f write commits per order = %d /s | %.3f | ≥ 0.5 |%n",
            o.getLong("approvedPerSecond", 0L), o.getDouble("p50ToApprovedMs", 0.0), o.getDouble("p99ToApprovedMs", 0.0),
            o.getLong("accepted"), b.getJsonObject("insertCommits").getLong("commitsPerSecond"), s.getDouble("commitsPerOrder"),
            s.getLong("orderBoundPerSecond"), ratios.getDouble("approvedPerSecondVsInsertBound")))
        .append(String.format(Locale.ROOT, "| (transactions per order, read-only ones included) | %.2f | | | |%n",
            s.getDouble("transactionsPerOrder", 0.0)))
        .append(String.format(Locale.ROOT, "| all-in-one RSS | idle %d MB, under load %d MB (+ PostgreSQL %d MB) | 350 MB | %.3f | ≤ 1 |%n",
            s.getLong("rssIdleMb"), s.getLong("rssUnderLoadMb"), s.getLong("postgresRssUnderLoadMb"), ratios.getDouble("allInOneRssUnderLoadVs350Mb")))
        .append(String.format(Locale.ROOT, "| start to ready (all-in-one, fresh data) | %d ms | | | |%n", s.getLong("startToReadyMs")))
        .append(String.format(Locale.ROOT, "%nLoad generator CPU share (of all cores): product reads %.2f, orders %.2f.%n",
            get.getDouble("loadGeneratorCpuShare"), o.getDouble("loadGeneratorCpuShare")))
        .append("\nCommits per order are the orders' own: counted from the load's start until every saga is done and the ")
        .append("event readers caught up, before the benchmark reads the orders back. Write commits are the transaction ")
        .append("ids taken (only a transaction that writes takes one), the durable commits that the INSERT bound measures; ")
        .append("read-only transactions, which `pg_stat_database` counts as commits too, are given beside.\n");
    if (r.containsKey("clustered")) {
      md.append("\nClustered RSS per JVM (kB), idle → under load:\n\n| JVM | idle | under load |\n|---|---|---|\n");
      JsonObject idle = r.getJsonObject("clustered").getJsonObject("rssIdleKb");
      JsonObject load = r.getJsonObject("clustered").getJsonObject("rssUnderLoadKb");
      for (String n : idle.fieldNames()) {
        md.append("| ").append(n).append(" | ").append(idle.getValue(n)).append(" | ").append(load.getValue(n)).append(" |\n");
      }
    }
    md.append("\nTargets met: ").append(r.getJsonObject("targets").encode()).append("\n");
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
