package dev.fdnode.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The reader's choice between spinning and blocking, fed wait times as the reader measures them.
 */
class SpinOrBlockTest {
  private static final long FAST = 10_000;
  private static final long SLOW = 40_000;

  /** Runs one epoch of waits of {@code nanos} each and returns the way used for all of it. */
  private static boolean epoch(SpinOrBlock waits, long nanos) {
    boolean spin = waits.spinNext();
    for (int i = 0; i < SpinOrBlock.EPOCH; i++) {
      assertEquals(spin, waits.spinNext(), "the way changed within an epoch");
      waits.waited(nanos);
    }
    return spin;
  }

  @Test
  void spinsFirstThenTriesBlocking() {
    SpinOrBlock waits = new SpinOrBlock();
    assertTrue(epoch(waits, FAST));
    assertFalse(epoch(waits, FAST));
  }

  @Test
  void keepsSpinningWhileSpinningIsQuicker() {
    settlesOn(FAST, SLOW, true);
  }

  @Test
  void blocksWhileBlockingIsQuicker() {
    settlesOn(SLOW, FAST, false);
  }

  /**
   * After an epoch each way (spin, then block) at these waits, the quicker way holds for every
   * epoch up to the trial one, which tries the other.
   */
  private static void settlesOn(long spinWait, long blockWait, boolean spin) {
    SpinOrBlock waits = new SpinOrBlock();
    epoch(waits, spinWait);
    epoch(waits, blockWait);
    long quicker = Math.min(spinWait, blockWait);
    for (int i = 3; i <= SpinOrBlock.TRY_OTHER_EVERY; i++) {
      assertEquals(spin, epoch(waits, quicker), "epoch " + i);
    }
    assertEquals(!spin, epoch(waits, quicker), "the trial epoch");
  }

  @Test
  void spinsOnlyWhenClearlyQuicker() {
    SpinOrBlock waits = new SpinOrBlock();
    epoch(waits, 19_000); // spin, 5% quicker than blocking below
    epoch(waits, 20_000); // block
    assertFalse(epoch(waits, 20_000));
  }

  @Test
  void aChangeOfLoadShowsInTheNextEpoch() {
    SpinOrBlock waits = new SpinOrBlock();
    epoch(waits, FAST); // spin
    epoch(waits, SLOW); // block
    assertTrue(epoch(waits, SLOW)); // spinning has become slow
    assertFalse(epoch(waits, SLOW));
  }

  @Test
  void triesTheOtherWayEveryFewEpochs() {
    SpinOrBlock waits = new SpinOrBlock();
    epoch(waits, SLOW); // 1: spin
    epoch(waits, FAST); // 2: block
    for (int i = 3; i <= SpinOrBlock.TRY_OTHER_EVERY; i++) {
      assertFalse(epoch(waits, FAST), "epoch " + i);
    }
    assertTrue(epoch(waits, FAST / 2), "the trial epoch spins"); // and spinning is quick again
    assertTrue(epoch(waits, FAST / 2), "spinning is the quicker way again");
  }

  @Test
  void idleWaitsAreNotRoundTrips() {
    SpinOrBlock waits = new SpinOrBlock();
    for (int i = 0; i < 10 * SpinOrBlock.EPOCH; i++) {
      waits.waited(SpinOrBlock.IDLE_NANOS + 1);
      waits.waited(-1); // a clock step backwards
    }
    assertTrue(waits.spinNext(), "no epoch ended");
    for (int i = 0; i < SpinOrBlock.EPOCH; i++) {
      waits.waited(SpinOrBlock.IDLE_NANOS);
    }
    assertFalse(waits.spinNext(), "waits up to the limit count");
  }

  @Test
  void aWaitThatFoundInputAtOnceCounts() {
    SpinOrBlock waits = new SpinOrBlock();
    for (int i = 0; i < SpinOrBlock.EPOCH; i++) {
      waits.waited(0);
    }
    assertFalse(waits.spinNext(), "an epoch of zero-length waits ended");
  }
}
