package dev.fdnode.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * Asynchronous close ({@code close_async}) on one or two worker threads. Every submitted op gets
 * exactly one {@link Completion}: from a worker, or from {@link #shutdown()} with reason {@code
 * cancelled}. Capacity is fixed; a full ring rejects with {@code eagain} instead of growing.
 *
 * <p>A Close moves the descriptor to Closing at submit (so it fails new operations at once) by
 * taking an in-flight guard and then closing; the worker ends that guard, which performs the OS
 * close unless another operation is still running, and the Close completes when the descriptor is
 * Closed.
 */
public final class CompletionRing implements AutoCloseable {
  private static final long SHUTDOWN_WAIT_MS = 2_000;

  private final int capacity;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final ConcurrentHashMap<Long, Pending> unfinished = new ConcurrentHashMap<>();
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong nextId = new AtomicLong();

  /** Submits share it; shutdown takes it exclusively so no submit straddles shutdown. */
  private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();

  private final List<Thread> workers = new ArrayList<>();
  private volatile boolean shut;
  private volatile List<Completion> shutdownSink;

  public CompletionRing(int capacity, int workerCount) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1");
    }
    if (workerCount < 1 || workerCount > 2) {
      throw new IllegalArgumentException("one or two workers");
    }
    this.capacity = capacity;
    for (int i = 0; i < workerCount; i++) {
      Thread t = new Thread(this::workLoop, "fdnode-ring-" + i);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
  }

  public long submit(IoOp op, Consumer<Completion> listener) throws FdException {
    Objects.requireNonNull(op, "op");
    FdInner f = Objects.requireNonNull(op.f(), "op.f");
    Objects.requireNonNull(listener, "listener");
    gate.readLock().lock();
    try {
      if (shut) {
        throw new FdException(Reason.CLOSED, "completion ring is shut down");
      }
      reserveSlot();
      FdInner.Use closeGuard;
      try {
        closeGuard = f.use(); // closed if already closing
      } catch (FdException e) {
        pending.decrementAndGet();
        throw e;
      }
      if (!f.closeQuietly()) { // someone else won the close meanwhile
        closeGuard.close();
        pending.decrementAndGet();
        throw FdException.closed();
      }
      f.retain();
      long id = nextId.incrementAndGet();
      Pending p = new Pending(id, op, listener, closeGuard);
      unfinished.put(id, p);
      queue.add(p);
      return id;
    } finally {
      gate.readLock().unlock();
    }
  }

  private void reserveSlot() throws FdException {
    while (true) {
      int n = pending.get();
      if (n >= capacity) {
        throw new FdException(Reason.EAGAIN, "completion ring full (" + capacity + ")");
      }
      if (pending.compareAndSet(n, n + 1)) {
        return;
      }
    }
  }

  /** Submitted ops that have not completed yet. */
  public int pendingCount() {
    return pending.get();
  }

  /**
   * Stops accepting ops, then completes every pending one: queued Closes are still carried out (the
   * descriptor is already Closing); a Close still waiting for another operation on its descriptor
   * gets a short grace period and is then completed as cancelled (the OS close still follows).
   * Returns the completions produced during shutdown; they are also delivered as usual. Idempotent.
   */
  public List<Completion> shutdown() {
    List<Completion> sink = Collections.synchronizedList(new ArrayList<>());
    gate.writeLock().lock();
    try {
      if (shut) {
        return List.of();
      }
      shutdownSink = sink;
      shut = true;
    } finally {
      gate.writeLock().unlock();
    }
    List<Pending> drained = new ArrayList<>();
    queue.drainTo(drained);
    for (Pending p : drained) {
      execute(p);
    }
    for (int i = 0; i < workers.size(); i++) {
      queue.add(Pending.STOP);
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_WAIT_MS);
    for (Thread t : workers) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      try {
        t.join(Math.max(1, left));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (Pending p : List.copyOf(unfinished.values())) {
      complete(p, null, new FdException(Reason.CANCELLED, "completion ring shut down"));
    }
    synchronized (sink) {
      return List.copyOf(sink);
    }
  }

  @Override
  public void close() {
    shutdown();
  }

  private void workLoop() {
    while (true) {
      Pending p;
      try {
        p = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (p == Pending.STOP) {
        return;
      }
      execute(p);
    }
  }

  private void execute(Pending p) {
    FdInner f = p.op.f();
    p.closeGuard.close(); // performs the OS close unless another op still runs
    f.whenClosed(
        () -> {
          FdException err = f.closeError();
          complete(p, err == null ? Completion.OK : null, err);
        });
  }

  private void complete(Pending p, Object value, FdException error) {
    if (!p.done.compareAndSet(false, true)) {
      return; // already completed (e.g. cancelled at shutdown, then finished)
    }
    unfinished.remove(p.id);
    p.op.f().release();
    Completion c = new Completion(p.id, p.op, value, error);
    List<Completion> sink = shutdownSink;
    if (sink != null) {
      sink.add(c);
    }
    pending.decrementAndGet();
    try {
      p.listener.accept(c);
    } catch (RuntimeException e) {
      // A failing listener must not kill the worker or lose other completions.
      System.err.println("fdnode: completion listener failed: " + e);
    }
  }

  private static final class Pending {
    static final Pending STOP = new Pending(0, null, null, null);

    final long id;
    final IoOp op;
    final Consumer<Completion> listener;
    final FdInner.Use closeGuard;
    final AtomicBoolean done = new AtomicBoolean();

    Pending(long id, IoOp op, Consumer<Completion> listener, FdInner.Use closeGuard) {
      this.id = id;
      this.op = op;
      this.listener = listener;
      this.closeGuard = closeGuard;
    }
  }
}
