package dev.fdnode.active;

import dev.fdnode.core.Handle;
import dev.fdnode.core.Pid;

/** Where active events go: the node layer turns them into Erlang messages. */
@FunctionalInterface
public interface ActiveSink {
  /**
   * Sends {@code event} about {@code handle} to {@code controller}; must not throw. A {@link
   * ActiveEvent.Data} buffer is reused for the next read once this returns: send it (the node's
   * sends write the frame before they return) or copy it, never keep it.
   */
  void send(Pid controller, Handle handle, ActiveEvent event);
}
