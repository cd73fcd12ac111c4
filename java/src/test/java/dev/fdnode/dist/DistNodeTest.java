package dev.fdnode.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ericsson.otp.erlang.OtpEpmd;
import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangTuple;
import com.ericsson.otp.erlang.OtpMbox;
import com.ericsson.otp.erlang.OtpMsg;
import com.ericsson.otp.erlang.OtpNode;
import com.ericsson.otp.erlang.OtpPeer;
import dev.fdnode.node.BoundTransportFactory;
import dev.fdnode.node.ConfigParser;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.Arrays;
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
  private String host;
  private String cookie;
  private DistNode node;
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
        DistNode.start(
            name("dist"),
            cookie,
            new BoundTransportFactory(InetAddress.getByName("127.0.0.1")),
            "proc",
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
              public void nodeDown(String n) {}

              @Override
              public void connectFailed(String n, boolean incoming, Exception why) {}
            },
            300);
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

  private static OtpErlangObject msg(int i, OtpErlangObject data) {
    return new OtpErlangTuple(new OtpErlangObject[] {new OtpErlangLong(i), data});
  }
}
