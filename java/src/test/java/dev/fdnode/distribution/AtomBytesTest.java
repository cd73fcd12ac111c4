package dev.fdnode.distribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangRef;
import com.ericsson.otp.erlang.OtpOutputStream;
import org.junit.jupiter.api.Test;

/** The cached encodings are byte for byte what JInterface writes. */
class AtomBytesTest {
  private static byte[] jinterface(com.ericsson.otp.erlang.OtpErlangObject o) {
    OtpOutputStream out = new OtpOutputStream();
    out.write_any(o);
    return out.toByteArray();
  }

  @Test
  void atomsPidsAndRefsEncodeAsJInterfaceDoes() {
    for (String name : new String[] {"", "ok", "fdnode@host", "ÿtf8_ätom_€", "a".repeat(255)}) {
      OtpOutputStream out = new OtpOutputStream();
      out.write_atom(name);
      assertArrayEquals(out.toByteArray(), AtomBytes.of(name), name);
    }
    OtpErlangPid pid = new OtpErlangPid("peer@host", 12345, 6, 0x7fff0001);
    OtpOutputStream p = new OtpOutputStream();
    AtomBytes.writePid(p, pid);
    assertArrayEquals(jinterface(pid), p.toByteArray());
    OtpErlangRef ref = new OtpErlangRef("peer@host", new int[] {1, 2, 3}, 0x7fff0001);
    OtpOutputStream r = new OtpOutputStream();
    AtomBytes.writeRef(r, ref);
    assertArrayEquals(jinterface(ref), r.toByteArray());
  }

  @Test
  void aNameIsEncodedOnce() {
    assertSame(AtomBytes.of("cached_once"), AtomBytes.of("cached_once"));
  }
}
