package dev.fdnode.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The one poll-until of the tests, for a state that no event announces (another thread has started
 * its call, a peer dropped a link, epmd forgot a name). Where an event can be awaited (a latch, a
 * queue, a future), await that instead.
 */
public final class Await {
  /** Long enough for a loaded 2-core machine; a passing test never waits for it. */
  public static final Duration DEFAULT = Duration.ofSeconds(10);

  private Await() {}

  /** Returns once {@code condition} holds; fails with "{@code what}" after {@link #DEFAULT}. */
  public static void until(String what, BooleanSupplier condition) throws InterruptedException {
    until(DEFAULT, () -> what, condition);
  }

  /**
   * Returns once {@code condition} holds; fails with {@code failure}'s text once {@code timeout}
   * has passed. Checks after 1 ms, then ever less often up to every 32 ms, so a quick state is seen
   * quickly and a costly check (a look-up in epmd, a GC) does not run a thousand times a second.
   * The condition may do work of its own between checks (run the GC, fail at once when a child
   * process died).
   */
  public static void until(Duration timeout, Supplier<String> failure, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pauseMs = 1;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("not within " + timeout.toMillis() + " ms: " + failure.get());
      }
      Thread.sleep(pauseMs);
      pauseMs = Math.min(32, pauseMs * 2);
    }
  }
}
