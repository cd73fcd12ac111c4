package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangRef;
import dev.fdnode.distribution.DistNode;
import dev.fdnode.terms.ReplyEncoder;

/** Where everything the node says leaves: replies and other messages, to a pid or an alias. */
final class Outbox {
  private final DistNode node;
  private final ReplyEncoder encoder;

  Outbox(DistNode node, ReplyEncoder encoder) {
    this.node = node;
    this.encoder = encoder;
  }

  /** {@code {'$fdnode_reply', Ref, Result}} to the call's reply-to. */
  void reply(OtpErlangObject to, OtpErlangObject ref, OtpErlangObject result) {
    send(to, encoder.reply(ref, result));
  }

  /** To a pid or through a process alias; dropped if its node cannot be reached. */
  void send(OtpErlangObject to, OtpErlangObject msg) {
    if (to instanceof OtpErlangRef alias) {
      node.sendToAlias(alias, msg);
    } else {
      node.send((OtpErlangPid) to, msg);
    }
  }

  /** The node a reply-to (a pid or an alias) lives on. */
  static String nodeOf(OtpErlangObject replyTo) {
    return replyTo instanceof OtpErlangRef r ? r.node() : ((OtpErlangPid) replyTo).node();
  }
}
