package dev.microshop.common.failure;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Replies#unanswered}: why a service gave no answer, in the words the event lag's entries use. */
class RepliesUnansweredTest {

  @Test
  @DisplayName("a time-out (the event bus's or Future.timeout's) or nobody there says so in words; anything else keeps its message")
  void unanswered() {
    assertThat(Replies.unanswered("shipping", 1500, new ReplyException(ReplyFailure.TIMEOUT,
        "Timed out after waiting 1500(ms) for a reply. address: __vertx.reply.1, repliedAddress: shipping.event-lag")))
        .isEqualTo("no answer from the shipping service within 1500 ms");
    assertThat(Replies.unanswered("alpha", 1000, new TimeoutException("Timeout 1000 (ms) fired")))
        .isEqualTo("no answer from the alpha service within 1000 ms");
    assertThat(Replies.unanswered("shipping", 1500, new ReplyException(ReplyFailure.NO_HANDLERS,
        "No handlers for address shipping.event-lag"))).isEqualTo("the shipping service is not available");
    assertThat(Replies.unanswered("shipping", 1500, new ReplyException(ReplyFailure.RECIPIENT_FAILURE, "database unavailable")))
        .isEqualTo("database unavailable");
    assertThat(Replies.unanswered("shipping", 1500, new IllegalStateException())).isEqualTo("java.lang.IllegalStateException");
  }
}
