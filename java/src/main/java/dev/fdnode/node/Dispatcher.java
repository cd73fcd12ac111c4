package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import dev.fdnode.core.Completion;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Opened;
import dev.fdnode.core.Pid;
import dev.fdnode.core.ReceiveMode;
import dev.fdnode.net.Sockets;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Executes one {@link Request} for one caller against the core and returns the result term. Runs on
 * worker threads, many at once. Enforces the gen_tcp rules: only the controlling process may change
 * the mode or hand control on, and passive reads only.
 */
public final class Dispatcher {
  private static final Logger LOG = Logger.getLogger(Dispatcher.class.getName());
  private static final OtpErlangObject PONG = Terms.atom("pong");
  private static final OtpErlangObject COMPLETION = Terms.atom("fdnode_completion");

  /** Sends a message that is not the reply: completions now, active data later. */
  @FunctionalInterface
  public interface Sender {
    void send(OtpErlangPid to, OtpErlangObject msg);
  }

  private final Descriptors descriptors;
  private final PathPolicy policy;
  private final ReplyEncoder encoder;
  private final ModeControl modes;
  private final Sender sender;
  private final DownOwners downOwners;
  private final Sockets sockets = new Sockets();
  private final dev.fdnode.core.RootedOpen rootedOpen = new dev.fdnode.core.RootedOpen();
  private final Copier copier;
  private final NetFileCalls netFile;
  private final long startedNanos = System.nanoTime();
  // Check-then-act on the controller (set_mode, controlling_process) is made
  // atomic per descriptor by striping on its id.
  private final ReentrantLock[] controlLocks = new ReentrantLock[64];

  public Dispatcher(
      Descriptors descriptors,
      PathPolicy policy,
      ReplyEncoder encoder,
      ModeControl modes,
      Sender sender,
      DownOwners downOwners) {
    this.descriptors = descriptors;
    this.policy = policy;
    this.encoder = encoder;
    this.modes = modes;
    this.sender = sender;
    this.downOwners = downOwners;
    this.copier = new Copier(descriptors);
    this.netFile = new NetFileCalls(descriptors, policy, encoder, modes, downOwners, sockets);
    for (int i = 0; i < controlLocks.length; i++) controlLocks[i] = new ReentrantLock();
  }

  /** The result term for {@code req}; never throws. */
  public OtpErlangObject execute(OtpErlangPid caller, Request req) {
    return execute(caller, req, (done, total) -> {});
  }

  /** As {@link #execute(OtpErlangPid, Request)}; a {@code copy} reports to {@code progress}. */
  public OtpErlangObject execute(OtpErlangPid caller, Request req, Copier.Progress progress) {
    try {
      return run(caller, req, progress);
    } catch (FdException e) {
      return Terms.error(e.reason());
    } catch (RequestError e) {
      LOG.fine(() -> "refused " + req.getClass().getSimpleName() + ": " + e.getMessage());
      return Terms.error(e.reason());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "internal error in " + req.getClass().getSimpleName(), e);
      return Terms.error("internal_error");
    }
  }

  private OtpErlangObject run(OtpErlangPid callerPid, Request req, Copier.Progress progress)
      throws FdException, RequestError {
    Pid caller = Terms.toPid(callerPid);
    if (req instanceof Request.Ping) {
      return PONG;
    } else if (req instanceof Request.Open o) {
      java.nio.file.Path resolved = policy.resolve(o.path());
      java.nio.file.Path root = policy.rootOf(resolved);
      String path = resolved.toString();
      // Walk from the root with O_NOFOLLOW: a symlink swapped in after the check is refused.
      Opened opened =
          descriptors.openWith(
              () -> rootedOpen.open(root, resolved, o.options()), caller, o.options().append());
      closeIfOwnerDown(caller, opened);
      LOG.fine(() -> "open " + path + " -> " + opened.handle().id() + " for " + callerPid);
      return Terms.ok(encoder.handle(opened.handle()));
    } else if (req instanceof Request.Pipe) {
      Opened[] ends = descriptors.pipe(caller);
      closeIfOwnerDown(caller, ends);
      return Terms.ok(
          Terms.tuple(encoder.handle(ends[0].handle()), encoder.handle(ends[1].handle())));
    } else if (req instanceof Request.TcpConnect t) {
      Opened opened =
          descriptors.openWith(() -> sockets.connect(t.host(), t.port(), t.timeoutMs()), caller);
      closeIfOwnerDown(caller, opened);
      LOG.fine(() -> "tcp_connect " + t.host() + ":" + t.port() + " -> " + opened.handle().id());
      return Terms.ok(encoder.handle(opened.handle()));
    } else if (req instanceof Request.Close c) {
      FdInner f = descriptors.lookup(c.handle());
      descriptors.close(f);
      modes.forget(f);
      return Terms.OK;
    } else if (req instanceof Request.CloseAsync c) {
      FdInner f = descriptors.lookup(c.handle());
      long op =
          descriptors.closeAsync(
              f,
              done -> {
                modes.forget(f);
                sender.send(
                    callerPid,
                    Terms.tuple(COMPLETION, Terms.integer(done.opId()), completionResult(done)));
              });
      return Terms.ok(Terms.integer(op));
    } else if (req instanceof Request.Read r) {
      FdInner f = descriptors.lookup(r.handle());
      if (f.mode() != ReceiveMode.PASSIVE) throw new RequestError("einval", "read in active mode");
      byte[] kept = modes.takePending(f); // read for active delivery, owed to this read
      byte[] data = kept != null ? kept : descriptors.read(f, r.size());
      return data == null ? Terms.EOF : Terms.ok(UncopiedBinary.owning(data));
    } else if (req instanceof Request.Write w) {
      FdInner f = descriptors.lookup(w.handle());
      descriptors.write(f, w.data());
      return Terms.OK;
    } else if (req instanceof Request.Pread r) {
      byte[] data = descriptors.pread(descriptors.lookup(r.handle()), r.offset(), r.size());
      return data == null ? Terms.EOF : Terms.ok(UncopiedBinary.owning(data));
    } else if (req instanceof Request.Pwrite w) {
      FdInner f = descriptors.lookup(w.handle());
      descriptors.pwrite(f, w.offset(), w.data());
      return Terms.OK;
    } else if (req instanceof Request.Position p) {
      FdInner f = descriptors.lookup(p.handle());
      return Terms.ok(Terms.integer(descriptors.position(f, p.offset(), p.whence())));
    } else if (req instanceof Request.Sync s) {
      descriptors.sync(descriptors.lookup(s.handle()));
      return Terms.OK;
    } else if (req instanceof Request.SetMode m) {
      FdInner f = descriptors.lookup(m.handle());
      ReentrantLock lock = controlLock(f);
      lock.lock();
      try (FdInner.Use u = f.use()) {
        requireController(f, caller);
        modes.setMode(m.handle(), f, m.mode());
      } finally {
        lock.unlock();
      }
      return Terms.OK;
    } else if (req instanceof Request.ControllingProcess cp) {
      FdInner f = descriptors.lookup(cp.handle());
      Pid to = Terms.toPid(cp.newController());
      ReentrantLock lock = controlLock(f);
      lock.lock();
      try (FdInner.Use u = f.use()) {
        requireController(f, caller);
        modes.transfer(f, to);
      } finally {
        lock.unlock();
      }
      if (downOwners.contains(to)) descriptors.closeOwnedBy(to); // handed to a process already gone
      return Terms.OK;
    } else if (req instanceof Request.Info i) {
      return Terms.ok(encoder.info(descriptors.lookup(i.handle())));
    } else if (req instanceof Request.Stats st) {
      return Terms.ok(stats(st.gc()));
    } else if (req instanceof Request.Copy c) {
      FdInner src = descriptors.lookup(c.src());
      FdInner dst = descriptors.lookup(c.dst());
      long n = copier.copy(src, dst, c.chunk(), progress);
      LOG.fine(
          () -> "copied " + n + " byte(s) " + src.id() + " -> " + dst.id() + " for " + callerPid);
      return Terms.ok(Terms.integer(n));
    } else if (req instanceof Request.Shutdown) {
      return Terms.OK; // the Server acts on it after replying
    } else if (req instanceof Request.NetFile n) {
      return netFile.run(callerPid, n, this::execute);
    }
    throw new IllegalStateException("unhandled request " + req);
  }

  private ReentrantLock controlLock(FdInner f) {
    return controlLocks[(int) Math.floorMod(f.id(), (long) controlLocks.length)];
  }

  private static void requireController(FdInner f, Pid caller) throws RequestError {
    if (!caller.equals(f.controller())) throw new RequestError("not_owner");
  }

  private static OtpErlangObject completionResult(Completion c) {
    return c.error() == null ? Terms.OK : Terms.error(c.error().reason());
  }

  /**
   * An owner_down for {@code owner} may have overtaken this open: its sweep then missed the new
   * descriptor, so close it here rather than leak it.
   */
  private void closeIfOwnerDown(Pid owner, Opened... opened) throws RequestError {
    if (!downOwners.contains(owner)) return;
    for (Opened o : opened) {
      try {
        descriptors.close(o.inner());
      } catch (FdException e) {
        // already closed by the sweep: that is the point
      }
    }
    throw new RequestError("closed", "owner exited during open");
  }

  /** The owner exited: close what it owned. */
  public int ownerDown(Pid owner) {
    downOwners.add(owner);
    return descriptors.closeOwnedBy(owner);
  }

  public int nodeDown(String node) {
    return descriptors.closeAllFromNode(node);
  }

  private OtpErlangObject stats(boolean gc) {
    long uptimeMs = (System.nanoTime() - startedNanos) / 1_000_000L;
    dev.fdnode.core.Stats s = descriptors.stats();
    if (gc) System.gc(); // a full collection (G1 default): heap_used is then what is retained
    Runtime rt = Runtime.getRuntime();
    return encoder.stats(
        new ReplyEncoder.StatsView(
            s.openFds(),
            s.fdsByNode(),
            s.pendingRingOps(),
            s.bytesRead(),
            s.bytesWritten(),
            s.activeModeFds(),
            uptimeMs,
            rt.totalMemory() - rt.freeMemory()));
  }
}
