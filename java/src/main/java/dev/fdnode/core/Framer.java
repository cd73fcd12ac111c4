package dev.fdnode.core;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Cuts a byte stream into packets by a {@link Packet} setting, as {@code inet} does for {@code
 * {packet, 1 | 2 | 4 | line}}: bytes go in with {@link #feed}, whole packets come out with {@link
 * #take}. A pure state machine over its buffer, no I/O: the state is the setting and the bytes fed
 * but not yet taken.
 *
 * <p>It belongs to the descriptor ({@link FdInner#framer()}), not to a read or a delivery round, so
 * bytes read ahead of a packet boundary survive a switch between passive and active modes and a
 * change of controlling process. Changing the setting keeps the buffer: what is buffered is cut by
 * the new setting (as inet does); with {@code raw} it comes out as it is.
 *
 * <p>What {@link #take} gives, in each state of the buffer:
 *
 * <ul>
 *   <li>raw: everything buffered as one {@link Taken.Whole}, or {@link Taken.NeedMore} when empty;
 *   <li>1, 2, 4: {@link Taken.NeedMore} until the header is complete; then {@link Taken.TooLarge}
 *       if it states more than the size allows (the bytes stay: the stream cannot be cut any
 *       further, and every later take says so again until the setting changes); else {@link
 *       Taken.NeedMore} until the body is complete, then the body without its header;
 *   <li>line: the bytes up to and including the first {@code \n}, or, when the size is reached
 *       without one, the first {@code size} bytes as a piece of the line.
 * </ul>
 *
 * <p>Thread-safe: every method takes this object's monitor, briefly. {@link #reads()} is a second,
 * longer lock for passive reads, which take, read and feed as one sequence.
 */
public final class Framer {
  /** What one {@link #take} gives. */
  public sealed interface Taken {
    /** One packet (its body, without a header), or a piece of a long line, or raw bytes. */
    record Whole(byte[] bytes) implements Taken {}

    /** No whole packet yet: at least {@code missing} more bytes are needed. */
    record NeedMore(int missing) implements Taken {}

    /** The header states {@code length} bytes, more than the size allows: {@code emsgsize}. */
    record TooLarge(long length) implements Taken {}
  }

  private static final byte NEWLINE = '\n';

  private final ReentrantLock reads = new ReentrantLock();
  private Packet packet;
  private byte[] buffer = new byte[0];
  private int start; // first byte not yet taken
  private int end; // one past the last byte fed

  public Framer(Packet packet) {
    this.packet = Objects.requireNonNull(packet, "packet");
  }

  public synchronized Packet packet() {
    return packet;
  }

  /** A new setting; the buffered bytes stay and are cut by it. */
  public synchronized void setPacket(Packet p) {
    packet = Objects.requireNonNull(p, "packet");
  }

  /** Bytes fed and not yet taken. */
  public synchronized int buffered() {
    return end - start;
  }

  /** Appends {@code len} bytes of {@code bytes} from {@code off}. */
  public synchronized void feed(byte[] bytes, int off, int len) {
    Objects.checkFromIndexSize(off, len, bytes.length);
    if (len == 0) return;
    if (start == end) {
      start = end = 0;
    }
    if (buffer.length - end < len) {
      int live = end - start;
      int need = live + len;
      if (buffer.length >= need) {
        System.arraycopy(buffer, start, buffer, 0, live); // room enough once compacted
      } else {
        byte[] grown = new byte[Math.max(need, Math.min(buffer.length * 2, need + (1 << 20)))];
        System.arraycopy(buffer, start, grown, 0, live);
        buffer = grown;
      }
      start = 0;
      end = live;
    }
    System.arraycopy(bytes, off, buffer, end, len);
    end += len;
  }

  public void feed(byte[] bytes) {
    feed(bytes, 0, bytes.length);
  }

  /** The next packet, if a whole one is buffered (see the class comment). */
  public synchronized Taken take() {
    int live = end - start;
    return switch (packet.type()) {
      case RAW -> live == 0 ? new Taken.NeedMore(1) : cut(live);
      case LINE -> takeLine(live);
      case ONE, TWO, FOUR -> takeLengthPrefixed(live, packet.type().header);
    };
  }

  private Taken takeLine(int live) {
    int piece = packet.linePiece();
    int scan = Math.min(live, piece);
    for (int i = 0; i < scan; i++) {
      if (buffer[start + i] == NEWLINE) return cut(i + 1);
    }
    return live >= piece ? cut(piece) : new Taken.NeedMore(1);
  }

  private Taken takeLengthPrefixed(int live, int header) {
    if (live < header) return new Taken.NeedMore(header - live);
    long length = 0;
    for (int i = 0; i < header; i++) {
      length = (length << 8) | (buffer[start + i] & 0xFF);
    }
    if (length > packet.maxBody()) return new Taken.TooLarge(length);
    long missing = header + length - live;
    if (missing > 0) return new Taken.NeedMore((int) missing);
    start += header;
    return cut((int) length);
  }

  private Taken.Whole cut(int n) {
    byte[] out = Arrays.copyOfRange(buffer, start, start + n);
    start += n;
    if (start == end) {
      start = end = 0;
      if (buffer.length > (1 << 20)) buffer = new byte[0]; // a big packet's room is not kept
    }
    return new Taken.Whole(out);
  }

  /**
   * Up to {@code max} buffered bytes as they are, whatever the setting (a raw read after the
   * setting went back to raw); null when nothing is buffered.
   */
  public synchronized byte[] takeBytes(int max) {
    int n = Math.min(max, end - start);
    return n <= 0 ? null : cut(n).bytes();
  }

  /**
   * End of input: the bytes of a packet never completed are dropped (as inet drops them when the
   * peer closes mid-packet); returns how many. Whole packets still buffered must be taken first.
   */
  public synchronized int endOfInput() {
    int dropped = end - start;
    start = end = 0;
    return dropped;
  }

  /**
   * Held by a passive read from its first {@link #take} to its last {@link #feed}, so two reads of
   * one descriptor never interleave their bytes.
   */
  public ReentrantLock reads() {
    return reads;
  }

  @Override
  public synchronized String toString() {
    return "Framer[" + packet + ", " + (end - start) + " bytes buffered]";
  }
}
