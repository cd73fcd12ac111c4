package dev.fdnode.request;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangObject;

/**
 * The answer of a call that finishes after its {@link Request#run} returned {@link #LATER}: a FIFO
 * open waiting for its other end, without a thread.
 */
public interface Deferred {
  /** What {@code run} returns when the answer comes later through {@link #answer}. */
  OtpErlangObject LATER = new OtpErlangAtom("$fdnode_later");

  /** Answers the call; only the first answer (or the cancellation) counts. */
  void answer(OtpErlangObject result);

  /**
   * Runs {@code cancel} when the call is cancelled (caller timed out or died, node stopping) before
   * it was answered; false, and nothing registered, when it already was.
   */
  boolean onCancel(Runnable cancel);
}
