//// Starting, reaching and stopping a Java node.
////
//// `start` runs the Java node as a port of a local launcher process, so the
//// JVM never outlives this BEAM. The jar is `with_jar`'s, else `FDNODE_JAR`'s,
//// else the `fdnode.jar` that the build puts in this package's `priv/`
//// (found through the `fdnode` application's priv directory, as a Gleam,
//// rebar3 or Mix build lays it out). A BEAM that is not distributed (a plain
//// `gleam run`) becomes a short-named node (`with_local_name`), with its
//// usual cookie (`~/.erlang.cookie`), once every option has been checked: a
//// start that fails on an option changes nothing. The JVM gets the cookie
//// in its environment, never on its command line.
////
//// ## Example
////
//// ```gleam
//// import fdnode/node
////
//// pub fn main() {
////   let options =
////     node.start_options()
////     |> node.with_jar("/opt/fdnode/fdnode.jar")
////     |> node.with_root("/srv/data")
////   case node.start(options) {
////     Ok(n) -> {
////       // ... use fdnode, fdnode/tcp, fdnode/fs with `n` ...
////       let assert Ok(Nil) = node.stop(n, within: 10_000)
////     }
////     Error(node.NoRoot) -> io.println("give a root or set FDNODE_ROOTS")
////     Error(e) -> io.println(node.describe_start_error(e))
////   }
//// }
//// ```

import fdnode

/// How to start a Java node: see `start_options` and the `with_*` functions.
pub opaque type StartOptions {
  StartOptions(
    jar: String,
    java: String,
    name: String,
    roots: List(String),
    ready_timeout: Int,
    args: List(String),
    jvm_args: Result(List(String), Nil),
    link: Bool,
    log: Bool,
    local_name: String,
  )
}

/// Why `start` failed.
pub type StartError {
  /// This BEAM is not distributed and could not become so: the reason.
  NotDistributed(String)
  /// epmd (the Erlang port mapper) is not running and could not be started.
  EpmdUnreachable
  /// No jar given, `FDNODE_JAR` is not set, and fdnode's code is not laid
  /// out as an application (so it has no priv directory to look in).
  NoJar
  /// The jar does not exist (the one given, or `fdnode.jar` in fdnode's
  /// priv directory when the build has not put it there).
  JarNotFound(String)
  /// No `java` on the PATH (or the given one does not exist).
  JavaNotFound
  /// No root directory given and `FDNODE_ROOTS` is not set.
  NoRoot
  /// A root directory does not exist (or is not a directory).
  RootNotFound(String)
  /// The node name is already taken (by another Erlang or Java node).
  NameTaken(String)
  /// The JVM exited before it was ready.
  JavaExited(status: Int, output: String)
  /// No `fdnode ready` line in time.
  ReadyTimeout(output: String)
  /// It started but does not answer.
  Unreachable
  /// The JVM could not be spawned.
  CannotSpawn(String)
}

/// A human readable description of a start error.
///
/// ## Example
///
/// ```gleam
/// case node.start(node.start_options()) {
///   Ok(n) -> run(n)
///   Error(e) -> io.println("fdnode: " <> node.describe_start_error(e))
/// }
/// ```
pub fn describe_start_error(error: StartError) -> String {
  case error {
    NotDistributed(why) ->
      "this BEAM could not become a distributed node: " <> why
    EpmdUnreachable -> "epmd is not running (start it with: epmd -daemon)"
    NoJar ->
      "no fdnode.jar: use with_jar, set FDNODE_JAR, or build it into fdnode's priv/"
    JarNotFound(jar) -> "no such jar: " <> jar
    JavaNotFound -> "no java executable found"
    NoRoot -> "no root directory: use with_root or set FDNODE_ROOTS"
    RootNotFound(root) -> "root is not a directory: " <> root
    NameTaken(name) -> "node name already in use: " <> name
    JavaExited(_, output) ->
      "the Java node exited before it was ready: " <> output
    ReadyTimeout(_) -> "the Java node did not get ready in time"
    Unreachable -> "the Java node started but does not answer"
    CannotSpawn(why) -> "cannot run java: " <> why
  }
}

/// Defaults: jar from `FDNODE_JAR`, else from fdnode's `priv/`, `java` from
/// the PATH, a unique node name,
/// roots from `FDNODE_ROOTS` (colon-separated), 30 s to get ready, linked to
/// the caller, the launcher's default JVM flags.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(n) =
///   node.start_options()
///   |> node.with_root("/srv/data")
///   |> node.start
/// ```
pub fn start_options() -> StartOptions {
  StartOptions(
    jar: "",
    java: "",
    name: "",
    roots: [],
    ready_timeout: 30_000,
    args: [],
    jvm_args: Error(Nil),
    link: True,
    log: False,
    local_name: "",
  )
}

/// Use this fdnode.jar (instead of `FDNODE_JAR` or the one in fdnode's `priv/`).
///
/// ## Example
///
/// ```gleam
/// let options = node.start_options() |> node.with_jar("/opt/fdnode/fdnode.jar")
/// ```
pub fn with_jar(options: StartOptions, jar: String) -> StartOptions {
  StartOptions(..options, jar: jar)
}

/// Use this java executable.
///
/// ## Example
///
/// ```gleam
/// let options = node.start_options() |> node.with_java("/usr/lib/jvm/java-17/bin/java")
/// ```
pub fn with_java(options: StartOptions, java: String) -> StartOptions {
  StartOptions(..options, java: java)
}

/// The Java node's name, `"name"` or `"name@host"`.
///
/// ## Example
///
/// ```gleam
/// // other BEAMs can then reach it as fdnode_files@<this host>
/// let options = node.start_options() |> node.with_name("fdnode_files")
/// ```
pub fn with_name(options: StartOptions, name: String) -> StartOptions {
  StartOptions(..options, name: name)
}

/// Allow files under this directory (may be given several times; replaces
/// `FDNODE_ROOTS`).
///
/// ## Example
///
/// ```gleam
/// let options =
///   node.start_options()
///   |> node.with_root("/srv/data")
///   |> node.with_root("/var/spool/app")
/// ```
pub fn with_root(options: StartOptions, root: String) -> StartOptions {
  StartOptions(..options, roots: [root, ..options.roots])
}

/// Milliseconds to wait for the node to be ready.
///
/// ## Example
///
/// ```gleam
/// // a slow machine: give the JVM a minute to start
/// let options = node.start_options() |> node.with_ready_timeout(60_000)
/// ```
pub fn with_ready_timeout(options: StartOptions, ms: Int) -> StartOptions {
  StartOptions(..options, ready_timeout: ms)
}

/// Extra arguments for the Java node, e.g. `["--max-fds", "64"]`.
///
/// ## Example
///
/// ```gleam
/// let options =
///   node.start_options()
///   |> node.with_args(["--max-fds", "64", "--log-level", "debug"])
/// ```
pub fn with_args(options: StartOptions, args: List(String)) -> StartOptions {
  StartOptions(..options, args: args)
}

/// JVM flags, replacing the launcher's defaults (a small serial-GC JVM, and
/// the class-data archive `fdnode.jsa` next to the jar when there is one).
///
/// ## Example
///
/// ```gleam
/// let options = node.start_options() |> node.with_jvm_args(["-Xmx256m"])
/// ```
pub fn with_jvm_args(
  options: StartOptions,
  args: List(String),
) -> StartOptions {
  StartOptions(..options, jvm_args: Ok(args))
}

/// Whether the node lives only as long as the calling process (default
/// `True`: the local launcher process is linked to the caller and stops the
/// node when the caller exits, for any reason). A Java node crash never kills
/// the caller. With `False` the node runs until `stop` or until the BEAM stops.
///
/// ## Example
///
/// ```gleam
/// // started by a short-lived setup process, used by others
/// let options = node.start_options() |> node.with_link(False)
/// ```
pub fn with_link(options: StartOptions, link: Bool) -> StartOptions {
  StartOptions(..options, link: link)
}

/// Echo the Java node's output to standard error.
///
/// ## Example
///
/// ```gleam
/// let options = node.start_options() |> node.with_log(True)
/// ```
pub fn with_log(options: StartOptions, log: Bool) -> StartOptions {
  StartOptions(..options, log: log)
}

/// The short name this BEAM takes if `start` has to make it distributed
/// (default a unique `fdnode_client_...`).
///
/// ## Example
///
/// ```gleam
/// // `gleam run` starts a BEAM without a name: call it myapp@<host>
/// let options = node.start_options() |> node.with_local_name("myapp")
/// ```
pub fn with_local_name(options: StartOptions, name: String) -> StartOptions {
  StartOptions(..options, local_name: name)
}

/// Starts a Java node and waits until it is ready and answers.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(n) =
///   node.start(node.start_options() |> node.with_root("/tmp"))
/// ```
@external(erlang, "fdnode_node_ffi", "start")
pub fn start(options: StartOptions) -> Result(fdnode.Node, StartError)

/// Stops a Java node started by `start` (closes its stdin) and waits up to
/// `timeout` ms until the JVM has exited, then kills it. `Error(NotStarted)`
/// if this BEAM node did not start it.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(Nil) = node.stop(n, within: 10_000)
/// ```
@external(erlang, "fdnode_node_ffi", "stop")
pub fn stop(
  node: fdnode.Node,
  within timeout: Int,
) -> Result(Nil, fdnode.FdError)

/// Asks a Java node (started by `start` or run by an operator) to stop: it
/// answers, then takes no new calls (`ShuttingDown`), finishes or fails the
/// calls in flight, closes every descriptor and exits with status 0.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(Nil) = node.shutdown(n, within: 5000)
/// let assert Ok(node.Exit(status: 0, ..)) = node.await_exit(n, within: 30_000)
/// ```
@external(erlang, "fdnode_node_ffi", "shutdown")
pub fn shutdown(
  node: fdnode.Node,
  within timeout: Int,
) -> Result(Nil, fdnode.FdError)

/// How the JVM of a node started by `start` ended.
pub type Exit {
  Exit(status: Int, output: List(String))
}

/// Waits up to `timeout` ms until the JVM of a node started by `start` exits
/// (after `shutdown`, a signal, or a crash) and returns its exit status and
/// its last lines of output. `Error(Timeout)`, or `Error(NotStarted)` for a
/// node this BEAM did not start.
///
/// ## Example
///
/// ```gleam
/// case node.await_exit(n, within: 30_000) {
///   Ok(node.Exit(status: 0, ..)) -> Nil
///   Ok(node.Exit(status: status, output: last_lines)) -> report(status, last_lines)
///   Error(e) -> io.println(fdnode.describe_error(e))
/// }
/// ```
@external(erlang, "fdnode_node_ffi", "await_exit")
pub fn await_exit(
  node: fdnode.Node,
  within timeout: Int,
) -> Result(Exit, fdnode.FdError)

/// Connects to a running Java node (for example one run by an operator) and
/// checks that it answers.
///
/// ## Example
///
/// ```gleam
/// let n = node.from_string("fdnode@myhost")
/// let assert Ok(Nil) = node.connect(n, within: 5000)
/// ```
@external(erlang, "fdnode_node_ffi", "connect")
pub fn connect(
  node: fdnode.Node,
  within timeout: Int,
) -> Result(Nil, fdnode.FdError)

/// The OS pid of the JVM of a node started by `start`.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(pid) = node.os_pid(n)
/// io.println("the Java node runs as OS process " <> int.to_string(pid))
/// ```
@external(erlang, "fdnode_node_ffi", "os_pid")
pub fn os_pid(node: fdnode.Node) -> Result(Int, fdnode.FdError)

/// A node name such as `"fdnode@myhost"`.
///
/// ## Example
///
/// ```gleam
/// let n = node.from_string("fdnode@myhost")
/// ```
@external(erlang, "fdnode_node_ffi", "from_string")
pub fn from_string(name: String) -> fdnode.Node

/// The node's name.
///
/// ## Example
///
/// ```gleam
/// io.println("connected to " <> node.to_string(n))
/// ```
@external(erlang, "fdnode_node_ffi", "to_string")
pub fn to_string(node: fdnode.Node) -> String

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
    /// Workers running a blocking call (a FIFO read, a `sync`) now.
    busy_workers: Int,
    /// Calls waiting for a free worker. With every worker busy and this
    /// queue full, a call that needs a worker gets `Error(Eagain)`.
    queued_calls: Int,
  )
}

/// Counters of a Java node: open descriptors (in total and per owner node),
/// pending asynchronous operations, bytes read and written, descriptors in an
/// active mode, uptime, and how busy its worker pool is.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(stats) = node.stats(of: n, within: 5000)
/// io.println(int.to_string(stats.open_fds) <> " descriptors open")
/// ```
@external(erlang, "fdnode_node_ffi", "stats")
pub fn stats(
  of node: fdnode.Node,
  within timeout: Int,
) -> Result(Stats, fdnode.FdError)

/// Bytes of JVM heap the Java node uses; with `after_gc` it runs a full
/// garbage collection first, so the number is what it really retains.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(bytes) = node.heap_used(of: n, after_gc: True, within: 5000)
/// ```
@external(erlang, "fdnode_node_ffi", "heap_used")
pub fn heap_used(
  of node: fdnode.Node,
  after_gc collect: Bool,
  within timeout: Int,
) -> Result(Int, fdnode.FdError)
