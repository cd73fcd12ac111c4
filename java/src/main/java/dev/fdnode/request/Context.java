package dev.fdnode.request;

import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Handle;
import dev.fdnode.core.Opened;
import dev.fdnode.core.Pid;
import dev.fdnode.core.Reason;
import dev.fdnode.core.ReceiveMode;
import dev.fdnode.core.RootedOpen;
import dev.fdnode.fs.FileOps;
import dev.fdnode.net.Sockets;
import dev.fdnode.terms.ReplyEncoder;
import dev.fdnode.terms.Terms;

/**
 * What a {@link Request} runs against: the node's services and the one caller. Built per call by
 * the {@link Dispatcher}; the services are shared by every call.
 */
final class Context implements FifoOpens.Call {
  /** The node's services, one set per node. */
  record Services(
      Descriptors descriptors,
      PathPolicy policy,
      PathOps paths,
      RootedOpen rootedOpen,
      FileOps files,
      Sockets sockets,
      Copier copier,
      ReplyEncoder encoder,
      ModeControl modes,
      Sender sender,
      Runnable stopNode,
      FifoOpens fifoOpens,
      WorkerLoad workers,
      long startedNanos) {}

  /** Sends a message that is not the reply: completions, progress, active data. */
  @FunctionalInterface
  public interface Sender {
    void send(OtpErlangPid to, OtpErlangObject msg);
  }

  private final Services services;
  private final OtpErlangPid callerPid;
  private final Pid caller;
  private final Copier.Progress progress;
  private final Deferred deferred;

  Context(Services services, OtpErlangPid callerPid, Copier.Progress progress, Deferred deferred) {
    this.services = services;
    this.callerPid = callerPid;
    this.caller = Terms.toPid(callerPid);
    this.progress = progress;
    this.deferred = deferred;
  }

  /** This call's later answer, for a request that returns {@link Deferred#LATER}. */
  @Override
  public Deferred deferred() {
    return deferred;
  }

  FifoOpens fifoOpens() {
    return services.fifoOpens();
  }

  OtpErlangPid callerPid() {
    return callerPid;
  }

  Pid caller() {
    return caller;
  }

  Copier.Progress progress() {
    return progress;
  }

  @Override
  public Descriptors descriptors() {
    return services.descriptors();
  }

  PathPolicy policy() {
    return services.policy();
  }

  PathOps paths() {
    return services.paths();
  }

  @Override
  public RootedOpen rootedOpen() {
    return services.rootedOpen();
  }

  FileOps files() {
    return services.files();
  }

  Sockets sockets() {
    return services.sockets();
  }

  Copier copier() {
    return services.copier();
  }

  @Override
  public ReplyEncoder encoder() {
    return services.encoder();
  }

  ModeControl modes() {
    return services.modes();
  }

  WorkerLoad workers() {
    return services.workers();
  }

  long startedNanos() {
    return services.startedNanos();
  }

  FdInner lookup(Handle h) throws FdException {
    return services.descriptors().lookup(h);
  }

  /**
   * {@link #lookup}, for a call that reads ({@code what}: "read", "receive"): only a passive
   * descriptor may be read by a call; in an active mode the data goes to the controller.
   */
  FdInner lookupPassive(Handle h, String what) throws FdException {
    FdInner f = lookup(h);
    if (f.mode() != ReceiveMode.PASSIVE)
      throw new FdException(Reason.EINVAL, what + " in active mode");
    return f;
  }

  /** Sends a message that is not the reply (a completion, say). */
  void send(OtpErlangPid to, OtpErlangObject msg) {
    services.sender().send(to, msg);
  }

  /** Starts stopping the node: new calls get {@code shutting_down} from now on. */
  void stopNode() {
    services.stopNode().run();
  }

  /**
   * New descriptors from {@code opener}, owned by the caller (see {@link Descriptors#adopt}):
   * closed again, and {@code closed}, when the caller or its node went down meanwhile.
   */
  Opened[] adopt(Descriptors.Opener opener) throws FdException {
    return services.descriptors().adopt(caller, opener);
  }

  /** As {@link #adopt} for one descriptor made by {@code source}. */
  Opened adoptOne(Descriptors.FdSource source) throws FdException {
    return adoptOne(source, false);
  }

  /** As {@link #adoptOne(Descriptors.FdSource)}; {@code append} as for an O_APPEND open. */
  @Override
  public Opened adoptOne(Descriptors.FdSource source, boolean append) throws FdException {
    Descriptors d = services.descriptors();
    return d.adopt(caller, () -> new Opened[] {d.openWith(source, caller, append)})[0];
  }

  /**
   * Runs {@code change} under {@code f}'s control lock once the caller is its controlling process
   * ({@code not_owner} otherwise): the gen_tcp rule for set_mode and controlling_process.
   */
  void asController(FdInner f, ControlChange change) throws FdException {
    synchronized (f.controlLock()) {
      try (FdInner.Use open = f.use()) { // closed: no change
        if (!caller.equals(f.controller())) throw new FdException(Reason.NOT_OWNER);
        change.run();
      }
    }
  }

  @FunctionalInterface
  interface ControlChange {
    void run() throws FdException;
  }
}
