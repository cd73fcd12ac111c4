package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangDecodeException;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangRef;
import com.ericsson.otp.erlang.OtpMsg;
import dev.fdnode.active.ActiveDelivery;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.Posix;
import dev.fdnode.distribution.BoundTransportFactory;
import dev.fdnode.distribution.DistNode;
import dev.fdnode.poll.PollException;
import dev.fdnode.poll.Poller;
import dev.fdnode.request.ActiveModeControl;
import dev.fdnode.request.Copier;
import dev.fdnode.request.Deferred;
import dev.fdnode.request.Dispatcher;
import dev.fdnode.request.Envelope;
import dev.fdnode.request.PathPolicy;
import dev.fdnode.request.Request;
import dev.fdnode.request.RequestDecoder;
import dev.fdnode.request.WorkerLoad;
import dev.fdnode.terms.ReplyEncoder;
import dev.fdnode.terms.Terms;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The C-node: a {@link DistNode} whose one process is registered as {@code fdnode}. Each
 * distribution connection's thread decodes the calls it reads and runs those that cannot block
 * ({@link Request#inline}) at once; the others go to a bounded worker pool, so a blocking read on a
 * FIFO never holds up other callers. Cleanup after owner or node death runs on its own thread.
 * Never links to anything.
 *
 * <p>Lifecycle: RUNNING → DRAINING (new calls get {@code shutting_down}, in-flight calls finish) →
 * STOPPED (every descriptor closed, node closed).
 */
public final class Server implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Server.class.getName());
  public static final String MAILBOX = "fdnode";

  private static final long DRAIN_TIMEOUT_MS = 10_000;

  /** Readers for active delivery: reads are short (data is ready), so a few suffice. */
  private static final int ACTIVE_READERS = 2;

  /** How often calls held for a watcher's proof are checked for expiry. */
  private static final long WATCHER_TICK_MS = 100;

  /** Largest chunk one active message carries. */
  private static final int ACTIVE_CHUNK = 256 * 1024;

  enum State {
    RUNNING,
    DRAINING,
    STOPPED
  }

  private final Config config;
  private final DistNode node;
  private final Descriptors descriptors;
  private final RequestDecoder decoder;
  private final ReplyEncoder encoder;
  private final Dispatcher dispatcher;
  private final ExecutorService activeReaders;
  private final Poller poller;
  private final ActiveDelivery active;
  private final ThreadPoolExecutor workers;
  private final ExecutorService housekeeping;
  private final Watchers watchers;

  /** Expires calls held for a watcher's proof. */
  private final ScheduledExecutorService watcherTimer;

  private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicLong garbage = new AtomicLong();

  /** Calls handed to workers and not yet answered, by reply-to and ref (for a cancel). */
  private final ConcurrentHashMap<CallKey, InFlight> inFlight = new ConcurrentHashMap<>();

  /** Cancels that came before their call was dispatched (held for a watcher); bounded. */
  private final Set<CallKey> earlyCancels =
      Collections.newSetFromMap(
          new LinkedHashMap<>() {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<CallKey, Boolean> eldest) {
              return size() > 4096;
            }
          });

  private static final OtpErlangObject PROGRESS = Terms.atom("fdnode_progress");
  private static final OtpErlangObject UNDEFINED = Terms.atom("undefined");

  private Server(Config config) throws IOException {
    this.config = config;
    // Listen on config.listen() only (loopback by default), not on every interface.
    this.node =
        new DistNode(
            config.nodeName(),
            config.cookie(),
            new BoundTransportFactory(InetAddress.getByName(config.listen())),
            MAILBOX,
            new Distribution(),
            DistNode.HANDSHAKE_TIMEOUT_MS);
    // Registered and listening, but no peer is taken in before start(): a call must not
    // reach a server still being built.
    try {
      String name = node.node();
      this.descriptors = new Descriptors(new Posix(), config.maxFds());
      this.decoder = new RequestDecoder(name);
      this.encoder = new ReplyEncoder(name);
      this.activeReaders = Executors.newFixedThreadPool(ACTIVE_READERS, daemons("fdnode-active"));
      try {
        this.poller = new Poller("fdnode-poller", activeReaders);
      } catch (PollException e) {
        throw new IOException("cannot start the epoll selector: " + e.getMessage(), e);
      }
      this.active =
          new ActiveDelivery(
              descriptors,
              poller,
              activeReaders,
              (to, handle, event) -> send(Terms.toErlang(to), encoder.activeEvent(handle, event)),
              ACTIVE_CHUNK);
      this.workers =
          new ThreadPoolExecutor(
              config.workers(),
              config.workers(),
              60,
              TimeUnit.SECONDS,
              new ArrayBlockingQueue<>(config.queueDepth()),
              daemons("fdnode-worker"),
              new ThreadPoolExecutor.AbortPolicy());
      this.dispatcher =
          new Dispatcher(
              descriptors,
              new PathPolicy(config.roots()),
              encoder,
              new ActiveModeControl(active),
              this::send,
              this::stopAsync,
              new PoolLoad(workers));
      this.housekeeping = Executors.newSingleThreadExecutor(daemons("fdnode-cleanup"));
      this.watchers = new Watchers(new OwnerReports());
      this.watcherTimer = Executors.newSingleThreadScheduledExecutor(daemons("fdnode-watchers"));
      watcherTimer.scheduleWithFixedDelay(
          watchers::expire, WATCHER_TICK_MS, WATCHER_TICK_MS, TimeUnit.MILLISECONDS);
    } catch (IOException | RuntimeException | Error e) {
      node.close();
      throw e;
    }
  }

  /** Starts the node; it is registered and serving when this returns. */
  public static Server start(Config config) throws IOException {
    Server s = new Server(config);
    s.node.acceptPeers();
    LOG.info(
        () ->
            "node "
                + s.nodeName()
                + " up, roots "
                + config.roots()
                + ", max fds "
                + config.maxFds()
                + ", "
                + config.workers()
                + " workers");
    return s;
  }

  public String nodeName() {
    return node.node();
  }

  public OtpErlangPid mailboxPid() {
    return node.self();
  }

  public boolean isRunning() {
    return state.get() == State.RUNNING;
  }

  // ---- receiving ----------------------------------------------------------

  /** One message, on the thread of the connection that read it. */
  private void receive(OtpErlangPid sender, OtpMsg msg) {
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
      reply(r.replyTo(), r.ref(), Terms.error(r.reason()));
    } else if (env instanceof Envelope.OwnerDown d) {
      watchers.report(sender, d.owner());
    } else if (env instanceof Envelope.WatcherProof p) {
      watchers.proof(sender, p.nonce());
    } else if (env instanceof Envelope.Cancel k && sender != null) {
      // Only the process the answer would go to may cancel (the sender pid, not a claim).
      CallKey key = new CallKey(sender, k.ref());
      InFlight call;
      synchronized (earlyCancels) {
        call = inFlight.get(key);
        if (call == null) earlyCancels.add(key); // another receiver has the call, not yet here
      }
      if (call != null) call.cancel("timeout", false);
    } else if (env instanceof Envelope.Garbage g) {
      long n = garbage.incrementAndGet();
      if (n <= 20 || n % 1000 == 0) LOG.warning(() -> "dropped non-request #" + n + ": " + g.why());
    }
  }

  /**
   * A call that would make a process an owner runs only once that process's node's watcher watches
   * it ({@link Watchers#ensureWatched}); without a watcher it is answered {@code no_watcher}.
   */
  private void call(Envelope.Call c, OtpErlangPid sender) {
    if (state.get() != State.RUNNING) {
      reply(c.replyTo(), c.ref(), Terms.error("shutting_down"));
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
            reply(c.replyTo(), c.ref(), Terms.error("no_watcher"));
          }
        });
  }

  private void dispatch(Envelope.Call c, OtpErlangPid canceller) {
    if (state.get() != State.RUNNING) { // a held call let go during the drain
      reply(c.replyTo(), c.ref(), Terms.error("shutting_down"));
      return;
    }
    if (dispatcher.inline(c.request())) {
      reply(c.replyTo(), c.ref(), dispatcher.execute(c.caller(), c.request(), progress(c)));
      return;
    }
    InFlight call = new InFlight(c.replyTo(), new CallKey(canceller, c.ref()));
    synchronized (earlyCancels) {
      if (earlyCancels.remove(call.key)) call.cancel("timeout", false);
      inFlight.put(call.key, call);
    }
    try {
      workers.execute(
          () -> {
            OtpErlangObject result = dispatcher.execute(c.caller(), c.request(), progress(c), call);
            if (result != Deferred.LATER) call.answer(result);
          });
    } catch (RejectedExecutionException e) {
      call.answer(Terms.error(isRunning() ? "eagain" : "shutting_down"));
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
        send(
            c.replyTo(),
            Terms.tuple(
                PROGRESS,
                c.ref(),
                Terms.integer(done),
                total < 0 ? UNDEFINED : Terms.integer(total)));
      }

      @Override
      public boolean cancelled() {
        return !isRunning();
      }
    };
  }

  /** A call as its canceller knows it. */
  private record CallKey(OtpErlangPid canceller, OtpErlangObject ref) {}

  /**
   * A call handed to a worker: answered exactly once, by the worker, later ({@link Deferred}), or
   * by its cancellation (its caller's cancel, its node's disconnection, {@link #stop()}).
   */
  private final class InFlight implements Deferred {
    private final OtpErlangObject replyTo;
    private final CallKey key;
    private Runnable onCancel; // guarded by this
    private boolean over; // guarded by this
    private boolean cancelled; // guarded by this: cancelled before it could wait

    InFlight(OtpErlangObject replyTo, CallKey key) {
      this.replyTo = replyTo;
      this.key = key;
    }

    @Override
    public void answer(OtpErlangObject result) {
      synchronized (this) {
        if (over) return;
        over = true;
      }
      inFlight.remove(key, this);
      reply(replyTo, key.ref(), result);
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
    void cancel(String reason, boolean evenIfRunning) {
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
      inFlight.remove(key, this);
      if (undo != null) undo.run();
      reply(replyTo, key.ref(), Terms.error(reason));
    }
  }

  private void reply(OtpErlangObject to, OtpErlangObject ref, OtpErlangObject result) {
    send(to, encoder.reply(ref, result));
  }

  /** To a pid or through a process alias; dropped if its node cannot be reached. */
  private void send(OtpErlangObject to, OtpErlangObject msg) {
    if (to instanceof OtpErlangRef alias) {
      node.sendToAlias(alias, msg);
    } else {
      node.send((OtpErlangPid) to, msg);
    }
  }

  private static String nodeOf(OtpErlangObject replyTo) {
    return replyTo instanceof OtpErlangRef r ? r.node() : ((OtpErlangPid) replyTo).node();
  }

  /** The worker pool's load as {@code stats} reports it. */
  private record PoolLoad(ThreadPoolExecutor pool) implements WorkerLoad {
    @Override
    public int busyWorkers() {
      return pool.getActiveCount();
    }

    @Override
    public int queuedCalls() {
      return pool.getQueue().size();
    }
  }

  /** Where {@link Watchers}' decisions go. */
  private final class OwnerReports implements Watchers.Outcome {
    private static final OtpErlangObject CHALLENGE = Terms.atom("$fdnode_watcher_challenge");
    private static final OtpErlangObject WATCH = Terms.atom("$fdnode_watch");
    private static final String WATCHER = "fdnode_watcher";
    private final AtomicLong forged = new AtomicLong();

    /** A node not connected yet is connected first, on the distribution's connector thread. */
    @Override
    public void challenge(String node, long nonce) {
      Server.this.node.send(
          WATCHER, node, Terms.tuple(CHALLENGE, Server.this.node.self(), Terms.integer(nonce)));
    }

    /** To the registered name, not the proven pid: a restarted watcher still gets it. */
    @Override
    public void watch(String node, OtpErlangPid owner) {
      Server.this.node.send(WATCHER, node, Terms.tuple(WATCH, Terms.atom(nodeName()), owner));
    }

    @Override
    public void ownerDown(OtpErlangPid owner) {
      try {
        housekeeping.execute(
            () -> {
              int n = dispatcher.ownerDown(Terms.toPid(owner));
              if (n > 0) LOG.fine(() -> "owner " + owner + " down: closed " + n);
            });
      } catch (RejectedExecutionException e) {
        // stopping: every descriptor is being closed anyway
      }
    }

    @Override
    public void forged(OtpErlangPid sender, OtpErlangPid owner, String why) {
      long n = forged.incrementAndGet();
      if (n <= 20 || n % 1000 == 0) {
        LOG.warning(
            () ->
                "ignored owner-down report #"
                    + n
                    + " from "
                    + sender
                    + (owner == null ? "" : " about " + owner)
                    + ": "
                    + why);
      }
    }
  }

  /** What the distribution hears, on its connection threads. */
  private final class Distribution implements DistNode.Receiver {
    @Override
    public void received(OtpErlangPid sender, OtpMsg msg) {
      receive(sender, msg);
    }

    @Override
    public void nodeUp(String peer) {
      LOG.info(() -> "node " + peer + " connected");
      try {
        housekeeping.execute(() -> dispatcher.nodeUp(peer)); // after its earlier nodeDown
      } catch (RejectedExecutionException e) {
        // stopping
      }
    }

    @Override
    public void nodeDown(String peer) {
      watchers.nodeDown(peer);
      for (InFlight call : inFlight.values()) {
        if (nodeOf(call.replyTo).equals(peer)) call.cancel("nodedown", false);
      }
      try {
        housekeeping.execute(
            () -> {
              int n = dispatcher.nodeDown(peer);
              LOG.info(() -> "node " + peer + " down: closed " + n + " descriptor(s)");
            });
      } catch (RejectedExecutionException e) {
        // stopping: every descriptor is being closed anyway
      }
    }

    @Override
    public void connectFailed(String peer, boolean incoming, Exception why) {
      // Incoming failures are worth a warning (wrong cookie, version); outgoing
      // ones are routine: a reply to a node that has just gone away.
      Level level = incoming ? Level.WARNING : Level.FINE;
      LOG.log(
          level,
          () ->
              "failed "
                  + (incoming ? "incoming" : "outgoing")
                  + " connection"
                  + (peer == null ? "" : " with " + peer)
                  + ": "
                  + why.getMessage());
    }
  }

  // ---- stopping -----------------------------------------------------------

  /**
   * Starts {@link #stop()} on its own thread (so a caller on a connection's thread is not blocked).
   */
  public void stopAsync() {
    // Stop taking calls now, on the caller's thread: a call that arrives after
    // the shutdown was acknowledged must already see shutting_down.
    if (!state.compareAndSet(State.RUNNING, State.DRAINING)) {
      return;
    }
    Thread t = new Thread(this::drainAndStop, "fdnode-stop");
    t.setDaemon(false);
    t.start();
  }

  /** Drains, closes every descriptor, closes the node. Idempotent; returns once stopped. */
  public void stop() {
    if (!state.compareAndSet(State.RUNNING, State.DRAINING)) {
      awaitStopped();
      return;
    }
    drainAndStop();
  }

  private void drainAndStop() {
    try {
      LOG.info("draining: new calls get shutting_down");
      workers.shutdown();
      if (!workers.awaitTermination(DRAIN_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        LOG.warning(
            () ->
                workers.getActiveCount()
                    + " call(s) still running after "
                    + DRAIN_TIMEOUT_MS
                    + " ms; failing them with shutting_down and closing anyway");
        workers.shutdownNow();
      }
      // Every call not yet answered (stuck in a blocking read) is failed now.
      int failed = 0;
      for (InFlight call : List.copyOf(inFlight.values())) {
        call.cancel("shutting_down", true);
        failed++;
      }
      dispatcher.close();
      int pendingOps = descriptors.stats().pendingRingOps();
      int open = descriptors.stats().openFds();
      active.close();
      poller.close();
      activeReaders.shutdownNow();
      descriptors.close(); // completes or cancels every pending ring op, closes every descriptor
      housekeeping.shutdown();
      housekeeping.awaitTermination(DRAIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      watcherTimer.shutdownNow();
      int left = descriptors.stats().openFds();
      int calls = failed;
      LOG.info(
          () ->
              "stopped; closed "
                  + open
                  + " descriptor(s), "
                  + left
                  + " left open; "
                  + pendingOps
                  + " pending ring op(s) completed or cancelled; "
                  + calls
                  + " unfinished call(s) failed with shutting_down");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "error while stopping", e);
    } finally {
      state.set(State.STOPPED);
      node.close();
      stopped.countDown();
    }
  }

  public void awaitStopped() {
    boolean interrupted = false;
    while (true) {
      try {
        stopped.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
  }

  public boolean awaitStopped(long timeout, TimeUnit unit) throws InterruptedException {
    return stopped.await(timeout, unit);
  }

  @Override
  public void close() {
    stop();
  }

  private static ThreadFactory daemons(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  Config config() {
    return config;
  }

  /** FIFO opens waiting for their other end (for tests). */
  int waitingOpens() {
    return dispatcher.waitingOpens();
  }

  /** Descriptors currently open (for tests and the stop log line). */
  int openDescriptors() {
    return descriptors.stats().openFds();
  }
}
