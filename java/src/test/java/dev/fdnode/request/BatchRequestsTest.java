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
import com.ericsson.otp.erlang.OtpErlangString;
import com.ericsson.otp.erlang.OtpErlangTuple;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.Handle;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.Posix;
import dev.fdnode.terms.ReplyEncoder;
import dev.fdnode.terms.Terms;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pread_many and pwrite_many: decoding of every shape, then runs against real files. */
class BatchRequestsTest {
  static final String NODE = "fdnode@host";
  static final OtpErlangPid A = new OtpErlangPid("beam@host", 1, 0, 1);

  @TempDir Path tmp;
  Path root;
  Descriptors descriptors;
  RealModes modes;
  Dispatcher d;
  final RequestDecoder dec = new RequestDecoder(NODE);

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
            (to, msg) -> {});
  }

  @AfterEach
  void tearDown() {
    modes.close();
    descriptors.close();
  }

  static OtpErlangObject h(long id, long token) {
    return tuple(atom("fdnode_fd"), atom(NODE), new OtpErlangLong(id), new OtpErlangLong(token));
  }

  static OtpErlangObject h(Handle handle) {
    return h(handle.id(), handle.token());
  }

  static OtpErlangObject i(long v) {
    return new OtpErlangLong(v);
  }

  static OtpErlangObject bin(String s) {
    return new OtpErlangBinary(s.getBytes(StandardCharsets.UTF_8));
  }

  static OtpErlangList list(OtpErlangObject... e) {
    return new OtpErlangList(e);
  }

  static OtpErlangObject pair(OtpErlangObject a, OtpErlangObject b) {
    return tuple(a, b);
  }

  String reason(OtpErlangObject req) {
    return assertThrows(FdException.class, () -> dec.request(req)).reason();
  }

  /** Decodes {@code req} as the node would and runs it for A; the reply as text. */
  String run(OtpErlangObject req) throws Exception {
    return d.execute(A, dec.request(req)).toString();
  }

  Handle open(String name, String content) throws Exception {
    Files.writeString(root.resolve(name), content);
    OpenOptions rw = new OpenOptions(true, true, false, false, false, false, false, 0644);
    OtpErlangObject r =
        d.execute(A, new DescriptorRequests.Open(root.resolve(name).toString(), rw));
    return dec.handle(((OtpErlangTuple) r).elementAt(1));
  }

  // ---- decoding ----

  @Test
  void decodesRangesInOrder() throws Exception {
    var p =
        assertInstanceOf(
            DescriptorRequests.PreadMany.class,
            dec.request(
                tuple(
                    atom("pread_many"),
                    h(1, 2),
                    list(pair(i(7), i(3)), pair(i(0), i(0)), pair(i(1L << 40), i(8))))));
    assertArrayEquals(new long[] {7, 0, 1L << 40}, p.ranges().offsets());
    assertArrayEquals(new int[] {3, 0, 8}, p.ranges().sizes());
    var w =
        assertInstanceOf(
            DescriptorRequests.PwriteMany.class,
            dec.request(
                tuple(
                    atom("pwrite_many"),
                    h(1, 2),
                    list(pair(i(5), bin("ab")), pair(i(0), list(i('c'), bin("d")))))));
    assertArrayEquals(new long[] {5, 0}, w.pieces().offsets());
    assertEquals("ab", new String(w.pieces().data()[0], StandardCharsets.UTF_8));
    assertEquals("cd", new String(w.pieces().data()[1], StandardCharsets.UTF_8));
    assertEquals(
        0,
        ((DescriptorRequests.PreadMany) dec.request(tuple(atom("pread_many"), h(1, 2), list())))
            .ranges()
            .sizes()
            .length);
  }

  @Test
  void wrongShapesAreBadarg() throws Exception {
    for (String tag : List.of("pread_many", "pwrite_many")) {
      OtpErlangObject good = tag.equals("pread_many") ? i(1) : bin("x");
      assertEquals("badarg", reason(tuple(atom(tag), h(1, 2), i(3))), "not a list");
      assertEquals("badarg", reason(tuple(atom(tag), h(1, 2), pair(i(0), good))), "a bare pair");
      assertEquals(
          "badarg",
          reason(
              tuple(
                  atom(tag),
                  h(1, 2),
                  new OtpErlangList(new OtpErlangObject[] {pair(i(0), good)}, i(1)))),
          "an improper list");
      assertEquals("badarg", reason(tuple(atom(tag), h(1, 2), list(i(0)))), "not a pair");
      assertEquals(
          "badarg", reason(tuple(atom(tag), h(1, 2), list(tuple(i(0), good, good)))), "a triple");
      assertEquals(
          "badarg", reason(tuple(atom(tag), h(1, 2), new OtpErlangString("ab"))), "a string");
      assertEquals("badarg", reason(tuple(atom(tag), h(1, 2), list(pair(atom("a"), good)))));
      assertEquals("badarg", reason(tuple(atom(tag), atom("fd"), list(pair(i(0), good)))));
      assertEquals("badarg", reason(tuple(atom(tag), h(1, 2))), "no ranges");
    }
    assertEquals("badarg", reason(tuple(atom("pread_many"), h(1, 2), list(pair(i(0), bin("1"))))));
    assertEquals(
        "badarg", reason(tuple(atom("pwrite_many"), h(1, 2), list(pair(i(0), atom("data"))))));
  }

  @Test
  void impossibleValuesAndLimitsAreEinval() {
    assertEquals("einval", reason(tuple(atom("pread_many"), h(1, 2), list(pair(i(-1), i(1))))));
    assertEquals("einval", reason(tuple(atom("pread_many"), h(1, 2), list(pair(i(0), i(-1))))));
    OtpErlangObject huge = new OtpErlangLong(BigInteger.TEN.pow(30));
    assertEquals("einval", reason(tuple(atom("pread_many"), h(1, 2), list(pair(huge, i(1))))));
    assertEquals("einval", reason(tuple(atom("pread_many"), h(1, 2), list(pair(i(0), huge)))));
    assertEquals(
        "einval",
        reason(tuple(atom("pread_many"), h(1, 2), list(pair(i(0), i(Long.MAX_VALUE))))),
        "a huge size is refused, not cut as a single pread's is");
    int max = Descriptors.MAX_BATCH_BYTES;
    assertEquals(
        "einval",
        reason(tuple(atom("pread_many"), h(1, 2), list(pair(i(0), i(max)), pair(i(0), i(1))))),
        "the total counts");
    assertEquals(
        "einval", reason(tuple(atom("pwrite_many"), h(1, 2), list(pair(i(-5), bin("x"))))));
    assertEquals(
        "einval",
        reason(
            tuple(
                atom("pwrite_many"),
                h(1, 2),
                list(pair(i(0), new OtpErlangBinary(new byte[max])), pair(i(0), bin("x"))))));
    OtpErlangObject[] many = new OtpErlangObject[Descriptors.MAX_BATCH_RANGES + 1];
    Arrays.fill(many, pair(i(0), i(1)));
    assertEquals("einval", reason(tuple(atom("pread_many"), h(1, 2), list(many))));
    Arrays.fill(many, pair(i(0), bin("")));
    assertEquals("einval", reason(tuple(atom("pwrite_many"), h(1, 2), list(many))));
  }

  @Test
  void atTheLimitsIsAccepted() throws Exception {
    OtpErlangObject[] most = new OtpErlangObject[Descriptors.MAX_BATCH_RANGES];
    Arrays.fill(most, pair(i(0), i(Descriptors.MAX_BATCH_BYTES / most.length)));
    Handle f = open("limits", "abcdef");
    List<String> got =
        texts(d.execute(A, dec.request(tuple(atom("pread_many"), h(f), list(most)))));
    assertEquals(Descriptors.MAX_BATCH_RANGES, got.size());
    assertEquals(List.of("abcdef"), got.stream().distinct().toList());
  }

  // ---- running against real files ----

  @Test
  void preadManyReadsEachRangeAsFilePread2Does() throws Exception {
    Handle f = open("r", "hello world");
    OtpErlangObject reply =
        d.execute(
            A,
            dec.request(
                tuple(
                    atom("pread_many"),
                    h(f),
                    list(
                        pair(i(6), i(100)),
                        pair(i(0), i(5)),
                        pair(i(11), i(1)),
                        pair(i(3), i(0))))));
    assertEquals(List.of("world", "hello", "eof", ""), texts(reply));
    assertEquals("{ok,[]}", run(tuple(atom("pread_many"), h(f), list())));
    assertEquals("{ok,0}", run(tuple(atom("position"), h(f), atom("cur"))), "offset unchanged");
  }

  @Test
  void pwriteManyWritesEveryPieceInOrder() throws Exception {
    Handle f = open("w", "");
    assertEquals(
        "ok",
        run(
            tuple(
                atom("pwrite_many"),
                h(f),
                list(pair(i(3), bin("def")), pair(i(0), bin("abc")), pair(i(1), bin("B"))))));
    assertEquals("aBcdef", Files.readString(root.resolve("w")));
    assertEquals("ok", run(tuple(atom("pwrite_many"), h(f), list())));
    assertEquals("{ok,0}", run(tuple(atom("position"), h(f), atom("cur"))), "offset unchanged");
  }

  @Test
  void handlesAreChecked() throws Exception {
    Handle f = open("c", "x");
    OtpErlangObject stale = h(f.id(), f.token() ^ 1);
    assertEquals(
        "{error,invalid_handle}", run(tuple(atom("pread_many"), stale, list(pair(i(0), i(1))))));
    assertEquals(
        "{error,invalid_handle}",
        run(tuple(atom("pwrite_many"), stale, list(pair(i(0), bin("y"))))));
    assertEquals("{error,invalid_handle}", run(tuple(atom("pread_many"), stale, list())));
    OtpErlangTuple pipe = (OtpErlangTuple) d.execute(A, new DescriptorRequests.Pipe());
    OtpErlangObject rd = ((OtpErlangTuple) pipe.elementAt(1)).elementAt(0);
    assertEquals("{error,espipe}", run(tuple(atom("pread_many"), rd, list())));
    assertEquals("ok", run(tuple(atom("close"), h(f))));
    assertEquals("{error,closed}", run(tuple(atom("pread_many"), h(f), list(pair(i(0), i(1))))));
  }

  @Test
  void batchesRunInline() throws Exception {
    Request r = dec.request(tuple(atom("pread_many"), h(1, 2), list()));
    Request w = dec.request(tuple(atom("pwrite_many"), h(1, 2), list()));
    assertEquals(true, r instanceof Request.Inline && w instanceof Request.Inline);
  }

  /** {@code {ok, [binary() | eof]}} as strings, "eof" for eof. */
  static List<String> texts(OtpErlangObject reply) {
    OtpErlangTuple ok = assertInstanceOf(OtpErlangTuple.class, reply, reply.toString());
    assertEquals(Terms.OK, ok.elementAt(0), reply.toString());
    return Arrays.stream(((OtpErlangList) ok.elementAt(1)).elements())
        .map(
            e ->
                e instanceof OtpErlangBinary b
                    ? new String(b.binaryValue(), StandardCharsets.UTF_8)
                    : Terms.atomName(e))
        .toList();
  }
}
