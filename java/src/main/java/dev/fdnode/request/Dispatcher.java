package dev.fdnode.request;

import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.Pid;
import dev.fdnode.core.Reason;
import dev.fdnode.core.RootedOpen;
import dev.fdnode.fs.FileOps;
import dev.fdnode.net.Sockets;
import dev.fdnode.terms.ReplyEncoder;
import dev.fdnode.terms.Terms;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one {@link Request} for one caller against the node's services and returns the result term;
 * never throws. Runs on receiving and worker threads, many at once. Also where owner and node exits
 * reach the core.
 */
public final class Dispatcher {
  private static final Logger LOG = Logger.getLogger(Dispatcher.class.getName());

  /** FIFO opens waiting for their other end at once; beyond, eagain. */
  static final int MAX_WAITING_OPENS = 4096;

  private final Descriptors descriptors;
  private final FifoOpens fifoOpens = new FifoOpens(MAX_WAITING_OPENS);
  private final Context.Services services;

  public Dispatcher(
      Descriptors descriptors,
      PathPolicy policy,
      ReplyEncoder encoder,
      ModeControl modes,
      Context.Sender sender) {
    this(descriptors, policy, encoder, modes, sender, () -> {}, WorkerLoad.NONE);
  }

  /**
   * {@code stopNode} starts the node's drain when a {@code shutdown} request arrives; {@code
   * workers} is what {@code stats} reports of the worker pool.
   */
  public Dispatcher(
      Descriptors descriptors,
      PathPolicy policy,
      ReplyEncoder encoder,
      ModeControl modes,
      Context.Sender sender,
      Runnable stopNode,
      WorkerLoad workers) {
    this.descriptors = descriptors;
    this.services =
        new Context.Services(
            descriptors,
            policy,
            new PathOps(policy),
            new RootedOpen(),
            new FileOps(),
            new Sockets(),
            new Copier(descriptors),
            encoder,
            modes,
            sender,
            stopNode,
            fifoOpens,
            workers,
            System.nanoTime());
  }

  /** Whether {@code req} runs on the receiving thread ({@link Request#inline}). */
  public boolean inline(Request req) {
    return req.inline(services);
  }

  /** The result term for {@code req}; never throws. */
  public OtpErlangObject execute(OtpErlangPid caller, Request req) {
    return execute(caller, req, (done, total) -> {});
  }

  /**
   * As {@link #execute(OtpErlangPid, Request)}; a {@code copy} reports to {@code progress}. A call
   * answered later (a FIFO open) is waited for on this thread.
   */
  public OtpErlangObject execute(OtpErlangPid caller, Request req, Copier.Progress progress) {
    CompletableFuture<OtpErlangObject> later = new CompletableFuture<>();
    OtpErlangObject result =
        execute(
            caller,
            req,
            progress,
            new Deferred() {
              @Override
              public void answer(OtpErlangObject r) {
                later.complete(r);
              }

              @Override
              public boolean onCancel(Runnable cancel) {
                return true; // nobody cancels a call waited for here
              }
            });
    return result == Deferred.LATER ? later.join() : result;
  }

  /**
   * As {@link #execute(OtpErlangPid, Request, Copier.Progress)}, but a call answered later returns
   * {@link Deferred#LATER} and is answered through {@code deferred}.
   */
  public OtpErlangObject execute(
      OtpErlangPid caller, Request req, Copier.Progress progress, Deferred deferred) {
    try {
      return req.run(new Context(services, caller, progress, deferred));
    } catch (FdException e) {
      LOG.fine(() -> req.getClass().getSimpleName() + " failed: " + e.getMessage());
      return Terms.error(e);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "internal error in " + req.getClass().getSimpleName(), e);
      return Terms.error(Reason.INTERNAL_ERROR);
    }
  }

  /** The owner exited: close what it owned, and what is still being opened for it. */
  public int ownerDown(Pid owner) {
    return descriptors.ownerDown(owner);
  }

  /** The connection to {@code node} dropped: close what its processes own or are opening. */
  public int nodeDown(String node) {
    return descriptors.nodeDown(node);
  }

  public void nodeUp(String node) {
    descriptors.nodeUp(node);
  }

  /** FIFO opens still waiting for their other end. */
  public int waitingOpens() {
    return fifoOpens.waiting();
  }

  /** Ends every waiting open (closing what it holds) and stops their timer. */
  public void close() {
    fifoOpens.close();
  }
}
