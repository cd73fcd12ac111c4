//// TCP sockets on the Java node: listen, accept, connect, send, recv, and
//// the options and addresses of any socket (`Fd(Socket(protocol))`, UDP
//// too). A connected socket is also an ordinary descriptor: `fdnode.read`,
//// `fdnode.write`, `fdnode.set_mode` and `fdnode.close` work on it.
////
//// ## Example
////
//// ```gleam
//// import fdnode
//// import fdnode/tcp
////
//// pub fn echo_once(n: fdnode.Node) {
////   let assert Ok(listener) = tcp.listen(on: n, port: 0, options: [], within: 5000)
////   let assert Ok(port) = tcp.local_port(listener, within: 5000)
////   let assert Ok(client) =
////     tcp.connect(on: n, host: "127.0.0.1", port: port, options: [], within: 5000)
////   let assert Ok(server) = tcp.accept(listener, within: 5000)
////   let assert Ok(Nil) = tcp.send(client, data: <<"hi">>, within: 5000)
////   let assert Ok(fdnode.Data(<<"hi">>)) = tcp.recv(server, bytes: 0, within: 5000)
//// }
//// ```

import fdnode

/// A socket option, for `listen`, `connect`, `udp.open` and `set_options`.
/// The bind options (`Ip`, `Inet6`, `Backlog`) only apply when a socket is
/// opened. The mode (`active`) is set with `fdnode.set_mode`.
pub type SocketOption {
  /// TCP_NODELAY: send small segments at once.
  Nodelay(Bool)
  /// SO_KEEPALIVE.
  Keepalive(Bool)
  /// SO_REUSEADDR (on by default for `listen`, off for `udp.open`).
  Reuseaddr(Bool)
  /// SO_SNDBUF in bytes (the kernel reports twice what was set).
  Sndbuf(Int)
  /// SO_RCVBUF in bytes (the kernel reports twice what was set).
  Recbuf(Int)
  /// Bind address: an IPv4 or IPv6 literal or a name (default: every address).
  Ip(String)
  /// An IPv6 socket (without `Ip`: bound to `::`, which takes IPv4 too).
  Inet6
  /// Listen backlog (default 128).
  Backlog(Int)
}

/// The options `get_options` can read.
pub type OptionName {
  NodelayName
  KeepaliveName
  ReuseaddrName
  SndbufName
  RecbufName
}

/// A listening TCP socket on `port` (0: any free port, see `local_port`),
/// owned by the calling process.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(listener) =
///   tcp.listen(on: n, port: 8080, options: [tcp.Ip("127.0.0.1")], within: 5000)
/// ```
@external(erlang, "fdnode_tcp_ffi", "listen")
pub fn listen(
  on node: fdnode.Node,
  port port: Int,
  options options: List(SocketOption),
  within timeout: Int,
) -> Result(fdnode.Fd(fdnode.Socket(fdnode.Listener)), fdnode.FdError)

/// Waits up to `timeout` ms for a connection (`Error(Timeout)` if none).
/// The calling process owns the accepted socket; one accepted after the
/// caller gave up is closed again by fdnode, never leaked.
///
/// ## Example
///
/// ```gleam
/// case tcp.accept(listener, within: 30_000) {
///   Ok(socket) -> serve(socket)
///   Error(fdnode.Timeout) -> wait_again()
///   Error(e) -> io.println(fdnode.describe_error(e))
/// }
/// ```
@external(erlang, "fdnode_tcp_ffi", "accept")
pub fn accept(
  listener: fdnode.Fd(fdnode.Socket(fdnode.Listener)),
  within timeout: Int,
) -> Result(fdnode.Fd(fdnode.Socket(fdnode.Tcp)), fdnode.FdError)

/// Connects to `host` (a name, an IPv4 or an IPv6 literal) and `port`, then
/// sets `options`. The calling process owns the socket. The connect gives up
/// after `timeout` ms with `Error(Timeout)`, like every wait; other failures:
/// `Econnrefused`, `Enetunreach`, `Ehostunreach`, `Etimedout` (the kernel
/// gave up first), `Nxdomain`, `Einval` (port outside 1..65535).
///
/// ## Example
///
/// ```gleam
/// let assert Ok(socket) =
///   tcp.connect(on: n, host: "example.org", port: 80, options: [tcp.Nodelay(True)], within: 5000)
/// ```
@external(erlang, "fdnode_tcp_ffi", "connect")
pub fn connect(
  on node: fdnode.Node,
  host host: String,
  port port: Int,
  options options: List(SocketOption),
  within timeout: Int,
) -> Result(fdnode.Fd(fdnode.Socket(fdnode.Tcp)), fdnode.FdError)

/// Sends all of `data`. A peer that has gone gives `Error(Closed)` (no
/// SIGPIPE can reach the Java node).
///
/// ## Example
///
/// ```gleam
/// let assert Ok(Nil) = tcp.send(socket, data: <<"GET / HTTP/1.0\r\n\r\n":utf8>>, within: 5000)
/// ```
@external(erlang, "fdnode_tcp_ffi", "send")
pub fn send(
  socket: fdnode.Fd(fdnode.Socket(fdnode.Tcp)),
  data data: BitArray,
  within timeout: Int,
) -> Result(Nil, fdnode.FdError)

/// Passive receive: waits up to `timeout` ms for input, then returns up to
/// `size` bytes (0: whatever is there). `Error(Timeout)` when nothing came.
///
/// ## Example
///
/// ```gleam
/// case tcp.recv(socket, bytes: 0, within: 5000) {
///   Ok(fdnode.Data(bytes)) -> handle(bytes)
///   Ok(fdnode.Eof) -> done()
///   Error(e) -> fail(e)
/// }
/// ```
@external(erlang, "fdnode_tcp_ffi", "recv")
pub fn recv(
  socket: fdnode.Fd(fdnode.Socket(fdnode.Tcp)),
  bytes size: Int,
  within timeout: Int,
) -> Result(fdnode.Input, fdnode.FdError)

/// Sets socket options (not `Ip`/`Inet6`/`Backlog`).
///
/// ## Example
///
/// ```gleam
/// let assert Ok(Nil) =
///   tcp.set_options(socket, [tcp.Nodelay(True), tcp.Keepalive(True)], within: 5000)
/// ```
@external(erlang, "fdnode_tcp_ffi", "set_options")
pub fn set_options(
  socket: fdnode.Fd(fdnode.Socket(protocol)),
  options: List(SocketOption),
  within timeout: Int,
) -> Result(Nil, fdnode.FdError)

/// Reads socket options, in the order asked.
///
/// ## Example
///
/// ```gleam
/// let assert Ok([tcp.Nodelay(nodelay), tcp.Sndbuf(bytes)]) =
///   tcp.get_options(socket, [tcp.NodelayName, tcp.SndbufName], within: 5000)
/// ```
@external(erlang, "fdnode_tcp_ffi", "get_options")
pub fn get_options(
  socket: fdnode.Fd(fdnode.Socket(protocol)),
  names: List(OptionName),
  within timeout: Int,
) -> Result(List(SocketOption), fdnode.FdError)

/// Cuts the socket's input into packets, as `{packet, P}` and
/// `{packet_size, N}` in `inet:setopts/2`; see `fdnode.set_packet`, which
/// does the same for pipes and FIFOs. `recv` (with `bytes: 0`) and active
/// `Received` messages then give one packet each, and `send` puts the
/// length header first (`Packet1`, `Packet2`, `Packet4`), as `gen_tcp:send`
/// does. A new socket is passive, so setting it right after `connect` or
/// `accept` frames the stream from its first byte. UDP sockets take no
/// packet option (this does not compile for them).
///
/// ## Example
///
/// ```gleam
/// let assert Ok(socket) = tcp.accept(listener, within: 5000)
/// let assert Ok(Nil) = tcp.set_packet(socket, packet: fdnode.Packet4, size: 1_000_000, within: 5000)
/// let assert Ok(Nil) = tcp.send(socket, data: <<"framed">>, within: 5000)   // 0,0,0,6,"framed"
/// let assert Ok(fdnode.Data(request)) = tcp.recv(socket, bytes: 0, within: 5000) // one packet
/// ```
@external(erlang, "fdnode_tcp_ffi", "set_packet")
pub fn set_packet(
  socket: fdnode.Fd(fdnode.Socket(fdnode.Tcp)),
  packet packet: fdnode.Packet,
  size size: Int,
  within timeout: Int,
) -> Result(Nil, fdnode.FdError)

/// The socket's packet setting and size (`#(fdnode.Raw, 0)` until one is set).
///
/// ## Example
///
/// ```gleam
/// let assert Ok(#(fdnode.Packet4, 1_000_000)) = tcp.get_packet(socket, within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "get_packet")
pub fn get_packet(
  socket: fdnode.Fd(fdnode.Socket(fdnode.Tcp)),
  within timeout: Int,
) -> Result(#(fdnode.Packet, Int), fdnode.FdError)

/// The connected peer's address and port.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(#(address, port)) = tcp.peername(socket, within: 5000)
/// io.println("connection from " <> address <> ":" <> int.to_string(port))
/// ```
@external(erlang, "fdnode_tcp_ffi", "peername")
pub fn peername(
  socket: fdnode.Fd(fdnode.Socket(fdnode.Tcp)),
  within timeout: Int,
) -> Result(#(String, Int), fdnode.FdError)

/// The address and port the socket is bound to.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(#("127.0.0.1", port)) = tcp.sockname(listener, within: 5000)
/// ```
@external(erlang, "fdnode_tcp_ffi", "sockname")
pub fn sockname(
  socket: fdnode.Fd(fdnode.Socket(protocol)),
  within timeout: Int,
) -> Result(#(String, Int), fdnode.FdError)

/// The local port of a socket.
///
/// ## Example
///
/// ```gleam
/// // listen on any free port, then tell the clients which one
/// let assert Ok(listener) = tcp.listen(on: n, port: 0, options: [], within: 5000)
/// let assert Ok(port) = tcp.local_port(listener, within: 5000)
/// ```
pub fn local_port(
  socket: fdnode.Fd(fdnode.Socket(protocol)),
  within timeout: Int,
) -> Result(Int, fdnode.FdError) {
  case sockname(socket, timeout) {
    Ok(#(_, port)) -> Ok(port)
    Error(e) -> Error(e)
  }
}
