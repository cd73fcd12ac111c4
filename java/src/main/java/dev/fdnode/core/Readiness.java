package dev.fdnode.core;

import jnr.constants.platform.OpenFlags;

/**
 * Waits for a pipe, FIFO, socket or device to be readable or writable, in slices, re-checking
 * between slices whether its descriptor is being closed. A blocking read(2) cannot be woken by
 * close(2) from another thread (and the OS close is deferred until the read ends), so an owner
 * killed mid-read on an idle FIFO used to leave the descriptor open for good; waiting here first
 * bounds that to one slice.
 */
final class Readiness {
  private static final int F_GETFL = 3;
  private static final int O_NONBLOCK = OpenFlags.O_NONBLOCK.intValue();

  private Readiness() {}

  /**
   * Returns once {@code fd} is ready for {@code events} (or in error/hang-up: the read or write
   * that follows reports it), or at once if it is not ready and non-blocking (the call then says
   * eagain); throws {@code closed} as soon as {@code f} stops being OPEN. Waits in slices of {@link
   * Native#SLICE_MS}.
   */
  static void await(FdInner f, int fd, short events) throws FdException {
    boolean first = true;
    while (true) {
      if (f.state() != FdState.OPEN) {
        throw FdException.closed();
      }
      try {
        if (Native.poll(fd, events, first ? 0 : Native.SLICE_MS)) {
          return; // ready, or POLLERR/POLLHUP/POLLNVAL: let the call itself say what
        }
      } catch (FdException pollFailed) {
        return; // let the call itself report the problem
      }
      if (first) {
        int fl = Native.LIBC.fcntl(fd, F_GETFL, 0);
        if (fl < 0 || (fl & O_NONBLOCK) != 0) {
          return; // non-blocking: the call answers eagain right away
        }
      }
      first = false;
    }
  }
}
