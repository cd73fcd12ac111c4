package dev.fdnode.node;

/**
 * A request refused before (or instead of) reaching the core: the reason is the atom sent back as
 * {@code {error, Reason}} ({@code badarg}, {@code einval}, {@code eacces}, {@code not_owner}, ...).
 */
public final class RequestError extends Exception {
  private static final long serialVersionUID = 1L;
  private final String reason;

  public RequestError(String reason) {
    this(reason, reason);
  }

  public RequestError(String reason, String detail) {
    super(detail, null, false, false); // refusals are routine: no stack trace
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
