package dev.fdnode.request;

import com.ericsson.otp.erlang.OtpErlangObject;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Native;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.Opened;
import dev.fdnode.core.Reason;
import dev.fdnode.core.RootedOpen;
import dev.fdnode.terms.ReplyEncoder;
import dev.fdnode.terms.Terms;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * FIFO opens that would block until the other end comes, waiting here instead of on a worker
 * thread, so no number of them can starve other calls. Every open is made with {@code O_NONBLOCK}
 * (the {@code open} request); what would have blocked comes here:
 *
 * <ul>
 *   <li>a read end opens at once; it holds that descriptor and completes when a writer shows: data
 *       or a hang-up on it (a writer came and went), or a write end open through this node.
 *   <li>a write end gets ENXIO while there is no reader; it retries (backing off to {@link
 *       #MAX_BACKOFF_MS}) and at once when a read end of the same FIFO opens through this node.
 * </ul>
 *
 * A waiting open ends by completing (the reply {@code {ok, Fd}}), by its call's cancellation
 * (caller timed out or died, node down, node stopping: its held descriptor is closed), or by an
 * error. One timer thread checks the waits every {@link #TICK_MS}.
 */
final class FifoOpens implements AutoCloseable {
  /** What a waiting open needs of the call it answers for; a {@link Context} is one. */
  interface Call {
    Deferred deferred();

    Descriptors descriptors();

    ReplyEncoder encoder();

    RootedOpen rootedOpen();

    Opened adoptOne(Descriptors.FdSource source, boolean append) throws FdException;
  }

  private static final Logger LOG = Logger.getLogger(FifoOpens.class.getName());
  static final long TICK_MS = 50;
  static final long MAX_BACKOFF_MS = 500;

  private final int maxWaiting;
  private final List<Wait> waits = new ArrayList<>(); // guarded by itself

  /** Write ends open through this node, per FIFO. */
  private final ConcurrentHashMap<Path, AtomicInteger> writers = new ConcurrentHashMap<>();

  private final ScheduledExecutorService timer;

  FifoOpens(int maxWaiting) {
    this.maxWaiting = maxWaiting;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "fdnode-fifo-opens");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
  }

  /** A read end opened non-blocking, to hand over once a writer shows. */
  OtpErlangObject awaitWriter(Call c, Path fifo, Opened opened) {
    ReadWait w = new ReadWait(c, fifo, opened);
    OtpErlangObject result = park(w);
    // Parked first, then checked: a write end opening meanwhile counts itself, then kicks.
    AtomicInteger open = writers.get(fifo);
    if (open != null && open.get() > 0) w.complete(); // a writer is there already
    kick(fifo, true, false); // a writer waiting here meets it (and then completes it)
    return result;
  }

  /** A write end that got ENXIO: retried until a reader shows. */
  OtpErlangObject awaitReader(Call c, Path root, Path fifo, OpenOptions options) {
    return park(new WriteWait(c, root, fifo, options));
  }

  /**
   * An end of {@code fifo} opened through this node: the waits it satisfies complete now, and a
   * write end is counted while open (a read end that comes later completes at once).
   */
  void opened(Path fifo, FdInner inner, boolean readEnd, boolean writeEnd) {
    if (writeEnd) {
      writers.computeIfAbsent(fifo, p -> new AtomicInteger()).incrementAndGet();
      inner.whenClosed(
          () -> writers.computeIfPresent(fifo, (p, n) -> n.decrementAndGet() == 0 ? null : n));
    }
    kick(fifo, readEnd, writeEnd);
  }

  private void kick(Path fifo, boolean readEnd, boolean writeEnd) {
    for (Wait w : snapshot()) {
      if (!w.fifo.equals(fifo)) continue;
      if (writeEnd && w instanceof ReadWait) w.complete();
      if (readEnd && w instanceof WriteWait ww) ww.retry();
    }
  }

  int waiting() {
    synchronized (waits) {
      return waits.size();
    }
  }

  private OtpErlangObject park(Wait w) {
    synchronized (waits) {
      if (waits.size() >= maxWaiting) {
        w.release();
        return Terms.error(Reason.EAGAIN);
      }
      waits.add(w);
    }
    if (!w.c.deferred().onCancel(w::cancel)) {
      w.cancel(); // cancelled before it came to wait
      return Terms.error(Reason.TIMEOUT);
    }
    return Deferred.LATER;
  }

  private List<Wait> snapshot() {
    synchronized (waits) {
      return List.copyOf(waits);
    }
  }

  private void tick() {
    long now = System.nanoTime();
    for (Wait w : snapshot()) {
      try {
        w.check(now);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "fifo open check failed", e);
      }
    }
  }

  /** Cancels every wait (their calls are answered by the server's drain) and stops the timer. */
  @Override
  public void close() {
    timer.shutdownNow();
    for (Wait w : snapshot()) w.cancel();
  }

  private static void closeQuietly(Call c, Opened opened) {
    try {
      c.descriptors().close(opened.inner());
    } catch (FdException e) {
      // already closed (its owner went down)
    }
  }

  private abstract class Wait {
    final Call c;
    final Path fifo;
    private final AtomicBoolean over = new AtomicBoolean();

    Wait(Call c, Path fifo) {
      this.c = c;
      this.fifo = fifo;
    }

    abstract void check(long now);

    /** The descriptor to answer with; null while the other end is still missing. */
    abstract Opened take() throws FdException;

    /** Releases what the wait holds. */
    abstract void release();

    /** Tries to finish: answers the call unless cancelled or already over. */
    final void complete() {
      Opened opened;
      try {
        opened = take();
      } catch (FdException e) {
        if (end()) c.deferred().answer(Terms.error(e));
        return;
      }
      if (opened == null) return;
      if (!end()) {
        closeQuietly(c, opened);
        return;
      }
      c.deferred().answer(Terms.ok(c.encoder().handle(opened.handle())));
      if (this instanceof WriteWait) opened(fifo, opened.inner(), false, true);
    }

    final void cancel() {
      if (end()) release();
    }

    /** True for the one caller that ends this wait. */
    private boolean end() {
      if (!over.compareAndSet(false, true)) return false;
      synchronized (waits) {
        waits.remove(this);
      }
      return true;
    }
  }

  /**
   * A read end, already adopted (so its owner's death or node's disconnection closes it like any
   * other) but not yet answered.
   */
  private final class ReadWait extends Wait {
    private final Opened opened;
    private final AtomicBoolean taken = new AtomicBoolean();

    ReadWait(Call c, Path fifo, Opened opened) {
      super(c, fifo);
      this.opened = opened;
    }

    @Override
    void check(long now) {
      try (FdInner.Use u = opened.inner().use()) {
        if (!Native.poll(u.fd(), Native.POLLIN, 0)) return; // data, or a writer came and went
      } catch (FdException e) {
        // closed meanwhile (owner down): complete() answers that
      }
      complete();
    }

    @Override
    Opened take() throws FdException {
      if (!taken.compareAndSet(false, true)) return null;
      try (FdInner.Use u = opened.inner().use()) {
        Native.setBlocking(u.fd(), true);
      }
      return opened;
    }

    @Override
    void release() {
      if (taken.compareAndSet(false, true)) closeQuietly(c, opened);
    }
  }

  private final class WriteWait extends Wait {
    private final Path root;
    private final OpenOptions options;
    private long backoffMs = TICK_MS;
    private long nextTry;

    WriteWait(Call c, Path root, Path fifo, OpenOptions options) {
      super(c, fifo);
      this.root = root;
      this.options = options;
      this.nextTry = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs);
    }

    @Override
    void check(long now) {
      if (now - nextTry < 0) return;
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      nextTry = now + TimeUnit.MILLISECONDS.toNanos(backoffMs);
      complete();
    }

    void retry() {
      complete();
    }

    @Override
    synchronized Opened take() throws FdException {
      int fd;
      try {
        fd = c.rootedOpen().open(root, fifo, options.withNonblock());
      } catch (FdException e) {
        if (e.is(Reason.ENXIO)) return null; // still no reader
        throw e;
      }
      try {
        Native.setBlocking(fd, true);
      } catch (FdException e) {
        Native.closeQuietly(fd);
        throw e;
      }
      return c.adoptOne(() -> fd, options.append());
    }

    @Override
    void release() {}
  }
}
