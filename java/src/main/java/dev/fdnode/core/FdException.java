package dev.fdnode.core;

/**
 * The one error type of the core and the node. {@link #reason()} is the atom name sent to Erlang as
 * {@code {error, Reason}}: a POSIX name ({@code "enoent"}), {@code "errno_<N>"}, or an fdnode
 * reason ({@code "closed"}, {@code "invalid_handle"}, {@code "cancelled"}, {@code "badarg"}, {@code
 * "not_owner"}, ...). Failures are routine answers, not bugs: no stack trace is taken.
 */
public final class FdException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String reason;

  public FdException(String reason) {
    this(reason, reason);
  }

  public FdException(String reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }

  public static FdException closed() {
    return new FdException("closed");
  }

  public static FdException invalidHandle() {
    return new FdException("invalid_handle");
  }
}
