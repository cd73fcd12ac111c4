package dev.fdnode.request;

import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.FileType;
import dev.fdnode.core.Packet;
import dev.fdnode.core.Reason;
import dev.fdnode.net.Sockets;

/**
 * A TCP/UDP socket's bind and option settings, and the packet options of any stream; null / -1
 * where not given.
 */
record SocketOptions(
    String ip,
    boolean inet6,
    int backlog,
    Boolean reuseaddr,
    Boolean nodelay,
    Boolean keepalive,
    int sndbuf,
    int recbuf,
    Packet.Type packet,
    Integer packetSize) {
  public static final SocketOptions NONE =
      new SocketOptions(null, false, -1, null, null, null, -1, -1, null, null);

  /** Whether {@code {packet, P}} or {@code {packet_size, N}} is among them. */
  boolean framing() {
    return packet != null || packetSize != null;
  }

  /**
   * Sets the options given ({@code reuseaddr} only with {@code withReuse}: it acts at bind). The
   * packet options first, so a descriptor that cannot take them is refused before anything changes.
   */
  void applyTo(Sockets sockets, FdInner f, boolean withReuse) throws FdException {
    if (framing()) applyPacket(f);
    if (withReuse && reuseaddr != null) {
      sockets.setOption(f, Sockets.Option.REUSEADDR, reuseaddr ? 1 : 0);
    }
    if (nodelay != null) sockets.setOption(f, Sockets.Option.NODELAY, nodelay ? 1 : 0);
    if (keepalive != null) sockets.setOption(f, Sockets.Option.KEEPALIVE, keepalive ? 1 : 0);
    if (sndbuf > 0) sockets.setOption(f, Sockets.Option.SNDBUF, sndbuf);
    if (recbuf > 0) sockets.setOption(f, Sockets.Option.RECBUF, recbuf);
  }

  /** The packet options over the descriptor's current ones (each kept where not given). */
  private void applyPacket(FdInner f) throws FdException {
    checkFramable(f);
    Packet now = f.packet();
    f.setPacket(
        new Packet(
            packet != null ? packet : now.type(), packetSize != null ? packetSize : now.size()));
  }

  /**
   * Packets are for streams: pipes, FIFOs, character devices and TCP sockets (a listener keeps them
   * for the sockets it accepts). A regular file, directory, block device or UDP socket is {@code
   * einval}.
   */
  static void checkFramable(FdInner f) throws FdException {
    FileType t = f.type();
    boolean stream =
        t == FileType.FIFO || t == FileType.CHAR_DEVICE || (t == FileType.SOCKET && !datagram(f));
    if (!stream) throw new FdException(Reason.EINVAL, "packet options on a " + t + " descriptor");
  }

  private static boolean datagram(FdInner f) throws FdException {
    try (FdInner.Use u = f.use()) {
      return Sockets.isDatagram(u.fd());
    }
  }
}
