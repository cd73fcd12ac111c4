package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.Pid;
import dev.fdnode.core.RootedOpen;
import dev.fdnode.fs.FileOps;
import dev.fdnode.net.Sockets;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs one {@link Request} for one caller against the node's services and returns the result term;
 * never throws. Runs on receiving and worker threads, many at once. Also where owner and node exits
 * reach the core.
 */
public final class Dispatcher {
  private static final Logger LOG = Logger.getLogger(Dispatcher.class.getName());

  /** Sends a message that is not the reply: completions, progress, active data. */
  @FunctionalInterface
  public interface Sender {
    void send(OtpErlangPid to, OtpErlangObject msg);
  }

  private final Descriptors descriptors;
  private final Context.Services services;

  public Dispatcher(
      Descriptors descriptors,
      PathPolicy policy,
      ReplyEncoder encoder,
      ModeControl modes,
      Sender sender) {
    this(descriptors, policy, encoder, modes, sender, () -> {});
  }

  /** {@code stopNode} starts the node's drain when a {@code shutdown} request arrives. */
  public Dispatcher(
      Descriptors descriptors,
      PathPolicy policy,
      ReplyEncoder encoder,
      ModeControl modes,
      Sender sender,
      Runnable stopNode) {
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
            System.nanoTime());
  }

  /** The result term for {@code req}; never throws. */
  public OtpErlangObject execute(OtpErlangPid caller, Request req) {
    return execute(caller, req, (done, total) -> {});
  }

  /** As {@link #execute(OtpErlangPid, Request)}; a {@code copy} reports to {@code progress}. */
  public OtpErlangObject execute(OtpErlangPid caller, Request req, Copier.Progress progress) {
    try {
      return req.run(new Context(services, caller, progress));
    } catch (FdException e) {
      LOG.fine(() -> req.getClass().getSimpleName() + " failed: " + e.getMessage());
      return Terms.error(e.reason());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "internal error in " + req.getClass().getSimpleName(), e);
      return Terms.error("internal_error");
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
}
