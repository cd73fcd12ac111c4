package dev.fdnode.terms;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpOutputStream;
import dev.fdnode.distribution.AtomBytes;

/** An atom that encodes as one copy of bytes computed once ({@link AtomBytes}). */
final class CachedAtom extends OtpErlangAtom {
  private final byte[] encoded;

  CachedAtom(String name) {
    super(name);
    this.encoded = AtomBytes.of(name);
  }

  @Override
  public void encode(OtpOutputStream out) {
    out.write(encoded);
  }
}
