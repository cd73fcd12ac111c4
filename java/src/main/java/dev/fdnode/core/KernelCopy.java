package dev.fdnode.core;

import java.util.function.BooleanSupplier;
import jnr.constants.platform.Errno;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The copies the kernel does between two descriptors, so that a {@code copy}'s bytes never enter
 * the JVM: {@code copy_file_range(2)} between regular files, {@code sendfile(2)} from a seekable
 * file to a socket or character device, {@code splice(2)} where a pipe or FIFO is at either end.
 * Each call ({@link Descriptors#transfer}) moves at most one chunk.
 *
 * <p>Offsets: a seekable end is read or written at the descriptor's own offset ({@link
 * FdInner#offset()}), passed to the kernel by pointer and advanced by what moved, under that end's
 * position lock, as {@code read}/{@code write} do; the kernel's file position is left alone, as
 * pread/pwrite leave it.
 *
 * <p>The kernel refuses some pairs only when asked (a copy_file_range across filesystems of
 * different types is {@code EXDEV}; a device without splice support is {@code EINVAL}): the call
 * then moves nothing and answers {@link Descriptors#REFUSED}, and the caller goes on with
 * read/write.
 */
public enum KernelCopy {
  COPY_FILE_RANGE("copy_file_range"),
  SENDFILE("sendfile"),
  SPLICE("splice");

  private static final int EAGAIN = Errno.EAGAIN.intValue();

  /** The errors that mean "not this way for these descriptors", never "the copy failed". */
  private static final int[] REFUSALS = {
    Errno.EXDEV.intValue(),
    Errno.EINVAL.intValue(),
    Errno.ENOSYS.intValue(),
    Errno.EOPNOTSUPP.intValue(),
  };

  private static final int SPLICE_F_MOVE = 1;

  /**
   * A pipe end never blocks the call: with the other end's readiness checked first, an empty or
   * full pipe (another reader or writer came first) is eagain, and the caller waits again, in
   * slices a close can interrupt.
   */
  private static final int SPLICE_F_NONBLOCK = 2;

  /** Two loff_t per thread: the input's offset at 0, the output's at 8. */
  private static final ThreadLocal<Offsets> OFFSETS = ThreadLocal.withInitial(Offsets::new);

  private final String call;

  KernelCopy(String call) {
    this.call = call;
  }

  /** The name of the system call, for logs and tests. */
  public String call() {
    return call;
  }

  /**
   * The way the kernel can copy {@code src} to {@code dst}, or null when only read/write will do:
   * the same descriptor at both ends (one offset for both, as read/write use it), an {@code
   * O_APPEND} destination (refused by all three calls), or two ends none of them joins (a socket to
   * a file, say: splice would need a pipe in between).
   */
  public static KernelCopy forPair(FdInner src, FdInner dst) {
    if (src == dst || dst.append()) {
      return null;
    }
    FileType in = src.type();
    FileType out = dst.type();
    if (in == FileType.FIFO || out == FileType.FIFO) {
      return SPLICE;
    }
    if (in == FileType.REGULAR && out == FileType.REGULAR) {
      return COPY_FILE_RANGE;
    }
    if (src.seekable() && (out == FileType.SOCKET || out == FileType.CHAR_DEVICE)) {
      return SENDFILE;
    }
    return null;
  }

  /**
   * One call: up to {@code max} bytes from {@code in} to {@code out} (the raw numbers of uses the
   * caller holds). Returns the count (0: end of input), {@link Descriptors#REFUSED}, or {@link
   * Descriptors#CANCELLED} when {@code cancelled} said so while it waited for a pipe or socket.
   */
  long move(FdInner src, int in, FdInner dst, int out, int max, BooleanSupplier cancelled)
      throws FdException {
    return switch (this) {
      case COPY_FILE_RANGE -> copyFileRange(src, in, dst, out, max);
      case SENDFILE -> sendfile(src, in, dst, out, max, cancelled);
      case SPLICE -> splice(src, in, dst, out, max, cancelled);
    };
  }

  private long copyFileRange(FdInner src, int in, FdInner dst, int out, int max)
      throws FdException {
    // Both position locks, always in id order: two copies in opposite directions cannot deadlock.
    FdInner first = src.id() <= dst.id() ? src : dst;
    FdInner second = first == src ? dst : src;
    synchronized (first.positionLock()) {
      synchronized (second.positionLock()) {
        Offsets o = OFFSETS.get();
        while (true) {
          o.in.putLong(0, src.offset());
          o.out.putLong(0, dst.offset());
          long n = Native.LIBC.copy_file_range(in, o.in, out, o.out, max, 0);
          if (n >= 0) {
            src.advance(n);
            dst.advance(n);
            return n;
          }
          int errno = Native.errno();
          if (refusal(errno)) {
            return Descriptors.REFUSED;
          }
          Errnos.retryOrThrow(errno, call);
        }
      }
    }
  }

  private long sendfile(
      FdInner src, int in, FdInner dst, int out, int max, BooleanSupplier cancelled)
      throws FdException {
    if (!Readiness.await(src, in, (short) 0, dst, out, Native.POLLOUT, cancelled)) {
      return Descriptors.CANCELLED;
    }
    synchronized (src.positionLock()) {
      Offsets o = OFFSETS.get();
      while (true) {
        o.in.putLong(0, src.offset());
        long n = Native.LIBC.sendfile(out, in, o.in, max);
        if (n >= 0) {
          src.advance(n);
          return n;
        }
        int errno = Native.errno();
        if (refusal(errno)) {
          return Descriptors.REFUSED;
        }
        Errnos.retryOrThrow(errno, call); // eagain: a non-blocking socket is full, as write says
      }
    }
  }

  private long splice(FdInner src, int in, FdInner dst, int out, int max, BooleanSupplier cancelled)
      throws FdException {
    short inEvents = src.seekable() ? 0 : Native.POLLIN;
    short outEvents = dst.seekable() ? 0 : Native.POLLOUT;
    while (true) {
      if (!Readiness.await(src, in, inEvents, dst, out, outEvents, cancelled)) {
        return Descriptors.CANCELLED;
      }
      long n = spliceOnce(src, in, dst, out, max);
      if (n != AGAIN) {
        return n;
      }
      // Readiness said yes, the pipe said eagain: a blocking pipe lost a race; wait again.
      // A non-blocking end says eagain to the caller, as read and write do.
      if ((inEvents != 0 && Readiness.nonBlocking(in))
          || (outEvents != 0 && Readiness.nonBlocking(out))) {
        throw Errnos.exception(EAGAIN, call);
      }
    }
  }

  /** What {@link #spliceOnce} answers for eagain. */
  private static final long AGAIN = -3;

  /** One splice(2); at most one end is seekable, and its offset is the descriptor's. */
  private long spliceOnce(FdInner src, int in, FdInner dst, int out, int max) throws FdException {
    if (src.seekable()) {
      synchronized (src.positionLock()) {
        return spliceAt(in, src, out, null, max);
      }
    }
    if (dst.seekable()) {
      synchronized (dst.positionLock()) {
        return spliceAt(in, null, out, dst, max);
      }
    }
    return spliceAt(in, null, out, null, max);
  }

  /** {@code inFile} or {@code outFile}: the seekable end, whose offset is passed and advanced. */
  private long spliceAt(int in, FdInner inFile, int out, FdInner outFile, int max)
      throws FdException {
    Offsets o = OFFSETS.get();
    Pointer inOff = inFile == null ? null : o.in;
    Pointer outOff = outFile == null ? null : o.out;
    while (true) {
      if (inFile != null) {
        inOff.putLong(0, inFile.offset());
      }
      if (outFile != null) {
        outOff.putLong(0, outFile.offset());
      }
      long n = Native.LIBC.splice(in, inOff, out, outOff, max, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n >= 0) {
        if (inFile != null) {
          inFile.advance(n);
        }
        if (outFile != null) {
          outFile.advance(n);
        }
        return n;
      }
      int errno = Native.errno();
      if (errno == EAGAIN) {
        return AGAIN;
      }
      if (refusal(errno)) {
        return Descriptors.REFUSED;
      }
      Errnos.retryOrThrow(errno, call);
    }
  }

  private static boolean refusal(int errno) {
    for (int r : REFUSALS) {
      if (errno == r) {
        return true;
      }
    }
    return false;
  }

  /** Direct memory for the two offsets, made once per thread. */
  private static final class Offsets {
    final Pointer in = Memory.allocateDirect(Native.RUNTIME, 8, true);
    final Pointer out = Memory.allocateDirect(Native.RUNTIME, 8, true);
  }
}
