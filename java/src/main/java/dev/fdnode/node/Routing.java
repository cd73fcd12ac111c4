package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangDecodeException;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpMsg;
import dev.fdnode.core.Reason;
import dev.fdnode.core.ThrottledWarning;
import dev.fdnode.request.Copier;
import dev.fdnode.request.Deferred;
import dev.fdnode.request.Dispatcher;
import dev.fdnode.request.Envelope;
import dev.fdnode.request.RequestDecoder;
import dev.fdnode.terms.Terms;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where each message to the node goes, on the thread of the connection that read it: a call runs at
 * once when it cannot block ({@link Dispatcher#inline}), otherwise on the bounded worker pool
 * (full: {@code eagain}); a call that would make a process an owner first waits for that process's
 * watcher ({@link Watchers#ensureWatched}); cancels, owner-down reports and watcher proofs go to
 * their tables; anything else is counted and dropped.
 */
final class Routing {
  private static final Logger LOG = Logger.getLogger(Routing.class.getName());
  private static final OtpErlangObject PROGRESS = Terms.atom("fdnode_progress");
  private static final OtpErlangObject UNDEFINED = Terms.atom("undefined");

  private final RequestDecoder decoder;
  private final Dispatcher dispatcher;
  private final Executor workers;
  private final Watchers watchers;
  private final InFlightCalls calls;
  private final Outbox out;
  private final BooleanSupplier running;
  private final ThrottledWarning garbage = new ThrottledWarning(LOG);

  Routing(
      RequestDecoder decoder,
      Dispatcher dispatcher,
      Executor workers,
      Watchers watchers,
      InFlightCalls calls,
      Outbox out,
      BooleanSupplier running) {
    this.decoder = decoder;
    this.dispatcher = dispatcher;
    this.workers = workers;
    this.watchers = watchers;
    this.calls = calls;
    this.out = out;
    this.running = running;
  }

  /** One message, on the thread of the connection that read it. */
  void receive(OtpErlangPid sender, OtpMsg msg) {
    try {
      OtpErlangObject term;
      try {
        term = msg.getMsg();
      } catch (OtpErlangDecodeException e) {
        handle(new Envelope.Garbage("undecodable term: " + e.getMessage()), null);
        return;
      }
      handle(decoder.envelope(term), sender);
    } catch (StackOverflowError e) {
      // A term nested thousands deep overflows JInterface's recursive decoder.
      handle(new Envelope.Garbage("term nested too deeply to decode"), null);
    } catch (RuntimeException e) { // a bug: drop the message, keep serving
      LOG.log(Level.WARNING, "dropped a message that could not be handled", e);
    }
  }

  /** {@code sender}: the sending process, known when it sent to the registered name. */
  private void handle(Envelope env, OtpErlangPid sender) {
    if (env instanceof Envelope.Call c) {
      call(c, sender);
    } else if (env instanceof Envelope.Refused r) {
      LOG.fine(() -> "refused call from " + r.replyTo() + ": " + r.detail());
      out.reply(r.replyTo(), r.ref(), Terms.error(r.failure()));
    } else if (env instanceof Envelope.OwnerDown d) {
      watchers.report(sender, d.owner());
    } else if (env instanceof Envelope.WatcherProof p) {
      watchers.proof(sender, p.nonce());
    } else if (env instanceof Envelope.Cancel k && sender != null) {
      // Only the process the answer would go to may cancel (the sender pid, not a claim).
      calls.cancel(sender, k.ref());
    } else if (env instanceof Envelope.Garbage g) {
      garbage.log(n -> "dropped non-request #" + n + ": " + g.why());
    }
  }

  /**
   * A call that would make a process an owner runs only once that process's node's watcher watches
   * it; without a watcher it is answered {@code no_watcher}.
   */
  private void call(Envelope.Call c, OtpErlangPid sender) {
    if (!running.getAsBoolean()) {
      out.reply(c.replyTo(), c.ref(), Terms.error(Reason.SHUTTING_DOWN));
      return;
    }
    // Who may cancel: the process the answer goes to; for an alias, the sender, who made it.
    OtpErlangPid canceller = c.replyTo() instanceof OtpErlangPid p ? p : sender;
    OtpErlangPid owner = c.request().newOwner(c.caller());
    if (owner == null) {
      dispatch(c, canceller);
      return;
    }
    watchers.ensureWatched(
        owner,
        new Watchers.Held() {
          @Override
          public void proceed() {
            dispatch(c, canceller);
          }

          @Override
          public void refuse() {
            LOG.fine(() -> "no watcher on the node of " + owner + "; refused " + c.request());
            out.reply(c.replyTo(), c.ref(), Terms.error(Reason.NO_WATCHER));
          }
        });
  }

  private void dispatch(Envelope.Call c, OtpErlangPid canceller) {
    if (!running.getAsBoolean()) { // a held call let go during the drain
      out.reply(c.replyTo(), c.ref(), Terms.error(Reason.SHUTTING_DOWN));
      return;
    }
    if (dispatcher.inline(c.request())) {
      out.reply(c.replyTo(), c.ref(), dispatcher.execute(c.caller(), c.request(), progress(c)));
      return;
    }
    InFlightCalls.Call call = calls.open(c.replyTo(), canceller, c.ref());
    try {
      workers.execute(
          () -> {
            OtpErlangObject result = dispatcher.execute(c.caller(), c.request(), progress(c), call);
            if (result != Deferred.LATER) call.answer(result);
          });
    } catch (RejectedExecutionException e) {
      call.answer(Terms.error(running.getAsBoolean() ? Reason.EAGAIN : Reason.SHUTTING_DOWN));
    }
  }

  /**
   * {@code {fdnode_progress, Ref, Done, Total}} to the reply-to process; Total is undefined if
   * unknown.
   */
  private Copier.Progress progress(Envelope.Call c) {
    return new Copier.Progress() {
      @Override
      public void report(long done, long total) {
        out.send(
            c.replyTo(),
            Terms.tuple(
                PROGRESS,
                c.ref(),
                Terms.integer(done),
                total < 0 ? UNDEFINED : Terms.integer(total)));
      }

      @Override
      public boolean cancelled() {
        return !running.getAsBoolean();
      }
    };
  }
}
