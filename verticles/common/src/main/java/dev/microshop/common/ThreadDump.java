package dev.microshop.common;

import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where every thread of this JVM is, for the log of a start that hangs: threads with the same state
 * and stack are one entry (a pool's idle threads are one), each stack in full (a {@link ThreadInfo}'s
 * own text stops at 8 frames, above the frames that say what a thread waits for).
 */
public final class ThreadDump {

  private ThreadDump() {
  }

  public static String now() {
    ThreadInfo[] infos = ManagementFactory.getThreadMXBean().dumpAllThreads(false, false);
    Map<String, List<String>> byStack = new LinkedHashMap<>();
    for (ThreadInfo info : infos) {
      byStack.computeIfAbsent(stack(info), s -> new ArrayList<>()).add(info.getThreadName());
    }
    StringBuilder out = new StringBuilder();
    out.append(infos.length).append(" threads, ").append(byStack.size()).append(" distinct stacks\n");
    byStack.forEach((stack, names) -> {
      out.append(names.size() == 1 ? "thread " : names.size() + " threads ").append(String.join(", ", names)).append(": ")
          .append(stack);
    });
    return out.toString();
  }

  private static String stack(ThreadInfo info) {
    StringBuilder s = new StringBuilder().append(info.getThreadState());
    LockInfo lock = info.getLockInfo();
    if (lock != null) {
      s.append(" on ").append(lock.getClassName());
      if (info.getLockOwnerName() != null) {
        s.append(" held by \"").append(info.getLockOwnerName()).append('"');
      }
    }
    s.append('\n');
    for (StackTraceElement frame : info.getStackTrace()) {
      s.append("\tat ").append(frame).append('\n');
    }
    return s.toString();
  }
}
