package dev.fdnode.core;

import java.util.function.BooleanSupplier;
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
      if (readyOrNonBlocking(fd, events, first)) {
        return;
      }
      first = false;
    }
  }

  /**
   * As {@link #await(FdInner, int, short)} for a call with a descriptor at each end (a splice, a
   * sendfile): returns once {@code in} is ready for {@code inEvents} and {@code out} for {@code
   * outEvents} (0: that end is never waited for); throws {@code closed} as soon as either stops
   * being OPEN, so a close of either end wakes the call within a slice. Returns false, at once, if
   * {@code cancelled} says so between slices.
   */
  static boolean await(
      FdInner in,
      int inFd,
      short inEvents,
      FdInner out,
      int outFd,
      short outEvents,
      BooleanSupplier cancelled)
      throws FdException {
    boolean inReady = inEvents == 0;
    boolean outReady = outEvents == 0;
    boolean inFirst = true;
    boolean outFirst = true;
    while (!(inReady && outReady)) {
      if (in.state() != FdState.OPEN || out.state() != FdState.OPEN) {
        throw FdException.closed();
      }
      if (!(inFirst && outFirst) && cancelled.getAsBoolean()) {
        return false;
      }
      // One end at a time: a ready end stays ready (for this caller), so wait on the other.
      if (!inReady) {
        inReady = readyOrNonBlocking(inFd, inEvents, inFirst);
        inFirst = false;
      } else {
        outReady = readyOrNonBlocking(outFd, outEvents, outFirst);
        outFirst = false;
      }
    }
    return true;
  }

  /**
   * One poll(2) of {@code fd}: at once on the first try, for a slice after. True when it is ready
   * (or in error or hang-up: the call that follows says which), or on the first try when it is not
   * ready and non-blocking (the call then says eagain).
   */
  private static boolean readyOrNonBlocking(int fd, short events, boolean first) {
    try {
      if (Native.poll(fd, events, first ? 0 : Native.SLICE_MS)) {
        return true;
      }
    } catch (FdException pollFailed) {
      return true; // let the call itself report the problem
    }
    return first && nonBlocking(fd);
  }

  /** Whether {@code fd} has O_NONBLOCK (or fcntl cannot tell: the call that follows will). */
  static boolean nonBlocking(int fd) {
    int fl = Native.LIBC.fcntl(fd, F_GETFL, 0);
    return fl < 0 || (fl & O_NONBLOCK) != 0;
  }
}
