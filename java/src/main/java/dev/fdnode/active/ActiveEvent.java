package dev.fdnode.active;

import java.net.InetAddress;

/** What active delivery tells a controlling process. */
public sealed interface ActiveEvent {
  /**
   * A chunk of input: {@code {fdnode, Fd, Data}}, the first {@code length} bytes of {@code buffer}.
   * The buffer is the reader thread's and is only lent for the {@link ActiveSink#send} call that
   * carries this event: the sink encodes or copies it ({@link #bytes()}) before returning.
   */
  record Data(byte[] buffer, int length) implements ActiveEvent {
    public Data {
      if (length < 0 || length > buffer.length) {
        throw new IllegalArgumentException("length " + length + " of " + buffer.length);
      }
    }

    /** A chunk that owns all of {@code bytes}. */
    public Data(byte[] bytes) {
      this(bytes, bytes.length);
    }

    /** A copy of the chunk's bytes, safe to keep. */
    public byte[] bytes() {
      return java.util.Arrays.copyOf(buffer, length);
    }
  }

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
