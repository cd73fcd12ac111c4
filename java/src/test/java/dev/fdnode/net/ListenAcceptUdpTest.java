package dev.fdnode.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangTuple;
import dev.fdnode.active.ActiveDelivery;
import dev.fdnode.active.ActiveEvent;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Handle;
import dev.fdnode.core.Opened;
import dev.fdnode.core.Pid;
import dev.fdnode.core.Posix;
import dev.fdnode.core.ReceiveMode;
import dev.fdnode.poll.Poller;
import dev.fdnode.terms.ReplyEncoder;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TCP listen/accept/send/recv, options, UDP and datagram active delivery on loopback. */
class ListenAcceptUdpTest {
  private static final Pid ME = new Pid("t@host", 1, 0, 1);
  private final Sockets sockets = new Sockets();
  private Descriptors d;

  @BeforeEach
  void start() {
    d = new Descriptors(new Posix(), 256);
  }

  @AfterEach
  void stop() {
    d.close();
  }

  private FdInner reg(Descriptors.FdSource s) throws FdException {
    return d.openWith(s, ME).inner();
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void listenAcceptSendRecvAndNames() throws Exception {
    FdInner l = reg(() -> sockets.listen("127.0.0.1", 0, 16, true, false));
    int port = sockets.sockname(l).getPort();
    assertTrue(port > 0);
    FdInner c = reg(() -> sockets.connect("127.0.0.1", port, 2000));
    FdInner s = reg(() -> sockets.accept(l, 2000));
    assertEquals(sockets.sockname(c), sockets.peername(s));
    sockets.send(c, b("ping"));
    assertArrayEquals(b("ping"), sockets.recv(s, 100, 2000));
    assertEquals(
        "timeout", assertThrows(FdException.class, () -> sockets.recv(s, 100, 0)).reason());
    assertEquals("timeout", assertThrows(FdException.class, () -> sockets.accept(l, 0)).reason());
    d.close(c);
    assertNull(sockets.recv(s, 100, 2000), "end of input");
  }

  @Test
  void ipv6ListenerAndLargeSendComplete() throws Exception {
    FdInner l = reg(() -> sockets.listen("::1", 0, 16, true, true));
    InetSocketAddress at = sockets.sockname(l);
    assertInstanceOf(Inet6Address.class, at.getAddress());
    FdInner c = reg(() -> sockets.connect("::1", at.getPort(), 2000));
    FdInner s = reg(() -> sockets.accept(l, 2000));
    byte[] big = new byte[4 << 20]; // far beyond the socket buffers: partial sends must continue
    for (int i = 0; i < big.length; i++) big[i] = (byte) i;
    Thread sender =
        new Thread(
            () -> {
              try {
                sockets.send(c, big);
              } catch (FdException e) {
                throw new IllegalStateException(e);
              }
            });
    sender.start();
    java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
    while (got.size() < big.length) got.write(sockets.recv(s, 65536, 5000));
    sender.join(5000);
    assertArrayEquals(big, got.toByteArray());
  }

  @Test
  void sendToAGonePeerIsClosedAndNoSigpipe() throws Exception {
    FdInner l = reg(() -> sockets.listen("127.0.0.1", 0, 16, true, false));
    FdInner c = reg(() -> sockets.connect("127.0.0.1", sockets.sockname(l).getPort(), 2000));
    FdInner s = reg(() -> sockets.accept(l, 2000));
    d.close(s);
    // The first send may still be accepted by the kernel; an RST follows, then EPIPE.
    FdException e =
        assertThrows(
            FdException.class,
            () -> {
              for (int i = 0; i < 1000; i++) sockets.send(c, new byte[65536]);
            });
    assertEquals("closed", e.reason());
  }

  @Test
  void acceptEndsWithClosedWhenTheListenerIsClosed() throws Exception {
    FdInner l = reg(() -> sockets.listen("127.0.0.1", 0, 16, true, false));
    ExecutorService ex = Executors.newSingleThreadExecutor();
    try {
      var f = ex.submit(() -> sockets.accept(l, 30_000));
      d.close(l);
      var err =
          assertThrows(
              java.util.concurrent.ExecutionException.class, () -> f.get(2, TimeUnit.SECONDS));
      assertEquals("closed", ((FdException) err.getCause()).reason());
    } finally {
      ex.shutdownNow();
    }
  }

  @Test
  void optionsSetAndGet() throws Exception {
    FdInner l = reg(() -> sockets.listen("127.0.0.1", 0, 16, true, false));
    FdInner c = reg(() -> sockets.connect("127.0.0.1", sockets.sockname(l).getPort(), 2000));
    for (Sockets.Option o :
        new Sockets.Option[] {
          Sockets.Option.NODELAY, Sockets.Option.KEEPALIVE, Sockets.Option.REUSEADDR
        }) {
      sockets.setOption(c, o, 1);
      assertEquals(1, sockets.getOption(c, o), o.name());
      sockets.setOption(c, o, 0);
      assertEquals(0, sockets.getOption(c, o), o.name());
    }
    sockets.setOption(c, Sockets.Option.SNDBUF, 65536);
    assertTrue(sockets.getOption(c, Sockets.Option.SNDBUF) >= 65536);
    sockets.setOption(c, Sockets.Option.RECBUF, 32768);
    assertTrue(sockets.getOption(c, Sockets.Option.RECBUF) >= 32768);
  }

  @Test
  void udpRoundTripKeepsIpv4AndIpv6Senders() throws Exception {
    for (String host : new String[] {"127.0.0.1", "::1"}) {
      boolean v6 = host.contains(":");
      FdInner a = reg(() -> sockets.udpOpen(host, 0, false, v6));
      FdInner bsock = reg(() -> sockets.udpOpen(host, 0, false, v6));
      int aPort = sockets.sockname(a).getPort();
      sockets.sendTo(bsock, host, aPort, b("hi " + host));
      Sockets.Datagram got = sockets.recvFrom(a, 2000);
      assertArrayEquals(b("hi " + host), got.data());
      assertEquals(InetAddress.getByName(host), got.from());
      assertEquals(sockets.sockname(bsock).getPort(), got.port());
      assertEquals(
          "timeout", assertThrows(FdException.class, () -> sockets.recvFrom(a, 0)).reason());
    }
  }

  @Test
  void activeDeliveryOfDatagramsKeepsTheSenderAndEncodes() throws Exception {
    ExecutorService readers = Executors.newFixedThreadPool(2);
    Poller poller = new Poller("udp-test", readers);
    LinkedBlockingQueue<ActiveEvent> events = new LinkedBlockingQueue<>();
    ActiveDelivery active =
        new ActiveDelivery(d, poller, readers, (to, h, e) -> events.add(e), 4096);
    try {
      Opened a = d.openWith(() -> sockets.udpOpen("::1", 0, false, true), ME);
      FdInner sender = reg(() -> sockets.udpOpen("::1", 0, false, true));
      int port = sockets.sockname(a.inner()).getPort();
      active.setMode(a.handle(), a.inner(), ReceiveMode.ACTIVE_ONCE);
      sockets.sendTo(sender, "::1", port, b("one"));
      ActiveEvent.Datagram dg =
          assertInstanceOf(ActiveEvent.Datagram.class, events.poll(5, TimeUnit.SECONDS));
      assertArrayEquals(b("one"), dg.data());
      assertEquals(InetAddress.getByName("::1"), dg.from());
      assertEquals(sockets.sockname(sender).getPort(), dg.port());
      assertInstanceOf(ActiveEvent.Passive.class, events.poll(5, TimeUnit.SECONDS));

      OtpErlangTuple msg = new ReplyEncoder("n@h").activeEvent(new Handle(7, 9), dg);
      assertEquals("fdnode_udp", msg.elementAt(0).toString());
      OtpErlangTuple ip = (OtpErlangTuple) msg.elementAt(2);
      assertEquals(8, ip.arity());
      assertEquals(1, ((OtpErlangLong) ip.elementAt(7)).longValue());
      assertEquals(dg.port(), ((OtpErlangLong) msg.elementAt(3)).longValue());
      assertArrayEquals(b("one"), ((OtpErlangBinary) msg.elementAt(4)).binaryValue());
    } finally {
      active.close();
      poller.close();
      readers.shutdownNow();
    }
  }
}
