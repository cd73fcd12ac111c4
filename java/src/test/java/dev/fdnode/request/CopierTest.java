package dev.fdnode.request;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangTuple;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.Opened;
import dev.fdnode.core.Pid;
import dev.fdnode.core.Posix;
import dev.fdnode.core.ReceiveMode;
import dev.fdnode.terms.ReplyEncoder;
import dev.fdnode.terms.Terms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code {copy, Src, Dst, Chunk}}: the copy loop against the real core, its decoding and dispatch.
 */
class CopierTest {
  static final Pid OWNER = new Pid("beam@host", 1, 0, 1);
  static final OpenOptions READ =
      new OpenOptions(true, false, false, false, false, false, false, 0644);
  static final OpenOptions CREATE =
      new OpenOptions(false, true, false, true, false, true, false, 0644);

  @TempDir Path tmp;
  Descriptors descriptors;
  RealModes modes;
  Copier copier;
  final List<long[]> reports = new ArrayList<>();
  final Copier.Progress recording = (done, total) -> reports.add(new long[] {done, total});

  @BeforeEach
  void setUp() throws Exception {
    descriptors = new Descriptors(new Posix(), 16);
    modes = new RealModes(descriptors);
    copier = new Copier(descriptors);
  }

  @AfterEach
  void tearDown() {
    modes.close();
    descriptors.close();
  }

  byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(42).nextBytes(b);
    return b;
  }

  FdInner open(Path p, OpenOptions o) throws Exception {
    return descriptors.open(p.toString(), o, OWNER).inner();
  }

  @Test
  void copiesEveryByteAndReportsIncreasingProgress() throws Exception {
    byte[] content = randomBytes(100_000);
    Path src = Files.write(tmp.resolve("src"), content);
    Path dst = tmp.resolve("dst");
    long n = copier.copy(open(src, READ), open(dst, CREATE), 4096, recording).bytes();
    assertEquals(content.length, n);
    assertArrayEquals(content, Files.readAllBytes(dst));
    assertEquals((content.length + 4095) / 4096, reports.size());
    long last = 0;
    for (long[] r : reports) {
      assertTrue(r[0] > last, "progress increases");
      assertTrue(r[0] - last <= 4096, "at most one chunk per report");
      assertEquals(content.length, r[1], "total is the source size");
      last = r[0];
    }
    assertEquals(content.length, last);
  }

  @Test
  void copiesFromTheSourceOffsetAndAdvancesBothOffsets() throws Exception {
    Path src = Files.write(tmp.resolve("src"), "0123456789".getBytes());
    Path dst = Files.write(tmp.resolve("dst"), "ab".getBytes());
    FdInner s = open(src, READ);
    FdInner d = open(dst, new OpenOptions(false, true, false, false, false, false, false, 0644));
    descriptors.position(s, 4, Posix.SEEK_SET);
    descriptors.position(d, 2, Posix.SEEK_SET);
    assertEquals(6, copier.copy(s, d, 3, recording).bytes());
    assertEquals("ab456789", Files.readString(dst));
    assertEquals(10, s.offset());
    assertEquals(8, d.offset());
    assertEquals(6, reports.get(0)[1]);
  }

  @Test
  void emptySourceCopiesNothing() throws Exception {
    Path src = Files.write(tmp.resolve("src"), new byte[0]);
    assertEquals(
        0, copier.copy(open(src, READ), open(tmp.resolve("dst"), CREATE), 10, recording).bytes());
    assertTrue(reports.isEmpty());
  }

  @Test
  void pipeSourceHasUnknownTotal() throws Exception {
    Opened[] pipe = descriptors.pipe(OWNER);
    descriptors.write(pipe[1].inner(), "hello pipe".getBytes());
    descriptors.close(pipe[1].inner());
    Path dst = tmp.resolve("dst");
    assertEquals(10, copier.copy(pipe[0].inner(), open(dst, CREATE), 4, recording).bytes());
    assertEquals("hello pipe", Files.readString(dst));
    assertTrue(reports.stream().allMatch(r -> r[1] == -1));
  }

  @Test
  void activeSourceIsEinvalAndBadChunkIsEinval() throws Exception {
    Path src = Files.write(tmp.resolve("src"), "x".getBytes());
    FdInner s = open(src, READ);
    FdInner d = open(tmp.resolve("dst"), CREATE);
    assertEquals(
        "einval", assertThrows(FdException.class, () -> copier.copy(s, d, 0, recording)).reason());
    s.setMode(ReceiveMode.ACTIVE);
    assertEquals(
        "einval", assertThrows(FdException.class, () -> copier.copy(s, d, 1, recording)).reason());
  }

  @Test
  void cancelledCopyStopsWithShuttingDown() throws Exception {
    Path src = Files.write(tmp.resolve("src"), randomBytes(10_000));
    Path dst = tmp.resolve("dst");
    Copier.Progress cancelAfterTwo =
        new Copier.Progress() {
          @Override
          public void report(long done, long total) {
            reports.add(new long[] {done, total});
          }

          @Override
          public boolean cancelled() {
            return reports.size() >= 2;
          }
        };
    FdException e =
        assertThrows(
            FdException.class,
            () -> copier.copy(open(src, READ), open(dst, CREATE), 1000, cancelAfterTwo));
    assertEquals("shutting_down", e.reason());
    assertEquals(2000, Files.size(dst));
  }

  @Test
  void decodesAndDispatchesCopy() throws Exception {
    String node = "fdnode@host";
    RequestDecoder decoder = new RequestDecoder(node);
    ReplyEncoder encoder = new ReplyEncoder(node);
    Path src = Files.write(tmp.resolve("src"), "copy me".getBytes());
    Opened s = descriptors.open(src.toString(), READ, OWNER);
    Opened d = descriptors.open(tmp.resolve("dst").toString(), CREATE, OWNER);
    OtpErlangObject req =
        Terms.tuple(
            Terms.atom("copy"),
            encoder.handle(s.handle()),
            encoder.handle(d.handle()),
            Terms.integer(3));
    CopyRequests.Copy copy = assertInstanceOf(CopyRequests.Copy.class, decoder.request(req));
    assertEquals(3, copy.chunk());
    assertEquals(
        "badarg",
        assertThrows(
                FdException.class,
                () ->
                    decoder.request(
                        Terms.tuple(
                            Terms.atom("copy"),
                            encoder.handle(s.handle()),
                            encoder.handle(d.handle()))))
            .reason());
    assertEquals(
        "einval",
        assertThrows(
                FdException.class,
                () ->
                    decoder.request(
                        Terms.tuple(
                            Terms.atom("copy"),
                            encoder.handle(s.handle()),
                            encoder.handle(d.handle()),
                            Terms.integer(0))))
            .reason());
    assertEquals(
        Descriptors.MAX_READ,
        ((CopyRequests.Copy)
                decoder.request(
                    Terms.tuple(
                        Terms.atom("copy"),
                        encoder.handle(s.handle()),
                        encoder.handle(d.handle()),
                        new OtpErlangLong(Long.MAX_VALUE))))
            .chunk());

    Dispatcher dispatcher =
        new Dispatcher(
            descriptors,
            new PathPolicy(List.of(tmp.toRealPath())),
            encoder,
            modes.control(),
            (to, msg) -> {});
    OtpErlangPid caller = new OtpErlangPid("beam@host", 1, 0, 1);
    OtpErlangObject r = dispatcher.execute(caller, copy, recording);
    assertEquals("{ok,7}", r.toString());
    assertEquals(3, reports.size());
    assertEquals("copy me", Files.readString(tmp.resolve("dst")));
    // closed source
    descriptors.close(s.inner());
    assertEquals("{error,closed}", dispatcher.execute(caller, copy, recording).toString());
    assertInstanceOf(
        OtpErlangAtom.class, ((OtpErlangTuple) dispatcher.execute(caller, copy)).elementAt(0));
  }
}
