package dev.fdnode.core;

/**
 * The one error type of the core and the node. {@link #reason()} is the atom sent to Erlang as
 * {@code {error, Reason}}: a {@link Reason}'s, or {@code errno_<N>} for an errno the list does not
 * name. Failures are routine answers, not bugs: no stack trace is taken.
 */
public final class FdException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Null for an errno the list does not name. */
  private final Reason kind;

  private final String reason;

  public FdException(Reason reason) {
    this(reason, reason.atom());
  }

  public FdException(Reason reason, String message) {
    this(reason, reason.atom(), message);
  }

  private FdException(Reason kind, String reason, String message) {
    super(message, null, false, false);
    this.kind = kind;
    this.reason = reason;
  }

  /** A failed call's errno: its {@link Reason}, or {@code errno_<N>} when the list has none. */
  static FdException ofErrno(int errno, String message) {
    return new FdException(Reason.ofErrno(errno), Errnos.reason(errno), message);
  }

  /** The atom sent to Erlang. */
  public String reason() {
    return reason;
  }

  /** Whether this failure is {@code r}. */
  public boolean is(Reason r) {
    return kind == r;
  }

  public static FdException closed() {
    return new FdException(Reason.CLOSED);
  }

  public static FdException invalidHandle() {
    return new FdException(Reason.INVALID_HANDLE);
  }
}
