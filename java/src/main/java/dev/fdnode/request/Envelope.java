package dev.fdnode.request;

import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import dev.fdnode.core.FdException;

/** What one message to the node's process turned out to be. */
public sealed interface Envelope {

  /**
   * A well-formed call. {@code replyTo}: where the answer goes, a pid or a process alias (an {@code
   * OtpErlangRef}).
   */
  record Call(OtpErlangObject replyTo, OtpErlangObject ref, OtpErlangPid caller, Request request)
      implements Envelope {}

  /**
   * A call we can answer but not execute: the reply is {@code {error, Reason}} of {@code failure}.
   */
  record Refused(OtpErlangObject replyTo, OtpErlangObject ref, FdException failure)
      implements Envelope {
    /** The atom answered. */
    public String reason() {
      return failure.reason();
    }

    /** Why, for the log. */
    public String detail() {
      return failure.getMessage();
    }
  }

  /**
   * A report that {@code owner} exited; it counts only if its sender is the watcher of the owner's
   * node ({@code Watchers}).
   */
  record OwnerDown(OtpErlangPid watcher, OtpErlangPid owner) implements Envelope {}

  /** A watcher answering the node's challenge with its nonce. */
  record WatcherProof(long nonce) implements Envelope {}

  /** {@code {'$fdnode_cancel', Ref}}: its sender gave up on the call {@code Ref}. */
  record Cancel(OtpErlangObject ref) implements Envelope {}

  /** Nothing we can answer: log and drop. */
  record Garbage(String why) implements Envelope {}
}
