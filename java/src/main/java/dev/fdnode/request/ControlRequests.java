package dev.fdnode.request;

import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Handle;
import dev.fdnode.core.Pid;
import dev.fdnode.core.ReceiveMode;
import dev.fdnode.terms.ReplyEncoder;
import dev.fdnode.terms.Terms;
import java.util.logging.Logger;

/**
 * Control of a descriptor and of the node: ping, receive mode, controlling process, info, stats,
 * shutdown. Only the controlling process may change the mode or hand control on (the gen_tcp rule),
 * checked and done under the descriptor's control lock.
 */
sealed interface ControlRequests extends Request {
  Logger LOG = Logger.getLogger(ControlRequests.class.getName());
  OtpErlangObject PONG = Terms.atom("pong");

  record Ping() implements ControlRequests, Inline {
    static Ping decode(Args a) {
      return new Ping();
    }

    @Override
    public OtpErlangObject run(Context c) {
      return PONG;
    }
  }

  /** {@code count}: for {@link ReceiveMode#ACTIVE_N} only, the N of {@code {active, N}}. */
  record SetMode(Handle handle, ReceiveMode mode, int count) implements ControlRequests, Inline {
    SetMode(Handle handle, ReceiveMode mode) {
      this(handle, mode, 0);
    }

    SetMode(Handle handle, Args.Activity activity) {
      this(handle, activity.mode(), activity.count());
    }

    static SetMode decode(Args a) throws FdException {
      return new SetMode(a.handle(1), a.mode(2));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      FdInner f = c.lookup(handle);
      if (mode == ReceiveMode.ACTIVE_N) {
        c.asController(f, () -> c.modes().addActiveCount(handle, f, count));
      } else {
        c.asController(f, () -> c.modes().setMode(handle, f, mode));
      }
      return Terms.OK;
    }
  }

  /** The new process becomes owner and controller. */
  record ControllingProcess(Handle handle, OtpErlangPid newController)
      implements ControlRequests, Inline {
    static ControllingProcess decode(Args a) throws FdException {
      return new ControllingProcess(a.handle(1), a.pid(2, "controlling_process"));
    }

    @Override
    public OtpErlangPid newOwner(OtpErlangPid caller) {
      return newController;
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      transfer(c, c.lookup(handle), newController, () -> {});
      return Terms.OK;
    }
  }

  /**
   * {@code f} passes to {@code newController} under its control lock, right after {@code first};
   * one handed to a process already gone is closed.
   */
  private static void transfer(
      Context c, FdInner f, OtpErlangPid newController, Context.ControlChange first)
      throws FdException {
    Pid to = Terms.toPid(newController);
    c.asController(
        f,
        () -> {
          first.run();
          c.modes().transfer(f, to);
        });
    c.descriptors().closeIfOwnerGone(to);
  }

  /**
   * controlling_process the way gen_tcp hands a socket over: in one step under the control lock the
   * descriptor turns passive and passes to {@code newController}; the answer is the mode it had.
   * The caller then forwards what it was already sent and sets that mode again for the new
   * controller, so nothing is delivered to it before what it is forwarded.
   */
  record HandOver(Handle handle, OtpErlangPid newController) implements ControlRequests, Inline {
    static HandOver decode(Args a) throws FdException {
      return new HandOver(a.handle(1), a.pid(2, "hand_over"));
    }

    @Override
    public OtpErlangPid newOwner(OtpErlangPid caller) {
      return newController;
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      FdInner f = c.lookup(handle);
      OtpErlangObject[] had = new OtpErlangObject[1];
      transfer(
          c,
          f,
          newController,
          () -> {
            had[0] = c.encoder().mode(f);
            if (f.mode() != ReceiveMode.PASSIVE) {
              c.modes().setMode(handle, f, ReceiveMode.PASSIVE); // a read in flight is kept
            }
          });
      return Terms.ok(had[0]);
    }
  }

  record Info(Handle handle) implements ControlRequests, Inline {
    static Info decode(Args a) throws FdException {
      return new Info(a.handle(1));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      return Terms.ok(c.encoder().info(c.lookup(handle)));
    }
  }

  /** {@code gc}: run a full GC first, so {@code heap_used} is what is retained (not inline). */
  record Stats(boolean gc) implements ControlRequests {
    public Stats() {
      this(false);
    }

    static Stats decode(Args a) throws FdException {
      return new Stats(a.count() == 1 && a.statsGc(1));
    }

    @Override
    public boolean inline(Context.Services s) {
      return !gc;
    }

    @Override
    public OtpErlangObject run(Context c) {
      long uptimeMs = (System.nanoTime() - c.startedNanos()) / 1_000_000L;
      var s = c.descriptors().stats();
      if (gc) System.gc(); // a full collection (G1 default): heap_used is then what is retained
      Runtime rt = Runtime.getRuntime();
      return Terms.ok(
          c.encoder()
              .stats(
                  new ReplyEncoder.StatsView(
                      s.openFds(),
                      s.fdsByNode(),
                      s.pendingRingOps(),
                      s.bytesRead(),
                      s.bytesWritten(),
                      s.activeModeFds(),
                      uptimeMs,
                      rt.totalMemory() - rt.freeMemory(),
                      c.workers().busyWorkers(),
                      c.workers().queuedCalls())));
    }
  }

  /** Replies ok, then the node drains and stops; calls from now on get shutting_down. */
  /**
   * Runs on a worker, never inline: the drain waits for the workers, so this call's {@code ok} is
   * written before the node closes its connections. Inline, the drain (on its own thread) could
   * close them before the connection's thread wrote the reply (seen under load).
   */
  record Shutdown() implements ControlRequests {
    static Shutdown decode(Args a) {
      return new Shutdown();
    }

    @Override
    public OtpErlangObject run(Context c) {
      LOG.info(() -> "shutdown requested by " + c.callerPid());
      c.stopNode();
      return Terms.OK;
    }
  }
}
