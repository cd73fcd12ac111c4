package dev.fdnode.request;

import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.net.Sockets;

/** A TCP/UDP socket's bind and option settings; null / -1 where not given. */
record SocketOptions(
    String ip,
    boolean inet6,
    int backlog,
    Boolean reuseaddr,
    Boolean nodelay,
    Boolean keepalive,
    int sndbuf,
    int recbuf) {
  public static final SocketOptions NONE =
      new SocketOptions(null, false, -1, null, null, null, -1, -1);

  /** Sets the options given ({@code reuseaddr} only with {@code withReuse}: it acts at bind). */
  void applyTo(Sockets sockets, FdInner f, boolean withReuse) throws FdException {
    if (withReuse && reuseaddr != null) {
      sockets.setOption(f, Sockets.Option.REUSEADDR, reuseaddr ? 1 : 0);
    }
    if (nodelay != null) sockets.setOption(f, Sockets.Option.NODELAY, nodelay ? 1 : 0);
    if (keepalive != null) sockets.setOption(f, Sockets.Option.KEEPALIVE, keepalive ? 1 : 0);
    if (sndbuf > 0) sockets.setOption(f, Sockets.Option.SNDBUF, sndbuf);
    if (recbuf > 0) sockets.setOption(f, Sockets.Option.RECBUF, recbuf);
  }
}
