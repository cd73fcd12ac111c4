package dev.fdnode.core;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The facade the node uses: open/pipe register descriptors in the handle table; read/write keep one
 * sequential offset per descriptor (pread/pwrite at that offset for seekable files, read/write
 * otherwise), so every process sharing a handle sees the same position.
 */
public final class Descriptors implements AutoCloseable {
  /** Largest single read buffer; a larger request just reads less. */
  public static final int MAX_READ = 8 << 20;

  /** Most ranges in one {@link #preadMany} or {@link #pwriteMany}. */
  public static final int MAX_BATCH_RANGES = 1024;

  /** Most bytes one batch moves, summed over its ranges: what one read may return. */
  public static final int MAX_BATCH_BYTES = MAX_READ;

  /** {@link #transfer}: the kernel refused that way for these descriptors; nothing moved. */
  public static final long REFUSED = -1;

  /** {@link #transfer}: cancelled while it waited for a pipe or socket; nothing moved. */
  public static final long CANCELLED = -2;

  private final Posix posix;
  private final int maxOpen;
  private final Duration closeWait;
  private final AtomicInteger openCount = new AtomicInteger();
  private final HandleTable table = new HandleTable(openCount::decrementAndGet);
  private final Departures departures = new Departures(65_536);
  private final CompletionRing ring;
  private final LongAdder bytesRead = new LongAdder();
  private final LongAdder bytesWritten = new LongAdder();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Shared by every FdInner: a method reference made per open costs 16 B per open fd. */
  private final FdCloser osClose;

  public Descriptors(Posix posix, int maxOpen) {
    this(posix, maxOpen, 1024, 1, Duration.ofSeconds(2));
  }

  /**
   * @param closeWait how long a synchronous {@link #close} waits for an operation still in flight
   *     on another thread (a blocked pipe read can last forever); after it, close returns and the
   *     OS close happens when that operation ends.
   */
  public Descriptors(
      Posix posix, int maxOpen, int ringCapacity, int ringWorkers, Duration closeWait) {
    if (maxOpen < 1) {
      throw new IllegalArgumentException("maxOpen must be >= 1");
    }
    this.posix = Objects.requireNonNull(posix, "posix");
    this.osClose = posix::close;
    this.maxOpen = maxOpen;
    this.closeWait = Objects.requireNonNull(closeWait, "closeWait");
    this.ring = new CompletionRing(ringCapacity, ringWorkers);
  }

  public HandleTable table() {
    return table;
  }

  public CompletionRing ring() {
    return ring;
  }

  public Opened open(String path, OpenOptions o, Pid owner) throws FdException {
    Objects.requireNonNull(o, "options");
    return openWith(() -> posix.open(path, o), owner, o.append());
  }

  /** [read end, write end]. */
  public Opened[] pipe(Pid owner) throws FdException {
    Objects.requireNonNull(owner, "owner");
    reserveSlots(2);
    int[] fds;
    try {
      fds = posix.pipe();
    } catch (FdException e) {
      openCount.addAndGet(-2);
      throw e;
    }
    Opened r;
    try {
      r = adopt(fds[0], owner, false);
    } catch (FdException e) {
      closeRaw(fds[1]);
      openCount.addAndGet(-1);
      throw e;
    }
    try {
      return new Opened[] {r, adopt(fds[1], owner, false)};
    } catch (FdException e) {
      r.inner().closeQuietly();
      throw e;
    }
  }

  /** Makes registered descriptors for one call (an open, a pipe, an accept); throws on failure. */
  @FunctionalInterface
  public interface Opener {
    Opened[] open() throws FdException;
  }

  /**
   * The one way a call's new descriptors reach their owner: runs {@code opener} (which registers
   * them for {@code owner}) and checks afterwards whether the owner, or the owner's BEAM node, went
   * down before or during it. Their sweep ({@link #ownerDown}, {@link #nodeDown}) may then have run
   * before these descriptors were registered, so they are closed here and the call fails with
   * {@code closed}. The mark is set before each sweep and checked after registration, so one of the
   * two always sees the descriptor.
   */
  public Opened[] adopt(Pid owner, Opener opener) throws FdException {
    long epoch = departures.starting(owner);
    Opened[] opened = opener.open();
    if (!departures.gone(owner, epoch)) {
      return opened;
    }
    for (Opened o : opened) {
      o.inner().closeQuietly(); // already closed by the sweep, or closed now
    }
    throw new FdException(Reason.CLOSED, "owner or its node went down during the call");
  }

  /** The owner exited: closes what it owns, and what is opened for it from now on. */
  public int ownerDown(Pid owner) {
    departures.ownerDown(owner);
    return table.closeOwnedBy(owner);
  }

  /**
   * The connection to {@code node} went down: closes what its processes own, and what is opened for
   * them until it connects again.
   */
  public int nodeDown(String node) {
    departures.nodeDown(node);
    return table.closeAllFromNode(node);
  }

  public void nodeUp(String node) {
    departures.nodeUp(node);
  }

  /** After a hand-over to {@code to}: closes what it now owns if it has already exited. */
  public int closeIfOwnerGone(Pid to) {
    return departures.ownerGone(to) ? table.closeOwnedBy(to) : 0;
  }

  /** Creates a raw descriptor (for example a connected socket); throws on failure. */
  @FunctionalInterface
  public interface FdSource {
    int create() throws FdException;
  }

  /**
   * Registers a descriptor made by {@code source} (a socket, say) like {@link #open}: the slot is
   * reserved first (emfile), the caller owns it.
   */
  public Opened openWith(FdSource source, Pid owner) throws FdException {
    return openWith(source, owner, false);
  }

  /** As {@link #openWith(FdSource, Pid)}; {@code append} as for an {@code O_APPEND} open. */
  public Opened openWith(FdSource source, Pid owner, boolean append) throws FdException {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(owner, "owner");
    reserveSlots(1);
    int fd;
    try {
      fd = source.create();
    } catch (FdException | RuntimeException e) {
      openCount.addAndGet(-1);
      throw e;
    }
    return adopt(fd, owner, append);
  }

  /** Wraps a fresh descriptor (slot already reserved); closes it if that fails. */
  private Opened adopt(int fd, Pid owner, boolean append) throws FdException {
    FileType type;
    try {
      type = posix.fstat(fd).type();
    } catch (FdException e) {
      closeRaw(fd);
      openCount.addAndGet(-1);
      throw e;
    }
    FdInner inner =
        new FdInner(table.reserveId(), fd, table.sharedOwner(owner), type, append, osClose);
    Handle h = table.register(inner);
    return new Opened(h, inner);
  }

  private void closeRaw(int fd) {
    try {
      posix.close(fd);
    } catch (FdException ignored) {
      // reporting the failure that made us close it
    }
  }

  private void reserveSlots(int n) throws FdException {
    if (closed.get()) {
      throw new FdException(Reason.CLOSED, "descriptor layer is shut down");
    }
    while (true) {
      int cur = openCount.get();
      if (cur + n > maxOpen) {
        throw new FdException(Reason.EMFILE, "fdnode limit of " + maxOpen + " open descriptors");
      }
      if (openCount.compareAndSet(cur, cur + n)) {
        return;
      }
    }
  }

  public FdInner lookup(Handle h) throws FdException {
    if (h == null) {
      throw FdException.invalidHandle();
    }
    return table.lookup(h.id(), h.token());
  }

  /** Up to {@code max} bytes at the descriptor's offset; null at end of input. */
  public byte[] read(FdInner f, int max) throws FdException {
    checkLength(max);
    byte[] buf = new byte[Math.min(max, MAX_READ)];
    int n = readInto(f, buf, buf.length);
    if (buf.length == 0) {
      return buf;
    }
    return n == 0 ? null : n == buf.length ? buf : Arrays.copyOf(buf, n);
  }

  /**
   * Reads up to {@code len} bytes at the descriptor's offset into the start of {@code buf} (a
   * buffer the caller reuses); returns the count, 0 at end of input (or when {@code len} is 0).
   */
  public int readInto(FdInner f, byte[] buf, int len) throws FdException {
    checkLength(len);
    try (FdInner.Use u = f.use()) {
      if (len == 0) {
        return 0;
      }
      int n;
      if (f.seekable()) {
        synchronized (f.positionLock()) {
          n = posix.pread(u.fd(), buf, 0, len, f.offset());
          f.advance(n);
        }
      } else {
        Readiness.await(f, u.fd(), Native.POLLIN); // a close wakes it (owner died)
        n = posix.read(u.fd(), buf, 0, len);
      }
      bytesRead.add(n);
      return n;
    }
  }

  /** What {@link #readIntoNow} returns when no input is waiting. */
  public static final int NOTHING_WAITING = -1;

  /**
   * As {@link #readInto}, but never waits, whether the descriptor is blocking or not: {@link
   * #NOTHING_WAITING} when a pipe, FIFO, socket or device has no input now (EAGAIN included).
   * Active delivery reads on readiness events, which another read may have made stale.
   */
  public int readIntoNow(FdInner f, byte[] buf, int len) throws FdException {
    checkLength(len);
    if (f.seekable() || len == 0) {
      return readInto(f, buf, len);
    }
    try (FdInner.Use u = f.use()) {
      if (!Native.poll(u.fd(), Native.POLLIN, 0)) {
        return NOTHING_WAITING; // ready also on hang-up or error: the read reports those
      }
      int n;
      try {
        n = posix.read(u.fd(), buf, 0, len);
      } catch (FdException e) {
        if ("eagain".equals(e.reason())) {
          return NOTHING_WAITING;
        }
        throw e;
      }
      bytesRead.add(n);
      return n;
    }
  }

  /** Writes every byte (partial writes continue), advancing the offset as it goes. */
  public void write(FdInner f, byte[] data) throws FdException {
    Objects.requireNonNull(data, "data");
    write(f, data, data.length);
  }

  /** As {@link #write(FdInner, byte[])}, for the first {@code len} bytes of a reused buffer. */
  public void write(FdInner f, byte[] data, int len) throws FdException {
    Objects.requireNonNull(data, "data");
    if (len < 0 || len > data.length) {
      throw new FdException(Reason.EINVAL, "length out of bounds");
    }
    try (FdInner.Use u = f.use()) {
      if (!f.seekable()) {
        writeAllWaiting(f, u.fd(), data, len);
        return;
      }
      synchronized (f.positionLock()) {
        if (f.append()) {
          // O_APPEND: the kernel picks the position; read it back afterwards.
          try {
            writeAll(u.fd(), data, len, null);
          } finally {
            f.setOffset(posix.lseek(u.fd(), 0, Posix.SEEK_CUR));
          }
        } else {
          writeAll(u.fd(), data, len, f);
        }
      }
    }
  }

  /**
   * One kernel copy of up to {@code max} bytes from {@code src} to {@code dst} (see {@link
   * KernelCopy}): the bytes never enter the JVM; a seekable end moves at its descriptor's offset,
   * which advances, as with {@link #read} and {@link #write}. Returns the count, 0 at end of input,
   * {@link #REFUSED} when the kernel will not copy these two descriptors that way (copy the rest
   * with read/write), or {@link #CANCELLED} when {@code cancelled} turned true while the call
   * waited for a pipe or socket. A close of either end wakes such a wait ({@code closed}).
   */
  public long transfer(FdInner src, FdInner dst, KernelCopy way, int max, BooleanSupplier cancelled)
      throws FdException {
    Objects.requireNonNull(way, "way");
    checkLength(max);
    try (FdInner.Use in = src.use();
        FdInner.Use out = dst.use()) {
      long n = way.move(src, in.fd(), dst, out.fd(), max, cancelled);
      if (n > 0) {
        bytesRead.add(n);
        bytesWritten.add(n);
      }
      return n;
    }
  }

  /**
   * As {@link #writeAll} for a pipe, FIFO or socket: a close wakes a writer blocked on a full one.
   */
  private void writeAllWaiting(FdInner f, int fd, byte[] data, int len) throws FdException {
    int done = 0;
    while (done < len) {
      Readiness.await(f, fd, Native.POLLOUT);
      int n = posix.write(fd, data, done, len - done);
      if (n == 0) {
        throw new FdException(Reason.EIO, "write made no progress");
      }
      bytesWritten.add(n);
      done += n;
    }
  }

  /**
   * Writes every byte to a seekable file: with {@code at} null at the kernel's position ({@code
   * O_APPEND}), else pwrites at {@code at}'s offset and advances it per chunk.
   */
  private void writeAll(int fd, byte[] data, int len, FdInner at) throws FdException {
    int done = 0;
    while (done < len) {
      int n =
          at == null
              ? posix.write(fd, data, done, len - done)
              : posix.pwrite(fd, data, done, len - done, at.offset());
      if (n == 0) {
        throw new FdException(Reason.EIO, "write made no progress");
      }
      if (at != null) {
        at.advance(n);
      }
      bytesWritten.add(n);
      done += n;
    }
  }

  public byte[] pread(FdInner f, long pos, int max) throws FdException {
    checkLength(max);
    checkPosition(pos);
    try (FdInner.Use u = f.use()) {
      byte[] buf = new byte[Math.min(max, MAX_READ)];
      if (buf.length == 0) {
        return buf;
      }
      return trimmed(buf, posix.pread(u.fd(), buf, 0, buf.length, pos));
    }
  }

  public void pwrite(FdInner f, long pos, byte[] data) throws FdException {
    Objects.requireNonNull(data, "data");
    checkPosition(pos);
    try (FdInner.Use u = f.use()) {
      pwriteAll(u.fd(), pos, data);
    }
  }

  /**
   * Reads each range ({@code offsets[i]}, {@code sizes[i]}) in full, or up to end of file; an entry
   * is null when its range starts at or beyond it. Seekable descriptors only ({@code espipe}). The
   * batch holds one use of {@code f}, so a close waits for all of it; any error fails the whole
   * batch.
   */
  public byte[][] preadMany(FdInner f, long[] offsets, int[] sizes) throws FdException {
    checkRanges(offsets.length, sizes.length);
    long total = 0;
    for (int i = 0; i < offsets.length; i++) {
      checkPosition(offsets[i]);
      checkLength(sizes[i]);
      total += sizes[i];
    }
    checkBatchBytes(total);
    try (FdInner.Use u = f.use()) {
      checkSeekable(f);
      byte[][] out = new byte[offsets.length][];
      for (int i = 0; i < offsets.length; i++) {
        out[i] = preadFull(u.fd(), offsets[i], sizes[i]);
      }
      return out;
    }
  }

  /**
   * Writes each {@code data[i]} in full at {@code offsets[i]}, in order; the descriptor's offset is
   * unchanged. Seekable descriptors only ({@code espipe}), every offset checked before the first
   * write. An OS error stops the batch: the ranges before the failing one are written, the rest are
   * not.
   */
  public void pwriteMany(FdInner f, long[] offsets, byte[][] data) throws FdException {
    checkRanges(offsets.length, data.length);
    long total = 0;
    for (int i = 0; i < offsets.length; i++) {
      checkPosition(offsets[i]);
      total += data[i].length;
    }
    checkBatchBytes(total);
    try (FdInner.Use u = f.use()) {
      checkSeekable(f);
      for (int i = 0; i < offsets.length; i++) {
        pwriteAll(u.fd(), offsets[i], data[i]);
      }
    }
  }

  /** Short reads continue: a regular file returns fewer bytes only at end of file. */
  private byte[] preadFull(int fd, long pos, int size) throws FdException {
    byte[] buf = new byte[size];
    if (size == 0) {
      return buf;
    }
    int done = 0;
    while (done < size && pos + done >= 0) { // past the largest offset is end of file
      int n = posix.pread(fd, buf, done, size - done, pos + done);
      if (n == 0) {
        break;
      }
      done += n;
    }
    return trimmed(buf, done);
  }

  private void pwriteAll(int fd, long pos, byte[] data) throws FdException {
    int done = 0;
    while (done < data.length) {
      long at = pos + done;
      if (at < 0) {
        throw new FdException(Reason.EFBIG, "position overflow");
      }
      int n = posix.pwrite(fd, data, done, data.length - done, at);
      if (n == 0) {
        throw new FdException(Reason.EIO, "pwrite made no progress");
      }
      bytesWritten.add(n);
      done += n;
    }
  }

  /** Moves the sequential offset; whence is Posix.SEEK_SET / SEEK_CUR / SEEK_END. */
  public long position(FdInner f, long offset, int whence) throws FdException {
    try (FdInner.Use u = f.use()) {
      synchronized (f.positionLock()) {
        long off = offset;
        int w = whence;
        if (whence == Posix.SEEK_CUR) {
          // Our offset, not the kernel's, is the current position.
          off = f.offset() + offset;
          if (((f.offset() ^ off) & (offset ^ off)) < 0) {
            throw new FdException(Reason.EINVAL, "position overflow");
          }
          w = Posix.SEEK_SET;
        }
        long r = posix.lseek(u.fd(), off, w); // espipe on pipes, einval if negative
        f.setOffset(r);
        return r;
      }
    }
  }

  public void sync(FdInner f) throws FdException {
    try (FdInner.Use u = f.use()) {
      posix.fsync(u.fd());
    }
  }

  /**
   * Closes now. {@code closed} if a close had already begun. If another thread still has an
   * operation in flight, waits up to closeWait for it to finish (the OS close then happens in that
   * thread); an OS close failure is thrown.
   */
  public void close(FdInner f) throws FdException {
    if (!f.close()) {
      throw FdException.closed();
    }
    if (f.state() != FdState.CLOSED) {
      try {
        f.awaitClosed(closeWait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    FdException err = f.closeError();
    if (err != null && f.state() == FdState.CLOSED) {
      throw err;
    }
  }

  /** Closes through the completion ring; {@code done} gets the one Completion. */
  public long closeAsync(FdInner f, Consumer<Completion> done) throws FdException {
    return ring.submit(new IoOp.Close(f), done);
  }

  /** Counters kept as they change: the same cost with any number of descriptors open. */
  public Stats stats() {
    return new Stats(
        openCount.get(),
        table.openByNode(),
        ring.pendingCount(),
        bytesRead.sum(),
        bytesWritten.sum(),
        table.activeFds());
  }

  /** Shuts the ring down (completing every pending op) and closes every descriptor. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    ring.shutdown();
    for (FdInner f : table.snapshot()) {
      f.closeQuietly();
    }
  }

  /** Counts bytes moved by calls outside this class (socket send/recv) in {@link #stats()}. */
  public void countTraffic(long read, long written) {
    bytesRead.add(read);
    bytesWritten.add(written);
  }

  private byte[] trimmed(byte[] buf, int n) {
    if (n == 0) {
      return null;
    }
    bytesRead.add(n);
    return n == buf.length ? buf : Arrays.copyOf(buf, n);
  }

  private static void checkLength(int max) throws FdException {
    if (max < 0) {
      throw new FdException(Reason.EINVAL, "negative size");
    }
  }

  private static void checkRanges(int ranges, int values) throws FdException {
    if (ranges != values) {
      throw new IllegalArgumentException("offsets and values differ in length");
    }
    if (ranges > MAX_BATCH_RANGES) {
      throw new FdException(Reason.EINVAL, "more than " + MAX_BATCH_RANGES + " ranges");
    }
  }

  private static void checkBatchBytes(long bytes) throws FdException {
    if (bytes > MAX_BATCH_BYTES) {
      throw new FdException(Reason.EINVAL, "more than " + MAX_BATCH_BYTES + " bytes in one batch");
    }
  }

  private static void checkSeekable(FdInner f) throws FdException {
    if (!f.seekable()) {
      throw new FdException(Reason.ESPIPE, "not a seekable file");
    }
  }

  private static void checkPosition(long pos) throws FdException {
    if (pos < 0) {
      throw new FdException(Reason.EINVAL, "negative position");
    }
  }
}
