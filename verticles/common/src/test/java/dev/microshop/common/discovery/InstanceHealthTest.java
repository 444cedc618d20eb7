package dev.microshop.common.discovery;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** Outlier ejection as a caller keeps it, with the clock given. */
class InstanceHealthTest {

  private static final List<String> AB = List.of("a", "b");

  @Test
  @DisplayName("three failures in a row take an instance out while another answers; after the ejection one probe, and an answer takes it back")
  void ejectsThenProbes() {
    InstanceHealth health = new InstanceHealth("inventory");
    health.answered("a");
    assertThat(health.failed("b", AB, false, 0)).isFalse();
    assertThat(health.failed("b", AB, false, 0)).isFalse();
    assertThat(health.failed("b", AB, false, 0)).isTrue();
    assertThat(picks(health, 10, 1_000)).containsOnly("a");

    long after = InstanceHealth.EJECT_MS + 1;
    List<String> probing = picks(health, 10, after);
    assertThat(probing).filteredOn("b"::equals).hasSize(1); // one probe, not half the traffic
    health.answered("b");
    assertThat(picks(health, 10, after)).containsOnly("a", "b").filteredOn("b"::equals).hasSize(5);
  }

  @Test
  @DisplayName("a probe that fails takes the instance out again at once")
  void failedProbe() {
    InstanceHealth health = new InstanceHealth("inventory");
    health.failed("b", AB, true, 0);
    long after = InstanceHealth.EJECT_MS + 1;
    assertThat(picks(health, 4, after)).contains("b");
    assertThat(health.failed("b", AB, false, after)).isTrue();
    assertThat(picks(health, 10, after + 1)).containsOnly("a");
  }

  @Test
  @DisplayName("nobody serving at an instance's address (it stopped) takes it out at once")
  void goneAtOnce() {
    InstanceHealth health = new InstanceHealth("inventory");
    assertThat(health.failed("b", AB, true, 0)).isTrue();
    assertThat(picks(health, 6, 1)).containsOnly("a");
    assertThat(health.pick(AB, "a", 1)).as("a second instance for a slow request: none but the one avoided").isNull();
  }

  @Test
  @DisplayName("a second try for a late request goes to an instance out for slowness when none is in rotation (not to one that stopped): else it waits out its whole time")
  void secondTryToASlowOne() {
    InstanceHealth health = new InstanceHealth("inventory");
    health.answered("a");
    for (int i = 0; i < InstanceHealth.EJECT_AFTER; i++) {
      health.failed("b", AB, false, 0); // b late three times while a answered: out
    }
    assertThat(picks(health, 4, 1)).containsOnly("a");
    assertThat(health.pick(AB, "a", 1)).as("a is late now: b, out for slowness, is the only other").isEqualTo("b");
    health.failed("b", AB, true, 2); // then nobody served at b's address
    assertThat(health.pick(AB, "a", 3)).isNull();
  }

  @Test
  @DisplayName("when every instance is failing (an overload), none is taken out: there is nowhere better to send")
  void overloadEjectsNothing() {
    InstanceHealth health = new InstanceHealth("inventory");
    for (int i = 0; i < 5; i++) {
      assertThat(health.failed("a", AB, false, 0)).isFalse();
      assertThat(health.failed("b", AB, false, 0)).isFalse();
    }
    assertThat(picks(health, 10, 1)).containsOnly("a", "b").filteredOn("a"::equals).hasSize(5);
  }

  @Test
  @DisplayName("the log says when an instance leaves the rotation and why (WARN, once), each failed probe that keeps it out, and when it is back")
  void logsEjectionsAndReturns() {
    Logger logger = (Logger) LoggerFactory.getLogger(InstanceHealth.class);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    logger.addAppender(log);
    try {
      InstanceHealth health = new InstanceHealth("inventory");
      health.describeWith(id -> id.equals("b") ? "4242@host-b" : null); // a's JVM not known: its id alone
      health.answered("a");
      for (int i = 0; i < InstanceHealth.EJECT_AFTER; i++) {
        health.failed("b", AB, false, 0);
      }
      health.failed("b", AB, false, 1); // a late answer to a request sent before: already out, no second line
      health.answered("a");
      long after = InstanceHealth.EJECT_MS + 1;
      assertThat(picks(health, 4, after)).contains("b");
      health.failed("b", AB, false, after); // its probe late: out again
      long later = after + InstanceHealth.EJECT_MS + 1;
      assertThat(picks(health, 4, later)).contains("b");
      health.answered("b");
      health.answered("b");
      health.failed("a", AB, true, later);
      assertThat(log.list).extracting(e -> e.getLevel() + " " + e.getFormattedMessage()).containsExactly(
          "WARN inventory instance b (4242@host-b) out of rotation for 5000 ms: 3 requests in a row failed or came later than 500 ms",
          "INFO inventory instance b (4242@host-b) stays out of rotation for 5000 ms more: the request sent to probe it failed"
              + " or came late (out for 5001 ms so far)",
          "INFO inventory instance b (4242@host-b) answered in time: back in rotation",
          "WARN inventory instance a out of rotation for 5000 ms: nobody serves at its address (stopped or leaving)");
    } finally {
      logger.detachAppender(log);
    }
  }

  private static List<String> picks(InstanceHealth health, int n, long now) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(health.pick(AB, null, now));
    }
    return out;
  }
}
