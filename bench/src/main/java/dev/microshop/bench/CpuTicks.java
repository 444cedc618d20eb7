package dev.microshop.bench;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CPU time of the shop's processes, read from {@code /proc/<pid>/stat} (utime + stime, in clock
 * ticks), so that a load can say how many CPU-milliseconds each component spent on it.
 *
 * <p>The processes come from a file of lines {@code NAME PID} (a JVM: its own utime + stime, every
 * thread included) or {@code NAME PID tree} (a PostgreSQL postmaster: its own time, the time of its
 * reaped children (cutime + cstime: backends that ended) and of every live child, {@code ps --ppid}).
 * A backend that ends between two readings is counted once: live at the first, in its postmaster's
 * cutime at the second.
 */
final class CpuTicks {

  private record Proc(String name, long pid, boolean tree) {
  }

  private final List<Proc> procs = new ArrayList<>();
  private final long ticksPerSecond;

  CpuTicks(Path pidsFile) throws IOException {
    for (String line : Files.readAllLines(pidsFile)) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 2) {
        procs.add(new Proc(f[0], Long.parseLong(f[1]), f.length > 2 && f[2].equals("tree")));
      }
    }
    ticksPerSecond = clockTicks();
  }

  long ticksPerSecond() {
    return ticksPerSecond;
  }

  /** Each named process's CPU ticks so far (a process that is gone reads 0), and the load generator's own. */
  JsonObject sample() {
    Map<String, Object> ticks = new LinkedHashMap<>();
    for (Proc p : procs) {
      long t = ticks(p.pid(), p.tree());
      if (p.tree()) {
        for (ProcessHandle child : ProcessHandle.of(p.pid()).map(h -> h.children().toList()).orElse(List.of())) {
          t += ticks(child.pid(), true);
        }
      }
      ticks.put(p.name(), t);
    }
    ticks.put("load-generator", ticks(ProcessHandle.current().pid(), false));
    return new JsonObject(ticks);
  }

  /**
   * The whole machine's CPU ticks so far, every process's (other people's too), from the first line
   * of /proc/stat: {busy, total, iowait}, busy being all but idle and iowait (idle time while a process
   * waited for the disk).
   */
  static long[] machine() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i <= 8 && i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      return new long[] {total - Long.parseLong(f[4]) - Long.parseLong(f[5]), total, Long.parseLong(f[5])};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0, 0};
    }
  }

  /**
   * The machine's disks' writes so far, from /proc/diskstats, summed over its block devices backed by a device (those
   * of /sys/block with a {@code device} link: not loop, RAM or zram disks, nor device-mapper volumes, whose writes
   * their disk counts again): {writes completed, milliseconds spent writing}. Between two readings, the time a write took:
   * a disk that stalls (this machine's is shared with others) shows there, whatever was written.
   */
  static long[] disks() {
    try {
      long writes = 0;
      long ms = 0;
      for (String line : Files.readAllLines(Path.of("/proc/diskstats"))) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 10 && Files.exists(Path.of("/sys/block", f[2], "device"))) {
          writes += Long.parseLong(f[7]);
          ms += Long.parseLong(f[10]);
        }
      }
      return new long[] {writes, ms};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  /** The milliseconds a write took on average between two {@link #disks()} readings, to two decimals (0: none). */
  static double msPerWrite(long[] before, long[] after) {
    long writes = after[0] - before[0];
    return writes <= 0 ? 0 : Math.round((after[1] - before[1]) * 100.0 / writes) / 100.0;
  }

  /** The share of the machine's CPU time idle waiting for the disk between two {@link #machine()} readings. */
  static double iowaitShare(long[] before, long[] after) {
    return share(before, after, 2);
  }

  /** The share of the machine's CPU time busy between two {@link #machine()} readings. */
  static double busyShare(long[] before, long[] after) {
    return share(before, after, 0);
  }

  /** Field {@code field}'s ticks between two {@link #machine()} readings over all ticks, to three decimals. */
  private static double share(long[] before, long[] after, int field) {
    long total = after[1] - before[1];
    return total <= 0 ? 0 : Math.round((after[field] - before[field]) * 1000.0 / total) / 1000.0;
  }

  /** CPU milliseconds per name between two samples. */
  JsonObject millisBetween(JsonObject before, JsonObject after) {
    JsonObject ms = new JsonObject();
    for (String name : after.fieldNames()) {
      ms.put(name, Math.round((after.getLong(name) - before.getLong(name, 0L)) * 1000.0 / ticksPerSecond));
    }
    return ms;
  }

  /** utime + stime (+ cutime + cstime with {@code children}) of a process, 0 when it is gone. */
  private static long ticks(long pid, boolean children) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // the fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15,
      // cutime 16, cstime 17
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return children ? t + Long.parseLong(f[13]) + Long.parseLong(f[14]) : t;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return Long.parseLong(out);
    } catch (IOException | InterruptedException | NumberFormatException e) {
      return 100;
    }
  }
}
