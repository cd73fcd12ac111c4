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
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.Handle;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.Posix;
import dev.fdnode.terms.ReplyEncoder;
import dev.fdnode.terms.Terms;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packet options through the requests, on real pipes and files: setopts/getopts, one packet per
 * passive read, headers on writes, emsgsize, end of input mid-packet.
 */
class FramedRequestsTest {
  static final String NODE = "fdnode@host";
  static final OtpErlangPid A = new OtpErlangPid("beam@host", 1, 0, 1);

  @TempDir Path tmp;
  Descriptors descriptors;
  RealModes modes;
  Dispatcher d;
  final RequestDecoder decoder = new RequestDecoder(NODE);
  final ReplyEncoder encoder = new ReplyEncoder(NODE);
  Handle r;
  Handle w;

  @BeforeEach
  void setUp() throws Exception {
    Path root = Files.createDirectories(tmp.toRealPath().resolve("root"));
    descriptors = new Descriptors(new Posix(), 16);
    modes = new RealModes(descriptors);
    d =
        new Dispatcher(
            descriptors, new PathPolicy(List.of(root)), encoder, modes.control(), (to, msg) -> {});
    OtpErlangTuple ends =
        (OtpErlangTuple) ok(d.execute(A, new DescriptorRequests.Pipe())).elementAt(1);
    r = decoder.handle(ends.elementAt(0));
    w = decoder.handle(ends.elementAt(1));
  }

  @AfterEach
  void tearDown() {
    modes.close();
    descriptors.close();
  }

  static OtpErlangTuple ok(OtpErlangObject reply) {
    OtpErlangTuple t = assertInstanceOf(OtpErlangTuple.class, reply, reply.toString());
    assertEquals("ok", Terms.atomName(t.elementAt(0)), reply.toString());
    return t;
  }

  static OtpErlangObject opt(String name, OtpErlangObject v) {
    return Terms.tuple(Terms.atom(name), v);
  }

  /** As the node answers it: a request that does not decode is {@code {error, Reason}} too. */
  OtpErlangObject call(OtpErlangObject... request) throws Exception {
    Request decoded;
    try {
      decoded = decoder.request(Terms.tuple(request));
    } catch (dev.fdnode.core.FdException e) {
      return Terms.error(e);
    }
    return d.execute(A, decoded);
  }

  OtpErlangObject setopts(Handle h, OtpErlangObject... options) throws Exception {
    return call(Terms.atom("setopts"), encoder.handle(h), new OtpErlangList(options));
  }

  void write(Handle h, byte[] bytes) throws Exception {
    assertEquals(
        "ok", call(Terms.atom("write"), encoder.handle(h), new OtpErlangBinary(bytes)).toString());
  }

  /** The raw bytes, around the framing: straight to the pipe. */
  void writeRaw(byte[] bytes) throws Exception {
    descriptors.write(descriptors.lookup(w), bytes);
  }

  String read(Handle h, int size) throws Exception {
    OtpErlangObject reply = call(Terms.atom("read"), encoder.handle(h), new OtpErlangLong(size));
    if (reply instanceof OtpErlangAtom a) return a.atomValue();
    OtpErlangTuple t = (OtpErlangTuple) reply;
    if (t.elementAt(1) instanceof OtpErlangBinary b) {
      return new String(b.binaryValue(), StandardCharsets.ISO_8859_1);
    }
    return t.toString();
  }

  String recv(Handle h, int size, long timeoutMs) throws Exception {
    OtpErlangObject reply =
        call(
            Terms.atom("recv"),
            encoder.handle(h),
            new OtpErlangLong(size),
            new OtpErlangLong(timeoutMs));
    if (reply instanceof OtpErlangTuple t && t.elementAt(1) instanceof OtpErlangBinary b) {
      return new String(b.binaryValue(), StandardCharsets.ISO_8859_1);
    }
    return reply.toString();
  }

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void linesFromManySmallWritesAndManyInOneWrite() throws Exception {
    assertEquals("ok", setopts(r, opt("packet", Terms.atom("line"))).toString());
    writeRaw(b("al"));
    writeRaw(b("pha\nbe"));
    writeRaw(b("ta\ngamma\ndelta\n"));
    assertEquals("alpha\n", read(r, 0));
    assertEquals("beta\n", recv(r, 0, 1000));
    assertEquals("gamma\n", read(r, 0));
    assertEquals("delta\n", recv(r, 0, 1000));
    assertEquals("{error,timeout}", recv(r, 0, 50)); // nothing half-read, nothing there
  }

  @Test
  void eachHeaderSizeWrittenAndReadAsWholePackets() throws Exception {
    for (int n : new int[] {1, 2, 4}) {
      setopts(r, opt("packet", new OtpErlangLong(n)));
      setopts(w, opt("packet", new OtpErlangLong(n)));
      write(w, b("first"));
      write(w, b(""));
      write(w, b("x".repeat(200)));
      assertEquals("first", read(r, 0), "packet " + n);
      assertEquals("", recv(r, 0, 1000), "packet " + n);
      assertEquals("x".repeat(200), read(r, 0), "packet " + n);
    }
    setopts(w, opt("packet", new OtpErlangLong(2)));
    write(w, b("hi"));
    setopts(r, opt("packet", Terms.atom("raw")));
    assertEquals("\0\2hi", read(r, 10)); // the header went on the wire, big-endian
  }

  @Test
  void aLineLongerThanThePacketSizeComesInPieces() throws Exception {
    setopts(r, opt("packet", Terms.atom("line")), opt("packet_size", new OtpErlangLong(4)));
    writeRaw(b("abcdefghij\nok\n"));
    assertEquals("abcd", read(r, 0));
    assertEquals("efgh", read(r, 0));
    assertEquals("ij\n", read(r, 0));
    assertEquals("ok\n", read(r, 0));
  }

  @Test
  void aHeaderOverThePacketSizeIsEmsgsizeUntilReadRaw() throws Exception {
    setopts(r, opt("packet", new OtpErlangLong(2)), opt("packet_size", new OtpErlangLong(3)));
    writeRaw(new byte[] {0, 3, 'a', 'b', 'c', 0, 4, 'l', 'o', 'n', 'g'});
    assertEquals("abc", read(r, 0));
    assertEquals("{error,emsgsize}", read(r, 0));
    assertEquals("{error,emsgsize}", recv(r, 0, 100));
    setopts(r, opt("packet", Terms.atom("raw")));
    assertEquals("\0\4long", read(r, 100));
  }

  @Test
  void endOfInputMidPacketDropsThePartialPacket() throws Exception {
    setopts(r, opt("packet", new OtpErlangLong(4)));
    writeRaw(new byte[] {0, 0, 0, 1, 'z', 0, 0, 0, 9, 'p', 'a', 'r'});
    assertEquals("ok", call(Terms.atom("close"), encoder.handle(w)).toString());
    assertEquals("z", read(r, 0));
    assertEquals("eof", read(r, 0));
    assertEquals("eof", read(r, 0));
  }

  @Test
  void aFramedReadMustAskForZeroBytes() throws Exception {
    setopts(r, opt("packet", Terms.atom("line")));
    assertEquals("{error,einval}", read(r, 5));
    assertEquals("{error,einval}", recv(r, 5, 100));
  }

  @Test
  void aTimedOutReceiveKeepsWhatCameOfThePacket() throws Exception {
    setopts(r, opt("packet", new OtpErlangLong(1)));
    writeRaw(new byte[] {5, 'h', 'e'});
    assertEquals("{error,timeout}", recv(r, 0, 50));
    writeRaw(b("llo"));
    assertEquals("hello", recv(r, 0, 1000));
  }

  @Test
  void getoptsAndTheValuesInetRefuses() throws Exception {
    assertEquals(
        "{ok,[{packet,raw},{packet_size,0}]}",
        call(
                Terms.atom("getopts"),
                encoder.handle(r),
                new OtpErlangList(
                    new OtpErlangObject[] {Terms.atom("packet"), Terms.atom("packet_size")}))
            .toString());
    setopts(r, opt("packet", new OtpErlangLong(4)), opt("packet_size", new OtpErlangLong(1024)));
    assertEquals(
        "{ok,[{packet,4},{packet_size,1024}]}",
        call(
                Terms.atom("getopts"),
                encoder.handle(r),
                new OtpErlangList(
                    new OtpErlangObject[] {Terms.atom("packet"), Terms.atom("packet_size")}))
            .toString());
    setopts(r, opt("packet_size", new OtpErlangLong(7))); // the type stays
    assertEquals(
        "{ok,[{packet,4}]}",
        call(
                Terms.atom("getopts"),
                encoder.handle(r),
                new OtpErlangList(new OtpErlangObject[] {Terms.atom("packet")}))
            .toString());
    assertEquals("{error,einval}", setopts(r, opt("packet", new OtpErlangLong(3))).toString());
    assertEquals("{error,einval}", setopts(r, opt("packet", Terms.atom("http"))).toString());
    assertEquals("{error,badarg}", setopts(r, opt("packet", Terms.tuple())).toString());
    assertEquals(
        "{error,einval}", setopts(r, opt("packet_size", new OtpErlangLong(-1))).toString());
  }

  @Test
  void aRegularFileTakesNoPacketOption() throws Exception {
    Path file = tmp.toRealPath().resolve("root").resolve("f");
    OtpErlangObject opened =
        d.execute(
            A,
            new DescriptorRequests.Open(
                file.toString(),
                new OpenOptions(true, true, false, true, false, false, false, 0644)));
    Handle f = decoder.handle(ok(opened).elementAt(1));
    assertEquals("{error,einval}", setopts(f, opt("packet", Terms.atom("line"))).toString());
    assertEquals("{error,einval}", setopts(f, opt("packet", Terms.atom("raw"))).toString());
  }
}
