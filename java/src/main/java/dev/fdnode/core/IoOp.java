package dev.fdnode.core;

/**
 * An operation for the {@link CompletionRing}. Each names its FdInner (the ring retains it while
 * queued), never a raw descriptor number. Production submits only Close ({@code close_async}).
 */
public sealed interface IoOp {
  FdInner f();

  record Close(FdInner f) implements IoOp {}
}
