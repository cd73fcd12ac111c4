package dev.fdnode.core;

/** errno number -> reason: the {@link Reason} of that number, else {@code errno_<N>}. */
public final class Errnos {
  private Errnos() {}

  /** {@code "enoent"} for ENOENT; {@code "errno_<N>"} when {@link Reason} does not name N. */
  public static String reason(int errno) {
    Reason r = Reason.ofErrno(errno);
    return r != null ? r.atom() : "errno_" + errno;
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
    return FdException.ofErrno(errno, call + ": " + reason(errno) + " (errno " + errno + ")");
  }
}
