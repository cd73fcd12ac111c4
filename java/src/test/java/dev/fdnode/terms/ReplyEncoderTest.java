package dev.fdnode.terms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangRef;
import dev.fdnode.core.Errnos;
import dev.fdnode.core.Handle;
import dev.fdnode.core.Reason;
import dev.fdnode.request.RequestDecoder;
import java.math.BigInteger;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplyEncoderTest {
  final ReplyEncoder enc = new ReplyEncoder("fdnode@host");

  @Test
  void handleTerm() {
    assertEquals(
        Terms.tuple(
            Terms.atom("fdnode_fd"),
            Terms.atom("fdnode@host"),
            new OtpErlangLong(3),
            new OtpErlangLong(42)),
        enc.handle(new Handle(3, 42)));
  }

  @Test
  void tokenIsUnsigned() {
    assertEquals(
        new OtpErlangLong(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)),
        enc.handle(new Handle(1, -1L)).elementAt(3));
  }

  @Test
  void handleRoundTripsThroughTheDecoder() throws Exception {
    RequestDecoder dec = new RequestDecoder("fdnode@host");
    for (long token : new long[] {0, 1, Long.MAX_VALUE, Long.MIN_VALUE, -1}) {
      assertEquals(new Handle(9, token), dec.handle(enc.handle(new Handle(9, token))));
    }
  }

  @Test
  void replyAndErrors() {
    OtpErlangRef ref = new OtpErlangRef("a@h", new int[] {1, 2, 3}, 0);
    assertEquals(
        "{'$fdnode_reply'," + ref + ",{error,enoent}}",
        enc.reply(ref, Terms.error(Reason.ENOENT)).toString());
    // ENOTRECOVERABLE is not in the list: its number is the reason
    assertEquals("{error,errno_131}", Terms.error(Errnos.exception(131, "test")).toString());
    assertEquals("{error,shutting_down}", Terms.error(Reason.SHUTTING_DOWN).toString());
  }

  @Test
  void statsMap() {
    var m =
        enc.stats(new ReplyEncoder.StatsView(2, Map.of("a@h", 2), 1, 10, 20, 0, 99, 4096, 3, 5));
    assertEquals(10, m.arity());
    assertEquals(new OtpErlangLong(99), m.get(Terms.atom("uptime_ms")));
    assertEquals(new OtpErlangLong(4096), m.get(Terms.atom("heap_used")));
    assertEquals(new OtpErlangLong(3), m.get(Terms.atom("busy_workers")));
    assertEquals(new OtpErlangLong(5), m.get(Terms.atom("queued_calls")));
    var byNode = (com.ericsson.otp.erlang.OtpErlangMap) m.get(Terms.atom("fds_by_node"));
    assertEquals(1, byNode.arity());
    assertEquals(new OtpErlangLong(2), byNode.get(Terms.atom("a@h")));
  }

  @Test
  void unsigned64() {
    assertEquals(
        Long.valueOf(-1L),
        Terms.unsigned64(new OtpErlangLong(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE))));
    assertNull(Terms.unsigned64(new OtpErlangLong(-1)));
    assertNull(Terms.unsigned64(new OtpErlangLong(BigInteger.ONE.shiftLeft(64))));
  }
}
