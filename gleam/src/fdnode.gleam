//// OS file descriptors owned by a Java C-node (fdnode), for Gleam on the BEAM.
////
//// A Java node holds the descriptors; Gleam talks to it over Erlang
//// distribution. This module has what every descriptor shares: the `Fd`
//// type, `FdError`, and open/close/read/write/pread/pwrite/position/sync/
//// info and modes (`pread_many`/`pwrite_many`: many ranges in one call).
//// The others: `fdnode/node` (start and stop a Java node),
//// `fdnode/tcp`, `fdnode/udp`, `fdnode/fs` (paths and metadata) and
//// `fdnode/active` (messages of active delivery, selector-ready).
////
//// The process that opens a descriptor owns it and is its controlling
//// process; when it exits, its descriptors are closed. No process is ever
//// linked to the Java node, so a crash of the Java node shows up as
//// `Error(NodeDown)`, never as an exit.
////
//// **Timeouts.** Every function that waits for the Java node or for input
//// takes `within timeout` (milliseconds) as its last argument, and gives
//// `Error(Timeout)` when it runs out; `default_timeout` is a good value for
//// calls that only wait for the Java node. There is no global setting.
////
//// ## Example
////
//// ```gleam
//// import fdnode
//// import fdnode/node
////
//// pub fn main() {
////   let assert Ok(n) = node.start(node.start_options() |> node.with_root("/srv/data"))
////   let assert Ok(fd) =
////     fdnode.open(on: n, path: "/srv/data/notes.txt", options: [fdnode.Read], within: 5000)
////   let assert Ok(fdnode.Data(bytes)) = fdnode.read(fd, bytes: 1024, within: 5000)
////   let assert Ok(Nil) = fdnode.close(fd, within: 5000)
//// }
//// ```

/// A descriptor handle, `{fdnode_fd, Node, Id, Token}` in Erlang. A plain
/// value: it may be sent to another process or node. Only the controlling
/// process may change its mode or hand it over.
///
/// Printing a handle (`string.inspect`, a crash report, a log line) shows its
/// token, and that is fine: the token is not a secret. It makes sure that a
/// stale, forged or mistyped handle never reaches another descriptor (such a
/// call is `InvalidHandle`, or `Closed` for a stale one); it does not keep
/// anything from a node that has the cookie, which Erlang distribution, and
/// fdnode, trust fully.
///
/// `kind` says what the descriptor is, so that a call that does not apply
/// does not compile: `Fd(File)` from `open`, `Fd(Pipe)` from `pipe`,
/// `Fd(Socket(Listener))`, `Fd(Socket(Tcp))` and `Fd(Socket(Udp))` from
/// `fdnode/tcp` and `fdnode/udp`. Functions that take `Fd(kind)` apply to
/// every kind.
pub type Fd(kind)

/// The kind of a descriptor opened by `open` (a regular file, a FIFO, a
/// device).
pub type File

/// The kind of both ends of a `pipe`, and of a FIFO or character device
/// opened with `open_stream`: a stream with no offset, which can be cut into
/// packets (`set_packet`).
pub type Pipe

/// The kind of a socket; `protocol` is `Tcp`, `Udp` or `Listener`.
pub type Socket(protocol)

/// A connected TCP socket (`Fd(Socket(Tcp))`).
pub type Tcp

/// A UDP socket (`Fd(Socket(Udp))`).
pub type Udp

/// A listening TCP socket (`Fd(Socket(Listener))`).
pub type Listener

/// A descriptor whose kind is not known statically, as in a message decoded
/// by `fdnode/active.decode_message`. Compare with `forget_kind(fd)`.
pub type AnyKind

/// A Java node's Erlang node name (an atom). See `fdnode/node`.
pub type Node

/// An Erlang process id. A gleam_erlang `Pid` is the same Erlang term: use
/// `pid_from` to turn one into this type.
pub type Pid

/// The milliseconds a call usually allows the Java node to answer: 5000.
pub const default_timeout = 5000

/// The calling process.
///
/// ## Example
///
/// ```gleam
/// let me = fdnode.self()
/// // then, in another process, which controls `fd`: hand it over to me
/// let assert Ok(Nil) = fdnode.controlling_process(fd, to: me, within: 5000)
/// ```
@external(erlang, "erlang", "self")
pub fn self() -> Pid

/// `Ok(pid)` when `term` is an Erlang pid (for example a gleam_erlang
/// `Pid`, or a `Dynamic` holding one), `Error(Nil)` otherwise.
///
/// ## Example
///
/// ```gleam
/// // inside a gleam_otp actor, `process.self()` is a gleam_erlang Pid
/// let assert Ok(me) = fdnode.pid_from(process.self())
/// fdnode.controlling_process(fd, to: me, within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "pid_from")
pub fn pid_from(term: anything) -> Result(Pid, Nil)

/// The same descriptor with its kind forgotten: compare it with the `fd` of
/// a decoded message.
///
/// ## Example
///
/// ```gleam
/// let mine = fdnode.forget_kind(socket)
/// case active.decode_message(term) {
///   Ok(active.Received(fd, data)) if fd == mine -> handle(data)
///   _ -> Nil
/// }
/// ```
@external(erlang, "fdnode_gleam_ffi", "identity")
pub fn forget_kind(fd: Fd(kind)) -> Fd(AnyKind)

/// How data read from a descriptor is delivered to its controlling process.
pub type Mode {
  /// Only by `read` (the default).
  Passive
  /// Continuously, as messages (see `fdnode/active`).
  Active
  /// One message, then back to `Passive`.
  ActiveOnce
  /// `count` more messages, then back to `Passive` with a `WentPassive`
  /// message, as `{active, N}` in `inet:setopts/2`: setting it again adds to
  /// the messages left (at most 32767 in all, else `Einval`); a sum of 0 or
  /// less turns the descriptor passive at once.
  ///
  /// ```gleam
  /// // the next 100 chunks as messages, then a WentPassive
  /// let assert Ok(Nil) = fdnode.set_mode(fd, to: fdnode.ActiveN(100), within: 5000)
  /// ```
  ActiveN(count: Int)
}

/// How the input of a stream is cut into messages and reads, as `{packet, P}`
/// in `inet:setopts/2`. Set with `set_packet` (pipes, FIFOs, character
/// devices) or `tcp.set_packet` (TCP sockets); files and UDP sockets take
/// none (it does not compile).
pub type Packet {
  /// No framing (the default): whatever the read or chunk brought.
  Raw
  /// Each packet has a 1-byte length header (bodies up to 255 bytes).
  Packet1
  /// Each packet has a 2-byte big-endian length header (up to 65,535 bytes).
  Packet2
  /// Each packet has a 4-byte big-endian length header.
  Packet4
  /// Each packet is one line, with its `\n`; a line longer than the packet
  /// size comes in pieces of that size.
  Line
}

/// Why a call failed. POSIX errors are named like the errno (`Enoent` is
/// ENOENT); the others come from fdnode itself.
pub type FdError {
  /// Permission denied, or the path is outside the Java node's roots.
  Eacces
  /// Resource temporarily unavailable (also: the Java node's queue is full).
  Eagain
  /// Bad file descriptor.
  Ebadf
  /// Device or resource busy.
  Ebusy
  /// Disk quota exceeded.
  Edquot
  /// File exists.
  Eexist
  /// Bad address.
  Efault
  /// File too large.
  Efbig
  /// Interrupted system call.
  Eintr
  /// Invalid argument (also: `read` on a descriptor in an active mode).
  Einval
  /// Input/output error.
  Eio
  /// Is a directory.
  Eisdir
  /// Too many levels of symbolic links.
  Eloop
  /// Too many open files (in the Java node).
  Emfile
  /// Too many links.
  Emlink
  /// File name too long.
  Enametoolong
  /// Too many open files in the system.
  Enfile
  /// No such device.
  Enodev
  /// No such file or directory.
  Enoent
  /// Out of memory.
  Enomem
  /// No space left on device.
  Enospc
  /// Not a directory.
  Enotdir
  /// Operation not supported.
  Enotsup
  /// No such device or address.
  Enxio
  /// Value too large for defined data type.
  Eoverflow
  /// Operation not permitted.
  Eperm
  /// Connection refused (nobody listens on that port).
  Econnrefused
  /// Connection reset by the peer.
  Econnreset
  /// Connection timed out: the kernel gave up (a `within` that runs out is
  /// `Timeout`).
  Etimedout
  /// No route to host.
  Ehostunreach
  /// Network is unreachable.
  Enetunreach
  /// The host name does not resolve.
  Nxdomain
  /// Broken pipe.
  Epipe
  /// Read-only file system.
  Erofs
  /// Illegal seek.
  Espipe
  /// Text file busy.
  Etxtbsy
  /// Cross-device link.
  Exdev
  /// Directory not empty (`fs.delete_dir`).
  Enotempty
  /// Address already in use (`tcp.listen`, `udp.open`).
  Eaddrinuse
  /// Cannot assign the requested address (a bind address not on this host).
  Eaddrnotavail
  /// The socket is not connected (`tcp.peername`, `tcp.send`).
  Enotconn
  /// Address family not supported (an IPv6 address for an IPv4 socket, say).
  Eafnosupport
  /// The peer's connection was aborted before `tcp.accept` took it.
  Econnaborted
  /// Message too long: a datagram too long to send (`udp.send_to`), a length
  /// header stating more than the packet size (`set_packet`,
  /// `tcp.set_packet`), or data too long for the header of a write (more
  /// than 255 bytes with `Packet1`, 65,535 with `Packet2`).
  Emsgsize
  /// The network is down.
  Enetdown
  /// No buffer space available (the kernel's socket buffers).
  Enobufs
  /// A socket option that does not apply to this socket (`tcp.setopts`).
  Enoprotoopt
  /// Not a socket (a socket call on another kind of descriptor).
  Enotsock
  /// A stale file handle (a network file system lost the file).
  Estale
  /// The descriptor is closed or closing.
  Closed
  /// Only the controlling process may do this.
  NotOwner
  /// Not a descriptor of this Java node (unknown id or wrong token).
  InvalidHandle
  /// A malformed argument.
  Badarg
  /// No answer within the timeout.
  Timeout
  /// The Java node is unreachable or its connection dropped.
  NodeDown
  /// The Java node is shutting down.
  ShuttingDown
  /// This BEAM did not start that Java node (`node.stop`, `node.os_pid`,
  /// `node.await_exit`), or it is gone.
  NotStarted
  /// `controlling_process` to a process on another BEAM node that cannot
  /// watch it (unreachable, or without fdnode's code): control did not move.
  /// The Java node answers the same to any call that would make a process
  /// an owner when that process's node's watcher does not answer it.
  NoWatcher
  /// A `close_async` still pending when the Java node shut down (the close
  /// itself still happens).
  Cancelled
  /// A bug in the Java node (it logged the details); the call did nothing.
  InternalError
  /// An errno the Java node has no name for (`"errno_131"`), or a reason
  /// newer than this code.
  Unknown(String)
}

/// A human readable description of an error.
///
/// ## Example
///
/// ```gleam
/// case fdnode.open(on: n, path: "/srv/data/x", options: [], within: 5000) {
///   Ok(fd) -> use_it(fd)
///   Error(e) -> io.println("open failed: " <> fdnode.describe_error(e))
/// }
/// ```
pub fn describe_error(error: FdError) -> String {
  case error {
    Eacces -> "Permission denied (or path outside the allowed roots)"
    Eagain -> "Resource temporarily unavailable"
    Ebadf -> "Bad file descriptor"
    Ebusy -> "Device or resource busy"
    Edquot -> "Disk quota exceeded"
    Eexist -> "File exists"
    Efault -> "Bad address"
    Efbig -> "File too large"
    Eintr -> "Interrupted system call"
    Einval -> "Invalid argument"
    Eio -> "Input/output error"
    Eisdir -> "Is a directory"
    Eloop -> "Too many levels of symbolic links"
    Emfile -> "Too many open files"
    Emlink -> "Too many links"
    Enametoolong -> "File name too long"
    Enfile -> "Too many open files in system"
    Enodev -> "No such device"
    Enoent -> "No such file or directory"
    Enomem -> "Cannot allocate memory"
    Enospc -> "No space left on device"
    Enotdir -> "Not a directory"
    Enotsup -> "Operation not supported"
    Enxio -> "No such device or address"
    Eoverflow -> "Value too large for defined data type"
    Eperm -> "Operation not permitted"
    Econnrefused -> "Connection refused"
    Econnreset -> "Connection reset by peer"
    Etimedout -> "Connection timed out"
    Ehostunreach -> "No route to host"
    Enetunreach -> "Network is unreachable"
    Nxdomain -> "Host name does not resolve"
    Epipe -> "Broken pipe"
    Erofs -> "Read-only file system"
    Espipe -> "Illegal seek"
    Etxtbsy -> "Text file busy"
    Exdev -> "Invalid cross-device link"
    Enotempty -> "Directory not empty"
    Eaddrinuse -> "Address already in use"
    Eaddrnotavail -> "Cannot assign requested address"
    Enotconn -> "Transport endpoint is not connected"
    Eafnosupport -> "Address family not supported by protocol"
    Econnaborted -> "Software caused connection abort"
    Emsgsize -> "Message too long (or a packet over the packet size)"
    Enetdown -> "Network is down"
    Enobufs -> "No buffer space available"
    Enoprotoopt -> "Protocol not available"
    Enotsock -> "Socket operation on non-socket"
    Estale -> "Stale file handle"
    Closed -> "The descriptor is closed"
    NotOwner -> "Only the controlling process may do this"
    InvalidHandle -> "Not a valid descriptor handle for this node"
    Badarg -> "Bad argument"
    Timeout -> "No answer within the timeout"
    NodeDown -> "The Java node is down or unreachable"
    ShuttingDown -> "The Java node is shutting down"
    NotStarted -> "This BEAM node did not start that Java node"
    NoWatcher -> "The new owner's BEAM node cannot watch it; control did not move"
    Cancelled -> "Cancelled: the Java node shut down first"
    InternalError -> "Internal error in the Java node"
    Unknown(reason) -> "Unknown error: " <> reason
  }
}

/// How to open a file. With neither `Read` nor `Write`, `Read` is assumed.
/// `O_CLOEXEC` is always set.
pub type OpenOption {
  /// O_RDONLY, or O_RDWR with `Write`.
  Read
  /// O_WRONLY, or O_RDWR with `Read`.
  Write
  /// O_APPEND.
  Append
  /// O_CREAT.
  Create
  /// O_EXCL.
  Exclusive
  /// O_TRUNC.
  Truncate
  /// O_NONBLOCK.
  Nonblock
  /// Permission bits for `Create` (default 0o644).
  Permissions(Int)
}

/// What a read gives.
pub type Input {
  /// Bytes read; at most as many as asked for.
  Data(BitArray)
  /// End of file (or of input).
  Eof
}

/// Where `position` moves the offset to.
pub type Location {
  /// This many bytes from the start of the file.
  Absolute(Int)
  /// This many bytes from the current offset (may be negative).
  Relative(Int)
  /// This many bytes from the end of the file (usually zero or negative).
  FromEnd(Int)
}

/// Lifecycle state of a descriptor.
pub type Lifecycle {
  /// Usable.
  Usable
  /// A close has begun; new calls get `Closed`.
  Closing
  /// Closed.
  Released
}

/// What the Java node knows about a descriptor.
pub type FdInfo {
  FdInfo(
    fd: Int,
    owner: Pid,
    controller: Pid,
    mode: Mode,
    state: Lifecycle,
    offset: Int,
  )
}

/// Opens `path` on the Java node. The calling process owns the descriptor
/// and is its controlling process. `path` must be absolute: a relative path
/// is `Error(Einval)`, as are a NUL byte and invalid UTF-8. It is resolved
/// as the kernel would (`..` and every symlink) and must then lie under one
/// of the node's roots: `Error(Eacces)` otherwise.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(fd) =
///   fdnode.open(on: n, path: "/srv/data/log.txt", options: [
///     fdnode.Write, fdnode.Create, fdnode.Append,
///   ], within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "open")
pub fn open(
  on node: Node,
  path path: String,
  options options: List(OpenOption),
  within timeout: Int,
) -> Result(Fd(File), FdError)

/// Creates a pipe: `#(read_end, write_end)`, both owned by the caller.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(#(read_end, write_end)) = fdnode.pipe(on: n, within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "pipe")
pub fn pipe(
  on node: Node,
  within timeout: Int,
) -> Result(#(Fd(Pipe), Fd(Pipe)), FdError)

/// Opens a FIFO or a character device as a stream (`Fd(Pipe)`): the same
/// as `open`, but a regular file or directory is `Error(Einval)` (and is not
/// left open), so that `set_packet` applies and `pread` does not compile. A
/// FIFO's read end waits up to `timeout` ms for a writer, as with `open`.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(log) =
///   fdnode.open_stream(on: n, path: "/srv/data/app.fifo", options: [fdnode.Read], within: 5000)
/// let assert Ok(Nil) = fdnode.set_packet(log, packet: fdnode.Line, size: 4096, within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "open_stream")
pub fn open_stream(
  on node: Node,
  path path: String,
  options options: List(OpenOption),
  within timeout: Int,
) -> Result(Fd(Pipe), FdError)

/// Cuts the stream's input into packets, as `{packet, P}` and
/// `{packet_size, N}` in `inet:setopts/2`: every `read` (with `bytes: 0`,
/// else `Einval`) and every active `Received` message is then one packet,
/// without its length header (`Packet1`, `Packet2`, `Packet4`), or one line
/// with its `\n` (`Line`). `size` is `packet_size`: a header stating more
/// is `Error(Emsgsize)` (the bytes stay; `Raw` reads them), a longer line
/// comes in pieces of `size` bytes; 0 means no limit (64 MiB for a header,
/// 64 KiB pieces of a line). With `Packet1`, `Packet2` or `Packet4`, every
/// `write` gets its length header too. A packet the input ends in the
/// middle of is dropped (`Eof`). Bytes read ahead of a packet boundary stay
/// with the descriptor, across mode switches and `controlling_process`.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(#(r, w)) = fdnode.pipe(on: n, within: 5000)
/// let assert Ok(Nil) = fdnode.set_packet(r, packet: fdnode.Line, size: 1024, within: 5000)
/// let assert Ok(Nil) = fdnode.write(w, data: <<"one\ntwo\n":utf8>>, within: 5000)
/// let assert Ok(fdnode.Data(<<"one\n":utf8>>)) = fdnode.read(r, bytes: 0, within: 5000)
/// let assert Ok(fdnode.Data(<<"two\n":utf8>>)) = fdnode.read(r, bytes: 0, within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "set_packet")
pub fn set_packet(
  fd: Fd(Pipe),
  packet packet: Packet,
  size size: Int,
  within timeout: Int,
) -> Result(Nil, FdError)

/// The stream's packet setting and size (`#(Raw, 0)` until one is set).
///
/// ## Example
///
/// ```gleam
/// let assert Ok(#(fdnode.Line, 1024)) = fdnode.get_packet(r, within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "get_packet")
pub fn get_packet(
  fd: Fd(Pipe),
  within timeout: Int,
) -> Result(#(Packet, Int), FdError)

/// Closes a descriptor; the OS close has happened when this returns.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(Nil) = fdnode.close(fd, within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "close")
pub fn close(fd: Fd(kind), within timeout: Int) -> Result(Nil, FdError)

/// Starts closing a descriptor and returns an operation id; the caller later
/// receives `active.Completed(op, result)`.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(op) = fdnode.close_async(fd, within: 5000)
/// // ... later, in the same process:
/// let assert Ok(active.Completed(done, Ok(Nil))) = active.receive(within: 5000)
/// // done == op
/// ```
@external(erlang, "fdnode_gleam_ffi", "close_async")
pub fn close_async(fd: Fd(kind), within timeout: Int) -> Result(Int, FdError)

/// Reads up to `size` bytes at the descriptor's offset and advances it;
/// from a pipe, FIFO or socket it waits up to `timeout` ms for input.
/// Passive mode only (`Einval` otherwise).
///
/// ## Example
///
/// ```gleam
/// case fdnode.read(fd, bytes: 4096, within: 5000) {
///   Ok(fdnode.Data(bytes)) -> handle(bytes)
///   Ok(fdnode.Eof) -> done()
///   Error(e) -> io.println(fdnode.describe_error(e))
/// }
/// ```
@external(erlang, "fdnode_gleam_ffi", "read")
pub fn read(
  fd: Fd(kind),
  bytes size: Int,
  within timeout: Int,
) -> Result(Input, FdError)

/// Writes all of `data` at the descriptor's offset and advances it.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(Nil) = fdnode.write(fd, data: <<"line\n":utf8>>, within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "write")
pub fn write(
  fd: Fd(kind),
  data data: BitArray,
  within timeout: Int,
) -> Result(Nil, FdError)

/// Reads up to `size` bytes at `offset`; the descriptor's offset is unchanged.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(fdnode.Data(header)) = fdnode.pread(file, at: 0, bytes: 16, within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "pread")
pub fn pread(
  fd: Fd(File),
  at offset: Int,
  bytes size: Int,
  within timeout: Int,
) -> Result(Input, FdError)

/// Writes all of `data` at `offset`; the descriptor's offset is unchanged.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(Nil) = fdnode.pwrite(file, at: 4096, data: block, within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "pwrite")
pub fn pwrite(
  fd: Fd(File),
  at offset: Int,
  data data: BitArray,
  within timeout: Int,
) -> Result(Nil, FdError)

/// Reads several ranges, each `#(offset, size)`, in one call (as Erlang's
/// `file:pread/2`): one `Input` per range, in order. Each `Data` has `size`
/// bytes, fewer only where the range crosses end of file; a range that
/// starts at or beyond it is `Eof`. The descriptor's offset is unchanged.
/// All or nothing: any error fails the whole call. At most 1024 ranges and
/// 8 MiB in all (`Einval` beyond: a batch is refused, not cut short); a
/// negative offset or size is `Einval`.
///
/// ## Example
///
/// ```gleam
/// // the header and the index of a file, in one round trip
/// let assert Ok([fdnode.Data(header), fdnode.Data(index)]) =
///   fdnode.pread_many(file, ranges: [#(0, 16), #(4096, 512)], within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "pread_many")
pub fn pread_many(
  fd: Fd(File),
  ranges ranges: List(#(Int, Int)),
  within timeout: Int,
) -> Result(List(Input), FdError)

/// Writes several pieces, each `#(offset, data)`, in one call (as Erlang's
/// `file:pwrite/2`): every piece in full, in list order, so a later piece
/// wins where two overlap. The descriptor's offset is unchanged. Limits and
/// argument errors as for `pread_many`, all found before anything is
/// written. An OS error (`Enospc`, `Efbig`, ...) stops the batch: the pieces
/// before the failing one are written, the rest are not; repeating the call
/// is safe.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(Nil) =
///   fdnode.pwrite_many(file, pieces: [#(0, <<"head":utf8>>), #(4096, block)], within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "pwrite_many")
pub fn pwrite_many(
  fd: Fd(File),
  pieces pieces: List(#(Int, BitArray)),
  within timeout: Int,
) -> Result(Nil, FdError)

/// Moves the descriptor's offset and returns the new offset.
///
/// ## Example
///
/// ```gleam
/// // append from here on: the offset is the file's size
/// let assert Ok(size) = fdnode.position(file, to: fdnode.FromEnd(0), within: 5000)
/// let assert Ok(0) = fdnode.position(file, to: fdnode.Absolute(0), within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "position")
pub fn position(
  fd: Fd(File),
  to location: Location,
  within timeout: Int,
) -> Result(Int, FdError)

/// Flushes the file to storage (fsync).
///
/// ## Example
///
/// ```gleam
/// let assert Ok(Nil) = fdnode.write(file, data: record, within: 5000)
/// let assert Ok(Nil) = fdnode.sync(file, within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "sync")
pub fn sync(fd: Fd(File), within timeout: Int) -> Result(Nil, FdError)

/// Sets how data is delivered. Controlling process only (`NotOwner`).
///
/// ## Example
///
/// ```gleam
/// // deliver everything read from `fd` to this process as messages
/// let assert Ok(Nil) = fdnode.set_mode(fd, to: fdnode.Active, within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "set_mode")
pub fn set_mode(
  fd: Fd(kind),
  to mode: Mode,
  within timeout: Int,
) -> Result(Nil, FdError)

/// Hands control and ownership to another process. Controlling process only
/// (`NotOwner`). As with `gen_tcp`, the messages of `fd` already in the
/// caller's mailbox (every `fdnode/active` message about it: data,
/// datagrams, end of input, read errors, `WentPassive`) move to the new
/// controller, in order and before anything delivered later, and the mode
/// stays what it was (with the count of `ActiveN`); other messages stay. So
/// `set_mode(fd, to: Active, ...)` then `controlling_process` loses nothing.
/// A process on another BEAM node is first watched by that node's watcher
/// (`NoWatcher` if it cannot be, and nothing moves), so the descriptor
/// closes when it exits whatever happens to this node.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(pid) = fdnode.pid_from(worker)
/// let assert Ok(Nil) = fdnode.set_mode(fd, to: fdnode.Active, within: 5000)
/// // whatever arrived here meanwhile goes to `worker` first
/// let assert Ok(Nil) = fdnode.controlling_process(fd, to: pid, within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "controlling_process")
pub fn controlling_process(
  fd: Fd(kind),
  to pid: Pid,
  within timeout: Int,
) -> Result(Nil, FdError)

/// What the Java node knows about a descriptor.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(fdnode.FdInfo(mode: fdnode.Passive, offset: offset, ..)) =
///   fdnode.info(fd, within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "info")
pub fn info(fd: Fd(kind), within timeout: Int) -> Result(FdInfo, FdError)

/// The Java node a descriptor belongs to.
///
/// ## Example
///
/// ```gleam
/// // a pipe on the same node as a descriptor we were handed
/// let assert Ok(#(read_end, write_end)) =
///   fdnode.pipe(on: fdnode.node_of(fd), within: 5000)
/// ```
@external(erlang, "fdnode_gleam_ffi", "fd_node")
pub fn node_of(fd: Fd(kind)) -> Node

/// Copies `from` (from its offset to end of input) into `to`, `chunk` bytes
/// at a time, on the Java node; both offsets advance. After every chunk the
/// calling process runs `on_progress(bytes_done, bytes_total)`, where
/// `bytes_total` is what the source had left when the copy began, or -1 for
/// a pipe or FIFO. Returns the number of bytes copied. `timeout` bounds the
/// wait for each chunk, not the whole copy.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(bytes) =
///   fdnode.copy(from: src, to: dst, chunk: 65_536, within: 5000, on_progress: fn(done, total) {
///     io.println(int.to_string(done) <> " of " <> int.to_string(total))
///   })
/// ```
@external(erlang, "fdnode_gleam_ffi", "copy")
pub fn copy(
  from src: Fd(a),
  to dst: Fd(b),
  chunk chunk: Int,
  on_progress on_progress: fn(Int, Int) -> Nil,
  within timeout: Int,
) -> Result(Int, FdError)

/// Reads `fd` (in `Passive` mode) to the end of input, `chunk` bytes per
/// read, and returns everything. Each read waits at most `timeout` ms.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(fd) =
///   fdnode.open(on: n, path: "/srv/data/notes.txt", options: [fdnode.Read], within: 5000)
/// let assert Ok(contents) = fdnode.read_all(fd, chunk: 65_536, within: 5000)
/// ```
pub fn read_all(
  fd: Fd(kind),
  chunk size: Int,
  within timeout: Int,
) -> Result(BitArray, FdError) {
  read_all_loop(fd, size, timeout, <<>>)
}

fn read_all_loop(
  fd: Fd(kind),
  size: Int,
  timeout: Int,
  acc: BitArray,
) -> Result(BitArray, FdError) {
  case read(fd, size, timeout) {
    Ok(Data(data)) -> read_all_loop(fd, size, timeout, <<acc:bits, data:bits>>)
    Ok(Eof) -> Ok(acc)
    Error(e) -> Error(e)
  }
}
