package dev.fdnode.active;

import java.net.InetAddress;

/** What active delivery tells a controlling process. */
public sealed interface ActiveEvent {
  /** A chunk of input: {@code {fdnode, Fd, Data}}. */
  record Data(byte[] bytes) implements ActiveEvent {}

  /** End of input: {@code {fdnode_closed, Fd}}. */
  record Closed() implements ActiveEvent {}

  /** A read failed: {@code {fdnode_error, Fd, Reason}}. */
  record Error(String reason) implements ActiveEvent {}

  /**
   * A datagram with its sender ({@code from} is IPv4 or IPv6, never dropped): {@code {fdnode_udp,
   * Fd, Ip, Port, Data}}.
   */
  record Datagram(InetAddress from, int port, byte[] data) implements ActiveEvent {}

  /**
   * Active-once delivered its message and the fd is passive again: {@code {fdnode_passive, Fd}}.
   */
  record Passive() implements ActiveEvent {}
}
