package dev.fdnode.request;

import dev.fdnode.active.ActiveEvent;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Handle;
import dev.fdnode.core.Pid;
import dev.fdnode.core.ReceiveMode;

/**
 * The seam where active delivery plugs into the {@link Dispatcher}. Until a selector drives it,
 * {@link #recordOnly()} just stores the mode on the descriptor: nothing is pushed to the
 * controlling process yet.
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

  static ModeControl recordOnly() {
    return new ModeControl() {
      @Override
      public void setMode(Handle handle, FdInner inner, ReceiveMode mode) {
        inner.setMode(mode);
      }

      @Override
      public void addActiveCount(Handle handle, FdInner inner, int n) {
        int total = (inner.mode() == ReceiveMode.ACTIVE_N ? inner.activeCount() : 0) + n;
        if (total > 0) {
          inner.setActiveCount(total);
        } else {
          inner.setMode(ReceiveMode.PASSIVE);
        }
      }

      @Override
      public void transfer(FdInner inner, Pid to) {
        inner.transferTo(to);
      }

      @Override
      public byte[] takePending(FdInner inner) {
        return null;
      }

      @Override
      public void forget(FdInner inner) {
        // nothing kept
      }
    };
  }
}
