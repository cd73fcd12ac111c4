package dev.fdnode.node;

import java.util.logging.Logger;

/**
 * SIGTERM/SIGINT handling, so a graceful stop ends with exit status 0 rather than the JVM's 143.
 * Uses jdk.unsupported's sun.misc.Signal directly (no reflection); where it is unavailable the
 * shutdown hook still closes every fd.
 */
final class Signals {
  private static final Logger LOG = Logger.getLogger(Signals.class.getName());

  private Signals() {}

  static void onTerminate(Runnable action) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> action.run());
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        LOG.fine(() -> "cannot handle SIG" + name + ": " + e.getMessage());
      }
    }
  }
}
