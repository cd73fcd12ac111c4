package dev.fdnode.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangRef;
import com.ericsson.otp.erlang.OtpErlangTuple;
import com.ericsson.otp.erlang.OtpMbox;
import com.ericsson.otp.erlang.OtpNode;
import dev.fdnode.core.Reason;
import dev.fdnode.terms.Terms;
import dev.fdnode.testing.Await;
import dev.fdnode.testing.Epmd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A JInterface peer node misbehaving at the server: garbage, links, exit signals. */
class ServerRobustnessTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path tmp;
  Server server;
  OtpNode peer;
  OtpMbox me;

  @BeforeAll
  static void epmd() throws Exception {
    Epmd.ensureRunning();
  }

  @BeforeEach
  void start() throws Exception {
    Path root = Files.createDirectories(tmp.toRealPath().resolve("root"));
    String cookie = "c" + Long.toHexString(RANDOM.nextLong());
    String host = ConfigParser.localHostNames().shortName();
    server =
        Server.start(
            new Config(
                "fdnoderob" + Long.toHexString(RANDOM.nextLong() >>> 16) + "@" + host,
                false,
                cookie,
                List.of(root),
                100,
                Level.INFO,
                false,
                2,
                4,
                Config.DEFAULT_LISTEN));
    peer = new OtpNode("peer" + Long.toHexString(RANDOM.nextLong() >>> 16) + "@" + host, cookie);
    me = peer.createMbox();
  }

  @AfterEach
  void stop() {
    if (peer != null) peer.close();
    if (server != null) server.stop();
  }

  private OtpErlangObject call(OtpErlangObject request) throws Exception {
    OtpErlangRef ref = peer.createRef();
    me.send(
        Server.MAILBOX,
        server.nodeName(),
        Terms.tuple(Terms.atom("$fdnode_call"), me.self(), ref, me.self(), request));
    OtpErlangObject msg = me.receive(10_000);
    assertNotNull(msg, "no reply");
    OtpErlangTuple t = (OtpErlangTuple) msg;
    assertEquals(Terms.atom("$fdnode_reply"), t.elementAt(0));
    assertEquals(ref, t.elementAt(1));
    return t.elementAt(2);
  }

  @Test
  void garbageIsDroppedAndServingGoesOn() throws Exception {
    for (OtpErlangObject junk :
        new OtpErlangObject[] {
          Terms.atom("hello"),
          Terms.tuple(),
          Terms.integer(42),
          Terms.tuple(Terms.atom("$fdnode_call")),
          Terms.tuple(Terms.atom("$fdnode_owner_down"), Terms.atom("x"), Terms.atom("y"))
        }) {
      me.send(Server.MAILBOX, server.nodeName(), junk);
    }
    assertNull(me.receive(300), "garbage must not be answered");
    assertEquals(Terms.atom("pong"), call(Terms.atom("ping")));
  }

  @Test
  void aLinkFromAPeerIsUndoneAndItsExitIsHarmless() throws Exception {
    OtpErlangPid fdnode = server.mailboxPid();
    OtpMbox linker = peer.createMbox();
    linker.link(fdnode);
    // The server undoes a link at once; the unlink's arrival is no message to wait for.
    Await.until(
        "the server to undo the link",
        () -> linker.linked() == null || linker.linked().length == 0);
    // Even a linked exit signal with reason kill only costs a log line.
    OtpMbox linker2 = peer.createMbox();
    linker2.link(fdnode);
    linker2.exit(Terms.atom("kill"));
    me.exit(fdnode, Terms.atom("boom"));
    // The call uses the same connection, so the server handled both signals before it.
    assertEquals(Terms.atom("pong"), call(Terms.atom("ping")));
    assertTrue(server.isRunning());
  }

  @Test
  void malformedCallsWithAReplyAddressGetBadarg() throws Exception {
    assertEquals(Terms.error(Reason.BADARG), call(Terms.tuple(Terms.atom("read"))));
    assertEquals(Terms.error(Reason.BADARG), call(Terms.atom("nonsense")));
    assertEquals(
        Terms.error(Reason.INVALID_HANDLE),
        call(
            Terms.tuple(
                Terms.atom("close"),
                Terms.tuple(
                    Terms.atom("fdnode_fd"),
                    Terms.atom("elsewhere@h"),
                    Terms.integer(1),
                    Terms.integer(1)))));
  }
}
