package dev.fdnode.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One managed OS descriptor. All lifecycle state lives in one atomic word (see {@link StateWord}):
 * no lock is taken to start or finish an operation or to close. The raw number is only handed out
 * inside a {@link Use}, and the OS close runs after the last Use ends, so a number the kernel has
 * recycled can never be read or written through this object.
 *
 * <p>The object starts with one reference (the opener's); {@link #release()} of the last reference
 * closes it. {@link #close()} closes regardless of the reference count. Either way the OS close
 * happens exactly once.
 *
 * <p>A node holds tens of thousands of these, so each field is paid per open descriptor: the offset
 * and the close callbacks are fields updated through {@link VarHandle}s rather than atomic objects
 * of their own, and the position lock is made on first use (docs/perf-notes.md).
 */
public final class FdInner {
  /** Safety net only: closes a descriptor whose FdInner was dropped while open. */
  private static final Cleaner CLEANER = Cleaner.create();

  /** In-flight guard; close it exactly once, ideally with try-with-resources. */
  public interface Use extends AutoCloseable {
    int fd();

    @Override
    void close();
  }

  /**
   * The handle table this descriptor is registered in: told of owner changes (under {@link
   * #controlLock}), so it can keep its owner index, and once of the OS close.
   */
  interface Registry {
    /** {@code oldOwner} is null when the registry is attached. */
    void ownerChanged(FdInner inner, Pid oldOwner, Pid newOwner);

    /** After the OS close, exactly once; {@code lastOwner} is the owner at that moment. */
    void closed(FdInner inner, Pid lastOwner);

    /**
     * For {@code stats}: {@code owner}'s node has {@code delta} more open descriptors (+1 from
     * attach, -1 once the close begins; both when the owner moves to another node). The table keeps
     * these tallies so that stats costs the same with any number of descriptors open.
     */
    default void openCounted(Pid owner, int delta) {}

    /** For {@code stats}: {@code delta} more open descriptors in an active mode. */
    default void activeCounted(int delta) {}
  }

  private static final VarHandle OFFSET;
  private static final VarHandle CALLBACKS;
  private static final VarHandle POSITION_LOCK;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      OFFSET = l.findVarHandle(FdInner.class, "offset", long.class);
      CALLBACKS = l.findVarHandle(FdInner.class, "closeCallbacks", Runnable[].class);
      POSITION_LOCK = l.findVarHandle(FdInner.class, "positionLock", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final long id;
  private final int rawFd;
  private final FileType type;
  private final boolean append;
  private final FdCloser closer;

  /** Its own object: the {@link LeakCloser} shares it without holding this FdInner. */
  private final AtomicLong word = new AtomicLong(StateWord.REF_UNIT);

  private final Cleaner.Cleanable cleanable;

  private volatile long offset; // through OFFSET for the saturating add

  /**
   * Serialises the read-offset-then-advance sequence of offset-based I/O; made on first use (most
   * descriptors, sockets and pipes, never take it). Through POSITION_LOCK.
   */
  private volatile Object positionLock;

  /**
   * The one lock over who may use this descriptor and how: changes of owner, controller and mode
   * that depend on the current ones (set_mode and controlling_process check the caller is the
   * controller, then act), the owner-exit sweep ({@link #closeIfOwnedBy}), and active delivery's
   * per-descriptor state, so that each chunk goes to exactly one controller, in order. The fields
   * are volatile, so reading them alone takes no lock. Nothing that waits on another descriptor is
   * done while holding it.
   */
  private final Object controlLock = new Object();

  private static final Runnable[] NO_CALLBACKS = {};

  /**
   * What {@link #whenClosed} asked to run after the OS close; null once they run. A copy-on-write
   * array swapped by compare-and-set (through CALLBACKS), not a CompletableFuture chain (about 150
   * bytes per fd) nor a lock of its own; the handle table is told through {@link Registry}, so an
   * idle descriptor shares the empty array.
   */
  private volatile Runnable[] closeCallbacks = NO_CALLBACKS;

  private volatile Pid owner;
  private volatile Pid controller;
  private volatile ReceiveMode mode = ReceiveMode.PASSIVE;
  private volatile int activeCount; // guarded by controlLock for writes
  private volatile FdException closeError;
  private volatile Framer framer; // null until a packet option is set: raw, nothing buffered
  private Registry registry; // guarded by controlLock

  /**
   * Whether the registry's stats tallies include this descriptor: from attach until its close
   * begins. Guarded by controlLock, as every change of owner and mode that moves the tallies.
   */
  private boolean counted;

  private long token; // written before the table publishes this FdInner (see setToken)

  public FdInner(long id, int rawFd, Pid owner, FileType type, boolean append, FdCloser closer) {
    if (rawFd < 0) {
      throw new IllegalArgumentException("negative fd " + rawFd);
    }
    this.id = id;
    this.rawFd = rawFd;
    this.owner = Objects.requireNonNull(owner, "owner");
    this.controller = owner;
    this.type = Objects.requireNonNull(type, "type");
    this.append = append;
    this.closer = Objects.requireNonNull(closer, "closer");
    this.cleanable = CLEANER.register(this, new LeakCloser(word, rawFd, closer));
  }

  public long id() {
    return id;
  }

  /** The descriptor number, for display. Do I/O only through {@link #use()}. */
  public int rawFd() {
    return rawFd;
  }

  public FileType type() {
    return type;
  }

  public boolean seekable() {
    return type.seekable();
  }

  public boolean append() {
    return append;
  }

  public FdState state() {
    return StateWord.state(word.get());
  }

  public boolean isOpen() {
    return !StateWord.closing(word.get());
  }

  public Pid owner() {
    return owner;
  }

  public Pid controller() {
    return controller;
  }

  public ReceiveMode mode() {
    return mode;
  }

  /** See {@link #controlLock}: hold it to change owner, controller or mode after checking them. */
  public Object controlLock() {
    return controlLock;
  }

  public void setMode(ReceiveMode m) {
    Objects.requireNonNull(m, "mode");
    synchronized (controlLock) { // callers that decide on the mode hold it already
      tallyActive(mode, m);
      mode = m;
      activeCount = 0;
    }
  }

  /** Under controlLock: tells the registry when the descriptor becomes active or passive. */
  private void tallyActive(ReceiveMode from, ReceiveMode to) {
    boolean was = from != ReceiveMode.PASSIVE;
    boolean is = to != ReceiveMode.PASSIVE;
    if (counted && was != is) {
      registry.activeCounted(is ? 1 : -1);
    }
  }

  /** Messages left in {@link ReceiveMode#ACTIVE_N}; 0 in every other mode. */
  public int activeCount() {
    return activeCount;
  }

  /** {@link ReceiveMode#ACTIVE_N} with {@code count} (positive) messages left. */
  public void setActiveCount(int count) {
    if (count <= 0) throw new IllegalArgumentException("active count " + count);
    synchronized (controlLock) {
      tallyActive(mode, ReceiveMode.ACTIVE_N);
      activeCount = count;
      mode = ReceiveMode.ACTIVE_N;
    }
  }

  /**
   * The framer of {@code {packet, P}} input, or null if no packet option was ever set (raw, nothing
   * buffered). It stays once made, even if set back to raw: it may hold bytes read ahead.
   */
  public Framer framer() {
    return framer;
  }

  /**
   * Sets the packet option; the framer is made on first use and keeps its buffer across changes.
   */
  public Framer setPacket(Packet p) {
    Objects.requireNonNull(p, "packet");
    synchronized (controlLock) {
      Framer f = framer;
      if (f == null) {
        framer = f = new Framer(p);
      } else {
        f.setPacket(p);
      }
      return f;
    }
  }

  /** The packet option: {@link Packet#RAW} when none was set. */
  public Packet packet() {
    Framer f = framer;
    return f == null ? Packet.RAW : f.packet();
  }

  /** Changes only the controlling process; ownership stays. */
  public void setController(Pid c) {
    controller = Objects.requireNonNull(c, "controller");
  }

  /** controlling_process/2: the new process becomes owner and controller. */
  public void transferTo(Pid newOwnerAndController) {
    Objects.requireNonNull(newOwnerAndController, "pid");
    synchronized (controlLock) {
      Pid old = owner;
      controller = newOwnerAndController;
      owner = newOwnerAndController;
      Registry r = registry;
      if (r != null && !old.equals(newOwnerAndController)) {
        r.ownerChanged(this, old, newOwnerAndController);
        if (counted && !old.node().equals(newOwnerAndController.node())) {
          r.openCounted(old, -1);
          r.openCounted(newOwnerAndController, 1);
        }
      }
    }
  }

  /** Closes only if {@code expected} still owns this descriptor (owner cleanup). */
  boolean closeIfOwnedBy(Pid expected) {
    synchronized (controlLock) {
      if (!owner.equals(expected)) {
        return false;
      }
      return closeQuietly();
    }
  }

  /**
   * The token of the handle the table issued for this descriptor (kept here rather than in an entry
   * object of the table's).
   */
  long token() {
    return token;
  }

  /** Set by the table before it publishes this FdInner to other threads. */
  void setToken(long t) {
    token = t;
  }

  /**
   * Attaches the table and reports the current owner to it (old owner null). False, with nothing
   * attached, if the OS close has already happened: the table will not hear of it.
   */
  boolean attach(Registry r) {
    Objects.requireNonNull(r, "registry");
    synchronized (controlLock) {
      if (StateWord.closed(word.get())) {
        return false;
      }
      registry = r;
      r.ownerChanged(this, null, owner);
      if (!StateWord.closing(word.get())) { // a close that began already will not uncount it
        counted = true;
        r.openCounted(owner, 1);
        if (mode != ReceiveMode.PASSIVE) {
          r.activeCounted(1);
        }
      }
      return true;
    }
  }

  /** The close began: the descriptor leaves the registry's stats tallies. */
  private void uncount() {
    synchronized (controlLock) {
      if (counted) {
        counted = false;
        registry.openCounted(owner, -1);
        if (mode != ReceiveMode.PASSIVE) {
          registry.activeCounted(-1);
        }
      }
    }
  }

  public long offset() {
    return offset;
  }

  public void setOffset(long o) {
    if (o < 0) {
      throw new IllegalArgumentException("negative offset " + o);
    }
    offset = o;
  }

  /** Adds a completed byte count to the offset, saturating at Long.MAX_VALUE. */
  public long advance(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("negative advance " + n);
    }
    while (true) {
      long now = offset;
      long next = saturatingAdd(now, n);
      if (OFFSET.compareAndSet(this, now, next)) {
        return next;
      }
    }
  }

  private static long saturatingAdd(long a, long b) {
    long s = a + b;
    return s < 0 ? Long.MAX_VALUE : s; // both non-negative: overflow shows as negative
  }

  /** The monitor offset-based I/O holds from reading the offset to advancing it. */
  Object positionLock() {
    Object lock = positionLock;
    if (lock == null) {
      Object mine = new Object();
      lock = POSITION_LOCK.compareAndExchange(this, null, mine);
      if (lock == null) {
        lock = mine; // ours went in; otherwise another thread's did first
      }
    }
    return lock;
  }

  /** Starts an operation; fails with {@code closed} once a close has begun. */
  public Use use() throws FdException {
    while (true) {
      long w = word.get();
      if (StateWord.closing(w)) {
        throw FdException.closed();
      }
      if (StateWord.uses(w) == StateWord.MAX_USES) {
        throw new FdException(Reason.EAGAIN, "too many operations in flight");
      }
      if (word.compareAndSet(w, w + StateWord.USE_UNIT)) {
        return new InFlight();
      }
    }
  }

  private void endUse() {
    while (true) {
      long w = word.get();
      if (StateWord.uses(w) == 0) {
        throw new IllegalStateException("use count underflow: " + StateWord.describe(w));
      }
      long next = w - StateWord.USE_UNIT;
      if (word.compareAndSet(w, next)) {
        if (StateWord.closeDue(next)) {
          osCloseRecordingError(); // we were the last operation of a closing fd
        }
        return;
      }
    }
  }

  /**
   * Starts the close. Returns true for the single caller that moved the state out of Open; later
   * callers get false. If no operation is in flight the OS close happens now, in this thread, and
   * its failure is thrown; otherwise it happens when the last operation ends (see {@link
   * #awaitClosed}).
   */
  public boolean close() throws FdException {
    return beginClose(true);
  }

  /** Like {@link #close()} but an OS close failure is only recorded. */
  boolean closeQuietly() {
    try {
      return beginClose(false);
    } catch (FdException cannotHappen) {
      return true;
    }
  }

  private boolean beginClose(boolean throwOsError) throws FdException {
    while (true) {
      long w = word.get();
      if (StateWord.closing(w)) {
        return false;
      }
      long next = w | StateWord.CLOSING;
      if (word.compareAndSet(w, next)) {
        uncount();
        if (StateWord.closeDue(next)) {
          FdException e = osCloseRecordingError();
          if (e != null && throwOsError) {
            throw e;
          }
        }
        return true;
      }
    }
  }

  /** Takes one more reference (a queued op, a copy held elsewhere). */
  public void retain() {
    while (true) {
      long w = word.get();
      if (StateWord.refs(w) == StateWord.MAX_REFS) {
        throw new IllegalStateException("reference count overflow");
      }
      if (word.compareAndSet(w, w + StateWord.REF_UNIT)) {
        return;
      }
    }
  }

  /** Drops a reference; the last one starts the close (idempotent with close()). */
  public void release() {
    while (true) {
      long w = word.get();
      long refs = StateWord.refs(w);
      if (refs == 0) {
        throw new IllegalStateException("release without retain: " + StateWord.describe(w));
      }
      long next = w - StateWord.REF_UNIT;
      if (refs == 1) {
        next |= StateWord.CLOSING;
      }
      if (word.compareAndSet(w, next)) {
        if (!StateWord.closing(w) && StateWord.closing(next)) {
          uncount();
        }
        if (!StateWord.closing(w) && StateWord.closeDue(next)) {
          osCloseRecordingError();
        }
        return;
      }
    }
  }

  public int refCount() {
    return (int) StateWord.refs(word.get());
  }

  public int inFlight() {
    return (int) StateWord.uses(word.get());
  }

  /** The failure of the OS close, if it failed (the descriptor is gone either way). */
  public FdException closeError() {
    return closeError;
  }

  /** Runs {@code r} once the OS close is done (immediately if it already is). */
  public void whenClosed(Runnable r) {
    Objects.requireNonNull(r, "callback");
    while (true) {
      Runnable[] now = closeCallbacks;
      if (now == null) {
        runQuietly(r); // closed() has taken the array: it will not see this one
        return;
      }
      Runnable[] more = Arrays.copyOf(now, now.length + 1);
      more[now.length] = r;
      if (CALLBACKS.compareAndSet(this, now, more)) {
        return;
      }
    }
  }

  /**
   * Waits for the OS close (and the callbacks registered before this call); true if it happened
   * within the timeout. A wait that times out leaves its latch among the callbacks until the close.
   */
  public boolean awaitClosed(long timeout, TimeUnit unit) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    whenClosed(done::countDown);
    return done.await(timeout, unit);
  }

  /** Tells the table, then runs every close callback once, in registration order. */
  private void closed() {
    Registry r;
    Pid lastOwner;
    uncount(); // already done when the close began; this is the safety net
    synchronized (controlLock) {
      r = registry;
      registry = null; // later transfers are no longer reported
      lastOwner = owner;
    }
    if (r != null) {
      try {
        r.closed(this, lastOwner);
      } catch (RuntimeException e) {
        report(e); // the callbacks still run
      }
    }
    Runnable[] callbacks = (Runnable[]) CALLBACKS.getAndSet(this, null);
    for (Runnable c : callbacks) {
      runQuietly(c);
    }
  }

  /** A failing callback is its registrant's bug; the others still run. */
  private static void runQuietly(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      report(e);
    }
  }

  private static void report(RuntimeException e) {
    Thread t = Thread.currentThread();
    t.getUncaughtExceptionHandler().uncaughtException(t, e);
  }

  /** Called by exactly one thread (the one whose CAS made closeDue true). */
  private FdException osCloseRecordingError() {
    FdException err = null;
    try {
      closer.close(rawFd);
    } catch (FdException e) {
      err = e;
      closeError = e;
    } catch (RuntimeException e) {
      err = new FdException(Reason.EIO, "close failed: " + e);
      closeError = err;
    } finally {
      word.getAndUpdate(w -> w | StateWord.CLOSED);
      cleanable.clean(); // marks the safety net done; its action sees CLOSED and does nothing
      closed();
      Reference.reachabilityFence(this);
    }
    return err;
  }

  @Override
  public String toString() {
    return "FdInner[id="
        + id
        + ", fd="
        + rawFd
        + ", "
        + StateWord.describe(word.get())
        + ", owner="
        + owner
        + "]";
  }

  private final class InFlight implements Use {
    private boolean ended; // a Use is confined to one thread at a time

    @Override
    public int fd() {
      if (ended) {
        throw new IllegalStateException("use already ended");
      }
      return rawFd;
    }

    @Override
    public void close() {
      if (!ended) {
        ended = true;
        endUse();
      }
    }
  }

  /** Holds no reference to the FdInner, or it could never become unreachable. */
  private static final class LeakCloser implements Runnable {
    private final AtomicLong word;
    private final int fd;
    private final FdCloser closer;

    LeakCloser(AtomicLong word, int fd, FdCloser closer) {
      this.word = word;
      this.fd = fd;
      this.closer = closer;
    }

    @Override
    public void run() {
      // Unreachable means no Use and no close in progress can exist.
      while (true) {
        long w = word.get();
        if (StateWord.closed(w)) {
          return;
        }
        if (word.compareAndSet(w, w | StateWord.CLOSING | StateWord.CLOSED)) {
          try {
            closer.close(fd);
          } catch (FdException | RuntimeException ignored) {
            // nothing left to report to
          }
          return;
        }
      }
    }
  }
}
