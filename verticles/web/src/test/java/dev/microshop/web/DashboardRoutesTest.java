package dev.microshop.web;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The event lag's entry for a consumer service that gave no answer says why in the producers' entries' words. */
class DashboardRoutesTest {

  @Test
  @DisplayName("a consumer service silent or away: its lag entry says so in words, not the event bus's")
  void unanswered() {
    assertThat(DashboardRoutes.unanswered("shipping", new ReplyException(ReplyFailure.TIMEOUT,
        "Timed out after waiting 1500(ms) for a reply. address: __vertx.reply.1, repliedAddress: shipping.event-lag")))
        .isEqualTo("no answer from the shipping service within 1500 ms");
    assertThat(DashboardRoutes.unanswered("shipping", new ReplyException(ReplyFailure.NO_HANDLERS,
        "No handlers for address shipping.event-lag"))).isEqualTo("the shipping service is not available");
    assertThat(DashboardRoutes.unanswered("shipping", new ReplyException(ReplyFailure.RECIPIENT_FAILURE, "database unavailable")))
        .isEqualTo("database unavailable");
  }
}
