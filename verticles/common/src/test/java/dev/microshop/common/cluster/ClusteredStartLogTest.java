package dev.microshop.common.cluster;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.microshop.common.testing.ClusterMembers;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static dev.microshop.common.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A clustered JVM's start under the shop's own logging levels (logback.xml and its
 * logback-loggers.xml, not the tests' configuration): the known-harmless warnings those levels
 * silence, each with its reason, stay silent, while Hazelcast's lifecycle lines still show.
 */
class ClusteredStartLogTest {

  @Test
  @DisplayName("a clustered start logs Hazelcast's STARTED line but not its 'CP Subsystem is not enabled' warning (no CP structure decides anything)")
  void cpSubsystemWarningSilenced() throws Exception {
    LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    Vertx vertx = null;
    try {
      configure(logging, "/logback.xml");
      seen.setContext(logging);
      seen.start();
      logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(seen);

      int port = 20_000 + ThreadLocalRandom.current().nextInt(8_000);
      vertx = ClusterMembers.join(Map.of("MICROSHOP_CLUSTER_NAME", "start-log-" + UUID.randomUUID(),
          "MICROSHOP_CLUSTER_PORT", Integer.toString(port), "MICROSHOP_CLUSTER_PORT_COUNT", "1",
          "MICROSHOP_CLUSTER_MEMBERS", "127.0.0.1:" + port));
      await(vertx.sharedData().getCounter("start-log-counter")); // what a start may touch of the CP subsystem
      await(vertx.sharedData().getLockWithTimeout("start-log-lock", 5_000)).release();
    } finally {
      ClusterMembers.close(vertx);
      configure(logging, "/logback-test.xml");
    }
    List<String> lines = seen.list.stream().map(e -> e.getLevel() + " " + e.getLoggerName() + " " + e.getFormattedMessage()).toList();
    System.out.println("a clustered start's log under the shop's levels:\n  " + String.join("\n  ", lines));
    assertThat(lines).as("the lines logged").anyMatch(l -> l.contains("is STARTED"))
        .noneMatch(l -> l.contains("CP Subsystem is not enabled"));
  }

  private static void configure(LoggerContext logging, String resource) throws Exception {
    logging.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(logging);
    configurator.doConfigure(ClusteredStartLogTest.class.getResource(resource));
  }
}
