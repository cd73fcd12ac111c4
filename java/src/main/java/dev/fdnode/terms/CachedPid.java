package dev.fdnode.terms;

import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpOutputStream;
import dev.fdnode.distribution.AtomBytes;

/** A pid whose node name encodes from the {@link AtomBytes} cache. */
final class CachedPid extends OtpErlangPid {
  CachedPid(String node, int id, int serial, int creation) {
    super(node, id, serial, creation);
  }

  @Override
  public void encode(OtpOutputStream out) {
    AtomBytes.writePid(out, this);
  }
}
