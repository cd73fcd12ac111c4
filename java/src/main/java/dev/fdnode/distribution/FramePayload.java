package dev.fdnode.distribution;

import com.ericsson.otp.erlang.OtpOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * A message's encoding in which long byte runs (a binary's contents) are not copied in: the stream
 * keeps a reference and writes them from their own arrays when the frame goes to the socket. An
 * active chunk of 256 KiB then goes from the read buffer to the socket with no copy in between. The
 * arrays must not change until the frame has been written ({@link PeerConnection} writes it before
 * its send returns) or {@link #detach()}ed.
 */
public final class FramePayload extends OtpOutputStream {
  /** Below this a copy costs less than a write of its own. */
  static final int SPLICE_MIN = 4096;

  private byte[][] arrays = new byte[2][];
  private int[] offsets = new int[2];
  private int[] lengths = new int[2];
  private int[] positions = new int[2]; // where in this stream's own bytes each run goes
  private int runs;
  private int spliced; // bytes in runs

  FramePayload(int size) {
    super(size);
  }

  /**
   * Writes {@code len} bytes of {@code b} to {@code out}: by reference when {@code out} is a frame
   * payload and the run is long, else by copy.
   */
  public static void writeBytes(OtpOutputStream out, byte[] b, int off, int len) {
    if (out instanceof FramePayload p && len >= SPLICE_MIN) {
      p.splice(b, off, len);
    } else {
      out.write(b, off, len);
    }
  }

  private synchronized void splice(byte[] b, int off, int len) {
    if (runs == arrays.length) {
      int n = runs * 2;
      arrays = Arrays.copyOf(arrays, n);
      offsets = Arrays.copyOf(offsets, n);
      lengths = Arrays.copyOf(lengths, n);
      positions = Arrays.copyOf(positions, n);
    }
    arrays[runs] = b;
    offsets[runs] = off;
    lengths[runs] = len;
    positions[runs] = count;
    runs++;
    spliced = Math.addExact(spliced, len);
  }

  /** The encoded length, runs included: what the frame header announces. */
  @Override
  public synchronized int size() {
    return count + spliced;
  }

  @Override
  public synchronized void writeTo(OutputStream out) throws IOException {
    int from = 0;
    for (int i = 0; i < runs; i++) {
      out.write(buf, from, positions[i] - from);
      out.write(arrays[i], offsets[i], lengths[i]);
      from = positions[i];
    }
    out.write(buf, from, count - from);
  }

  @Override
  public synchronized byte[] toByteArray() {
    return runs == 0 ? super.toByteArray() : detach().toByteArray();
  }

  /** The same encoding with every run copied in: for a frame kept past its send. */
  synchronized FramePayload detach() {
    if (runs == 0) return this;
    FramePayload copy = new FramePayload(size());
    try {
      writeTo(copy);
    } catch (IOException cannotHappen) { // a byte array stream does not fail
      throw new UncheckedIOException(cannotHappen);
    }
    return copy;
  }
}
