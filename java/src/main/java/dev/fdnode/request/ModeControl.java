package dev.fdnode.request;

import dev.fdnode.active.ActiveEvent;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Handle;
import dev.fdnode.core.Pid;
import dev.fdnode.core.ReceiveMode;

/**
 * The seam where active delivery plugs into the {@link Dispatcher}: what set_mode,
 * controlling_process, passive reads and closes ask of it. The node's is {@link ActiveModeControl}.
 */
public interface ModeControl {

  void setMode(Handle handle, FdInner inner, ReceiveMode mode) throws FdException;

  /** {@code {active, N}}: adds {@code n} to the messages left, as inet:setopts/2 does. */
  void addActiveCount(Handle handle, FdInner inner, int n) throws FdException;

  /** Moves control and ownership to {@code to}. */
  void transfer(FdInner inner, Pid to);

  /** Input read for active delivery but not delivered, owed to the next passive read; or null. */
  byte[] takePending(FdInner inner);

  /**
   * A datagram received for active delivery but not delivered, owed to the next recv_from; or null.
   */
  default ActiveEvent.Datagram takePendingDatagram(FdInner inner) {
    return null;
  }

  /** The descriptor is closed: drop whatever is kept for it. */
  void forget(FdInner inner);
}
