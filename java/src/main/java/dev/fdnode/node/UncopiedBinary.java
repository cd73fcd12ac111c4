package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpOutputStream;
import java.util.Arrays;

/**
 * A binary term over bytes it does not copy: {@link OtpErlangBinary}'s constructor clones its
 * array, this sets the protected {@code bin} field instead and encodes only the first {@code
 * length} bytes.
 *
 * <p>The lending rule: the bytes must not change until the term has been encoded. {@code
 * OtpMbox.send} to a remote pid encodes on the calling thread before it returns, so a buffer lent
 * to a message may be refilled once that {@code send} has returned. A send to a pid of this Java
 * node does not encode: it queues a clone, and a tuple's clone is shallow, so a lent buffer must
 * only go to BEAM processes. Anything that keeps the term past the send (a queue, a map) must call
 * {@link #binaryValue()}, which copies.
 */
final class UncopiedBinary extends OtpErlangBinary {
  private static final byte[] NONE = new byte[0];

  /** BINARY_EXT: tag, 4-byte length, bytes. */
  private static final int BINARY_EXT = 109;

  private final int length;

  private UncopiedBinary(byte[] bytes, int length) {
    super(NONE); // clones the empty array only
    if (length < 0 || length > bytes.length) {
      throw new IllegalArgumentException("length " + length + " of " + bytes.length);
    }
    this.bin = bytes;
    this.length = length;
  }

  /** Takes over {@code fresh}, which nobody writes again (a read's result array). */
  static OtpErlangBinary owning(byte[] fresh) {
    return new UncopiedBinary(fresh, fresh.length);
  }

  /** The first {@code length} bytes of {@code buffer}, lent until the message is sent. */
  static OtpErlangBinary lent(byte[] buffer, int length) {
    return new UncopiedBinary(buffer, length);
  }

  @Override
  public void encode(OtpOutputStream out) {
    out.ensureCapacity(out.size() + 5 + length); // one growth, to the exact size
    out.write1(BINARY_EXT);
    out.write4BE(length);
    out.write(bin, 0, length);
  }

  @Override
  public byte[] binaryValue() {
    return Arrays.copyOf(bin, length);
  }

  @Override
  public int size() {
    return length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OtpErlangBinary b
        && b.pad_bits() == 0
        && Arrays.equals(binaryValue(), b.binaryValue());
  }

  @Override
  protected int doHashCode() {
    return new OtpErlangBinary(binaryValue()).hashCode();
  }

  /** A standalone copy: a local send clones its message and must not share the buffer. */
  @Override
  public Object clone() {
    return new OtpErlangBinary(binaryValue());
  }

  @Override
  public String toString() {
    return new OtpErlangBinary(binaryValue()).toString();
  }
}
