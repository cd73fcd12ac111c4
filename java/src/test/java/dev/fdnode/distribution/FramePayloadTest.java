package dev.fdnode.distribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangTuple;
import com.ericsson.otp.erlang.OtpOutputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A payload with spliced runs must put on the wire exactly the bytes JInterface's own encoding
 * gives, and announce that length; a detached copy must not change when the lent array does.
 */
class FramePayloadTest {
  private static byte[] wire(FramePayload p) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.writeTo(out);
    return out.toByteArray();
  }

  private static OtpErlangObject message(OtpErlangObject... bins) {
    OtpErlangObject[] elements = new OtpErlangObject[bins.length + 1];
    elements[0] = new OtpErlangAtom("fdnode");
    System.arraycopy(bins, 0, elements, 1, bins.length);
    return new OtpErlangTuple(elements);
  }

  @Test
  void splicedRunsGiveJInterfacesBytes() throws Exception {
    Random r = new Random(42);
    byte[] big = new byte[256 * 1024];
    byte[] small = new byte[FramePayload.SPLICE_MIN - 1];
    byte[] edge = new byte[FramePayload.SPLICE_MIN];
    r.nextBytes(big);
    r.nextBytes(small);
    r.nextBytes(edge);
    OtpErlangObject lent =
        message(
            new LentBinary(big), new LentBinary(small), new LentBinary(edge), new LentBinary(big));
    OtpErlangObject copied =
        message(
            new OtpErlangBinary(big),
            new OtpErlangBinary(small),
            new OtpErlangBinary(edge),
            new OtpErlangBinary(big));
    byte[] expected = new OtpOutputStream(copied).toByteArray();

    FramePayload p = Frame.encode(lent);
    assertEquals(expected.length, p.size(), "the length the frame header announces");
    assertArrayEquals(expected, wire(p));
    assertArrayEquals(expected, p.toByteArray());
  }

  @Test
  void aDetachedCopyKeepsTheBytesOfItsSend() throws Exception {
    byte[] buffer = new byte[64 * 1024];
    Arrays.fill(buffer, (byte) 'a');
    FramePayload p = Frame.encode(message(new LentBinary(buffer)));
    FramePayload kept = p.detach();
    byte[] before = wire(kept);
    Arrays.fill(buffer, (byte) 'b'); // the reader refills its buffer
    assertArrayEquals(before, wire(kept));
    assertEquals(before.length, kept.size());
    assertEquals('a', before[before.length - 1]);
    assertEquals('b', wire(p)[before.length - 1], "the undetached payload still borrows");
  }
}
