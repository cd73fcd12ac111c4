package dev.fdnode.terms;

import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpOutputStream;
import dev.fdnode.distribution.FramePayload;
import java.util.Arrays;

/**
 * A binary term over bytes it does not copy: {@link OtpErlangBinary}'s constructor clones its
 * array, this sets the protected {@code bin} field instead and encodes only the first {@code
 * length} bytes.
 *
 * <p>The lending rule: the bytes must not change until the message has been sent. {@link
 * dev.fdnode.distribution.DistNode}'s sends write the frame to the socket (a long binary straight
 * from its array, {@link FramePayload}) before they return, or keep a copy when the connection is
 * not up yet, so a buffer lent to a message may be refilled once that send has returned. Anything
 * else that keeps the term past the send (a queue, a map) must call {@link #binaryValue()}, which
 * copies.
 */
public final class UncopiedBinary extends OtpErlangBinary {
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
  public static OtpErlangBinary owning(byte[] fresh) {
    return new UncopiedBinary(fresh, fresh.length);
  }

  /** The first {@code length} bytes of {@code buffer}, lent until the message is sent. */
  public static OtpErlangBinary lent(byte[] buffer, int length) {
    return new UncopiedBinary(buffer, length);
  }

  @Override
  public void encode(OtpOutputStream out) {
    out.write1(BINARY_EXT);
    out.write4BE(length);
    FramePayload.writeBytes(out, bin, 0, length); // a long one is written from bin, not copied
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

  /** A standalone copy: a clone must not share the lent buffer. */
  @Override
  public Object clone() {
    return new OtpErlangBinary(binaryValue());
  }

  @Override
  public String toString() {
    return new OtpErlangBinary(binaryValue()).toString();
  }
}
