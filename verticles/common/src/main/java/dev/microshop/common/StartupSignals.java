package dev.microshop.common;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import dev.microshop.common.db.EmbeddedPostgresServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Ctrl-C (SIGINT) or SIGTERM while a JVM is still starting ends it with one line.
 *
 * <p>Without this, the launcher's shutdown hook closes Vert.x while the main verticle is still
 * being deployed: Vert.x undeploys verticles whose start is in flight ({@code Promise already
 * completed}), closes the worker pool under Flyway and the embedded PostgreSQL start
 * ({@code RejectedExecutionException}), every service reports its failed start, and the launcher
 * logs the deployment as failed: some 230 lines about a start that the operator chose to end.
 * A start has taken no request yet, so there is nothing to drain: until the main verticle is
 * deployed, a signal logs one line, stops this JVM's embedded PostgreSQL (cleanly, fast mode)
 * and ends the JVM. Once deployed, the JVM's own handlers are back and a signal is the graceful
 * stop ({@link Launcher#beforeStoppingVertx}).
 */
final class StartupSignals {

  private static final Logger LOG = LoggerFactory.getLogger(StartupSignals.class);

  private final Map<Signal, SignalHandler> previous = new HashMap<>();
  /** Stops what the start holds (this JVM's embedded PostgreSQL); blocking. */
  private final Runnable stopStarted;
  /** Counted down once the stop during start-up has stopped what the start holds. */
  private final CountDownLatch stopped = new CountDownLatch(1);
  private boolean started;

  private StartupSignals(Runnable stopStarted) {
    this.stopStarted = stopStarted;
  }

  /** Takes SIGINT and SIGTERM until {@link #started()}. */
  static StartupSignals install() {
    return install(EmbeddedPostgresServer::stopAll);
  }

  static StartupSignals install(Runnable stopStarted) {
    StartupSignals signals = new StartupSignals(stopStarted);
    for (String name : new String[] {"INT", "TERM"}) {
      Signal signal = new Signal(name);
      try {
        signals.previous.put(signal, Signal.handle(signal, signals::stopDuringStartup));
      } catch (IllegalArgumentException ignored) {
        // the signal is ignored by this process (a script's background job ignores SIGINT): it stays so
      }
    }
    return signals;
  }

  /** The start is over: signals stop the JVM the usual way again (shutdown hooks, graceful stop). */
  synchronized void started() {
    started = true;
    previous.forEach(Signal::handle);
  }

  private void stopDuringStartup(Signal signal) {
    synchronized (this) {
      if (started) { // raced with the end of the start: the graceful stop
        previous.get(signal).handle(signal);
        return;
      }
    }
    // The start is abandoned: what its threads report from here on (connections lost to the
    // database being stopped, deployments cut short) follows from this stop and is no news.
    silenceLoggingButThis();
    // a deployment that fails meanwhile (its database going) makes the launcher exit and close
    // Vert.x, whose threads then die printing their exceptions to stderr
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> { });
    System.setErr(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
    LOG.info("Microshop stopped during start-up (SIG{})", signal.getName());
    int exitCode = 128 + signal.getNumber();
    exitWith(exitCode);
    try {
      stopStarted.run(); // waits for a PostgreSQL start in progress, then stops it
    } finally {
      stopped.countDown();
    }
    Runtime.getRuntime().halt(exitCode);
  }

  /**
   * The JVM ends with the signal's code even when another thread exits meanwhile: a deployment
   * that fails because its database is being stopped makes the launcher call {@code System.exit(15)},
   * whose own halt could come first (CI saw exit code 15 after a Ctrl-C). The exit's shutdown hooks
   * run this one too, which waits for the stop and halts with the signal's code.
   */
  private void exitWith(int exitCode) {
    try {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          stopped.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().halt(exitCode);
      }, "microshop-stop-during-start-up"));
    } catch (IllegalStateException exiting) {
      // the JVM was already exiting when the signal came: its own exit code stands
    }
  }

  private static void silenceLoggingButThis() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logback) {
      logback.addTurboFilter(new TurboFilter() {
        @Override
        public FilterReply decide(Marker marker, ch.qos.logback.classic.Logger logger, ch.qos.logback.classic.Level level,
                                  String format, Object[] params, Throwable t) {
          return LOG.getName().equals(logger.getName()) ? FilterReply.NEUTRAL : FilterReply.DENY;
        }
      });
    }
  }
}
