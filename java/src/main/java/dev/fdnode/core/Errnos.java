package dev.fdnode.core;

import java.util.Locale;
import jnr.constants.platform.Errno;

/** errno number -> POSIX atom name, using jnr-constants' table for this platform. */
public final class Errnos {
  private Errnos() {}

  /** {@code "enoent"} for ENOENT; {@code "errno_<N>"} when the platform has no name for N. */
  public static String reason(int errno) {
    if (errno == Errno.EWOULDBLOCK.intValue()) {
      return "eagain"; // same number on Linux; Erlang calls it eagain
    }
    Errno e = Errno.valueOf(errno);
    if (e == null || !e.defined() || e == Errno.__UNKNOWN_CONSTANT__) {
      return "errno_" + errno;
    }
    return e.name().toLowerCase(Locale.ROOT);
  }

  /**
   * After a failed call: returns when {@code errno} is EINTR (the caller retries the call), throws
   * the call's failure otherwise.
   */
  public static void retryOrThrow(int errno, String call) throws FdException {
    if (errno != Native.EINTR) {
      throw exception(errno, call);
    }
  }

  public static FdException exception(int errno, String call) {
    String reason = reason(errno);
    return new FdException(reason, call + ": " + reason + " (errno " + errno + ")");
  }
}
