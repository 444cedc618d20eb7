package dev.microshop.common;

/**
 * A start refused before it touched anything, for a reason the operator can fix (a data directory
 * that another shop holds, a {@code -conf} of the wrong shape): its message is the whole story, so
 * the launcher prints it as one line, without a stack trace, and exits.
 */
public final class StartRefused extends RuntimeException {

  public StartRefused(String message) {
    super(message, null, false, false);
  }

  /** The refusal somewhere in {@code t}'s causes, or null. */
  public static StartRefused in(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof StartRefused refused) {
        return refused;
      }
    }
    return null;
  }
}
