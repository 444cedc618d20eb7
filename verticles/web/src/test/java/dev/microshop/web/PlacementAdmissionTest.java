package dev.microshop.web;

import com.netflix.concurrency.limits.Limiter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The web's bound on placements in flight: it shrinks while they are slow, never below its floor, and grows back. */
class PlacementAdmissionTest {

  private final AtomicLong now = new AtomicLong(TimeUnit.SECONDS.toNanos(1));
  private final PlacementAdmission admission = new PlacementAdmission(new PlacementAdmission.Settings(8, 40, 500), now::get);

  @Test
  @DisplayName("at first the bound is the floor: that many placements go at once, the next is shed and counted")
  void startsAtTheFloor() {
    List<Limiter.Listener> permits = admitAll(8);
    assertThat(admission.admit()).isEmpty();
    assertThat(admission.shed()).isEqualTo(1);
    assertThat(admission.inFlight()).isEqualTo(8);
    permits.get(0).onSuccess();
    assertThat(admission.admit()).as("a permit came back").isPresent();
  }

  @Test
  @DisplayName("windows of placements within the target grow the bound, up to the max; slower ones shrink it, down to the floor")
  void fastGrowsSlowShrinks() {
    for (int round = 0; round < 200; round++) {
      rounds(50); // every placement answered in 50 ms
    }
    assertThat(admission.limit()).isEqualTo(40);
    assertThat(admission.admit()).as("none shed while answers came fast").isPresent().get()
        .satisfies(Limiter.Listener::onIgnore);
    assertThat(admission.shed()).isZero();

    rounds(800); // each took 0.8 s: above the 0.5 s target
    rounds(800);
    int shrunk = admission.limit();
    assertThat(shrunk).isLessThan(40);
    for (int round = 0; round < 100; round++) {
      rounds(800);
    }
    assertThat(admission.limit()).as("never below the floor").isEqualTo(8);
  }

  @Test
  @DisplayName("a window with a placement the order service failed with a 5xx shrinks the bound, however quick")
  void droppedShrinks() {
    for (int round = 0; round < 200; round++) {
      rounds(50);
    }
    assertThat(admission.limit()).isEqualTo(40);
    List<Limiter.Listener> permits = admitAll(40);
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(50));
    permits.get(0).onDropped();
    permits.subList(1, 40).forEach(Limiter.Listener::onSuccess);
    rounds(50); // closes the window
    assertThat(admission.limit()).isLessThan(40);
  }

  @Test
  @DisplayName("a placement's outcome ends its permit: a 5xx from the order service (busy, away, too slow) as dropped; an answer, a 4xx refusal too, as a success")
  void settledByOutcome() {
    List<String> ends = new ArrayList<>();
    Limiter.Listener permit = new Limiter.Listener() {
      @Override
      public void onSuccess() {
        ends.add("success");
      }

      @Override
      public void onIgnore() {
        ends.add("ignore");
      }

      @Override
      public void onDropped() {
        ends.add("dropped");
      }
    };
    PlacementAdmission.settle(permit, io.vertx.core.Future.succeededFuture(new io.vertx.core.json.JsonObject()));
    PlacementAdmission.settle(permit, io.vertx.core.Future.failedFuture(
        new dev.microshop.common.failure.ServiceException(dev.microshop.common.failure.FailureCode.REJECTED, "out of stock")));
    PlacementAdmission.settle(permit, io.vertx.core.Future.failedFuture(
        new dev.microshop.common.failure.ServiceException(dev.microshop.common.failure.FailureCode.BUSY, "pool full")));
    PlacementAdmission.settle(permit, io.vertx.core.Future.failedFuture(
        new io.vertx.core.eventbus.ReplyException(io.vertx.core.eventbus.ReplyFailure.TIMEOUT, "no answer")));
    assertThat(ends).containsExactly("success", "success", "dropped", "dropped");
  }

  /** As many placements as the bound lets through at once, all answered after {@code ms}. */
  private void rounds(long ms) {
    List<Limiter.Listener> permits = admitAll(admission.limit());
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    permits.forEach(Limiter.Listener::onSuccess);
  }

  @Test
  @DisplayName("a floor above the max, or a target of 0, is refused at start")
  void settingsChecked() {
    assertThatThrownBy(() -> new PlacementAdmission.Settings(40, 20, 500)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PlacementAdmission.Settings(4, 20, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  private List<Limiter.Listener> admitAll(int n) {
    List<Limiter.Listener> permits = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Optional<Limiter.Listener> permit = admission.admit();
      assertThat(permit).as("placement %d of %d", i + 1, n).isPresent();
      permits.add(permit.get());
    }
    return permits;
  }
}
