//// UDP sockets on the Java node. Options, `sockname` and `local_port` are
//// in `fdnode/tcp` (they apply to every socket); in an active mode the
//// datagrams arrive as `active.DatagramReceived` messages.
////
//// ## Example
////
//// ```gleam
//// let assert Ok(a) = udp.open(on: n, port: 0, options: [], within: 5000)
//// let assert Ok(b) = udp.open(on: n, port: 0, options: [], within: 5000)
//// let assert Ok(port) = tcp.local_port(b, within: 5000)
//// let assert Ok(Nil) =
////   udp.send_to(a, host: "127.0.0.1", port: port, data: <<"ping">>, within: 5000)
//// let assert Ok(udp.Datagram(data: <<"ping">>, ..)) = udp.recv_from(b, within: 5000)
//// ```

import fdnode
import fdnode/tcp

/// A UDP datagram and its sender (`from` is an IPv4 or IPv6 literal).
pub type Datagram {
  Datagram(from: String, port: Int, data: BitArray)
}

/// A UDP socket bound to `port` (0: any), owned by the calling process.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(socket) =
///   udp.open(on: n, port: 0, options: [tcp.Ip("::1"), tcp.Inet6], within: 5000)
/// ```
@external(erlang, "fdnode_udp_ffi", "open")
pub fn open(
  on node: fdnode.Node,
  port port: Int,
  options options: List(tcp.SocketOption),
  within timeout: Int,
) -> Result(fdnode.Fd(fdnode.Socket(fdnode.Udp)), fdnode.FdError)

/// Sends one datagram to `host:port`.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(Nil) =
///   udp.send_to(socket, host: "127.0.0.1", port: 9000, data: <<"ping":utf8>>, within: 5000)
/// ```
@external(erlang, "fdnode_udp_ffi", "send_to")
pub fn send_to(
  socket: fdnode.Fd(fdnode.Socket(fdnode.Udp)),
  host host: String,
  port port: Int,
  data data: BitArray,
  within timeout: Int,
) -> Result(Nil, fdnode.FdError)

/// Passive: waits up to `timeout` ms for one datagram.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(udp.Datagram(from: host, port: port, data: data)) =
///   udp.recv_from(socket, within: 5000)
/// ```
@external(erlang, "fdnode_udp_ffi", "recv_from")
pub fn recv_from(
  socket: fdnode.Fd(fdnode.Socket(fdnode.Udp)),
  within timeout: Int,
) -> Result(Datagram, fdnode.FdError)
