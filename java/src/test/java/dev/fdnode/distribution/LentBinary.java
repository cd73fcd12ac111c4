package dev.fdnode.distribution;

import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpOutputStream;

/** A binary whose encoding splices its array, as {@code node.UncopiedBinary} does. */
final class LentBinary extends OtpErlangBinary {
  private final byte[] lent;

  LentBinary(byte[] lent) {
    super(new byte[0]);
    this.lent = lent;
  }

  @Override
  public void encode(OtpOutputStream out) {
    out.write1(109); // BINARY_EXT
    out.write4BE(lent.length);
    FramePayload.writeBytes(out, lent, 0, lent.length);
  }
}
