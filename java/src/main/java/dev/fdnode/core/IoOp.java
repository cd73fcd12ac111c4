package dev.fdnode.core;

/**
 * An operation for the {@link CompletionRing}. Each names its FdInner (the ring retains it while
 * queued), never a raw descriptor number.
 */
public sealed interface IoOp {
  FdInner f();

  record Close(FdInner f) implements IoOp {}

  record Read(FdInner f, int max) implements IoOp {}

  record Write(FdInner f, byte[] data) implements IoOp {}

  record Pread(FdInner f, long pos, int max) implements IoOp {}

  record Pwrite(FdInner f, long pos, byte[] data) implements IoOp {}

  record Fsync(FdInner f) implements IoOp {}
}
