package dev.fdnode.poll;

import dev.fdnode.core.Errnos;

/** A failed epoll call, with the errno the kernel gave. */
public final class PollException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int errno;

  PollException(String call, int errno) {
    super(call + " failed: " + Errnos.reason(errno) + " (errno " + errno + ")");
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }

  /** The POSIX name of the errno, as every other failure reports it ({@link Errnos}). */
  public String reason() {
    return Errnos.reason(errno);
  }

  /** epoll refuses regular files and directories with EPERM: they are always "ready". */
  public boolean notPollable() {
    return errno == LinuxEpoll.EPERM;
  }
}
