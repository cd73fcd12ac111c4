package dev.fdnode.terms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangRef;
import com.ericsson.otp.erlang.OtpErlangTuple;
import com.ericsson.otp.erlang.OtpOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The cached and uncopied encodings produce exactly JInterface's bytes, so the BEAM sees the same
 * terms as before.
 */
class CachedEncodingTest {
  private static byte[] encoded(OtpErlangObject o) {
    return new OtpOutputStream(o).toByteArray();
  }

  @Test
  void atomsEncodeAsJInterfaceDoes() {
    for (String name :
        new String[] {"ok", "$fdnode_reply", "a@host", "", "ünïcödé", "x".repeat(255)}) {
      assertArrayEquals(encoded(new OtpErlangAtom(name)), encoded(Terms.atom(name)), name);
      assertEquals(new OtpErlangAtom(name), Terms.atom(name));
    }
  }

  @Test
  void pidsRefsAndTheReplyShapeEncodeAsJInterfaceDoes() {
    OtpErlangPid pid = new OtpErlangPid("caller@host", 123, 4, 0x5eed);
    assertArrayEquals(
        encoded(pid), encoded(Terms.toErlang(Terms.toPid(pid))), "pid through the atom cache");
    OtpErlangRef ref = new OtpErlangRef("caller@host", new int[] {1, 2, 3}, 0x5eed);
    OtpErlangObject result = Terms.ok(new OtpErlangBinary(new byte[] {1, 2, 3}));
    OtpErlangTuple plain =
        new OtpErlangTuple(new OtpErlangObject[] {new OtpErlangAtom("$fdnode_reply"), ref, result});
    assertArrayEquals(encoded(plain), encoded(new ReplyEncoder("me@host").reply(ref, result)));
    assertEquals(plain, new ReplyEncoder("me@host").reply(ref, result));
  }

  @Test
  void uncopiedBinariesEncodeOnlyTheirBytesWithoutCopying() {
    byte[] buffer = new byte[64];
    for (int i = 0; i < buffer.length; i++) buffer[i] = (byte) i;
    OtpErlangBinary lent = UncopiedBinary.lent(buffer, 10);
    byte[] first10 = java.util.Arrays.copyOf(buffer, 10);
    assertArrayEquals(encoded(new OtpErlangBinary(first10)), encoded(lent));
    assertEquals(10, lent.size());
    // Compared by its bytes (a plain binary compares whole arrays, so only this direction holds).
    assertEquals(lent, new OtpErlangBinary(first10));

    // Not a copy: encoding sees what the buffer holds when it is encoded.
    buffer[0] = 42;
    first10[0] = 42;
    assertArrayEquals(encoded(new OtpErlangBinary(first10)), encoded(lent));

    // What outlives the send is a copy.
    OtpErlangBinary kept = (OtpErlangBinary) lent.clone();
    byte[] value = lent.binaryValue();
    buffer[0] = 7;
    assertEquals(42, kept.binaryValue()[0]);
    assertEquals(42, value[0]);
    assertNotSame(buffer, value);

    byte[] fresh = {9, 8, 7};
    assertArrayEquals(encoded(new OtpErlangBinary(fresh)), encoded(UncopiedBinary.owning(fresh)));
  }
}
