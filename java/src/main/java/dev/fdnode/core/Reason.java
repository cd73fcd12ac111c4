package dev.fdnode.core;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import jnr.constants.platform.Errno;

/**
 * Every reason the node answers {@code {error, Reason}} with: the one list. {@link #atom()} is the
 * Erlang atom. The POSIX ones are the errnos of the calls the node makes, each tied to this
 * platform's number ({@link Errnos} maps numbers to them); an errno not listed here goes out as
 * {@code errno_<N>}. The rest are fdnode's own.
 *
 * <p>The BEAM side agrees with this list, as ReasonListTest checks: the Erlang type {@code
 * fdnode_ffi:reason()}, Gleam's {@code FdError} and its decoder {@code
 * fdnode_gleam_ffi:to_error/1}. A new reason goes into all four.
 */
public enum Reason {
  EACCES(Kind.POSIX),
  EADDRINUSE(Kind.POSIX),
  EADDRNOTAVAIL(Kind.POSIX),
  EAFNOSUPPORT(Kind.POSIX),
  /** Also: EWOULDBLOCK (the same number on Linux), and a full queue or completion ring. */
  EAGAIN(Kind.POSIX),
  EBADF(Kind.POSIX),
  EBUSY(Kind.POSIX),
  ECONNABORTED(Kind.POSIX),
  ECONNREFUSED(Kind.POSIX),
  ECONNRESET(Kind.POSIX),
  EDQUOT(Kind.POSIX),
  EEXIST(Kind.POSIX),
  EFAULT(Kind.POSIX),
  EFBIG(Kind.POSIX),
  EHOSTUNREACH(Kind.POSIX),
  EINTR(Kind.POSIX),
  /** Also: an argument of the right type with an impossible value. */
  EINVAL(Kind.POSIX),
  EIO(Kind.POSIX),
  EISDIR(Kind.POSIX),
  ELOOP(Kind.POSIX),
  /** Also: the node's own limit of open descriptors. */
  EMFILE(Kind.POSIX),
  EMLINK(Kind.POSIX),
  EMSGSIZE(Kind.POSIX),
  ENAMETOOLONG(Kind.POSIX),
  ENETDOWN(Kind.POSIX),
  ENETUNREACH(Kind.POSIX),
  ENFILE(Kind.POSIX),
  ENOBUFS(Kind.POSIX),
  ENODEV(Kind.POSIX),
  ENOENT(Kind.POSIX),
  ENOMEM(Kind.POSIX),
  ENOPROTOOPT(Kind.POSIX),
  ENOSPC(Kind.POSIX),
  ENOTCONN(Kind.POSIX),
  ENOTDIR(Kind.POSIX),
  ENOTEMPTY(Kind.POSIX),
  ENOTSOCK(Kind.POSIX),
  /** Also EOPNOTSUPP, the same number on Linux. */
  ENOTSUP(Kind.POSIX),
  ENXIO(Kind.POSIX),
  EOVERFLOW(Kind.POSIX),
  EPERM(Kind.POSIX),
  EPIPE(Kind.POSIX),
  EROFS(Kind.POSIX),
  ESPIPE(Kind.POSIX),
  ESTALE(Kind.POSIX),
  ETIMEDOUT(Kind.POSIX),
  ETXTBSY(Kind.POSIX),
  EXDEV(Kind.POSIX),

  /** A host name that does not resolve (no errno: the resolver's answer). */
  NXDOMAIN(Kind.OWN),
  /** The descriptor is closed or closing, or its owner went down during the call. */
  CLOSED(Kind.OWN),
  /** Only the controlling process may do this. */
  NOT_OWNER(Kind.OWN),
  /** Not a handle of this node: unknown id, wrong token, or another node's. */
  INVALID_HANDLE(Kind.OWN),
  /** An argument of the wrong type or shape. */
  BADARG(Kind.OWN),
  /** Nothing came in time: accept, recv, a FIFO open waiting for its other end, a cancel. */
  TIMEOUT(Kind.OWN),
  /** The node is shutting down: new calls and unfinished ones get this. */
  SHUTTING_DOWN(Kind.OWN),
  /**
   * The caller's BEAM node went down while its call waited: the answer is written, though nobody
   * there can still take it.
   */
  NODEDOWN(Kind.OWN),
  /** The new owner's BEAM node has no watcher that proved itself in time. */
  NO_WATCHER(Kind.OWN),
  /** A close_async still pending when the node shut down (the close itself still happens). */
  CANCELLED(Kind.OWN),
  /** A bug in the node: a request threw an unchecked exception (logged with its stack trace). */
  INTERNAL_ERROR(Kind.OWN);

  private enum Kind {
    POSIX,
    OWN
  }

  private final boolean posix;
  private final String atom;

  Reason(Kind kind) {
    this.posix = kind == Kind.POSIX;
    this.atom = name().toLowerCase(Locale.ROOT);
  }

  /** The Erlang atom: {@code enoent}, {@code closed}, ... */
  public String atom() {
    return atom;
  }

  /** Whether this is a POSIX errno (the rest are fdnode's own). */
  public boolean posix() {
    return posix;
  }

  /** The reason for errno number {@code errno}, or null when the list does not name it. */
  static Reason ofErrno(int errno) {
    return ByErrno.MAP.get(errno);
  }

  /** Built on the first errno, not at start-up: jnr-constants' table takes a while to load. */
  private static final class ByErrno {
    static final Map<Integer, Reason> MAP = new HashMap<>();

    static {
      for (Reason r : values()) {
        if (r.posix) MAP.put(Errno.valueOf(r.name()).intValue(), r); // same name as the errno
      }
    }
  }
}
