package dev.fdnode.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangMap;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangTuple;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.Handle;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.Posix;
import dev.fdnode.core.ReceiveMode;
import dev.fdnode.terms.ReplyEncoder;
import dev.fdnode.terms.Terms;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dispatcher against the real core, in a temp root; no distribution. */
class DispatcherTest {
  static final String NODE = "fdnode@host";
  static final OtpErlangPid A = new OtpErlangPid("beam@host", 1, 0, 1);
  static final OtpErlangPid B = new OtpErlangPid("beam@host", 2, 0, 1);
  static final OtpErlangPid C = new OtpErlangPid("other@host", 3, 0, 1);

  record Sent(OtpErlangPid to, OtpErlangObject msg) {}

  @TempDir Path tmp;
  Path root;
  Descriptors descriptors;
  RealModes modes;
  Dispatcher d;
  final RequestDecoder decoder = new RequestDecoder(NODE);
  final LinkedBlockingQueue<Sent> sent = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectories(tmp.toRealPath().resolve("root"));
    descriptors = new Descriptors(new Posix(), 16);
    modes = new RealModes(descriptors);
    d =
        new Dispatcher(
            descriptors,
            new PathPolicy(List.of(root)),
            new ReplyEncoder(NODE),
            modes.control(),
            (to, msg) -> sent.add(new Sent(to, msg)));
  }

  @AfterEach
  void tearDown() {
    modes.close();
    descriptors.close();
  }

  static final OpenOptions RW = new OpenOptions(true, true, false, true, false, false, false, 0644);

  Handle open(OtpErlangPid who, String name) throws Exception {
    OtpErlangObject r =
        d.execute(who, new DescriptorRequests.Open(root.resolve(name).toString(), RW));
    OtpErlangTuple ok = assertInstanceOf(OtpErlangTuple.class, r, r.toString());
    assertEquals("ok", Terms.atomName(ok.elementAt(0)), r.toString());
    return decoder.handle(ok.elementAt(1));
  }

  static String str(OtpErlangObject o) {
    return o.toString();
  }

  @Test
  void pingAndOpenWriteReadClose() throws Exception {
    assertEquals("pong", str(d.execute(A, new ControlRequests.Ping())));
    Handle h = open(A, "f");
    assertEquals(
        "ok",
        str(d.execute(A, new DescriptorRequests.Write(h, "abc".getBytes(StandardCharsets.UTF_8)))));
    assertEquals(
        "{ok,0}", str(d.execute(A, new DescriptorRequests.Position(h, 0, Posix.SEEK_SET))));
    OtpErlangTuple r = (OtpErlangTuple) d.execute(A, new DescriptorRequests.Read(h, 10));
    assertEquals(
        "abc",
        new String(((OtpErlangBinary) r.elementAt(1)).binaryValue(), StandardCharsets.UTF_8));
    assertEquals("eof", str(d.execute(A, new DescriptorRequests.Read(h, 10))));
    assertEquals("ok", str(d.execute(B, new DescriptorRequests.Close(h)))); // any process may close
    assertEquals("{error,closed}", str(d.execute(A, new DescriptorRequests.Read(h, 10))));
  }

  @Test
  void openOutsideRootsIsEacces() {
    assertEquals(
        "{error,eacces}", str(d.execute(A, new DescriptorRequests.Open("/etc/passwd", RW))));
    assertEquals("{error,einval}", str(d.execute(A, new DescriptorRequests.Open("relative", RW))));
    assertEquals(
        "{error,enoent}",
        str(
            d.execute(
                A,
                new DescriptorRequests.Open(
                    root + "/missing",
                    new OpenOptions(true, false, false, false, false, false, false, 0644)))));
  }

  @Test
  void wrongTokenIsInvalidHandle() throws Exception {
    Handle h = open(A, "f");
    assertEquals(
        "{error,invalid_handle}",
        str(d.execute(A, new DescriptorRequests.Read(new Handle(h.id(), h.token() ^ 1), 1))));
    assertEquals(
        "{error,invalid_handle}",
        str(d.execute(A, new DescriptorRequests.Read(new Handle(999, 1), 1))));
  }

  @Test
  void onlyTheControllerSetsTheMode() throws Exception {
    Handle h = open(A, "f");
    assertEquals(
        "{error,not_owner}", str(d.execute(B, new ControlRequests.SetMode(h, ReceiveMode.ACTIVE))));
    assertEquals("ok", str(d.execute(A, new ControlRequests.SetMode(h, ReceiveMode.ACTIVE))));
    assertEquals(
        "{error,einval}", str(d.execute(A, new DescriptorRequests.Read(h, 1)))); // not passive
    assertEquals("ok", str(d.execute(A, new ControlRequests.SetMode(h, ReceiveMode.PASSIVE))));
    assertEquals("eof", str(d.execute(A, new DescriptorRequests.Read(h, 1))));
  }

  @Test
  void controllingProcessMovesControlAndOwnership() throws Exception {
    Handle h = open(A, "f");
    assertEquals(
        "{error,not_owner}", str(d.execute(B, new ControlRequests.ControllingProcess(h, B))));
    assertEquals("ok", str(d.execute(A, new ControlRequests.ControllingProcess(h, B))));
    OtpErlangMap info =
        (OtpErlangMap) ((OtpErlangTuple) d.execute(A, new ControlRequests.Info(h))).elementAt(1);
    assertEquals(B, info.get(Terms.atom("owner")));
    assertEquals(B, info.get(Terms.atom("controller")));
    assertEquals(
        "{error,not_owner}", str(d.execute(A, new ControlRequests.SetMode(h, ReceiveMode.ACTIVE))));
    // the old owner's exit no longer closes it; the new one's does
    assertEquals(0, d.ownerDown(Terms.toPid(A)));
    assertEquals(1, d.ownerDown(Terms.toPid(B)));
    assertEquals("{error,closed}", str(d.execute(B, new DescriptorRequests.Read(h, 1))));
  }

  /** hand_over: passive and moved in one step; the answer is the mode to set again. */
  @Test
  void handOverTurnsPassiveMovesControlAndAnswersTheModeItHad() throws Exception {
    Handle h = open(A, "f");
    assertEquals("{ok,passive}", str(d.execute(A, new ControlRequests.HandOver(h, B))));
    assertEquals("{error,not_owner}", str(d.execute(A, new ControlRequests.HandOver(h, A))));
    assertEquals("ok", str(d.execute(B, new ControlRequests.SetMode(h, ReceiveMode.ACTIVE_N, 3))));
    assertEquals("{ok,{active,3}}", str(d.execute(B, new ControlRequests.HandOver(h, C))));
    OtpErlangMap info =
        (OtpErlangMap) ((OtpErlangTuple) d.execute(A, new ControlRequests.Info(h))).elementAt(1);
    assertEquals(C, info.get(Terms.atom("owner")));
    assertEquals(C, info.get(Terms.atom("controller")));
    assertEquals("passive", str(info.get(Terms.atom("mode"))));
    assertEquals("ok", str(d.execute(C, new ControlRequests.SetMode(h, ReceiveMode.ACTIVE_ONCE))));
    assertEquals("{ok,active_once}", str(d.execute(C, new ControlRequests.HandOver(h, A))));
    assertEquals(1, d.ownerDown(Terms.toPid(A)), "the new owner's exit closes it");
    assertEquals("{error,closed}", str(d.execute(A, new ControlRequests.HandOver(h, B))));
  }

  @Test
  void infoMap() throws Exception {
    Handle h = open(A, "f");
    d.execute(A, new DescriptorRequests.Write(h, new byte[3]));
    OtpErlangMap info =
        (OtpErlangMap) ((OtpErlangTuple) d.execute(A, new ControlRequests.Info(h))).elementAt(1);
    assertEquals(6, info.arity());
    assertEquals(A, info.get(Terms.atom("owner")));
    assertEquals(Terms.atom("passive"), info.get(Terms.atom("mode")));
    assertEquals(Terms.atom("open"), info.get(Terms.atom("state")));
    assertEquals(new OtpErlangLong(3), info.get(Terms.atom("offset")));
    assertTrue(((OtpErlangLong) info.get(Terms.atom("fd"))).longValue() > 2);
  }

  @Test
  void closeAsyncCompletesToTheCaller() throws Exception {
    Handle h = open(A, "f");
    OtpErlangTuple r = (OtpErlangTuple) d.execute(A, new DescriptorRequests.CloseAsync(h));
    assertEquals("ok", Terms.atomName(r.elementAt(0)));
    Sent s = sent.poll(5, TimeUnit.SECONDS);
    assertEquals(A, s.to());
    assertEquals("{fdnode_completion," + r.elementAt(1) + ",ok}", str(s.msg()));
    assertEquals("{error,closed}", str(d.execute(A, new DescriptorRequests.Read(h, 1))));
  }

  @Test
  void pipeRoundTrip() throws Exception {
    OtpErlangTuple r = (OtpErlangTuple) d.execute(A, new DescriptorRequests.Pipe());
    OtpErlangTuple ends = (OtpErlangTuple) r.elementAt(1);
    Handle rd = decoder.handle(ends.elementAt(0));
    Handle wr = decoder.handle(ends.elementAt(1));
    assertEquals("ok", str(d.execute(A, new DescriptorRequests.Write(wr, new byte[] {7, 8}))));
    OtpErlangTuple got = (OtpErlangTuple) d.execute(A, new DescriptorRequests.Read(rd, 10));
    assertEquals(new OtpErlangBinary(new byte[] {7, 8}), got.elementAt(1));
    assertEquals("{error,espipe}", str(d.execute(A, new DescriptorRequests.Pread(rd, 0, 1))));
  }

  @Test
  void ownerDownAndNodeDownClose() throws Exception {
    Handle a = open(A, "a");
    Handle c = open(C, "c");
    assertEquals(1, d.ownerDown(Terms.toPid(A)));
    assertEquals("{error,closed}", str(d.execute(A, new DescriptorRequests.Sync(a))));
    assertEquals(1, d.nodeDown("other@host"));
    assertEquals("{error,closed}", str(d.execute(C, new DescriptorRequests.Sync(c))));
  }

  @Test
  void openForAnOwnerAlreadyDownIsUndone() throws Exception {
    d.ownerDown(Terms.toPid(A));
    assertEquals(
        "{error,closed}", str(d.execute(A, new DescriptorRequests.Open(root + "/late", RW))));
    assertEquals(0, descriptors.stats().openFds());
  }

  @Test
  void emfileAtTheLimit() throws Exception {
    for (int i = 0; i < 16; i++) open(A, "f" + i);
    assertEquals(
        "{error,emfile}", str(d.execute(A, new DescriptorRequests.Open(root + "/one-more", RW))));
  }

  @Test
  void statsMap() throws Exception {
    Handle h = open(A, "f");
    open(C, "g");
    d.execute(A, new DescriptorRequests.Write(h, new byte[5]));
    OtpErlangMap m =
        (OtpErlangMap) ((OtpErlangTuple) d.execute(A, new ControlRequests.Stats())).elementAt(1);
    assertEquals(new OtpErlangLong(2), m.get(Terms.atom("open_fds")));
    assertEquals(new OtpErlangLong(5), m.get(Terms.atom("bytes_written")));
    assertEquals(new OtpErlangLong(0), m.get(Terms.atom("active_fds")));
    OtpErlangMap byNode = (OtpErlangMap) m.get(Terms.atom("fds_by_node"));
    assertEquals(new OtpErlangLong(1), byNode.get(Terms.atom("beam@host")));
    assertEquals(new OtpErlangLong(1), byNode.get(Terms.atom("other@host")));
    for (String k : List.of("pending_ring_ops", "bytes_read", "uptime_ms")) {
      assertInstanceOf(OtpErlangLong.class, m.get(Terms.atom(k)), k);
    }
  }
}
