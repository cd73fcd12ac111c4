package dev.fdnode.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fdnode.core.FdException;
import dev.fdnode.core.Posix;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Real loopback connections through the jnr-ffi socket binding. */
class SocketsTest {
  private final Sockets sockets = new Sockets();
  private final Posix posix = new Posix();

  private static String reason(Executable e) {
    return assertThrows(FdException.class, e::run).reason();
  }

  @FunctionalInterface
  interface Executable {
    void run() throws Exception;
  }

  @Test
  void connectsToLoopbackAndCarriesBytesBothWays() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int fd = sockets.connect("127.0.0.1", server.getLocalPort(), 5000);
      try (Socket peer = server.accept()) {
        assertEquals(dev.fdnode.core.FileType.SOCKET, posix.fstat(fd).type());
        assertTrue(posix.isCloexec(fd));
        byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
        assertEquals(5, posix.write(fd, hello, 0, 5));
        InputStream in = peer.getInputStream();
        assertArrayEquals(hello, in.readNBytes(5));
        OutputStream out = peer.getOutputStream();
        out.write("back".getBytes(StandardCharsets.UTF_8));
        out.flush();
        byte[] buf = new byte[16];
        int n = posix.read(fd, buf, 0, buf.length); // blocking: waits for the bytes
        assertEquals("back", new String(buf, 0, n, StandardCharsets.UTF_8));
        peer.shutdownOutput();
        assertEquals(0, posix.read(fd, buf, 0, buf.length)); // end of input
      } finally {
        posix.close(fd);
      }
    }
  }

  @Test
  void hostNamesAndIpv6LiteralsResolve() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      int fd = sockets.connect("localhost", server.getLocalPort(), 5000);
      posix.close(fd);
    } catch (FdException e) {
      // "localhost" may resolve to ::1 first with only an IPv4 listener: refused is fine there
      assertEquals("econnrefused", e.reason());
    }
    ServerSocket v6;
    try {
      v6 = new ServerSocket();
      v6.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
    } catch (java.io.IOException noIpv6) {
      return; // no IPv6 loopback on this machine
    }
    try (v6) {
      int fd = sockets.connect("::1", v6.getLocalPort(), 5000);
      try (Socket peer = v6.accept()) {
        assertEquals(1, posix.write(fd, new byte[] {42}, 0, 1));
        assertEquals(42, peer.getInputStream().read());
      } finally {
        posix.close(fd);
      }
    }
  }

  @Test
  void nobodyListeningIsEconnrefused() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    assertEquals("econnrefused", reason(() -> sockets.connect("127.0.0.1", port, 5000)));
  }

  /**
   * A listener whose accept queue is full drops further SYNs (Linux, with tcp_abort_on_overflow
   * off, the default), so the connect gets no answer.
   */
  @Test
  void noAnswerInTimeIsTimeout() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      List<Integer> held = new ArrayList<>();
      String last = null;
      try {
        for (int i = 0; i < 16 && last == null; i++) {
          long t0 = System.nanoTime();
          try {
            held.add(sockets.connect("127.0.0.1", server.getLocalPort(), 300));
          } catch (FdException e) {
            last = e.reason();
            long ms = (System.nanoTime() - t0) / 1_000_000L;
            assertTrue(ms >= 250 && ms < 5000, "timed out after " + ms + " ms");
          }
        }
      } finally {
        for (int fd : held) posix.close(fd);
      }
      assertEquals("timeout", last);
    }
  }

  @Test
  void badArguments() {
    assertEquals("einval", reason(() -> sockets.connect("127.0.0.1", 0, 100)));
    assertEquals("einval", reason(() -> sockets.connect("127.0.0.1", 70000, 100)));
    assertEquals("einval", reason(() -> sockets.connect("127.0.0.1", 80, -1)));
    assertEquals("nxdomain", reason(() -> sockets.connect("no-such-host.invalid", 80, 1000)));
  }
}
