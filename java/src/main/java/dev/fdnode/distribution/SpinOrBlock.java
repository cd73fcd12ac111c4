package dev.fdnode.distribution;

/**
 * Whether a connection's reader, about to wait for its peer's next frame, spins first or blocks at
 * once: chosen by which has lately been quicker. On an idle VM a blocked thread takes longer to
 * wake than a sequential caller takes to send its next call, so spinning made such a caller twice
 * as fast; on a machine whose CPUs are all busy, wake-ups are quick and the spinner takes CPU from
 * the very process it waits for, so blocking was twice as fast.
 *
 * <p>A wait is timed from the reader's flush to its input. The reader keeps one way for an epoch of
 * {@link #EPOCH} waits, long enough for both ends to settle into it, and compares epochs: it uses
 * the way whose last epoch was quicker (spinning only when clearly quicker, as it costs a CPU) and
 * every {@link #TRY_OTHER_EVERY}th epoch tries the other, so a change of load is seen. Waits longer
 * than {@link #IDLE_NANOS} are idle time, not a round trip, and are not counted. One reader thread
 * owns an instance.
 */
final class SpinOrBlock {
  static final int EPOCH = 128;
  static final int TRY_OTHER_EVERY = 16;
  static final long IDLE_NANOS = 1_000_000;

  private boolean spin = true; // the quicker way on an idle machine, where most waits are
  private long spinEpoch = -1; // total wait of the last epoch of each way, ns; -1 until known
  private long blockEpoch = -1;
  private long sum; // every epoch has EPOCH waits: totals compare as means would
  private int samples;
  private int epochs;

  /** True if the coming wait should spin before it blocks. */
  boolean spinNext() {
    return spin;
  }

  /** How long a wait that followed {@link #spinNext()} took, from the flush to input. */
  void waited(long nanos) {
    if (nanos < 0 || nanos > IDLE_NANOS) {
      return;
    }
    sum += nanos;
    if (++samples < EPOCH) {
      return;
    }
    if (spin) {
      spinEpoch = sum;
    } else {
      blockEpoch = sum;
    }
    sum = 0;
    samples = 0;
    boolean quicker = spinIsQuicker();
    spin = ++epochs % TRY_OTHER_EVERY == 0 ? !quicker : quicker;
  }

  private boolean spinIsQuicker() {
    if (spinEpoch < 0 || blockEpoch < 0) {
      return spinEpoch < 0; // try each way once
    }
    return spinEpoch * 10 < blockEpoch * 9;
  }
}
