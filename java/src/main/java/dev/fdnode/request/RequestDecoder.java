package dev.fdnode.request;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangRef;
import com.ericsson.otp.erlang.OtpErlangTuple;
import dev.fdnode.core.FdException;
import dev.fdnode.core.Handle;
import dev.fdnode.core.Reason;
import dev.fdnode.terms.Terms;

/**
 * Erlang terms to {@link Envelope}s and {@link Request}s, following docs/protocol.md. Pure: no I/O,
 * no state besides the local node name, so every shape is unit-tested. Wrong types give {@code
 * badarg}; right types with impossible values (negative sizes, NUL in a path) give {@code einval}
 * (see {@link Args}).
 */
public final class RequestDecoder {
  private final String localNode;

  public RequestDecoder(String localNode) {
    this.localNode = localNode;
  }

  /** Classifies one message to the node's process. Never throws. */
  public Envelope envelope(OtpErlangObject msg) {
    if (!(msg instanceof OtpErlangTuple t) || t.arity() == 0) return garbage(msg);
    String tag = Terms.atomName(t.elementAt(0));
    if ("$fdnode_call".equals(tag)) return call(t);
    if ("$fdnode_owner_down".equals(tag)
        && t.arity() == 3
        && t.elementAt(1) instanceof OtpErlangPid watcher
        && t.elementAt(2) instanceof OtpErlangPid owner) {
      return new Envelope.OwnerDown(watcher, owner);
    }
    if ("$fdnode_cancel".equals(tag) && t.arity() == 2) {
      return new Envelope.Cancel(t.elementAt(1));
    }
    if ("$fdnode_watcher_proof".equals(tag)
        && t.arity() == 2
        && t.elementAt(1) instanceof OtpErlangLong n
        && n.isLong()) {
      return new Envelope.WatcherProof(n.longValue());
    }
    return garbage(msg);
  }

  private Envelope call(OtpErlangTuple t) {
    if (t.arity() < 3) return garbage(t);
    OtpErlangObject replyTo = t.elementAt(1);
    if (!(replyTo instanceof OtpErlangPid) && !(replyTo instanceof OtpErlangRef)) {
      return garbage(t); // no address to answer
    }
    OtpErlangObject ref = t.elementAt(2);
    if (t.arity() != 5) {
      return refused(replyTo, ref, "call of arity " + t.arity());
    }
    if (!(t.elementAt(3) instanceof OtpErlangPid caller)) {
      return refused(replyTo, ref, "caller is not a pid");
    }
    try {
      return new Envelope.Call(replyTo, ref, caller, request(t.elementAt(4)));
    } catch (FdException e) {
      return new Envelope.Refused(replyTo, ref, e);
    } catch (StackOverflowError e) { // a hostile, absurdly nested request (iodata, say)
      return refused(replyTo, ref, "request nested too deeply");
    }
  }

  private static Envelope refused(OtpErlangObject replyTo, OtpErlangObject ref, String why) {
    return new Envelope.Refused(replyTo, ref, new FdException(Reason.BADARG, why));
  }

  private static Envelope garbage(OtpErlangObject msg) {
    String s = String.valueOf(msg);
    return new Envelope.Garbage(s.length() > 200 ? s.substring(0, 200) + "..." : s);
  }

  /** The request inside a call, decoded by its entry in {@link Requests}. */
  public Request request(OtpErlangObject o) throws FdException {
    OtpErlangObject[] elements;
    if (o instanceof OtpErlangAtom bare) {
      elements = new OtpErlangObject[] {bare}; // a bare atom Tag is {Tag}
    } else if (o instanceof OtpErlangTuple t && t.arity() > 0) {
      elements = t.elements();
    } else {
      throw Args.badarg("request is not a tuple");
    }
    String tag = Terms.atomName(elements[0]);
    if (tag == null) throw Args.badarg("request tag is not an atom");
    Args args = new Args(elements, localNode);
    return Requests.decoder(tag, args.count()).decode(args);
  }

  /** {@code {fdnode_fd, Node, Id, Token}}; a handle of another node is invalid here. */
  public Handle handle(OtpErlangObject o) throws FdException {
    return Args.handle(o, localNode);
  }
}
