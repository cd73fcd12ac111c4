package dev.fdnode.core;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Waits for a pipe, FIFO, socket or device to be readable or writable, in slices, re-checking
 * between slices whether its descriptor is being closed. A blocking read(2) cannot be woken by
 * close(2) from another thread (and the OS close is deferred until the read ends), so an owner
 * killed mid-read on an idle FIFO used to leave the descriptor open for good; waiting here first
 * bounds that to one slice.
 */
final class Readiness {
  static final short POLLIN = 0x001;
  static final short POLLOUT = 0x004;

  /** Longest a read or write blocked on an idle descriptor takes to notice a close. */
  static final int SLICE_MS = 100;

  /** The libc call used here. */
  public interface LibC {
    int poll(Pointer fds, long nfds, int timeout);

    int fcntl(int fd, int cmd, int arg);
  }

  private static final int F_GETFL = 3;
  private static final int O_NONBLOCK = jnr.constants.platform.OpenFlags.O_NONBLOCK.intValue();

  private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
  private static final ThreadLocal<Pointer> POLLFD =
      ThreadLocal.withInitial(() -> Memory.allocateDirect(RUNTIME, 8));

  private Readiness() {}

  /**
   * Returns once {@code fd} is ready for {@code events} (or in error/hang-up: the read or write
   * that follows reports it), or at once if it is not ready and non-blocking (the call then says
   * eagain); throws {@code closed} as soon as {@code f} stops being OPEN.
   */
  static void await(FdInner f, int fd, short events) throws FdException {
    Pointer p = POLLFD.get();
    boolean first = true;
    while (true) {
      if (f.state() != FdState.OPEN) {
        throw FdException.closed();
      }
      p.putInt(0, fd);
      p.putShort(4, events);
      p.putShort(6, (short) 0);
      int n = LIBC.poll(p, 1, first ? 0 : SLICE_MS);
      if (n > 0) {
        return; // ready, or POLLERR/POLLHUP/POLLNVAL: let the call itself say what
      }
      if (first && n == 0) {
        int fl = LIBC.fcntl(fd, F_GETFL, 0);
        if (fl < 0 || (fl & O_NONBLOCK) != 0) {
          return; // non-blocking: the call answers eagain right away
        }
      }
      first = false;
      if (n < 0) {
        int errno = jnr.ffi.LastError.getLastError(RUNTIME);
        if (errno != 4) { // not EINTR: let the call itself report the problem
          return;
        }
      }
    }
  }
}
