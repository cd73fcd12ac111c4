//// OS file descriptors owned by a Java C-node (fdnode), for Gleam on the BEAM.
////
//// A Java node holds the descriptors; this module talks to it over Erlang
//// distribution through the Erlang module `fdnode_ffi`. The process that opens
//// a descriptor owns it and is its controlling process; when it exits, its
//// descriptors are closed. No process is ever linked to the Java node, so a
//// crash of the Java node shows up as `Error(NodeDown)`, never as an exit.
////
//// Every call waits at most the default timeout (5000 ms, see
//// `set_default_timeout`); the `*_within` functions take their own.

/// A descriptor handle, `{fdnode_fd, Node, Id, Token}` in Erlang. A plain
/// value: it may be sent to another process or node. Only the controlling
/// process may change its mode or hand it over.
pub type Fd

/// A Java node's Erlang node name (an atom).
pub type Node

/// An Erlang process id. A gleam_erlang `Pid` is the same Erlang pid: convert
/// one into the other with an identity external such as
/// `@external(erlang, "fdnode_gleam_ffi", "coerce") fn to_fdnode_pid(p: process.Pid) -> fdnode.Pid`.
pub type Pid

/// The calling process.
@external(erlang, "erlang", "self")
pub fn self() -> Pid

/// How data read from a descriptor is delivered to its controlling process.
pub type Mode {
  /// Only by `read` (the default).
  Passive
  /// Continuously, as messages (see `receive_message`).
  Active
  /// One message, then back to `Passive`.
  ActiveOnce
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
  /// Connection timed out.
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
  /// Directory not empty (`delete_dir`).
  Enotempty
  /// Address already in use (`tcp_listen`, `udp_open`).
  Eaddrinuse
  /// Cannot assign the requested address (a bind address not on this host).
  Eaddrnotavail
  /// The socket is not connected (`peername`, `send`).
  Enotconn
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
  /// Anything else, for example an errno without a name (`"errno_131"`).
  Unknown(String)
}

/// A human readable description of an error.
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
    Closed -> "The descriptor is closed"
    NotOwner -> "Only the controlling process may do this"
    InvalidHandle -> "Not a valid descriptor handle for this node"
    Badarg -> "Bad argument"
    Timeout -> "No answer from the Java node within the timeout"
    NodeDown -> "The Java node is down or unreachable"
    ShuttingDown -> "The Java node is shutting down"
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
  Mode(Int)
}

/// The result of a read.
pub type Read {
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
pub type FdState {
  /// Usable.
  OpenState
  /// A close has begun; new calls get `Closed`.
  ClosingState
  /// Closed.
  ClosedState
}

/// What the Java node knows about a descriptor.
pub type FdInfo {
  FdInfo(
    fd: Int,
    owner: Pid,
    controller: Pid,
    mode: Mode,
    state: FdState,
    offset: Int,
  )
}

/// Counters of a Java node (see `stats`).
pub type Stats {
  Stats(
    /// Descriptors open now.
    open_fds: Int,
    /// Open descriptors per owner BEAM node name.
    fds_by_node: List(#(String, Int)),
    /// Asynchronous operations (`close_async`) not yet completed.
    pending_ring_ops: Int,
    /// Bytes read since the node started (reads, active delivery, copies).
    bytes_read: Int,
    /// Bytes written since the node started.
    bytes_written: Int,
    /// Descriptors in an active mode.
    active_fds: Int,
    /// Milliseconds since the node started.
    uptime_ms: Int,
    /// JVM heap in use, in bytes (0 when the node does not measure it).
    heap_used: Int,
  )
}

/// A message delivered to the controlling process (active modes) or to the
/// caller of `close_async`.
pub type Message {
  /// Data read in an active mode.
  Received(Fd, BitArray)
  /// End of input in an active mode.
  InputClosed(Fd)
  /// A read failed in an active mode.
  ReadFailed(Fd, FdError)
  /// `ActiveOnce` delivered its message; the descriptor is passive again.
  WentPassive(Fd)
  /// An asynchronous operation (`close_async`) finished.
  Completed(op: Int, result: Result(Nil, FdError))
}

/// How to start a Java node: see `start_options` and the `with_*` functions.
pub opaque type StartOptions {
  StartOptions(
    jar: String,
    java: String,
    name: String,
    roots: List(String),
    ready_timeout: Int,
    args: List(String),
    link: Bool,
    log: Bool,
  )
}

/// Why `start` failed.
pub type StartError {
  /// This BEAM node is not distributed (start it with `-sname` or `-name`).
  NotDistributed
  /// No jar given and `FDNODE_JAR` is not set.
  NoJar
  /// The jar does not exist.
  JarNotFound(String)
  /// No `java` on the PATH (or the given one does not exist).
  JavaNotFound
  /// The JVM exited before it was ready.
  JavaExited(status: Int, output: String)
  /// No `fdnode ready` line in time.
  ReadyTimeout(output: String)
  /// This BEAM already runs a Java node of that name.
  AlreadyStarted(Node)
  /// It started but does not answer.
  Unreachable
  /// The JVM could not be spawned.
  CannotSpawn(String)
}

/// Defaults: jar from `FDNODE_JAR`, `java` from the PATH, a unique node name,
/// roots from `FDNODE_ROOT`, 30 s to get ready, linked to the caller.
pub fn start_options() -> StartOptions {
  StartOptions(
    jar: "",
    java: "",
    name: "",
    roots: [],
    ready_timeout: 30_000,
    args: [],
    link: True,
    log: False,
  )
}

/// Use this fdnode.jar.
pub fn with_jar(options: StartOptions, jar: String) -> StartOptions {
  StartOptions(..options, jar: jar)
}

/// Use this java executable.
pub fn with_java(options: StartOptions, java: String) -> StartOptions {
  StartOptions(..options, java: java)
}

/// Node name, `"name"` or `"name@host"`.
pub fn with_name(options: StartOptions, name: String) -> StartOptions {
  StartOptions(..options, name: name)
}

/// Allow files under this directory (may be given several times).
pub fn with_root(options: StartOptions, root: String) -> StartOptions {
  StartOptions(..options, roots: [root, ..options.roots])
}

/// Milliseconds to wait for the node to be ready.
pub fn with_ready_timeout(options: StartOptions, ms: Int) -> StartOptions {
  StartOptions(..options, ready_timeout: ms)
}

/// Extra command line arguments for the Java node, e.g. `["--max-fds", "64"]`.
pub fn with_args(options: StartOptions, args: List(String)) -> StartOptions {
  StartOptions(..options, args: args)
}

/// Whether the node lives only as long as the calling process (default
/// `True`: the local launcher process is linked to the caller and stops the
/// node when the caller exits, for any reason). A Java node crash never kills
/// the caller. With `False` the node runs until `stop` or until the BEAM stops.
pub fn with_link(options: StartOptions, link: Bool) -> StartOptions {
  StartOptions(..options, link: link)
}

/// Echo the Java node's output to standard error.
pub fn with_log(options: StartOptions, log: Bool) -> StartOptions {
  StartOptions(..options, log: log)
}

/// Starts a Java node as a port of a local launcher process and waits until
/// it is ready and answers. The JVM exits when the port closes, so it never
/// outlives this BEAM node.
@external(erlang, "fdnode_gleam_ffi", "start")
pub fn start(options: StartOptions) -> Result(Node, StartError)

/// Stops a Java node started by `start` and waits until the JVM has exited.
/// `Error(Nil)` if this BEAM node did not start it.
@external(erlang, "fdnode_gleam_ffi", "stop")
pub fn stop(node: Node) -> Result(Nil, Nil)

/// Asks a Java node (started by `start` or run by an operator) to stop: it
/// answers, then takes no new calls (`ShuttingDown`), finishes or fails the
/// calls in flight, closes every descriptor and exits with status 0.
@external(erlang, "fdnode_gleam_ffi", "shutdown")
pub fn shutdown(node: Node) -> Result(Nil, FdError)

/// How the JVM of a node started by `start` ended.
pub type Exit {
  Exit(status: Int, output: List(String))
}

/// Waits up to `timeout` ms until the JVM of a node started by `start` exits
/// (after `shutdown`, a signal, or a crash) and returns its exit status and
/// its last lines of output (the node logs to standard error).
/// `Error(Nil)` on timeout or for a node this BEAM did not start.
@external(erlang, "fdnode_gleam_ffi", "await_exit")
pub fn await_exit(node: Node, within timeout: Int) -> Result(Exit, Nil)

/// Connects to a running Java node (for example one run by an operator) and
/// checks that it answers.
@external(erlang, "fdnode_gleam_ffi", "connect")
pub fn connect(node: Node) -> Result(Nil, FdError)

/// The OS pid of the JVM of a node started by `start`.
@external(erlang, "fdnode_gleam_ffi", "os_pid")
pub fn os_pid(node: Node) -> Result(Int, Nil)

/// A node name such as `"fdnode@myhost"`.
@external(erlang, "fdnode_gleam_ffi", "node_from_string")
pub fn node_from_string(name: String) -> Node

/// The node's name.
@external(erlang, "fdnode_gleam_ffi", "node_to_string")
pub fn node_to_string(node: Node) -> String

/// The Java node a descriptor belongs to.
@external(erlang, "fdnode_gleam_ffi", "fd_node")
pub fn fd_node(fd: Fd) -> Node

/// Sets the default timeout of every call on this BEAM node, in ms.
@external(erlang, "fdnode_gleam_ffi", "set_default_timeout")
pub fn set_default_timeout(ms: Int) -> Nil

@external(erlang, "fdnode_ffi", "default_timeout")
fn default_timeout() -> Int

@external(erlang, "fdnode_gleam_ffi", "open")
fn do_open(
  node: Node,
  path: String,
  options: List(OpenOption),
  timeout: Int,
) -> Result(Fd, FdError)

/// Opens `path` on the Java node. The calling process owns the descriptor
/// and is its controlling process.
pub fn open(
  on node: Node,
  path path: String,
  options options: List(OpenOption),
) -> Result(Fd, FdError) {
  do_open(node, path, options, default_timeout())
}

/// `open` with its own timeout in ms.
pub fn open_within(
  on node: Node,
  path path: String,
  options options: List(OpenOption),
  within timeout: Int,
) -> Result(Fd, FdError) {
  do_open(node, path, options, timeout)
}

/// Creates a pipe: `#(read_end, write_end)`, both owned by the caller.
@external(erlang, "fdnode_gleam_ffi", "pipe")
pub fn pipe(on node: Node) -> Result(#(Fd, Fd), FdError)

@external(erlang, "fdnode_gleam_ffi", "close")
fn do_close(fd: Fd, timeout: Int) -> Result(Nil, FdError)

/// Closes a descriptor; the OS close has happened when this returns.
pub fn close(fd: Fd) -> Result(Nil, FdError) {
  do_close(fd, default_timeout())
}

/// Starts closing a descriptor and returns an operation id; the caller later
/// receives `Completed(op, result)` (see `receive_message`).
@external(erlang, "fdnode_gleam_ffi", "close_async")
pub fn close_async(fd: Fd) -> Result(Int, FdError)

@external(erlang, "fdnode_gleam_ffi", "read")
fn do_read(fd: Fd, size: Int, timeout: Int) -> Result(Read, FdError)

/// Reads up to `size` bytes at the descriptor's offset and advances it.
/// Passive mode only (`Einval` otherwise).
pub fn read(fd: Fd, bytes size: Int) -> Result(Read, FdError) {
  do_read(fd, size, default_timeout())
}

/// `read` with its own timeout in ms (a read from a pipe waits for data).
pub fn read_within(
  fd: Fd,
  bytes size: Int,
  within timeout: Int,
) -> Result(Read, FdError) {
  do_read(fd, size, timeout)
}

@external(erlang, "fdnode_gleam_ffi", "write")
fn do_write(fd: Fd, data: BitArray, timeout: Int) -> Result(Nil, FdError)

/// Writes all of `data` at the descriptor's offset and advances it.
pub fn write(fd: Fd, data data: BitArray) -> Result(Nil, FdError) {
  do_write(fd, data, default_timeout())
}

/// `write` with its own timeout in ms.
pub fn write_within(
  fd: Fd,
  data data: BitArray,
  within timeout: Int,
) -> Result(Nil, FdError) {
  do_write(fd, data, timeout)
}

@external(erlang, "fdnode_gleam_ffi", "pread")
fn do_pread(
  fd: Fd,
  offset: Int,
  size: Int,
  timeout: Int,
) -> Result(Read, FdError)

/// Reads up to `size` bytes at `offset`; the descriptor's offset is unchanged.
pub fn pread(fd: Fd, at offset: Int, bytes size: Int) -> Result(Read, FdError) {
  do_pread(fd, offset, size, default_timeout())
}

@external(erlang, "fdnode_gleam_ffi", "pwrite")
fn do_pwrite(
  fd: Fd,
  offset: Int,
  data: BitArray,
  timeout: Int,
) -> Result(Nil, FdError)

/// Writes all of `data` at `offset`; the descriptor's offset is unchanged.
pub fn pwrite(
  fd: Fd,
  at offset: Int,
  data data: BitArray,
) -> Result(Nil, FdError) {
  do_pwrite(fd, offset, data, default_timeout())
}

/// Moves the descriptor's offset and returns the new offset.
@external(erlang, "fdnode_gleam_ffi", "position")
pub fn position(fd: Fd, to location: Location) -> Result(Int, FdError)

@external(erlang, "fdnode_gleam_ffi", "sync")
fn do_sync(fd: Fd, timeout: Int) -> Result(Nil, FdError)

/// Flushes the file to storage (fsync).
pub fn sync(fd: Fd) -> Result(Nil, FdError) {
  do_sync(fd, default_timeout())
}

/// Sets how data is delivered. Controlling process only (`NotOwner`).
@external(erlang, "fdnode_gleam_ffi", "set_mode")
pub fn set_mode(fd: Fd, to mode: Mode) -> Result(Nil, FdError)

/// Hands control and ownership to another process. Controlling process only
/// (`NotOwner`).
@external(erlang, "fdnode_gleam_ffi", "controlling_process")
pub fn controlling_process(fd: Fd, to pid: Pid) -> Result(Nil, FdError)

/// What the Java node knows about a descriptor.
@external(erlang, "fdnode_gleam_ffi", "info")
pub fn info(fd: Fd) -> Result(FdInfo, FdError)

/// Counters of a Java node: open descriptors (in total and per owner node),
/// pending asynchronous operations, bytes read and written, descriptors in an
/// active mode, uptime.
@external(erlang, "fdnode_gleam_ffi", "stats")
pub fn stats(of node: Node) -> Result(Stats, FdError)

@external(erlang, "fdnode_gleam_ffi", "copy")
fn do_copy(
  src: Fd,
  dst: Fd,
  chunk: Int,
  on_progress: fn(Int, Int) -> Nil,
  timeout: Int,
) -> Result(Int, FdError)

/// Copies `from` (from its offset to end of input) into `to`, `chunk` bytes
/// at a time, on the Java node; both offsets advance. After every chunk the
/// calling process runs `on_progress(bytes_done, bytes_total)`, where
/// `bytes_total` is what the source had left when the copy began, or -1 for
/// a pipe or FIFO. Returns the number of bytes copied. The default timeout
/// bounds the wait for each chunk, not the whole copy.
pub fn copy(
  from src: Fd,
  to dst: Fd,
  chunk chunk: Int,
  on_progress on_progress: fn(Int, Int) -> Nil,
) -> Result(Int, FdError) {
  do_copy(src, dst, chunk, on_progress, default_timeout())
}

/// Waits up to `timeout` ms for one fdnode message (active delivery or a
/// completion) in the calling process's mailbox. Other messages are left
/// alone. `Error(Nil)` if none arrives in time.
@external(erlang, "fdnode_gleam_ffi", "receive_message")
pub fn receive_message(within timeout: Int) -> Result(Message, Nil)

// ---------------------------------------------------------------- active delivery

/// What active delivery tells the controlling process about one descriptor;
/// `receive` returns them. (The names differ from `Data`/`Eof` of `Read` and
/// `Passive` of `Mode` because Gleam constructors share one namespace.)
///
/// On the wire (docs/protocol.md, "Active delivery") these are plain Erlang
/// messages to the controlling process, `Fd` being the handle tuple
/// `{fdnode_fd, Node, Id, Token}`:
///
/// | Event | Erlang message |
/// |---|---|
/// | `Chunk(data)` | `{fdnode, Fd, Data :: binary()}` |
/// | `EndOfInput` | `{fdnode_closed, Fd}` |
/// | `ReadError(e)` | `{fdnode_error, Fd, Reason :: atom()}` |
/// | `NowPassive` | `{fdnode_passive, Fd}` |
///
/// With gleam_erlang, a selector for them can be written without this module
/// taking part, e.g.
/// `process.new_selector() |> process.selecting_record3(atom.create_from_string("fdnode"), fn(fd, data) { ... })`
/// plus `selecting_record2` for `fdnode_closed`/`fdnode_passive` and
/// `selecting_record3` for `fdnode_error` (decode the dynamic `Fd` by
/// comparing it with your `Fd`, e.g. via an identity external to
/// `Dynamic`). Messages arrive in read order, and each one goes to exactly
/// one process: the controlling process when it was read.
pub type Event {
  /// A chunk of input, in order.
  Chunk(BitArray)
  /// End of input; nothing follows.
  EndOfInput
  /// A read failed (for example `Econnreset`); nothing follows.
  ReadError(FdError)
  /// `ActiveOnce` delivered its chunk: the descriptor is `Passive` again.
  NowPassive
}

/// Waits up to `timeout` ms for the next active-delivery message about `fd`
/// only (messages about other descriptors, and other messages, stay in the
/// mailbox). `Error(Timeout)` if none arrives in time. The caller must be
/// the controlling process of `fd` in `Active` or `ActiveOnce` mode to get any.
@external(erlang, "fdnode_active_ffi", "receive_event")
pub fn receive(fd: Fd, within timeout: Int) -> Result(Event, FdError)

/// Reads `fd` (in `Passive` mode) to the end of input, `chunk` bytes per
/// read, and returns everything. Each read waits at most the default timeout
/// for data (so a FIFO writer that pauses longer gives `Error(Timeout)`).
pub fn read_all(fd: Fd, chunk size: Int) -> Result(BitArray, FdError) {
  read_all_within(fd, chunk: size, within: default_timeout())
}

/// `read_all` where each read waits at most `timeout` ms.
pub fn read_all_within(
  fd: Fd,
  chunk size: Int,
  within timeout: Int,
) -> Result(BitArray, FdError) {
  read_all_loop(fd, size, timeout, <<>>)
}

fn read_all_loop(
  fd: Fd,
  size: Int,
  timeout: Int,
  acc: BitArray,
) -> Result(BitArray, FdError) {
  case do_read(fd, size, timeout) {
    Ok(Data(data)) -> read_all_loop(fd, size, timeout, <<acc:bits, data:bits>>)
    Ok(Eof) -> Ok(acc)
    Error(e) -> Error(e)
  }
}

/// Folds over `fd`'s input to the end, one chunk at a time, with back-pressure:
/// the descriptor is set to `ActiveOnce`, and only after `with` has consumed a
/// chunk is the next one asked for, so neither the Java node nor this
/// process's mailbox holds more than one chunk. Each wait for a chunk lasts
/// at most `timeout` ms. The caller must be the controlling process. Returns
/// the final accumulator at end of input; a read error or a timeout ends the
/// fold with that error (the chunks folded so far are lost with `acc`).
pub fn fold_active(
  fd: Fd,
  from initial: acc,
  with fun: fn(acc, BitArray) -> acc,
  within timeout: Int,
) -> Result(acc, FdError) {
  case set_mode(fd, ActiveOnce) {
    Ok(Nil) -> fold_active_loop(fd, initial, fun, timeout)
    Error(e) -> Error(e)
  }
}

fn fold_active_loop(
  fd: Fd,
  acc: acc,
  fun: fn(acc, BitArray) -> acc,
  timeout: Int,
) -> Result(acc, FdError) {
  case receive(fd, within: timeout) {
    Ok(Chunk(data)) -> fold_active_loop(fd, fun(acc, data), fun, timeout)
    Ok(NowPassive) ->
      case set_mode(fd, ActiveOnce) {
        Ok(Nil) -> fold_active_loop(fd, acc, fun, timeout)
        Error(e) -> Error(e)
      }
    Ok(EndOfInput) -> Ok(acc)
    Ok(ReadError(e)) -> Error(e)
    Error(e) -> Error(e)
  }
}

/// Connects a TCP socket on the Java node to `host` (a name, an IPv4 or an
/// IPv6 literal) and `port`. The calling process owns it and is its
/// controlling process; read, write, `set_mode` and `close` work on it as on
/// any descriptor. The connect gives up after `timeout` ms (`Etimedout`);
/// other failures: `Econnrefused`, `Enetunreach`, `Ehostunreach`, `Nxdomain`,
/// `Einval` (port outside 1..65535).
@external(erlang, "fdnode_active_ffi", "tcp_connect")
pub fn tcp_connect(
  on node: Node,
  host host: String,
  port port: Int,
  within timeout: Int,
) -> Result(Fd, FdError)

/// Bytes of JVM heap the Java node uses; with `after_gc` it runs a full
/// garbage collection first, so the number is what it really retains (used
/// to check that a slow receiver does not make the node buffer).
@external(erlang, "fdnode_active_ffi", "heap_used")
pub fn heap_used(of node: Node, after_gc collect: Bool) -> Result(Int, FdError)

// ---------------------------------------------------------------- sockets

/// A socket option, for `tcp_listen`, `udp_open`, `tcp_connect_with` and
/// `set_options`. The bind options (`Ip`, `Inet6`, `Backlog`) only apply when
/// a socket is opened. The mode (`active`) is set with `set_mode`.
pub type SocketOption {
  /// TCP_NODELAY: send small segments at once.
  Nodelay(Bool)
  /// SO_KEEPALIVE.
  Keepalive(Bool)
  /// SO_REUSEADDR (on by default for `tcp_listen`, off for `udp_open`).
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
  NodelayOption
  KeepaliveOption
  ReuseaddrOption
  SndbufOption
  RecbufOption
}

/// A UDP datagram and its sender (`from` is an IPv4 or IPv6 literal).
pub type Datagram {
  Datagram(from: String, port: Int, data: BitArray)
}

/// What active delivery tells the controlling process of a UDP socket
/// (`{fdnode_udp, Fd, Ip, Port, Data}`, `{fdnode_error, Fd, Reason}`,
/// `{fdnode_passive, Fd}` in Erlang).
pub type UdpEvent {
  /// A datagram, with its sender.
  UdpData(Datagram)
  /// A receive failed.
  UdpError(FdError)
  /// `ActiveOnce` delivered its datagram: the socket is `Passive` again.
  UdpPassive
}

/// A listening TCP socket on `port` (0: any free port, see `local_port`),
/// owned by the calling process.
@external(erlang, "fdnode_net_ffi", "tcp_listen")
pub fn tcp_listen(
  on node: Node,
  port port: Int,
  options options: List(SocketOption),
) -> Result(Fd, FdError)

/// Waits up to `timeout` ms for a connection (`Error(Timeout)` if none).
/// The calling process owns the accepted socket; one accepted after the
/// caller gave up is closed again by fdnode, never leaked.
@external(erlang, "fdnode_net_ffi", "accept")
pub fn accept(listener: Fd, within timeout: Int) -> Result(Fd, FdError)

/// `tcp_connect` with socket options, set once connected.
@external(erlang, "fdnode_net_ffi", "tcp_connect")
pub fn tcp_connect_with(
  on node: Node,
  host host: String,
  port port: Int,
  options options: List(SocketOption),
  within timeout: Int,
) -> Result(Fd, FdError)

/// Sends all of `data` on a connected socket. A peer that has gone gives
/// `Error(Closed)` (no SIGPIPE can reach the Java node).
@external(erlang, "fdnode_net_ffi", "send")
pub fn send(socket: Fd, data data: BitArray) -> Result(Nil, FdError)

/// Passive receive: waits up to `timeout` ms for input, then returns up to
/// `size` bytes (0: whatever is there). `Error(Timeout)` when nothing came.
/// Also works on pipes and FIFOs.
@external(erlang, "fdnode_net_ffi", "recv")
pub fn recv(
  socket: Fd,
  bytes size: Int,
  within timeout: Int,
) -> Result(Read, FdError)

/// A UDP socket bound to `port` (0: any), owned by the calling process.
@external(erlang, "fdnode_net_ffi", "udp_open")
pub fn udp_open(
  on node: Node,
  port port: Int,
  options options: List(SocketOption),
) -> Result(Fd, FdError)

/// Sends one datagram to `host:port`.
@external(erlang, "fdnode_net_ffi", "send_to")
pub fn send_to(
  socket: Fd,
  host host: String,
  port port: Int,
  data data: BitArray,
) -> Result(Nil, FdError)

/// Passive: waits up to `timeout` ms for one datagram.
@external(erlang, "fdnode_net_ffi", "recv_from")
pub fn recv_from(socket: Fd, within timeout: Int) -> Result(Datagram, FdError)

/// Waits up to `timeout` ms for the next active-delivery message about the
/// UDP socket `socket` (others stay in the mailbox); `Error(Timeout)` if none.
@external(erlang, "fdnode_net_ffi", "receive_udp")
pub fn receive_udp(socket: Fd, within timeout: Int) -> Result(UdpEvent, FdError)

/// Sets socket options (not `Ip`/`Inet6`/`Backlog`).
@external(erlang, "fdnode_net_ffi", "set_options")
pub fn set_options(
  socket: Fd,
  options: List(SocketOption),
) -> Result(Nil, FdError)

/// Reads socket options, in the order asked.
@external(erlang, "fdnode_net_ffi", "get_options")
pub fn get_options(
  socket: Fd,
  names: List(OptionName),
) -> Result(List(SocketOption), FdError)

/// The connected peer's address and port.
@external(erlang, "fdnode_net_ffi", "peername")
pub fn peername(socket: Fd) -> Result(#(String, Int), FdError)

/// The address and port the socket is bound to.
@external(erlang, "fdnode_net_ffi", "sockname")
pub fn sockname(socket: Fd) -> Result(#(String, Int), FdError)

/// The local port of a socket.
pub fn local_port(socket: Fd) -> Result(Int, FdError) {
  case sockname(socket) {
    Ok(#(_, port)) -> Ok(port)
    Error(e) -> Error(e)
  }
}

// ---------------------------------------------------------------- files

/// What kind of file `file_info` found.
pub type FileKind {
  Regular
  Directory
  Symlink
  /// A character or block device.
  Device
  /// A FIFO, a socket, or anything else.
  OtherKind
}

/// File metadata: size in bytes, kind, permission bits, modification time
/// in POSIX seconds.
pub type FileInfo {
  FileInfo(size: Int, kind: FileKind, mode: Int, mtime: Int)
}

/// Metadata of `path` (under the node's roots; a symlink is reported as
/// `Symlink`, not followed).
@external(erlang, "fdnode_net_ffi", "file_info")
pub fn file_info(on node: Node, path path: String) -> Result(FileInfo, FdError)

/// Metadata of an open descriptor.
@external(erlang, "fdnode_net_ffi", "fd_file_info")
pub fn fd_file_info(fd: Fd) -> Result(FileInfo, FdError)

/// The names in a directory, sorted, without `.` and `..`.
@external(erlang, "fdnode_net_ffi", "list_dir")
pub fn list_dir(on node: Node, path path: String) -> Result(List(String), FdError)

/// Creates a directory (mode 0o755 less the umask).
@external(erlang, "fdnode_net_ffi", "make_dir")
pub fn make_dir(on node: Node, path path: String) -> Result(Nil, FdError)

/// Deletes a file (a symlink itself, not its target; `Eisdir` for a directory).
@external(erlang, "fdnode_net_ffi", "delete_file")
pub fn delete_file(on node: Node, path path: String) -> Result(Nil, FdError)

/// Deletes an empty directory (`Enotempty` otherwise).
@external(erlang, "fdnode_net_ffi", "delete_dir")
pub fn delete_dir(on node: Node, path path: String) -> Result(Nil, FdError)

/// Renames within the node's roots.
@external(erlang, "fdnode_net_ffi", "rename")
pub fn rename(
  on node: Node,
  from from: String,
  to to: String,
) -> Result(Nil, FdError)
