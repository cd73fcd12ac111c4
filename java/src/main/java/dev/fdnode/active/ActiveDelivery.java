package dev.fdnode.active;

import dev.fdnode.core.Descriptors;
import dev.fdnode.core.Errnos;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.FileType;
import dev.fdnode.core.Framer;
import dev.fdnode.core.Handle;
import dev.fdnode.core.Native;
import dev.fdnode.core.Pid;
import dev.fdnode.core.Reason;
import dev.fdnode.core.ReceiveMode;
import dev.fdnode.net.Sockets;
import dev.fdnode.poll.PollException;
import dev.fdnode.poll.Poller;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Pushes input to controlling processes for descriptors in Active or ActiveOnce mode, as {@code
 * gen_tcp} does with {@code {active, true | once}}.
 *
 * <p>Per descriptor at most one read is in flight: the poller's one-shot registration is re-armed
 * only after the previous chunk has been handed to the sink. The Java side therefore holds at most
 * one chunk per descriptor, however slow the receiver: a full distribution connection blocks the
 * send, which stops the reads for that descriptor.
 *
 * <p>A readiness event is a hint: while it waits for a reader thread, the controller may turn
 * passive, read that input and turn active again. The read it leads to therefore never waits;
 * finding nothing (EAGAIN on a non-blocking FIFO, nothing ready on a blocking pipe), it re-arms the
 * one-shot registration, and epoll, level-triggered, reports the next input.
 *
 * <p>Every decision about a chunk (which process gets it, whether the mode is still active) is
 * taken under the descriptor's control lock ({@link FdInner#controlLock()}), the lock set_mode and
 * controlling_process take too, so each chunk goes to exactly one process, in order. A chunk read
 * just as the descriptor turned passive is kept and returned by the next passive read, never
 * dropped.
 */
public final class ActiveDelivery implements AutoCloseable {
  /** Chunks one readiness event may move before the fd goes back to epoll. */
  private static final int ROUNDS = 16;

  /** The largest {@code N} of {@code {active, N}}, as for inet. */
  public static final int MAX_ACTIVE_COUNT = 32767;

  /** Pipe buffer asked for when a FIFO or pipe goes active (the default Linux ceiling). */
  private static final int PIPE_BUFFER = 1 << 20;

  private final Descriptors descriptors;
  private final Poller poller;
  private final Executor readers;
  private final ActiveSink sink;
  private final int chunkSize;
  private final ChunkRead read;
  private final ConcurrentHashMap<Long, Watch> watches = new ConcurrentHashMap<>();

  /**
   * Each reader thread reads into its own buffer and lends it to the sink, which encodes the chunk
   * before {@code send} returns; the thread's next read refills it. Bytes that must outlive the
   * send (kept for a passive read) are copied out.
   */
  private final ThreadLocal<byte[]> readBuffers;

  /**
   * The read delivery makes on a readiness event: never waits, {@link Descriptors#NOTHING_WAITING}
   * when nothing is there. Tests wrap it to hold a read in flight.
   */
  @FunctionalInterface
  interface ChunkRead {
    int read(FdInner inner, byte[] buffer, int length) throws FdException;
  }

  public ActiveDelivery(
      Descriptors descriptors, Poller poller, Executor readers, ActiveSink sink, int chunkSize) {
    this(descriptors, poller, readers, sink, chunkSize, descriptors::readIntoNow);
  }

  ActiveDelivery(
      Descriptors descriptors,
      Poller poller,
      Executor readers,
      ActiveSink sink,
      int chunkSize,
      ChunkRead read) {
    this.read = read;
    this.descriptors = descriptors;
    this.poller = poller;
    this.readers = readers;
    this.sink = sink;
    this.chunkSize = chunkSize;
    this.readBuffers = ThreadLocal.withInitial(() -> new byte[chunkSize]);
  }

  /**
   * Sets the mode of {@code inner} and starts or stops delivery to match. Bytes kept from an
   * earlier passive switch are delivered first.
   */
  public void setMode(Handle handle, FdInner inner, ReceiveMode mode) throws FdException {
    if (mode == ReceiveMode.ACTIVE_N)
      throw new FdException(Reason.EINVAL, "active_n needs a count");
    Watch watch = watch(handle, inner);
    synchronized (inner.controlLock()) {
      inner.setMode(mode);
      startLocked(watch);
    }
  }

  /**
   * {@code {active, N}} as {@code inet:setopts/2} does it: {@code n} is added to the messages left
   * if the fd is already in {@code {active, N}}, else it is the count; a total above {@link
   * #MAX_ACTIVE_COUNT} is {@code einval}; a total of 0 or less turns the fd passive and sends
   * {@code {fdnode_passive, Fd}}.
   */
  public void addActiveCount(Handle handle, FdInner inner, int n) throws FdException {
    Watch watch = watch(handle, inner);
    synchronized (inner.controlLock()) {
      long total = (inner.mode() == ReceiveMode.ACTIVE_N ? inner.activeCount() : 0L) + n;
      if (total > MAX_ACTIVE_COUNT) {
        throw new FdException(Reason.EINVAL, "active count above " + MAX_ACTIVE_COUNT);
      }
      if (total <= 0) {
        inner.setMode(ReceiveMode.PASSIVE);
        sink.send(inner.controller(), handle, new ActiveEvent.Passive());
        return;
      }
      inner.setActiveCount((int) total);
      startLocked(watch);
    }
  }

  private Watch watch(Handle handle, FdInner inner) {
    Watch[] made = {null};
    Watch watch =
        watches.computeIfAbsent(
            inner.id(), id -> made[0] = new Watch(handle, inner, isDatagram(inner)));
    if (watch == made[0]) {
      // However the fd gets closed (owner exit, node down), stop watching it. Hooked once the
      // watch is in the map: on a descriptor closed already the hook runs now and must find it.
      inner.whenClosed(() -> forget(inner));
    }
    return watch;
  }

  /** After a mode change: delivers what was kept, then reads on if still active. */
  private void startLocked(Watch watch) {
    FdInner inner = watch.inner;
    Framer framer = inner.framer();
    if (framer != null) {
      keepInFramerLocked(watch, framer);
      if (inner.mode() != ReceiveMode.PASSIVE && !deliverPacketsLocked(watch, framer)) {
        return; // emsgsize: said, and nothing more is read
      }
    } else if (watch.pending != null && inner.mode() != ReceiveMode.PASSIVE) {
      byte[] kept = watch.pending;
      watch.pending = null;
      deliverLocked(watch, new ActiveEvent.Data(kept));
    }
    while (!watch.pendingDatagrams.isEmpty() && inner.mode() != ReceiveMode.PASSIVE) {
      deliverLocked(watch, watch.pendingDatagrams.poll());
    }
    // Passive (asked for, or active-once satisfied by what was kept): the in-flight read, if
    // any, keeps its chunk for the next passive read.
    if (inner.mode() != ReceiveMode.PASSIVE && !watch.armed && !watch.reading) {
      armLocked(watch);
    }
  }

  /**
   * Moves control (and ownership) of {@code inner} between two chunks, never inside one: the
   * transfer takes the control lock that every delivery holds.
   */
  public void transfer(FdInner inner, Pid to) {
    inner.transferTo(to);
  }

  /**
   * Bytes kept before the descriptor had a framer come before the framer's: they move into it (it
   * is empty then, since a passive read drains the kept bytes first).
   */
  private static void keepInFramerLocked(Watch watch, Framer framer) {
    if (watch.pending != null) {
      framer.feed(watch.pending);
      watch.pending = null;
    }
  }

  /**
   * With a packet option: delivers every whole packet the framer holds, one message each, while the
   * descriptor stays active ({@code active_once} and {@code {active, N}} count packets). What is
   * left stays in the framer, the descriptor's: for the next passive read or active round. False
   * when a header states more than {@code packet_size}: {@code {fdnode_error, Fd, emsgsize}} is
   * sent and nothing more is read (the bytes stay; {@code {packet, raw}} reads them).
   */
  private boolean deliverPacketsLocked(Watch watch, Framer framer) {
    while (watch.inner.mode() != ReceiveMode.PASSIVE) {
      Framer.Taken t = framer.take();
      if (t instanceof Framer.Taken.Whole w) {
        deliverLocked(watch, new ActiveEvent.Data(w.bytes()));
      } else if (t instanceof Framer.Taken.TooLarge) {
        sink.send(watch.inner.controller(), watch.handle, new ActiveEvent.Error("emsgsize"));
        return false;
      } else {
        return true;
      }
    }
    return true;
  }

  /** A datagram received for a passive descriptor during a mode switch; null when none. */
  public ActiveEvent.Datagram takePendingDatagram(FdInner inner) {
    Watch watch = watches.get(inner.id());
    if (watch == null) {
      return null;
    }
    synchronized (inner.controlLock()) {
      awaitReadLocked(watch);
      return watch.pendingDatagrams.poll();
    }
  }

  /** Bytes read for a passive descriptor during a mode switch; null when none. */
  public byte[] takePending(FdInner inner) {
    Watch watch = watches.get(inner.id());
    if (watch == null) {
      return null;
    }
    synchronized (inner.controlLock()) {
      awaitReadLocked(watch);
      byte[] kept = watch.pending;
      watch.pending = null;
      return kept;
    }
  }

  /**
   * Waits until no active read is in flight. A switch to passive does not stop a read already under
   * way; its bytes are kept for the next passive read. That read must wait for them, or it would
   * read the bytes after them first and hand them out of order. The read in flight never waits for
   * input ({@link ChunkRead}), so this wait is short.
   */
  private static void awaitReadLocked(Watch watch) {
    boolean interrupted = false;
    while (watch.reading && !watch.forgotten) {
      try {
        watch.lock().wait(Native.SLICE_MS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops watching {@code inner}. Call before closing it: the epoll entry is removed while the fd
   * number still names this descriptor.
   */
  @SuppressWarnings("try") // the Use only pins the fd number while epoll names it
  public void forget(FdInner inner) {
    Watch watch = watches.remove(inner.id());
    if (watch == null) {
      return;
    }
    synchronized (inner.controlLock()) {
      watch.forgotten = true;
      Poller.Registration registration = watch.registration;
      if (registration != null) {
        try (FdInner.Use stillOpen = inner.use()) {
          registration.cancel(); // epoll_ctl names the fd: only while it is ours
        } catch (FdException alreadyClosing) {
          // The kernel drops the entry with the fd; never name a number that may be reused.
          registration.forget();
        }
      }
    }
  }

  @Override
  public void close() {
    for (Watch watch : watches.values()) {
      forget(watch.inner);
    }
  }

  private void armLocked(Watch watch) {
    if (watch.forgotten) {
      return;
    }
    watch.armed = true;
    if (!watch.pollable) {
      readers.execute(() -> onReady(watch));
      return;
    }
    try (FdInner.Use use = watch.inner.use()) {
      if (watch.registration == null) {
        if (watch.inner.type() == FileType.FIFO) {
          // A 64 KiB pipe makes the writer and us take turns every
          // chunk; a larger one lets a burst arrive in one read.
          Poller.growPipe(use.fd(), PIPE_BUFFER);
        }
        watch.registration = poller.register(use.fd(), () -> onReady(watch));
      } else {
        watch.registration.rearm();
      }
    } catch (PollException e) {
      if (e.notPollable()) {
        // Regular files are always readable: read them on a worker instead.
        watch.pollable = false;
        readers.execute(() -> onReady(watch));
      } else {
        watch.armed = false;
        failLocked(watch, Errnos.exception(e.errno(), "epoll_ctl"));
      }
    } catch (FdException closed) {
      watch.armed = false; // closing: nothing more to deliver
    }
  }

  /**
   * Reads and delivers while input is waiting, up to {@link #ROUNDS} chunks, then re-arms: one
   * readiness event moves a burst without a selector round trip per chunk, and a busy fd still
   * yields to the others.
   */
  private void onReady(Watch watch) {
    synchronized (watch.lock()) {
      watch.armed = false;
      if (watch.forgotten || watch.inner.mode() == ReceiveMode.PASSIVE) {
        return;
      }
      watch.reading = true;
    }
    if (watch.datagram) {
      onDatagramReady(watch);
      return;
    }
    byte[] buffer = readBuffers.get();
    int available = -1;
    for (int round = 1; ; round++) {
      int n = 0;
      FdException failure = null;
      try {
        int want = available > 0 ? Math.min(available, chunkSize) : chunkSize;
        n = read.read(watch.inner, buffer, want); // never waits: the event may be stale
      } catch (FdException e) {
        failure = e;
      }
      synchronized (watch.lock()) {
        watch.reading = false;
        watch.lock().notifyAll(); // a passive read may wait for this one (awaitReadLocked)
        if (n == Descriptors.NOTHING_WAITING) {
          // A stale event: a passive read took its input while it waited for this thread.
          if (!watch.forgotten && watch.inner.mode() != ReceiveMode.PASSIVE) {
            armLocked(watch);
          }
          return;
        }
        if (!handleLocked(watch, n == 0 ? null : new ActiveEvent.Data(buffer, n), failure)) {
          return;
        }
        available = round < ROUNDS ? waiting(watch) : 0;
        if (available == 0) {
          armLocked(watch);
          return;
        }
        watch.reading = true;
      }
    }
  }

  /**
   * Delivers or keeps one read's outcome ({@code event} null: end of input); true when the fd is
   * still active and open.
   */
  private boolean handleLocked(Watch watch, ActiveEvent event, FdException failure) {
    if (watch.forgotten) {
      return false;
    }
    if (failure != null) {
      failLocked(watch, failure);
      return false;
    }
    Framer framer = watch.inner.framer();
    if (event == null) {
      if (watch.inner.mode() != ReceiveMode.PASSIVE) {
        // Whole packets were delivered as they came; a partial one is dropped, as inet does.
        if (framer != null) framer.endOfInput();
        sink.send(watch.inner.controller(), watch.handle, new ActiveEvent.Closed());
      }
      // In passive mode the next read sees end of input itself.
      return false;
    }
    if (framer != null && event instanceof ActiveEvent.Data d) {
      keepInFramerLocked(watch, framer);
      framer.feed(d.buffer(), 0, d.length()); // the framer keeps what is not delivered now
      if (watch.inner.mode() == ReceiveMode.PASSIVE) return false;
      return deliverPacketsLocked(watch, framer) && watch.inner.mode() != ReceiveMode.PASSIVE;
    }
    if (watch.inner.mode() == ReceiveMode.PASSIVE) {
      if (event instanceof ActiveEvent.Datagram d) {
        watch.pendingDatagrams.add(d);
      } else if (event instanceof ActiveEvent.Data d) {
        watch.pending = concat(watch.pending, d.bytes());
      }
      return false;
    }
    deliverLocked(watch, event);
    return watch.inner.mode() != ReceiveMode.PASSIVE;
  }

  /** A read failed: the controller hears why, unless the descriptor is simply being closed. */
  private void failLocked(Watch watch, FdException failure) {
    if (!failure.is(Reason.CLOSED)) {
      sink.send(watch.inner.controller(), watch.handle, new ActiveEvent.Error(failure.reason()));
    }
  }

  /**
   * Sends one chunk or datagram; active-once, or {@code {active, N}} at its last message, then
   * turns passive and says so. The count or mode changes before the chunk goes out, so a controller
   * that asks right after the chunk arrived sees the state that chunk left (as with {@code inet}).
   */
  private void deliverLocked(Watch watch, ActiveEvent event) {
    FdInner inner = watch.inner;
    Pid controller = inner.controller();
    ReceiveMode mode = inner.mode();
    boolean last = false;
    if (mode == ReceiveMode.ACTIVE_N && inner.activeCount() > 1) {
      inner.setActiveCount(inner.activeCount() - 1);
    } else if (mode == ReceiveMode.ACTIVE_ONCE || mode == ReceiveMode.ACTIVE_N) {
      inner.setMode(ReceiveMode.PASSIVE);
      last = true;
    }
    sink.send(controller, watch.handle, event);
    if (last) sink.send(controller, watch.handle, new ActiveEvent.Passive());
  }

  /**
   * Bytes waiting on a pollable fd (0 when none or unknown: then wait for epoll); -1 for a regular
   * file, which is always ready.
   */
  private int waiting(Watch watch) {
    if (!watch.pollable) {
      return -1;
    }
    try (FdInner.Use use = watch.inner.use()) {
      return Math.max(0, Poller.available(use.fd()));
    } catch (FdException closing) {
      return 0;
    }
  }

  /**
   * One datagram per readiness event, with its sender (recvfrom, never a plain read that would lose
   * it). One read into a passive fd is kept for the next {@code recv_from}, as for streams.
   */
  private void onDatagramReady(Watch watch) {
    ActiveEvent.Datagram datagram = null;
    FdException failure = null;
    try (FdInner.Use use = watch.inner.use()) {
      Sockets.Datagram d = Sockets.receiveNow(use.fd());
      if (d != null) {
        datagram = new ActiveEvent.Datagram(d.from(), d.port(), d.data());
        descriptors.countTraffic(d.data().length, 0);
      }
    } catch (FdException e) {
      failure = e;
    }
    synchronized (watch.lock()) {
      watch.reading = false;
      watch.lock().notifyAll(); // a passive read may wait for this one (awaitReadLocked)
      if (datagram == null && failure == null) {
        // Nothing was waiting after all: wait for the next readiness.
        if (!watch.forgotten && watch.inner.mode() != ReceiveMode.PASSIVE) {
          armLocked(watch);
        }
        return;
      }
      if (handleLocked(watch, datagram, failure)) {
        armLocked(watch);
      }
    }
  }

  private static boolean isDatagram(FdInner inner) {
    if (inner.type() != FileType.SOCKET) {
      return false;
    }
    try (FdInner.Use use = inner.use()) {
      return Sockets.isDatagram(use.fd());
    } catch (FdException closing) {
      return false;
    }
  }

  private static byte[] concat(byte[] head, byte[] tail) {
    if (head == null) {
      return tail;
    }
    byte[] joined = new byte[head.length + tail.length];
    System.arraycopy(head, 0, joined, 0, head.length);
    System.arraycopy(tail, 0, joined, head.length, tail.length);
    return joined;
  }

  /** Delivery state of one descriptor; guarded by the descriptor's control lock. */
  private static final class Watch {
    final Handle handle;
    final FdInner inner;
    Poller.Registration registration;
    boolean pollable = true;
    boolean armed;
    boolean reading;
    boolean forgotten;
    byte[] pending;
    final boolean datagram;
    final ArrayDeque<ActiveEvent.Datagram> pendingDatagrams = new ArrayDeque<>();

    Watch(Handle handle, FdInner inner, boolean datagram) {
      this.handle = handle;
      this.inner = inner;
      this.datagram = datagram;
    }

    Object lock() {
      return inner.controlLock();
    }
  }
}
