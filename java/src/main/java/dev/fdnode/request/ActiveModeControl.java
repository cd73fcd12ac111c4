package dev.fdnode.request;

import dev.fdnode.active.ActiveDelivery;
import dev.fdnode.active.ActiveEvent;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Handle;
import dev.fdnode.core.Pid;
import dev.fdnode.core.ReceiveMode;

/** The Dispatcher's mode seam, backed by the epoll-driven {@link ActiveDelivery}. */
public final class ActiveModeControl implements ModeControl {
  private final ActiveDelivery active;

  public ActiveModeControl(ActiveDelivery active) {
    this.active = active;
  }

  @Override
  public void setMode(Handle handle, FdInner inner, ReceiveMode mode) throws FdException {
    active.setMode(handle, inner, mode);
  }

  @Override
  public void addActiveCount(Handle handle, FdInner inner, int n) throws FdException {
    active.addActiveCount(handle, inner, n);
  }

  @Override
  public void transfer(FdInner inner, Pid to) {
    active.transfer(inner, to);
  }

  @Override
  public byte[] takePending(FdInner inner) {
    return active.takePending(inner);
  }

  @Override
  public ActiveEvent.Datagram takePendingDatagram(FdInner inner) {
    return active.takePendingDatagram(inner);
  }

  @Override
  public void forget(FdInner inner) {
    active.forget(inner);
  }
}
