package dev.fdnode.core;

/**
 * The single result of a submitted {@link IoOp}: exactly one of value / error. Values: {@link #OK}
 * for Close, Write, Pwrite and Fsync; a {@code byte[]} or {@link #EOF} for Read and Pread. A
 * cancelled op has error reason {@code "cancelled"}.
 */
public record Completion(long opId, IoOp op, Object value, FdException error) {
  public static final String OK = "ok";
  public static final String EOF = "eof";

  public Completion {
    if ((value == null) == (error == null)) {
      throw new IllegalArgumentException("exactly one of value and error");
    }
  }

  public boolean ok() {
    return error == null;
  }
}
