package dev.fdnode.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ericsson.otp.erlang.OtpEpmd;
import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangRef;
import com.ericsson.otp.erlang.OtpErlangTuple;
import com.ericsson.otp.erlang.OtpMbox;
import com.ericsson.otp.erlang.OtpMsg;
import com.ericsson.otp.erlang.OtpNode;
import com.ericsson.otp.erlang.OtpPeer;
import dev.fdnode.core.FdLeakCheck;
import dev.fdnode.node.ConfigParser;
import dev.fdnode.testing.Await;
import dev.fdnode.testing.ErlPeer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node's own distribution layer against JInterface's {@code OtpNode} as the peer, over real
 * sockets and the real epmd: a peer stalled in its handshake holds up nobody and is cut off, a
 * message for a node not connected yet goes out once it is, in order and with the bytes it had when
 * it was sent, and messages for any other process are dropped.
 */
class DistNodeTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final BlockingQueue<OtpErlangObject> received = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> ups = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> downs = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> failures = new LinkedBlockingQueue<>();
  private String host;
  private String cookie;
  private DistNode node;
  private final DistNode.Receiver receiver =
      new DistNode.Receiver() {
        @Override
        public void received(OtpErlangPid sender, OtpMsg msg) {
          try {
            received.add(msg.getMsg());
          } catch (Exception e) {
            received.add(new OtpErlangAtom("undecodable"));
          }
        }

        @Override
        public void nodeUp(String n) {
          ups.add(n);
        }

        @Override
        public void nodeDown(String n) {
          downs.add(n);
        }

        @Override
        public void connectFailed(String n, boolean incoming, Exception why) {
          failures.add((incoming ? "in " : "out ") + n);
        }
      };
  private OtpNode peer;

  @BeforeAll
  static void epmd() throws Exception {
    new ProcessBuilder("epmd", "-daemon").inheritIO().start().waitFor(10, TimeUnit.SECONDS);
  }

  @BeforeEach
  void start() throws Exception {
    host = ConfigParser.localHostNames().shortName();
    cookie = "c" + Long.toHexString(RANDOM.nextLong());
    node =
        new DistNode(
            name("dist"),
            cookie,
            new BoundTransportFactory(InetAddress.getByName("127.0.0.1")),
            "proc",
            receiver,
            300);
    node.acceptPeers();
    peer = new OtpNode(name("peer"), cookie);
  }

  private String name(String prefix) {
    return prefix + Long.toHexString(RANDOM.nextLong() >>> 16) + "@" + host;
  }

  @AfterEach
  void stop() {
    if (peer != null) peer.close();
    if (node != null) node.close();
  }

  @Test
  void aPeerStalledInItsHandshakeHoldsUpNobodyAndIsCutOff() throws Exception {
    int port = OtpEpmd.lookupPort(new OtpPeer(node.node()));
    try (Socket stalled = new Socket("127.0.0.1", port)) {
      stalled.setSoTimeout(10_000);
      OtpMbox me = peer.createMbox();
      me.send("proc", node.node(), new OtpErlangAtom("hello"));
      assertEquals(new OtpErlangAtom("hello"), received.poll(10, TimeUnit.SECONDS));
      InputStream in = stalled.getInputStream();
      assertEquals(-1, in.read(), "the node closes a handshake that does not come");
    }
  }

  @Test
  void messagesForANodeNotYetConnectedGoOutInOrderWithTheirBytes() throws Exception {
    OtpMbox inbox = peer.createMbox();
    assertTrue(!node.connected(peer.node()));
    byte[] lent = new byte[64 * 1024];
    for (int i = 0; i < 50; i++) {
      Arrays.fill(lent, (byte) i);
      node.send(inbox.self(), msg(i, new LentBinary(lent)));
    }
    Arrays.fill(lent, (byte) -1); // a reader refilling its buffer after the sends returned
    for (int i = 0; i < 50; i++) {
      OtpErlangTuple t = (OtpErlangTuple) inbox.receive(10_000);
      assertNotNull(t, "message " + i);
      assertEquals(i, ((OtpErlangLong) t.elementAt(0)).intValue());
      byte[] bytes = ((OtpErlangBinary) t.elementAt(1)).binaryValue();
      assertEquals(lent.length, bytes.length);
      for (byte b : bytes) {
        if (b != (byte) i) throw new AssertionError("message " + i + " carries byte " + b);
      }
    }
    assertEquals(peer.node(), ups.poll(10, TimeUnit.SECONDS));
  }

  @Test
  void messagesForAnyOtherProcessAreDropped() throws Exception {
    OtpMbox me = peer.createMbox();
    me.send("someone_else", node.node(), new OtpErlangAtom("lost"));
    OtpErlangPid stranger = new OtpErlangPid(node.node(), 9999, 0, node.self().creation());
    me.send(stranger, new OtpErlangAtom("lost too"));
    me.send("proc", node.node(), new OtpErlangAtom("kept"));
    me.send(node.self(), new OtpErlangAtom("kept too"));
    // One connection, read in order: once the last has arrived, the others were handled.
    assertEquals(new OtpErlangAtom("kept"), received.poll(10, TimeUnit.SECONDS));
    assertEquals(new OtpErlangAtom("kept too"), received.poll(10, TimeUnit.SECONDS));
    assertEquals(0, received.size());
  }

  @Test
  void aBeamIsAnsweredByPidByNameAndThroughAnAliasUntilItIsGone() throws Exception {
    String script =
        String.join(
            "\n",
            "register(erlname, self()),",
            "J = '" + node.node() + "',",
            "A = alias(),",
            "{proc, J} ! {hello, self(), A},",
            "Got = fun() -> receive M -> M after 10000 -> timeout end end,",
            "io:format(\"1 ~p~n2 ~p~n3 ~p~n\", [Got(), Got(), Got()]),",
            "unalias(A),",
            "{proc, J} ! again,",
            "io:format(\"4 ~p~n\", [Got()]),",
            "halt().");
    Process erl =
        new ProcessBuilder(
                ErlPeer.command(
                    "-sname",
                    name("erl").split("@")[0],
                    "-setcookie",
                    cookie,
                    "-noshell",
                    "-eval",
                    script))
            .redirectErrorStream(true)
            .start();
    try {
      OtpErlangTuple hello = (OtpErlangTuple) received.poll(30, TimeUnit.SECONDS);
      assertNotNull(hello, "the BEAM's first message");
      OtpErlangPid pid = (OtpErlangPid) hello.elementAt(1);
      OtpErlangRef alias = (OtpErlangRef) hello.elementAt(2);
      node.send(pid, new OtpErlangAtom("by_pid"));
      node.send("erlname", pid.node(), new OtpErlangAtom("by_name"));
      node.sendToAlias(alias, new OtpErlangAtom("by_alias"));
      assertEquals(new OtpErlangAtom("again"), received.poll(30, TimeUnit.SECONDS));
      node.sendToAlias(alias, new OtpErlangAtom("too_late")); // the BEAM drops it
      node.send(pid, new OtpErlangAtom("last"));
      assertTrue(erl.waitFor(30, TimeUnit.SECONDS), "erl did not finish");
      String out = new String(erl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(out.contains("1 by_pid\n2 by_name\n3 by_alias\n4 last"), out);
      assertEquals(pid.node(), downs.poll(10, TimeUnit.SECONDS), "its exit is a node down");
    } finally {
      erl.destroyForcibly();
    }
  }

  @Test
  void aPeersLinkIsUndone() throws Exception {
    OtpMbox linker = peer.createMbox();
    linker.link(node.self());
    // No message says the unlink came: poll the mailbox's link set.
    Await.until(
        "the node to undo the link", () -> linker.linked() == null || linker.linked().length == 0);
    linker.send("proc", node.node(), new OtpErlangAtom("still here"));
    assertEquals(new OtpErlangAtom("still here"), received.poll(10, TimeUnit.SECONDS));
  }

  @Test
  void noPeerIsTakenInBeforeTheNodeAcceptsPeers() throws Exception {
    DistNode late =
        new DistNode(
            name("late"),
            cookie,
            new BoundTransportFactory(InetAddress.getByName("127.0.0.1")),
            "proc",
            receiver,
            10_000);
    try {
      OtpMbox me = peer.createMbox();
      Thread sender = new Thread(() -> me.send("proc", late.node(), new OtpErlangAtom("early")));
      sender.start(); // its connection waits in the listen backlog
      assertEquals(null, received.poll(300, TimeUnit.MILLISECONDS), "taken in too early");
      late.acceptPeers();
      assertEquals(new OtpErlangAtom("early"), received.poll(10, TimeUnit.SECONDS));
      sender.join(10_000);
    } finally {
      late.close();
    }
  }

  @Test
  void aNameInUseIsRefusedWithTheReason() throws Exception {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                new DistNode(
                    node.node(),
                    cookie,
                    new BoundTransportFactory(InetAddress.getByName("127.0.0.1")),
                    "proc",
                    receiver,
                    300));
    assertTrue(e.getMessage().contains("already in use"), e.getMessage());
  }

  @Test
  void failedHandshakesAreReportedAndServingGoesOn() throws Exception {
    OtpNode stranger = new OtpNode(name("stranger"), "wrong" + cookie);
    try {
      stranger.createMbox().send("proc", node.node(), new OtpErlangAtom("unheard"));
      assertEquals("in null", failures.poll(10, TimeUnit.SECONDS), "a wrong cookie");
    } finally {
      stranger.close();
    }
    node.send(new OtpErlangPid("nobody@" + host, 1, 0, 1), new OtpErlangAtom("lost"));
    assertEquals("out nobody@" + host, failures.poll(10, TimeUnit.SECONDS));
    OtpMbox me = peer.createMbox();
    me.send("proc", node.node(), new OtpErlangAtom("heard"));
    assertEquals(new OtpErlangAtom("heard"), received.poll(10, TimeUnit.SECONDS));
    assertEquals(0, received.size());
  }

  @Test
  void closingUnregistersAndDisconnects() throws Exception {
    OtpMbox me = peer.createMbox();
    me.send("proc", node.node(), new OtpErlangAtom("hi"));
    assertEquals(new OtpErlangAtom("hi"), received.poll(10, TimeUnit.SECONDS));
    assertTrue(node.connected(peer.node()));
    int port = OtpEpmd.lookupPort(new OtpPeer(node.node()));
    assertTrue(listensOn(port), "the node's listener, as the kernel shows it");
    node.close();
    // epmd drops a name when the registering socket closes, on its own time: poll it.
    Await.until("epmd to drop the name", () -> epmdPort(node.node()) == 0);
    assertTrue(!node.connected(peer.node()));
    // Not a connect to the port: once free, the port may be another process's listener.
    assertTrue(!listensOn(port), "the listener outlived the node");
    node.send(me.self(), new OtpErlangAtom("after close")); // dropped, not thrown
    assertEquals(null, me.receive(200));
  }

  /** The port epmd has for {@code node}, 0 for none. */
  private static int epmdPort(String node) {
    try {
      return OtpEpmd.lookupPort(new OtpPeer(node));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether this process holds a listening TCP socket on {@code port} (/proc/net/tcp{,6}). */
  private static boolean listensOn(int port) throws IOException {
    Set<String> mine = new HashSet<>(FdLeakCheck.openFds().values());
    String hexPort = String.format(":%04X", port);
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      for (String line : Files.readAllLines(Path.of(table))) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9
            && f[1].endsWith(hexPort)
            && f[3].equals("0A") // LISTEN
            && mine.contains("socket:[" + f[9] + "]")) {
          return true;
        }
      }
    }
    return false;
  }

  private static OtpErlangObject msg(int i, OtpErlangObject data) {
    return new OtpErlangTuple(new OtpErlangObject[] {new OtpErlangLong(i), data});
  }
}
