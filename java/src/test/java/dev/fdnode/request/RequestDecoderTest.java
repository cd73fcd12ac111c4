package dev.fdnode.request;

import static dev.fdnode.terms.Terms.atom;
import static dev.fdnode.terms.Terms.tuple;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangList;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangRef;
import com.ericsson.otp.erlang.OtpErlangString;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.Handle;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.Posix;
import dev.fdnode.core.ReceiveMode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestDecoderTest {
  static final String NODE = "fdnode@host";
  final RequestDecoder dec = new RequestDecoder(NODE);
  static final OtpErlangPid PID = new OtpErlangPid("a@host", 10, 0, 1);
  static final OtpErlangPid PID2 = new OtpErlangPid("a@host", 11, 0, 1);
  static final OtpErlangRef REF = new OtpErlangRef("a@host", new int[] {1, 2, 3}, 1);

  static OtpErlangObject h(long id, long token) {
    return tuple(atom("fdnode_fd"), atom(NODE), new OtpErlangLong(id), new OtpErlangLong(token));
  }

  static OtpErlangObject bin(String s) {
    return new OtpErlangBinary(s.getBytes(StandardCharsets.UTF_8));
  }

  static OtpErlangObject i(long v) {
    return new OtpErlangLong(v);
  }

  static OtpErlangList list(OtpErlangObject... e) {
    return new OtpErlangList(e);
  }

  String reason(OtpErlangObject req) {
    return assertThrows(FdException.class, () -> dec.request(req)).reason();
  }

  // ---- envelopes ----

  @Test
  void wellFormedCall() throws Exception {
    Envelope e = dec.envelope(tuple(atom("$fdnode_call"), PID, REF, PID2, atom("ping")));
    Envelope.Call c = assertInstanceOf(Envelope.Call.class, e);
    assertEquals(PID, c.replyTo());
    assertEquals(REF, c.ref());
    assertEquals(PID2, c.caller());
    assertInstanceOf(ControlRequests.Ping.class, c.request());
  }

  @Test
  void aCallMayBeAnsweredThroughAProcessAlias() throws Exception {
    Envelope e = dec.envelope(tuple(atom("$fdnode_call"), REF, REF, PID2, atom("ping")));
    assertEquals(REF, assertInstanceOf(Envelope.Call.class, e).replyTo());
    Envelope bad = dec.envelope(tuple(atom("$fdnode_call"), REF, REF, PID2, tuple(atom("nope"))));
    assertEquals(REF, assertInstanceOf(Envelope.Refused.class, bad).replyTo());
  }

  @Test
  void callWithBadRequestIsRefusedWithReason() throws Exception {
    Envelope e = dec.envelope(tuple(atom("$fdnode_call"), PID, REF, PID, tuple(atom("nope"))));
    Envelope.Refused r = assertInstanceOf(Envelope.Refused.class, e);
    assertEquals("badarg", r.reason());
    assertEquals(REF, r.ref());
    assertEquals(PID, r.replyTo());
  }

  @Test
  void callOfWrongArityWithUsableReplyToIsBadarg() throws Exception {
    Envelope e = dec.envelope(tuple(atom("$fdnode_call"), PID, REF, atom("ping")));
    assertEquals("badarg", assertInstanceOf(Envelope.Refused.class, e).reason());
  }

  @Test
  void callerNotAPidIsBadarg() throws Exception {
    Envelope e = dec.envelope(tuple(atom("$fdnode_call"), PID, REF, atom("me"), atom("ping")));
    assertEquals("badarg", assertInstanceOf(Envelope.Refused.class, e).reason());
  }

  @Test
  void callWithoutReplyPidIsGarbage() throws Exception {
    assertInstanceOf(
        Envelope.Garbage.class,
        dec.envelope(tuple(atom("$fdnode_call"), atom("x"), REF, PID, atom("ping"))));
    assertInstanceOf(Envelope.Garbage.class, dec.envelope(tuple(atom("$fdnode_call"), PID)));
  }

  @Test
  void garbage() throws Exception {
    assertInstanceOf(Envelope.Garbage.class, dec.envelope(atom("hello")));
    assertInstanceOf(Envelope.Garbage.class, dec.envelope(tuple()));
    assertInstanceOf(Envelope.Garbage.class, dec.envelope(bin("x")));
    assertInstanceOf(Envelope.Garbage.class, dec.envelope(list(atom("$fdnode_call"))));
    assertInstanceOf(Envelope.Garbage.class, dec.envelope(tuple(atom("$fdnode_owner_down"), PID)));
    assertInstanceOf(
        Envelope.Garbage.class, dec.envelope(tuple(atom("$fdnode_owner_down"), PID, atom("x"))));
  }

  @Test
  void ownerDown() throws Exception {
    Envelope.OwnerDown d =
        assertInstanceOf(
            Envelope.OwnerDown.class, dec.envelope(tuple(atom("$fdnode_owner_down"), PID, PID2)));
    assertEquals(PID, d.watcher());
    assertEquals(PID2, d.owner());
  }

  // ---- nullary requests ----

  @Test
  void nullaryAsAtomOrTuple() throws Exception {
    assertInstanceOf(ControlRequests.Ping.class, dec.request(atom("ping")));
    assertInstanceOf(ControlRequests.Ping.class, dec.request(tuple(atom("ping"))));
    assertInstanceOf(DescriptorRequests.Pipe.class, dec.request(tuple(atom("pipe"))));
    assertInstanceOf(ControlRequests.Stats.class, dec.request(tuple(atom("stats"))));
    assertInstanceOf(ControlRequests.Shutdown.class, dec.request(tuple(atom("shutdown"))));
    assertEquals("badarg", reason(tuple(atom("ping"), i(1))));
    assertEquals("badarg", reason(atom("pong")));
    assertEquals("badarg", reason(i(3)));
    assertEquals("badarg", reason(tuple()));
    assertEquals("badarg", reason(tuple(i(1), i(2))));
  }

  // ---- open ----

  @Test
  void openDefaultsToRead() throws Exception {
    DescriptorRequests.Open o =
        assertInstanceOf(
            DescriptorRequests.Open.class, dec.request(tuple(atom("open"), bin("/tmp/x"), list())));
    assertEquals("/tmp/x", o.path());
    assertEquals(
        new OpenOptions(true, false, false, false, false, false, false, 0644), o.options());
  }

  @Test
  void openAllOptions() throws Exception {
    DescriptorRequests.Open o =
        (DescriptorRequests.Open)
            dec.request(
                tuple(
                    atom("open"),
                    bin("/tmp/ü"),
                    list(
                        atom("read"),
                        atom("write"),
                        atom("append"),
                        atom("create"),
                        atom("exclusive"),
                        atom("truncate"),
                        atom("nonblock"),
                        tuple(atom("mode"), i(0600)))));
    assertEquals("/tmp/ü", o.path());
    assertEquals(new OpenOptions(true, true, true, true, true, true, true, 0600), o.options());
  }

  @Test
  void openWriteOnly() throws Exception {
    DescriptorRequests.Open o =
        (DescriptorRequests.Open) dec.request(tuple(atom("open"), bin("/a"), list(atom("write"))));
    assertEquals(false, o.options().read());
    assertEquals(true, o.options().write());
  }

  @Test
  void openBadShapes() throws Exception {
    assertEquals("badarg", reason(tuple(atom("open"), bin("/a"))));
    assertEquals("badarg", reason(tuple(atom("open"), bin("/a"), list(), list())));
    assertEquals("badarg", reason(tuple(atom("open"), new OtpErlangString("/a"), list())));
    assertEquals("badarg", reason(tuple(atom("open"), atom("a"), list())));
    assertEquals("badarg", reason(tuple(atom("open"), bin("/a"), atom("read"))));
    assertEquals("badarg", reason(tuple(atom("open"), bin("/a"), list(atom("bogus")))));
    assertEquals(
        "badarg", reason(tuple(atom("open"), bin("/a"), list(tuple(atom("mode"), atom("x"))))));
    assertEquals(
        "badarg",
        reason(
            tuple(
                atom("open"),
                bin("/a"),
                new OtpErlangList(new OtpErlangObject[] {atom("read")}, atom("tail")))));
    assertEquals(
        "einval", reason(tuple(atom("open"), bin("/a"), list(tuple(atom("mode"), i(-1))))));
    assertEquals(
        "einval", reason(tuple(atom("open"), bin("/a"), list(tuple(atom("mode"), i(010000))))));
  }

  @Test
  void openPathWithNulOrBadUtf8IsEinval() throws Exception {
    assertEquals("einval", reason(tuple(atom("open"), bin("/tmp/a\0b"), list())));
    assertEquals(
        "einval",
        reason(
            tuple(
                atom("open"),
                new OtpErlangBinary(new byte[] {'/', (byte) 0xff, (byte) 0xfe}),
                list())));
  }

  // ---- handles ----

  @Test
  void handleDecodes() throws Exception {
    DescriptorRequests.Close c =
        (DescriptorRequests.Close) dec.request(tuple(atom("close"), h(7, 12345)));
    assertEquals(new Handle(7, 12345), c.handle());
  }

  @Test
  void handleTokenIsUnsigned64() throws Exception {
    BigInteger big = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE); // 2^64-1
    OtpErlangObject hd = tuple(atom("fdnode_fd"), atom(NODE), i(1), new OtpErlangLong(big));
    assertEquals(
        new Handle(1, -1L), ((ControlRequests.Info) dec.request(tuple(atom("info"), hd))).handle());
    OtpErlangObject tooBig =
        tuple(atom("fdnode_fd"), atom(NODE), i(1), new OtpErlangLong(BigInteger.ONE.shiftLeft(64)));
    assertEquals("invalid_handle", reason(tuple(atom("info"), tooBig)));
    assertEquals(
        "invalid_handle",
        reason(tuple(atom("info"), tuple(atom("fdnode_fd"), atom(NODE), i(1), i(-1)))));
  }

  @Test
  void handleOfOtherNodeIsInvalid() throws Exception {
    OtpErlangObject other = tuple(atom("fdnode_fd"), atom("other@host"), i(1), i(2));
    assertEquals("invalid_handle", reason(tuple(atom("close"), other)));
  }

  @Test
  void handleIdOutOfRangeIsInvalid() throws Exception {
    assertEquals(
        "invalid_handle",
        reason(tuple(atom("close"), tuple(atom("fdnode_fd"), atom(NODE), i(0), i(2)))));
    assertEquals(
        "invalid_handle",
        reason(
            tuple(
                atom("close"),
                tuple(
                    atom("fdnode_fd"),
                    atom(NODE),
                    new OtpErlangLong(BigInteger.TEN.pow(30)),
                    i(2)))));
  }

  @Test
  void malformedHandlesAreBadarg() throws Exception {
    assertEquals("badarg", reason(tuple(atom("close"), atom("fd"))));
    assertEquals(
        "badarg", reason(tuple(atom("close"), tuple(atom("fdnode_fd"), atom(NODE), i(1)))));
    assertEquals("badarg", reason(tuple(atom("close"), tuple(atom("fd"), atom(NODE), i(1), i(2)))));
    assertEquals(
        "badarg", reason(tuple(atom("close"), tuple(atom("fdnode_fd"), bin(NODE), i(1), i(2)))));
    assertEquals(
        "badarg",
        reason(tuple(atom("close"), tuple(atom("fdnode_fd"), atom(NODE), atom("x"), i(2)))));
    assertEquals("badarg", reason(tuple(atom("close"), h(1, 2), h(1, 2))));
    assertEquals("badarg", reason(tuple(atom("close"))));
  }

  @Test
  void handleRequests() throws Exception {
    assertInstanceOf(DescriptorRequests.Close.class, dec.request(tuple(atom("close"), h(1, 2))));
    assertInstanceOf(
        DescriptorRequests.CloseAsync.class, dec.request(tuple(atom("close_async"), h(1, 2))));
    assertInstanceOf(DescriptorRequests.Sync.class, dec.request(tuple(atom("sync"), h(1, 2))));
    assertInstanceOf(ControlRequests.Info.class, dec.request(tuple(atom("info"), h(1, 2))));
  }

  // ---- read / pread ----

  @Test
  void readSizes() throws Exception {
    assertEquals(
        100, ((DescriptorRequests.Read) dec.request(tuple(atom("read"), h(1, 2), i(100)))).size());
    assertEquals(
        0, ((DescriptorRequests.Read) dec.request(tuple(atom("read"), h(1, 2), i(0)))).size());
    assertEquals(
        Descriptors.MAX_READ,
        ((DescriptorRequests.Read) dec.request(tuple(atom("read"), h(1, 2), i(Long.MAX_VALUE))))
            .size());
    assertEquals(
        Descriptors.MAX_READ,
        ((DescriptorRequests.Read)
                dec.request(
                    tuple(atom("read"), h(1, 2), new OtpErlangLong(BigInteger.TEN.pow(40)))))
            .size());
    assertEquals("einval", reason(tuple(atom("read"), h(1, 2), i(-1))));
    assertEquals(
        "einval",
        reason(tuple(atom("read"), h(1, 2), new OtpErlangLong(BigInteger.TEN.pow(40).negate()))));
    assertEquals("badarg", reason(tuple(atom("read"), h(1, 2), atom("all"))));
    assertEquals("badarg", reason(tuple(atom("read"), h(1, 2))));
  }

  @Test
  void pread() throws Exception {
    DescriptorRequests.Pread p =
        (DescriptorRequests.Pread) dec.request(tuple(atom("pread"), h(1, 2), i(10), i(20)));
    assertEquals(10, p.offset());
    assertEquals(20, p.size());
    assertEquals("einval", reason(tuple(atom("pread"), h(1, 2), i(-1), i(20))));
    assertEquals("einval", reason(tuple(atom("pread"), h(1, 2), i(0), i(-20))));
    assertEquals(
        "einval",
        reason(tuple(atom("pread"), h(1, 2), new OtpErlangLong(BigInteger.TEN.pow(30)), i(1))));
    assertEquals("badarg", reason(tuple(atom("pread"), h(1, 2), i(0))));
    assertEquals("badarg", reason(tuple(atom("pread"), h(1, 2), bin("0"), i(1))));
  }

  // ---- write / pwrite ----

  @Test
  void writeBinaryAndIolist() throws Exception {
    DescriptorRequests.Write w =
        (DescriptorRequests.Write) dec.request(tuple(atom("write"), h(1, 2), bin("abc")));
    assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), w.data());
    OtpErlangObject io =
        new OtpErlangList(
            new OtpErlangObject[] {i('a'), list(bin("bc"), new OtpErlangString("de")), list()},
            bin("f"));
    DescriptorRequests.Write w2 =
        (DescriptorRequests.Write) dec.request(tuple(atom("write"), h(1, 2), io));
    assertArrayEquals("abcdef".getBytes(StandardCharsets.UTF_8), w2.data());
    assertEquals(
        0,
        ((DescriptorRequests.Write) dec.request(tuple(atom("write"), h(1, 2), list())))
            .data()
            .length);
  }

  @Test
  void writeBadData() throws Exception {
    assertEquals("badarg", reason(tuple(atom("write"), h(1, 2), atom("abc"))));
    assertEquals("badarg", reason(tuple(atom("write"), h(1, 2), list(i(256)))));
    assertEquals("badarg", reason(tuple(atom("write"), h(1, 2), list(i(-1)))));
    assertEquals("badarg", reason(tuple(atom("write"), h(1, 2), i(1))));
    assertEquals("badarg", reason(tuple(atom("write"), h(1, 2), new OtpErlangString("\u0100"))));
    assertEquals("badarg", reason(tuple(atom("write"), h(1, 2))));
  }

  @Test
  void pwrite() throws Exception {
    DescriptorRequests.Pwrite p =
        (DescriptorRequests.Pwrite) dec.request(tuple(atom("pwrite"), h(1, 2), i(5), bin("x")));
    assertEquals(5, p.offset());
    assertArrayEquals(new byte[] {'x'}, p.data());
    assertEquals("einval", reason(tuple(atom("pwrite"), h(1, 2), i(-5), bin("x"))));
    assertEquals("badarg", reason(tuple(atom("pwrite"), h(1, 2), i(5), atom("x"))));
  }

  // ---- position ----

  @Test
  void positionForms() throws Exception {
    assertEquals(
        new DescriptorRequests.Position(new Handle(1, 2), 7, Posix.SEEK_SET),
        dec.request(tuple(atom("position"), h(1, 2), i(7))));
    assertEquals(
        new DescriptorRequests.Position(new Handle(1, 2), 7, Posix.SEEK_SET),
        dec.request(tuple(atom("position"), h(1, 2), tuple(atom("bof"), i(7)))));
    assertEquals(
        new DescriptorRequests.Position(new Handle(1, 2), -3, Posix.SEEK_CUR),
        dec.request(tuple(atom("position"), h(1, 2), tuple(atom("cur"), i(-3)))));
    assertEquals(
        new DescriptorRequests.Position(new Handle(1, 2), -1, Posix.SEEK_END),
        dec.request(tuple(atom("position"), h(1, 2), tuple(atom("eof"), i(-1)))));
    assertEquals(
        new DescriptorRequests.Position(new Handle(1, 2), 0, Posix.SEEK_END),
        dec.request(tuple(atom("position"), h(1, 2), atom("eof"))));
    assertEquals(
        new DescriptorRequests.Position(new Handle(1, 2), 0, Posix.SEEK_CUR),
        dec.request(tuple(atom("position"), h(1, 2), atom("cur"))));
    assertEquals(
        new DescriptorRequests.Position(new Handle(1, 2), 0, Posix.SEEK_SET),
        dec.request(tuple(atom("position"), h(1, 2), atom("bof"))));
  }

  @Test
  void positionBad() throws Exception {
    assertEquals("badarg", reason(tuple(atom("position"), h(1, 2), atom("middle"))));
    assertEquals("badarg", reason(tuple(atom("position"), h(1, 2), tuple(atom("cur")))));
    assertEquals("badarg", reason(tuple(atom("position"), h(1, 2), tuple(atom("cur"), atom("x")))));
    assertEquals("badarg", reason(tuple(atom("position"), h(1, 2), bin("1"))));
    assertEquals(
        "einval",
        reason(tuple(atom("position"), h(1, 2), new OtpErlangLong(BigInteger.TEN.pow(30)))));
  }

  // ---- modes and control ----

  @Test
  void setMode() throws Exception {
    assertEquals(
        ReceiveMode.PASSIVE,
        ((ControlRequests.SetMode) dec.request(tuple(atom("set_mode"), h(1, 2), atom("passive"))))
            .mode());
    assertEquals(
        ReceiveMode.ACTIVE,
        ((ControlRequests.SetMode) dec.request(tuple(atom("set_mode"), h(1, 2), atom("active"))))
            .mode());
    assertEquals(
        ReceiveMode.ACTIVE_ONCE,
        ((ControlRequests.SetMode)
                dec.request(tuple(atom("set_mode"), h(1, 2), atom("active_once"))))
            .mode());
    assertEquals("badarg", reason(tuple(atom("set_mode"), h(1, 2), atom("once"))));
    assertEquals("badarg", reason(tuple(atom("set_mode"), h(1, 2), i(1))));
    ControlRequests.SetMode n =
        (ControlRequests.SetMode)
            dec.request(tuple(atom("set_mode"), h(1, 2), tuple(atom("active"), i(-7))));
    assertEquals(ReceiveMode.ACTIVE_N, n.mode());
    assertEquals(-7, n.count());
    assertEquals(
        "einval", reason(tuple(atom("set_mode"), h(1, 2), tuple(atom("active"), i(32768)))));
    assertEquals(
        "einval", reason(tuple(atom("set_mode"), h(1, 2), tuple(atom("active"), i(-32769)))));
    assertEquals(
        "badarg", reason(tuple(atom("set_mode"), h(1, 2), tuple(atom("active"), atom("x")))));
    assertEquals("badarg", reason(tuple(atom("set_mode"), h(1, 2), tuple(atom("once"), i(1)))));
  }

  @Test
  void controllingProcess() throws Exception {
    ControlRequests.ControllingProcess cp =
        (ControlRequests.ControllingProcess)
            dec.request(tuple(atom("controlling_process"), h(1, 2), PID2));
    assertEquals(PID2, cp.newController());
    assertEquals("badarg", reason(tuple(atom("controlling_process"), h(1, 2), atom("me"))));
  }

  @Test
  void handOver() throws Exception {
    ControlRequests.HandOver ho =
        (ControlRequests.HandOver) dec.request(tuple(atom("hand_over"), h(1, 2), PID2));
    assertEquals(PID2, ho.newController());
    assertEquals(new Handle(1, 2), ho.handle());
    assertEquals(PID2, ho.newOwner(PID2), "the new controller is watched before it owns");
    assertEquals("badarg", reason(tuple(atom("hand_over"), h(1, 2), atom("me"))));
  }
}
