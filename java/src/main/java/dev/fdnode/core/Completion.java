package dev.fdnode.core;

/**
 * The single result of a submitted {@link IoOp}: exactly one of value / error. The value is {@link
 * #OK}; a cancelled op has error reason {@code "cancelled"}.
 */
public record Completion(long opId, IoOp op, Object value, FdException error) {
  public static final String OK = "ok";

  public Completion {
    if ((value == null) == (error == null)) {
      throw new IllegalArgumentException("exactly one of value and error");
    }
  }

  public boolean ok() {
    return error == null;
  }
}
