package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpMsg;
import dev.fdnode.active.ActiveDelivery;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.Posix;
import dev.fdnode.distribution.BoundTransportFactory;
import dev.fdnode.distribution.DistNode;
import dev.fdnode.poll.PollException;
import dev.fdnode.poll.Poller;
import dev.fdnode.request.ActiveModeControl;
import dev.fdnode.request.Dispatcher;
import dev.fdnode.request.PathPolicy;
import dev.fdnode.request.RequestDecoder;
import dev.fdnode.request.WorkerLoad;
import dev.fdnode.terms.ReplyEncoder;
import dev.fdnode.terms.Terms;
import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The C-node: a {@link DistNode} whose one process is registered as {@code fdnode}, wired to what
 * serves it. {@link NodeEvents} hears the distribution; {@link Routing} sends each message where it
 * goes (calls that cannot block run at once, the others on a bounded worker pool, so a blocking
 * read on a FIFO never holds up other callers); {@link InFlightCalls} holds the calls not yet
 * answered; {@link Watchers} and {@link OwnerReports} decide and act on owner deaths, on their own
 * housekeeping thread. Never links to anything.
 *
 * <p>Lifecycle: RUNNING → DRAINING (new calls get {@code shutting_down}, in-flight calls finish;
 * {@link Drain}) → STOPPED (every descriptor closed, node closed).
 */
public final class Server implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Server.class.getName());
  public static final String MAILBOX = "fdnode";

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
  private final Dispatcher dispatcher;
  private final Drain drain;

  /** What the distribution hears; set last in the constructor, before any peer is taken in. */
  private volatile NodeEvents events;

  private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
  private final CountDownLatch stopped = new CountDownLatch(1);

  private Server(Config config) throws IOException {
    this.config = config;
    // Listen on config.listen() only (loopback by default), not on every interface.
    this.node =
        new DistNode(
            config.nodeName(),
            config.cookie(),
            new BoundTransportFactory(InetAddress.getByName(config.listen())),
            MAILBOX,
            new Heard(),
            DistNode.HANDSHAKE_TIMEOUT_MS);
    // Registered and listening, but no peer is taken in before start(): a call must not
    // reach a server still being built.
    try {
      String name = node.node();
      this.descriptors = new Descriptors(new Posix(), config.maxFds());
      ReplyEncoder encoder = new ReplyEncoder(name);
      Outbox out = new Outbox(node, encoder);
      ExecutorService activeReaders =
          Executors.newFixedThreadPool(ACTIVE_READERS, daemons("fdnode-active"));
      Poller poller;
      try {
        poller = new Poller("fdnode-poller", activeReaders);
      } catch (PollException e) {
        throw new IOException("cannot start the epoll selector: " + e.getMessage(), e);
      }
      ActiveDelivery active =
          new ActiveDelivery(
              descriptors,
              poller,
              activeReaders,
              (to, handle, event) ->
                  out.send(Terms.toErlang(to), encoder.activeEvent(handle, event)),
              ACTIVE_CHUNK);
      ThreadPoolExecutor workers =
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
              out::send,
              this::stopAsync,
              new PoolLoad(workers));
      ExecutorService housekeeping = Executors.newSingleThreadExecutor(daemons("fdnode-cleanup"));
      Watchers watchers = new Watchers(new OwnerReports(node, dispatcher, housekeeping));
      ScheduledExecutorService watcherTimer =
          Executors.newSingleThreadScheduledExecutor(daemons("fdnode-watchers"));
      watcherTimer.scheduleWithFixedDelay(
          watchers::expire, WATCHER_TICK_MS, WATCHER_TICK_MS, TimeUnit.MILLISECONDS);
      InFlightCalls calls = new InFlightCalls(out);
      Routing routing =
          new Routing(
              new RequestDecoder(name), dispatcher, workers, watchers, calls, out, this::isRunning);
      this.drain =
          new Drain(
              workers,
              calls,
              dispatcher,
              active,
              poller,
              activeReaders,
              descriptors,
              housekeeping,
              watcherTimer);
      this.events = new NodeEvents(routing, watchers, calls, dispatcher, housekeeping);
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

  /**
   * The distribution's receiver, made before what it hands on to: peers are taken in only after the
   * constructor (by {@link #start}), so {@link #events} is set by the time anything arrives.
   */
  private final class Heard implements DistNode.Receiver {
    @Override
    public void received(OtpErlangPid sender, OtpMsg msg) {
      events.received(sender, msg);
    }

    @Override
    public void nodeUp(String peer) {
      events.nodeUp(peer);
    }

    @Override
    public void nodeDown(String peer) {
      events.nodeDown(peer);
    }

    @Override
    public void connectFailed(String peer, boolean incoming, Exception why) {
      events.connectFailed(peer, incoming, why);
    }
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
      drain.run();
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
