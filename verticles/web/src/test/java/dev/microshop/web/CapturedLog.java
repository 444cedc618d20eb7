package dev.microshop.web;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Every log event of the JVM while it is open (a Logback appender on the root logger), read as the
 * console would print it: the message on one line, a stack trace on the lines after it.
 */
final class CapturedLog implements AutoCloseable {

  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  private CapturedLog() {
  }

  static CapturedLog open() {
    CapturedLog log = new CapturedLog();
    log.appender.start();
    root().addAppender(log.appender);
    return log;
  }

  /** The printed lines that contain {@code text}, stack traces included. */
  List<String> linesWith(String text) {
    return events().stream().flatMap(e -> printed(e).lines()).filter(line -> line.contains(text)).toList();
  }

  /** The one event whose message contains {@code text}. */
  ILoggingEvent eventWith(String text) {
    List<ILoggingEvent> found = events().stream().filter(e -> e.getFormattedMessage().contains(text)).toList();
    if (found.size() != 1) {
      throw new AssertionError(found.size() + " log events contain " + text + ": " + found);
    }
    return found.get(0);
  }

  /** The event as printed: its message, then its stack trace if it has one. */
  static String printed(ILoggingEvent e) {
    return e.getThrowableProxy() == null ? e.getFormattedMessage()
        : e.getFormattedMessage() + System.lineSeparator() + ThrowableProxyUtil.asString(e.getThrowableProxy());
  }

  private List<ILoggingEvent> events() {
    synchronized (appender) { // the appender appends under this lock, on the event loop
      return List.copyOf(appender.list);
    }
  }

  @Override
  public void close() {
    root().detachAppender(appender);
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
