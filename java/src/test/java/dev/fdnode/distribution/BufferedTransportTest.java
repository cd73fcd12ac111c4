package dev.fdnode.distribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangTuple;
import com.ericsson.otp.erlang.OtpMbox;
import com.ericsson.otp.erlang.OtpNode;
import dev.fdnode.node.ConfigParser;
import dev.fdnode.testing.Epmd;
import dev.fdnode.testing.ErlPeer;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The buffered distribution transport against a real {@code erl}: a single small message, with no
 * traffic after it, must arrive (a message left in a buffer would wait for the next tick, 30 s away
 * with the net_ticktime used here, far past the 5 s the peers wait); a message larger than the
 * buffer must arrive whole. Both the accepted and the outgoing side of a connection are covered.
 */
class BufferedTransportTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private OtpNode node;
  private String cookie;
  private String host;

  @BeforeAll
  static void epmd() throws Exception {
    Epmd.ensureRunning();
  }

  @BeforeEach
  void start() throws Exception {
    cookie = "c" + Long.toHexString(RANDOM.nextLong());
    host = ConfigParser.localHostNames().shortName();
    node =
        new OtpNode(
            "bt" + Long.toHexString(RANDOM.nextLong() >>> 16) + "@" + host,
            cookie,
            new BoundTransportFactory(InetAddress.getByName("127.0.0.1")));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private List<String> erl(String name, String script) {
    return ErlPeer.command(
        "-noshell",
        "-sname",
        name,
        "-setcookie",
        cookie,
        "-kernel",
        "net_ticktime",
        "120",
        "-eval",
        script);
  }

  /** Answers {@code {From, Term}} with {@code {reply, Term}}, {@code count} times. */
  private Thread responder(OtpMbox mbox, int count) {
    Thread t =
        new Thread(
            () -> {
              try {
                for (int i = 0; i < count; i++) {
                  OtpErlangObject m = mbox.receive(20_000);
                  if (!(m instanceof OtpErlangTuple t2
                      && t2.elementAt(0) instanceof OtpErlangPid from)) {
                    return;
                  }
                  mbox.send(
                      from,
                      new OtpErlangTuple(
                          new OtpErlangObject[] {new OtpErlangAtom("reply"), t2.elementAt(1)}));
                }
              } catch (Exception e) {
                // the erl side reports what it did not get
              }
            },
            "bt-responder");
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Test
  void repliesOnAnAcceptedConnectionAreNotLeftInTheBuffer() throws Exception {
    OtpMbox mbox = node.createMbox("echo");
    Thread r = responder(mbox, 2);
    String script =
        String.join(
            "\n",
            "J = '" + node.node() + "',",
            "{echo, J} ! {self(), small},",
            "R1 = receive {reply, small} -> ok after 15000 -> timeout end,",
            "Big = list_to_binary([I rem 251 || I <- lists:seq(1, 300000)]),",
            "{echo, J} ! {self(), Big},",
            "R2 = receive {reply, B} when B =:= Big -> ok; {reply, _} -> corrupt",
            "     after 15000 -> timeout end,",
            "io:format(\"small=~w big=~w~n\", [R1, R2]),",
            "halt().");
    Epmd.Result out =
        Epmd.run(erl("btpeer" + Long.toHexString(RANDOM.nextLong() >>> 40), script), 60);
    assertTrue(out.output().contains("small=ok big=ok"), out.output());
    r.join(5_000);
  }

  @Test
  void messagesOnAnOutgoingConnectionAreNotLeftInTheBuffer() throws Exception {
    String peer = "btout" + Long.toHexString(RANDOM.nextLong() >>> 40);
    String script =
        String.join(
            "\n",
            "register(peer, self()),",
            "io:format(\"up~n\"),",
            "Loop = fun L(0) -> ok; L(N) ->",
            "  receive {From, Term} -> From ! {reply, Term}, L(N - 1)",
            "  after 30000 -> ok end end,",
            "Loop(2),",
            // halt/0 right after a send can drop it: stay until the test stops us.
            "timer:sleep(30000), halt().");
    Process erl = new ProcessBuilder(erl(peer, script)).redirectErrorStream(true).start();
    StringBuffer output = new StringBuffer();
    java.util.concurrent.CountDownLatch registered = new java.util.concurrent.CountDownLatch(1);
    Thread reader =
        new Thread(
            () -> {
              try (java.io.BufferedReader in =
                  new java.io.BufferedReader(
                      new java.io.InputStreamReader(
                          erl.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  output.append(line).append('\n');
                  if (line.equals("up")) registered.countDown();
                }
              } catch (java.io.IOException e) {
                // erl went away; the assertions say what was missing
              }
            },
            "bt-erl-output");
    reader.setDaemon(true);
    reader.start();
    try {
      String peerNode = peer + "@" + host;
      OtpMbox mbox = node.createMbox();
      // erl prints "up" once `peer` is registered; it never contacts us, so our first send
      // opens the connection from this side (BoundTransportFactory.createTransport).
      assertTrue(registered.await(30, TimeUnit.SECONDS), "erl never registered: " + output);

      mbox.send("peer", peerNode, pair(mbox.self(), new OtpErlangAtom("small")));
      OtpErlangObject small = mbox.receive(15_000);
      assertNotNull(small, "a single small message did not arrive within 15 s: " + output);
      assertEquals(new OtpErlangAtom("small"), ((OtpErlangTuple) small).elementAt(1));

      byte[] big = new byte[300_000];
      RANDOM.nextBytes(big);
      mbox.send("peer", peerNode, pair(mbox.self(), new OtpErlangBinary(big)));
      OtpErlangObject back = mbox.receive(15_000);
      assertNotNull(back, "a 300 KB message did not come back within 15 s: " + output);
      assertArrayEquals(
          big, ((OtpErlangBinary) ((OtpErlangTuple) back).elementAt(1)).binaryValue());
    } finally {
      erl.destroy();
      erl.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static OtpErlangTuple pair(OtpErlangObject a, OtpErlangObject b) {
    return new OtpErlangTuple(new OtpErlangObject[] {a, b});
  }
}
