package dev.fdnode.request;

import static dev.fdnode.terms.Terms.atom;
import static dev.fdnode.terms.Terms.tuple;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangList;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangMap;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangTuple;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.FileType;
import dev.fdnode.core.Handle;
import dev.fdnode.core.Posix;
import dev.fdnode.terms.ReplyEncoder;
import dev.fdnode.terms.Terms;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code {tcp_connect, Host, Port, TimeoutMs}} and {@code {stats, [gc]}}: decoding and dispatch.
 */
class TcpConnectAndHeapStatsTest {
  static final String NODE = "fdnode@host";
  static final OtpErlangPid A = new OtpErlangPid("beam@host", 1, 0, 1);
  final RequestDecoder dec = new RequestDecoder(NODE);
  final LinkedBlockingQueue<OtpErlangObject> sent = new LinkedBlockingQueue<>();
  Descriptors descriptors;
  RealModes modes;
  Dispatcher d;

  @TempDir Path tmp;

  @BeforeEach
  void setUp() throws Exception {
    descriptors = new Descriptors(new Posix(), 2);
    modes = new RealModes(descriptors);
    d =
        new Dispatcher(
            descriptors,
            new PathPolicy(List.of(tmp.toRealPath())),
            new ReplyEncoder(NODE),
            modes.control(),
            (to, msg) -> sent.add(msg));
  }

  @AfterEach
  void tearDown() {
    modes.close();
    descriptors.close();
  }

  static OtpErlangObject bin(String s) {
    return new OtpErlangBinary(s.getBytes(StandardCharsets.UTF_8));
  }

  static OtpErlangObject i(long v) {
    return new OtpErlangLong(v);
  }

  String reason(OtpErlangObject req) {
    return assertThrows(FdException.class, () -> dec.request(req)).reason();
  }

  @Test
  void decodesTcpConnect() throws Exception {
    SocketRequests.TcpConnect t =
        assertInstanceOf(
            SocketRequests.TcpConnect.class,
            dec.request(tuple(atom("tcp_connect"), bin("127.0.0.1"), i(8080), i(1500))));
    assertEquals(new SocketRequests.TcpConnect("127.0.0.1", 8080, 1500), t);
    assertEquals("badarg", reason(tuple(atom("tcp_connect"), atom("localhost"), i(80), i(1))));
    assertEquals("badarg", reason(tuple(atom("tcp_connect"), bin("h"), atom("http"), i(1))));
    assertEquals("badarg", reason(tuple(atom("tcp_connect"), bin("h"), i(80), atom("infinity"))));
    assertEquals("badarg", reason(tuple(atom("tcp_connect"), bin("h"), i(80))));
    assertEquals("einval", reason(tuple(atom("tcp_connect"), bin(""), i(80), i(1))));
    assertEquals("einval", reason(tuple(atom("tcp_connect"), bin("a\0b"), i(80), i(1))));
    assertEquals("einval", reason(tuple(atom("tcp_connect"), bin("h"), i(0), i(1))));
    assertEquals("einval", reason(tuple(atom("tcp_connect"), bin("h"), i(65536), i(1))));
    assertEquals("einval", reason(tuple(atom("tcp_connect"), bin("h"), i(80), i(-1))));
  }

  @Test
  void decodesStatsOptions() throws Exception {
    assertEquals(new ControlRequests.Stats(false), dec.request(atom("stats")));
    assertEquals(new ControlRequests.Stats(false), dec.request(tuple(atom("stats"))));
    assertEquals(
        new ControlRequests.Stats(false), dec.request(tuple(atom("stats"), new OtpErlangList())));
    assertEquals(
        new ControlRequests.Stats(true),
        dec.request(tuple(atom("stats"), new OtpErlangList(atom("gc")))));
    assertEquals("badarg", reason(tuple(atom("stats"), new OtpErlangList(atom("nope")))));
    assertEquals("badarg", reason(tuple(atom("stats"), atom("gc"))));
  }

  @Test
  void connectsAndRegistersASocketOwnedByTheCaller() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      OtpErlangObject r =
          d.execute(A, new SocketRequests.TcpConnect("127.0.0.1", server.getLocalPort(), 5000));
      OtpErlangTuple ok = assertInstanceOf(OtpErlangTuple.class, r, r.toString());
      assertEquals("ok", Terms.atomName(ok.elementAt(0)), r.toString());
      Handle h = dec.handle(ok.elementAt(1));
      FdInner f = descriptors.lookup(h);
      assertEquals(FileType.SOCKET, f.type());
      assertEquals(Terms.toPid(A), f.owner());
      try (Socket peer = server.accept()) {
        peer.getOutputStream().write("hi".getBytes(StandardCharsets.UTF_8));
        OtpErlangTuple data = (OtpErlangTuple) d.execute(A, new DescriptorRequests.Read(h, 10));
        assertEquals(
            "hi",
            new String(
                ((OtpErlangBinary) data.elementAt(1)).binaryValue(), StandardCharsets.UTF_8));
      }
      assertEquals("ok", d.execute(A, new DescriptorRequests.Close(h)).toString());
    }
  }

  @Test
  void refusedAndEmfile() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    assertEquals(
        "{error,econnrefused}",
        d.execute(A, new SocketRequests.TcpConnect("127.0.0.1", port, 2000)).toString());
    assertEquals(0, descriptors.stats().openFds()); // the failed connect gave its slot back
    d.execute(A, new DescriptorRequests.Pipe()); // both slots taken
    assertEquals(
        "{error,emfile}",
        d.execute(A, new SocketRequests.TcpConnect("127.0.0.1", port, 2000)).toString());
  }

  @Test
  void socketTrafficCountsInStats() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      OtpErlangTuple ok =
          (OtpErlangTuple)
              d.execute(A, new SocketRequests.TcpConnect("127.0.0.1", server.getLocalPort(), 5000));
      Handle h = dec.handle(ok.elementAt(1));
      try (Socket peer = server.accept()) {
        long readBefore = descriptors.stats().bytesRead();
        long writtenBefore = descriptors.stats().bytesWritten();
        assertEquals(
            "ok",
            d.execute(A, new SocketRequests.Send(h, "hello".getBytes(StandardCharsets.UTF_8)))
                .toString());
        assertEquals(
            "hello", new String(peer.getInputStream().readNBytes(5), StandardCharsets.UTF_8));
        peer.getOutputStream().write("abc".getBytes(StandardCharsets.UTF_8));
        OtpErlangTuple data =
            (OtpErlangTuple) d.execute(A, new SocketRequests.Recv(h, 65_536, 5000));
        assertEquals(
            "abc",
            new String(
                ((OtpErlangBinary) data.elementAt(1)).binaryValue(), StandardCharsets.UTF_8));
        assertEquals(writtenBefore + 5, descriptors.stats().bytesWritten());
        assertEquals(readBefore + 3, descriptors.stats().bytesRead());
      }
      assertEquals("ok", d.execute(A, new DescriptorRequests.Close(h)).toString());
    }
  }

  @Test
  void statsReportHeapUsed() {
    for (boolean gc : new boolean[] {false, true}) {
      OtpErlangMap m =
          (OtpErlangMap)
              ((OtpErlangTuple) d.execute(A, new ControlRequests.Stats(gc))).elementAt(1);
      OtpErlangLong heap = assertInstanceOf(OtpErlangLong.class, m.get(atom("heap_used")));
      assertTrue(heap.longValue() > 0, "heap_used " + heap);
    }
  }
}
