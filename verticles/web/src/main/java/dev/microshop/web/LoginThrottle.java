package dev.microshop.web;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Login throttling of this web instance: at most {@code perIp} attempts per client address and
 * {@code failuresPerEmail} failed attempts per email in a sliding window; beyond that, 429.
 * (In-memory per instance: several web instances each allow their share.)
 */
final class LoginThrottle {

  private final int perIp;
  private final int failuresPerEmail;
  private final long windowMs;
  private final Map<String, Deque<Long>> attempts = new ConcurrentHashMap<>();
  private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

  LoginThrottle(int perIp, int failuresPerEmail, long windowMs) {
    this.perIp = perIp;
    this.failuresPerEmail = failuresPerEmail;
    this.windowMs = windowMs;
  }

  /** Records an attempt; 0 when allowed, else the seconds to wait. */
  long attempt(String ip, String email, long now) {
    long ipWait = wait(attempts, "ip:" + ip, perIp, now);
    long emailWait = wait(failures, email(email), failuresPerEmail, now);
    long waitMs = Math.max(ipWait, emailWait);
    if (waitMs == 0) {
      attempts.computeIfAbsent("ip:" + ip, k -> new ArrayDeque<>()).addLast(now);
    }
    return (waitMs + 999) / 1000;
  }

  void failed(String email, long now) {
    failures.computeIfAbsent(email(email), k -> new ArrayDeque<>()).addLast(now);
  }

  void succeeded(String email) {
    failures.remove(email(email));
  }

  private long wait(Map<String, Deque<Long>> map, String key, int limit, long now) {
    Deque<Long> times = map.get(key);
    if (times == null) {
      return 0;
    }
    synchronized (times) {
      while (!times.isEmpty() && times.peekFirst() <= now - windowMs) {
        times.pollFirst();
      }
      if (times.isEmpty()) {
        map.remove(key, times);
        return 0;
      }
      return times.size() < limit ? 0 : times.peekFirst() + windowMs - now;
    }
  }

  private static String email(String email) {
    return "email:" + (email == null ? "" : email.toLowerCase(java.util.Locale.ROOT));
  }
}
