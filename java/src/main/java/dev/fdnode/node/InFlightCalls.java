package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import dev.fdnode.core.NewestSet;
import dev.fdnode.core.Reason;
import dev.fdnode.request.Deferred;
import dev.fdnode.terms.Terms;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The calls handed to workers and not yet answered, by canceller and ref: each is answered exactly
 * once, by its worker, later ({@link Deferred}), or by its cancellation (its caller's cancel, its
 * node's disconnection, the drain).
 */
final class InFlightCalls {
  /** Cancels remembered before their call is here (held for a watcher); beyond, the oldest go. */
  private static final int EARLY_CANCELS = 4096;

  private final Outbox out;
  private final ConcurrentHashMap<CallKey, Call> calls = new ConcurrentHashMap<>();

  /** Cancels that came before their call was dispatched; guards the check-then-add with calls. */
  private final Set<CallKey> earlyCancels = NewestSet.of(EARLY_CANCELS);

  InFlightCalls(Outbox out) {
    this.out = out;
  }

  /** A call as its canceller knows it. */
  private record CallKey(OtpErlangPid canceller, OtpErlangObject ref) {}

  /** Registers a call about to go to a worker; one cancelled already is marked so. */
  Call open(OtpErlangObject replyTo, OtpErlangPid canceller, OtpErlangObject ref) {
    Call call = new Call(replyTo, new CallKey(canceller, ref));
    synchronized (earlyCancels) {
      if (earlyCancels.remove(call.key)) call.cancel(Reason.TIMEOUT, false);
      calls.put(call.key, call);
    }
    return call;
  }

  /** {@code {'$fdnode_cancel', Ref}} from {@code canceller}: its call times out. */
  void cancel(OtpErlangPid canceller, OtpErlangObject ref) {
    CallKey key = new CallKey(canceller, ref);
    Call call;
    synchronized (earlyCancels) {
      call = calls.get(key);
      if (call == null) earlyCancels.add(key); // another receiver has the call, not yet here
    }
    if (call != null) call.cancel(Reason.TIMEOUT, false);
  }

  /** The calls whose answer would go to {@code peer} end with {@code nodedown}. */
  void nodeDown(String peer) {
    for (Call call : calls.values()) {
      if (Outbox.nodeOf(call.replyTo).equals(peer)) call.cancel(Reason.NODEDOWN, false);
    }
  }

  /** Ends every call not yet answered, even one still on a worker; returns how many. */
  int failAll(Reason reason) {
    int failed = 0;
    for (Call call : List.copyOf(calls.values())) {
      call.cancel(reason, true);
      failed++;
    }
    return failed;
  }

  /** One call on a worker or waiting for a later answer. */
  final class Call implements Deferred {
    private final OtpErlangObject replyTo;
    private final CallKey key;
    private Runnable onCancel; // guarded by this
    private boolean over; // guarded by this
    private boolean cancelled; // guarded by this: cancelled before it could wait

    private Call(OtpErlangObject replyTo, CallKey key) {
      this.replyTo = replyTo;
      this.key = key;
    }

    @Override
    public void answer(OtpErlangObject result) {
      synchronized (this) {
        if (over) return;
        over = true;
      }
      calls.remove(key, this);
      out.reply(replyTo, key.ref(), result);
    }

    @Override
    public synchronized boolean onCancel(Runnable cancel) {
      if (over || cancelled) return false;
      onCancel = cancel;
      return true;
    }

    /**
     * Ends a call that waits for a later answer: undoes what it holds and answers {@code {error,
     * Reason}}. A call still running on a worker answers itself, unless {@code evenIfRunning} (the
     * drain, after the workers were given their time).
     */
    private void cancel(Reason reason, boolean evenIfRunning) {
      Runnable undo;
      synchronized (this) {
        if (over) return;
        if (onCancel == null && !evenIfRunning) {
          cancelled = true; // if it comes to wait, it is answered at once instead
          return;
        }
        undo = onCancel;
        over = true;
      }
      calls.remove(key, this);
      if (undo != null) undo.run();
      out.reply(replyTo, key.ref(), Terms.error(reason));
    }
  }
}
