package dev.fdnode.request;

import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Framer;
import dev.fdnode.core.Packet;
import dev.fdnode.core.Reason;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Passive reads of a descriptor with a framer ({@code {packet, P}} set once): one packet per read
 * when framed, the bytes buffered first when raw. Bytes kept by active delivery at a switch to
 * passive come before the framer's, and the framer's before the descriptor's.
 */
final class FramedReads {
  /** What one read asks the descriptor for: the framer keeps what is beyond the packet. */
  static final int CHUNK = 64 * 1024;

  /** One read of the descriptor, waiting at most {@code timeoutMs} (-1: as long as it takes). */
  interface Source {
    /** Up to {@code max} bytes; null at end of input. */
    byte[] read(int max, long timeoutMs) throws FdException;
  }

  private FramedReads() {}

  /**
   * The next packet (framed) or up to {@code size} bytes (raw); null at end of input, where a
   * partial packet is dropped (as inet does). A header stating more than {@code packet_size} is
   * {@code emsgsize}, and stays so: its bytes are kept (readable with {@code {packet, raw}}). A
   * framed read must ask for 0 bytes, as {@code gen_tcp:recv/2} must ({@code einval} otherwise).
   * {@code timeoutMs} -1 waits as long as it takes; otherwise {@code timeout} when no whole packet
   * came in time, with what came of it kept for the next read.
   */
  static byte[] read(Context c, FdInner f, Framer framer, int size, long timeoutMs, Source source)
      throws FdException {
    Packet packet = framer.packet();
    if (packet.framed() && size != 0) {
      throw new FdException(Reason.EINVAL, "a framed read takes 0 bytes, not " + size);
    }
    long deadline =
        timeoutMs < 0 ? 0 : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    ReentrantLock reads = framer.reads();
    lock(reads, timeoutMs, deadline);
    try {
      byte[] kept = c.modes().takePending(f); // read ahead by active delivery: before the framer's
      if (kept != null) framer.feed(kept);
      while (true) {
        packet = framer.packet();
        if (!packet.framed()) {
          byte[] buffered = framer.takeBytes(size == 0 ? CHUNK : size);
          if (buffered != null) return buffered;
          return readCounted(source, size == 0 ? CHUNK : size, timeoutMs, deadline);
        }
        Framer.Taken t = framer.take();
        if (t instanceof Framer.Taken.Whole w) return w.bytes();
        if (t instanceof Framer.Taken.TooLarge tl) {
          throw new FdException(
              Reason.EMSGSIZE, "packet header states " + tl.length() + " bytes, over packet_size");
        }
        byte[] more = readCounted(source, CHUNK, timeoutMs, deadline);
        if (more == null) {
          framer.endOfInput(); // a packet never completed is dropped
          return null;
        }
        framer.feed(more);
      }
    } finally {
      reads.unlock();
    }
  }

  private static byte[] readCounted(Source source, int max, long timeoutMs, long deadline)
      throws FdException {
    long left = timeoutMs < 0 ? -1 : remainingMs(deadline);
    return source.read(max, left);
  }

  private static long remainingMs(long deadline) throws FdException {
    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    if (left <= 0) throw new FdException(Reason.TIMEOUT, "no whole packet in time");
    return left;
  }

  private static void lock(ReentrantLock reads, long timeoutMs, long deadline) throws FdException {
    if (timeoutMs < 0) {
      reads.lock();
      return;
    }
    try {
      if (!reads.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new FdException(Reason.TIMEOUT, "another read of this descriptor took the time");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FdException(Reason.TIMEOUT, "interrupted");
    }
  }
}
