package dev.fdnode.bench;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangExit;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangRangeException;
import com.ericsson.otp.erlang.OtpErlangTuple;
import com.ericsson.otp.erlang.OtpMbox;
import com.ericsson.otp.erlang.OtpNode;
import java.util.Arrays;

/**
 * Baseline for the benchmarks: a bare JInterface node with no fdnode logic. {@code {Pid, Ref,
 * Payload}} is answered with {@code {Ref, Payload}} from the mailbox thread itself; {@code {push,
 * Pid, Bytes, Chunk}} streams {@code {push, Bin}} messages then {@code push_done}, the best an
 * active delivery could do over the same connection.
 *
 * <p>Usage: {@code java -cp CLASSPATH dev.fdnode.bench.EchoNode NAME COOKIE}, with the classpath of
 * the jmh build ({@code scripts/bench.sh} gives it as {@code FDNODE_BENCH_CLASSPATH}).
 */
public final class EchoNode {
  private EchoNode() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: EchoNode NAME COOKIE");
      System.exit(2);
    }
    OtpNode node = new OtpNode(args[0], args[1]);
    OtpMbox mbox = node.createMbox("echo");
    System.out.println("echo ready " + node.node());
    System.out.flush();
    ExitOnStdinEof.start();
    while (true) {
      OtpErlangObject msg;
      try {
        msg = mbox.receive();
      } catch (OtpErlangExit e) {
        continue;
      }
      if (msg instanceof OtpErlangTuple t
          && t.arity() == 3
          && t.elementAt(0) instanceof OtpErlangPid from) {
        mbox.send(from, new OtpErlangTuple(new OtpErlangObject[] {t.elementAt(1), t.elementAt(2)}));
      } else if (msg instanceof OtpErlangTuple t
          && t.arity() == 4
          && t.elementAt(0).equals(new OtpErlangAtom("push"))) {
        push(mbox, t);
      }
    }
  }

  private static void push(OtpMbox mbox, OtpErlangTuple t) {
    try {
      OtpErlangPid to = (OtpErlangPid) t.elementAt(1);
      long total = ((OtpErlangLong) t.elementAt(2)).longValue();
      int chunk = ((OtpErlangLong) t.elementAt(3)).intValue();
      byte[] bytes = new byte[chunk];
      Arrays.fill(bytes, (byte) 'x');
      OtpErlangAtom tag = new OtpErlangAtom("push");
      for (long sent = 0; sent < total; sent += chunk) {
        int n = (int) Math.min(chunk, total - sent);
        byte[] part = n == chunk ? bytes : Arrays.copyOf(bytes, n);
        mbox.send(to, new OtpErlangTuple(new OtpErlangObject[] {tag, new OtpErlangBinary(part)}));
      }
      mbox.send(to, new OtpErlangAtom("push_done"));
    } catch (ClassCastException | OtpErlangRangeException e) {
      System.err.println("echo: bad push request " + t);
    }
  }
}
