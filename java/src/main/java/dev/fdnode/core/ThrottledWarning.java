package dev.fdnode.core;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.logging.Logger;

/**
 * A warning that a peer can cause at will (garbage, forged reports, misaddressed messages): logged
 * the first 20 times, then every 1000th, so a flood cannot fill the log. Each line carries its
 * count.
 */
public final class ThrottledWarning {
  private final Logger log;
  private final AtomicLong count = new AtomicLong();

  public ThrottledWarning(Logger log) {
    this.log = log;
  }

  /** Counts one more; logs {@code message} of that count when it is one of those logged. */
  public void log(LongFunction<String> message) {
    long n = count.incrementAndGet();
    if (n <= 20 || n % 1000 == 0) log.warning(() -> message.apply(n));
  }
}
