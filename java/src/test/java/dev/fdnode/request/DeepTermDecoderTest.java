package dev.fdnode.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangList;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangTuple;
import org.junit.jupiter.api.Test;

/**
 * A hostile, absurdly nested request is refused with badarg (iodata deeper than 100 levels), never
 * a crash.
 */
class DeepTermDecoderTest {
  private static final String NODE = "fdnode@h";
  private final RequestDecoder decoder = new RequestDecoder(NODE);
  private final OtpErlangPid me = new OtpErlangPid("a@h", 1, 0, 0);

  private static OtpErlangObject nested(int depth) {
    OtpErlangObject o = new OtpErlangBinary(new byte[] {'x'});
    for (int i = 0; i < depth; i++) o = new OtpErlangList(new OtpErlangObject[] {o});
    return o;
  }

  @Test
  void deeplyNestedIodataIsBadarg() {
    OtpErlangObject handle =
        new OtpErlangTuple(
            new OtpErlangObject[] {
              new OtpErlangAtom("fdnode_fd"),
              new OtpErlangAtom(NODE),
              new OtpErlangLong(1),
              new OtpErlangLong(1)
            });
    OtpErlangObject req =
        new OtpErlangTuple(
            new OtpErlangObject[] {new OtpErlangAtom("write"), handle, nested(100_000)});
    Envelope env =
        decoder.envelope(
            new OtpErlangTuple(
                new OtpErlangObject[] {
                  new OtpErlangAtom("$fdnode_call"), me, new OtpErlangAtom("ref"), me, req
                }));
    Envelope.Refused r = assertInstanceOf(Envelope.Refused.class, env);
    assertEquals("badarg", r.reason());
  }

  @Test
  void shallowIodataStillWorks() {
    OtpErlangObject handle =
        new OtpErlangTuple(
            new OtpErlangObject[] {
              new OtpErlangAtom("fdnode_fd"),
              new OtpErlangAtom(NODE),
              new OtpErlangLong(1),
              new OtpErlangLong(1)
            });
    OtpErlangObject req =
        new OtpErlangTuple(new OtpErlangObject[] {new OtpErlangAtom("write"), handle, nested(50)});
    Envelope env =
        decoder.envelope(
            new OtpErlangTuple(
                new OtpErlangObject[] {
                  new OtpErlangAtom("$fdnode_call"), me, new OtpErlangAtom("ref"), me, req
                }));
    assertInstanceOf(Envelope.Call.class, env);
  }
}
