//// Integration tests: the Gleam API against a real Java node started by the
//// tests (fdnode_test_ffi:shared_node/0), on a real BEAM.

import fdnode.{
  Absolute, Active, ActiveOnce, Closed, Create, Data, Eacces, Eexist, Einval,
  Eisdir, Enoent, Eof, Exclusive, FdInfo, FromEnd, InvalidHandle, NodeDown,
  NotOwner, Passive, Read, Relative, Released, Timeout, Unknown, Usable, Write,
}
import fdnode/active.{Completed, InputClosed, Received, WentPassive}
import fdnode/node.{Stats} as fdnode_node

/// `gleam test` runs this: the whole suite (every `*_test` module) under
/// EUnit, with no test framework dependency. `make test` runs the same
/// tests through scripts/gleam-test.sh.
pub fn main() -> Nil {
  run_suite()
}

@external(erlang, "fdnode_test_ffi", "run_suite")
fn run_suite() -> Nil

// ---------------------------------------------------------------- helpers

@external(erlang, "fdnode_test_ffi", "shared_node")
fn shared_node() -> fdnode.Node

@external(erlang, "fdnode_test_ffi", "start_private_node")
fn start_private_node() -> fdnode.Node

@external(erlang, "fdnode_test_ffi", "fixture")
fn fixture(name: String) -> String

@external(erlang, "fdnode_test_ffi", "fresh_path")
fn fresh_path(prefix: String) -> String

@external(erlang, "fdnode_test_ffi", "root")
fn root() -> String

@external(erlang, "fdnode_test_ffi", "forge_token")
fn forge_token(fd: fdnode.Fd(k)) -> fdnode.Fd(k)

@external(erlang, "fdnode_test_ffi", "forge_id")
fn forge_id(fd: fdnode.Fd(k)) -> fdnode.Fd(k)

@external(erlang, "fdnode_test_ffi", "spawn_holder")
fn spawn_holder(f: fn() -> a) -> #(fdnode.Pid, a)

@external(erlang, "fdnode_test_ffi", "run_in")
fn run_in(pid: fdnode.Pid, f: fn() -> a) -> a

@external(erlang, "fdnode_test_ffi", "stop_holder")
fn stop_holder(pid: fdnode.Pid) -> Nil

@external(erlang, "fdnode_test_ffi", "kill_holder")
fn kill_holder(pid: fdnode.Pid) -> Nil

@external(erlang, "fdnode_test_ffi", "has_fd_to")
fn has_fd_to(node: fdnode.Node, path: String) -> Bool

@external(erlang, "fdnode_test_ffi", "wait_until")
fn wait_until(pred: fn() -> Bool, timeout_ms: Int) -> Bool

@external(erlang, "fdnode_test_ffi", "assert_equal")
fn assert_equal(got: a, expected: a) -> Nil

@external(erlang, "fdnode_test_ffi", "assert_true")
fn assert_true(condition: Bool) -> Nil

@external(erlang, "fdnode_test_ffi", "kill_jvm")
fn kill_jvm(node: fdnode.Node) -> Nil

@external(erlang, "fdnode_test_ffi", "monotonic_ms")
fn monotonic_ms() -> Int

@external(erlang, "fdnode_test_ffi", "async")
fn async(f: fn() -> a) -> fdnode.Pid

@external(erlang, "fdnode_test_ffi", "await")
fn await(task: fdnode.Pid, timeout_ms: Int) -> Result(a, Nil)

@external(erlang, "fdnode_test_ffi", "mailbox")
fn mailbox() -> String

@external(erlang, "fdnode_test_ffi", "wait_blocked_in_read")
fn wait_blocked_in_read(node: fdnode.Node, raw_fd: Int, timeout_ms: Int) -> Bool

@external(erlang, "fdnode_test_ffi", "os_process_alive")
fn os_process_alive(os_pid: Int) -> Bool

fn is_error(result: Result(a, e)) -> Bool {
  case result {
    Ok(_) -> False
    Error(_) -> True
  }
}

// The descriptor is gone on the Java node: `info` no longer answers for it.
fn fd_gone(fd: fdnode.Fd(k)) -> Bool {
  case fdnode.info(fd, within: 5000) {
    Error(Closed) | Error(InvalidHandle) -> True
    Ok(FdInfo(state: Released, ..)) -> True
    _ -> False
  }
}

// ---------------------------------------------------------------- files

pub fn open_read_close_test() {
  let node = shared_node()
  let assert Ok(fd) =
    fdnode.open(on: node, path: fixture("hello.txt"), options: [Read], within: 5000)
  assert_equal(fdnode.read(fd, bytes: 5, within: 5000), Ok(Data(<<"hello":utf8>>)))
  assert_equal(
    fdnode.read(fd, bytes: 100, within: 5000),
    Ok(Data(<<", fdnode\nsecond line\n":utf8>>)),
  )
  assert_equal(fdnode.read(fd, bytes: 100, within: 5000), Ok(Eof))
  assert_equal(fdnode.node_of(fd), node)
  assert_equal(fdnode.close(fd, within: 5000), Ok(Nil))
  assert_equal(fdnode.read(fd, bytes: 1, within: 5000), Error(Closed))
  assert_equal(fdnode.close(fd, within: 5000), Error(Closed))
}

pub fn write_pread_pwrite_position_sync_test() {
  let node = shared_node()
  let path = fresh_path("rw")
  let assert Ok(fd) =
    fdnode.open(on: node, path: path, options: [Read, Write, Create, Exclusive], within: 5000)
  assert_equal(fdnode.write(fd, data: <<"abcdef":utf8>>, within: 5000), Ok(Nil))
  assert_equal(fdnode.position(fd, to: Relative(0), within: 5000), Ok(6))
  assert_equal(fdnode.position(fd, to: Absolute(0), within: 5000), Ok(0))
  assert_equal(fdnode.read(fd, bytes: 3, within: 5000), Ok(Data(<<"abc":utf8>>)))
  assert_equal(fdnode.pwrite(fd, at: 1, data: <<"XY":utf8>>, within: 5000), Ok(Nil))
  assert_equal(fdnode.pread(fd, at: 0, bytes: 100, within: 5000), Ok(Data(<<"aXYdef":utf8>>)))
  assert_equal(fdnode.pread(fd, at: 100, bytes: 10, within: 5000), Ok(Eof))
  // pread/pwrite leave the sequential offset alone
  assert_equal(fdnode.position(fd, to: Relative(0), within: 5000), Ok(3))
  assert_equal(fdnode.position(fd, to: FromEnd(-1), within: 5000), Ok(5))
  assert_equal(fdnode.read(fd, bytes: 10, within: 5000), Ok(Data(<<"f":utf8>>)))
  assert_equal(fdnode.sync(fd, within: 5000), Ok(Nil))
  let assert Ok(info) = fdnode.info(fd, within: 5000)
  assert_equal(info.owner, fdnode.self())
  assert_equal(info.controller, fdnode.self())
  assert_equal(info.mode, Passive)
  assert_equal(info.state, Usable)
  assert_equal(info.offset, 6)
  assert_true(info.fd >= 0)
  assert_equal(fdnode.close(fd, within: 5000), Ok(Nil))
  // the data reached the file
  let assert Ok(again) = fdnode.open(on: node, path: path, options: [], within: 5000)
  assert_equal(fdnode.read(again, bytes: 100, within: 5000), Ok(Data(<<"aXYdef":utf8>>)))
  assert_equal(fdnode.close(again, within: 5000), Ok(Nil))
}

pub fn append_and_truncate_test() {
  let node = shared_node()
  let path = fresh_path("append")
  let assert Ok(fd) =
    fdnode.open(
      on: node,
      path: path,
      options: [Write, Create, fdnode.Permissions(0o600)],
      within: 5000,
    )
  assert_equal(fdnode.write(fd, data: <<"one":utf8>>, within: 5000), Ok(Nil))
  assert_equal(fdnode.close(fd, within: 5000), Ok(Nil))
  let assert Ok(fd) =
    fdnode.open(on: node, path: path, options: [Write, fdnode.Append], within: 5000)
  assert_equal(fdnode.write(fd, data: <<"two":utf8>>, within: 5000), Ok(Nil))
  assert_equal(fdnode.close(fd, within: 5000), Ok(Nil))
  let assert Ok(fd) = fdnode.open(on: node, path: path, options: [Read], within: 5000)
  assert_equal(fdnode.read(fd, bytes: 100, within: 5000), Ok(Data(<<"onetwo":utf8>>)))
  assert_equal(fdnode.close(fd, within: 5000), Ok(Nil))
  let assert Ok(fd) =
    fdnode.open(on: node, path: path, options: [Read, Write, fdnode.Truncate], within: 5000)
  assert_equal(fdnode.read(fd, bytes: 100, within: 5000), Ok(Eof))
  assert_equal(fdnode.close(fd, within: 5000), Ok(Nil))
}

// ---------------------------------------------------------------- errors

pub fn open_missing_file_is_enoent_test() {
  let node = shared_node()
  assert_equal(
    fdnode.open(on: node, path: fixture("no_such_file.txt"), options: [Read], within: 5000),
    Error(Enoent),
  )
}

pub fn open_directory_for_writing_is_eisdir_test() {
  let node = shared_node()
  assert_equal(
    fdnode.open(on: node, path: fixture("subdir"), options: [Read, Write], within: 5000),
    Error(Eisdir),
  )
}

pub fn open_outside_roots_is_eacces_test() {
  let node = shared_node()
  assert_equal(
    fdnode.open(on: node, path: "/etc/hostname", options: [Read], within: 5000),
    Error(Eacces),
  )
  assert_equal(
    fdnode.open(on: node, path: root() <> "/../../etc/hostname", options: [
      Read,
    ], within: 5000),
    Error(Eacces),
  )
}

pub fn exclusive_create_of_existing_file_is_eexist_test() {
  let node = shared_node()
  assert_equal(
    fdnode.open(on: node, path: fixture("hello.txt"), options: [
      Write,
      Create,
      Exclusive,
    ], within: 5000),
    Error(Eexist),
  )
}

pub fn forged_handles_are_invalid_test() {
  let node = shared_node()
  let assert Ok(fd) =
    fdnode.open(on: node, path: fixture("hello.txt"), options: [Read], within: 5000)
  assert_equal(fdnode.read(forge_token(fd), bytes: 1, within: 5000), Error(InvalidHandle))
  assert_equal(fdnode.read(forge_id(fd), bytes: 1, within: 5000), Error(InvalidHandle))
  assert_equal(fdnode.close(forge_token(fd), within: 5000), Error(InvalidHandle))
  // the real handle still works
  assert_equal(fdnode.read(fd, bytes: 5, within: 5000), Ok(Data(<<"hello":utf8>>)))
  assert_equal(fdnode.close(fd, within: 5000), Ok(Nil))
}

pub fn unknown_node_is_nodedown_test() {
  let nowhere = fdnode_node.from_string("fdnode_nowhere@localhost")
  assert_equal(fdnode_node.connect(nowhere, within: 5000), Error(NodeDown))
  assert_equal(fdnode.open(on: nowhere, path: "/x", options: [], within: 5000), Error(NodeDown))
  assert_equal(fdnode_node.stop(nowhere, within: 10_000), Error(fdnode.NotStarted))
}

pub fn describe_error_test() {
  assert_equal(fdnode.describe_error(Enoent), "No such file or directory")
  assert_equal(
    fdnode.describe_error(Unknown("errno_131")),
    "Unknown error: errno_131",
  )
}

// ---------------------------------------------------------------- ownership

pub fn controlling_process_transfer_and_not_owner_test() {
  let node = shared_node()
  let assert Ok(fd) =
    fdnode.open(on: node, path: fixture("hello.txt"), options: [Read], within: 5000)
  let #(other, Nil) = spawn_holder(fn() { Nil })
  // not the controlling process yet
  assert_equal(
    run_in(other, fn() { fdnode.set_mode(fd, to: Passive, within: 5000) }),
    Error(NotOwner),
  )
  assert_equal(
    run_in(other, fn() { fdnode.controlling_process(fd, to: fdnode.self(), within: 5000) }),
    Error(NotOwner),
  )
  // anyone may read
  assert_equal(
    run_in(other, fn() { fdnode.read(fd, bytes: 5, within: 5000) }),
    Ok(Data(<<"hello":utf8>>)),
  )
  assert_equal(fdnode.controlling_process(fd, to: other, within: 5000), Ok(Nil))
  let assert Ok(info) = fdnode.info(fd, within: 5000)
  assert_equal(info.owner, other)
  assert_equal(info.controller, other)
  assert_equal(fdnode.set_mode(fd, to: Passive, within: 5000), Error(NotOwner))
  assert_equal(fdnode.controlling_process(fd, to: fdnode.self(), within: 5000), Error(NotOwner))
  assert_equal(run_in(other, fn() { fdnode.set_mode(fd, to: Passive, within: 5000) }), Ok(Nil))
  // the new owner's exit closes it; the old owner's life does not matter
  stop_holder(other)
  assert_true(wait_until(fn() { fd_gone(fd) }, 5000))
}

fn owner_exit_closes(end: fn(fdnode.Pid) -> Nil) {
  let node = shared_node()
  let path = fresh_path("owned")
  let #(owner, fd) =
    spawn_holder(fn() {
      let assert Ok(fd) =
        fdnode.open(on: node, path: path, options: [Write, Create], within: 5000)
      fd
    })
  assert_true(has_fd_to(node, path))
  let assert Ok(info) = fdnode.info(fd, within: 5000)
  assert_equal(info.owner, owner)
  end(owner)
  assert_true(wait_until(fn() { fd_gone(fd) }, 5000))
  assert_true(wait_until(fn() { !has_fd_to(node, path) }, 5000))
}

pub fn owner_exit_closes_its_fds_test() {
  owner_exit_closes(stop_holder)
}

pub fn owner_killed_closes_its_fds_test() {
  owner_exit_closes(kill_holder)
}

// ---------------------------------------------------------------- pipes, modes

pub fn pipe_read_write_eof_test() {
  let node = shared_node()
  let assert Ok(#(r, w)) = fdnode.pipe(on: node, within: 5000)
  assert_equal(fdnode.write(w, data: <<"ping":utf8>>, within: 5000), Ok(Nil))
  assert_equal(fdnode.read(r, bytes: 100, within: 5000), Ok(Data(<<"ping":utf8>>)))
  assert_equal(fdnode.close(w, within: 5000), Ok(Nil))
  assert_equal(fdnode.read(r, bytes: 100, within: 5000), Ok(Eof))
  assert_equal(fdnode.close(r, within: 5000), Ok(Nil))
}

pub fn active_modes_deliver_messages_test() {
  let node = shared_node()
  let assert Ok(#(r, w)) = fdnode.pipe(on: node, within: 5000)
  assert_equal(fdnode.set_mode(r, to: ActiveOnce, within: 5000), Ok(Nil))
  assert_equal(fdnode.write(w, data: <<"x":utf8>>, within: 5000), Ok(Nil))
  assert_equal(active.receive(within: 5000), Ok(Received(fdnode.forget_kind(r), <<"x":utf8>>)))
  assert_equal(fdnode.set_mode(r, to: Active, within: 5000), Ok(Nil))
  assert_equal(fdnode.read(r, bytes: 1, within: 5000), Error(Einval))
  assert_equal(fdnode.write(w, data: <<"y":utf8>>, within: 5000), Ok(Nil))
  assert_equal(next_data(r, 5000), Ok(Received(fdnode.forget_kind(r), <<"y":utf8>>)))
  assert_equal(fdnode.close(w, within: 5000), Ok(Nil))
  assert_equal(next_data(r, 5000), Ok(InputClosed(fdnode.forget_kind(r))))
  let _ = fdnode.close(r, within: 5000)
  Nil
}

// The next message other than WentPassive (whose timing after an ActiveOnce
// delivery is the Java node's business).
fn next_data(
  fd: fdnode.Fd(k),
  timeout: Int,
) -> Result(active.Message(fdnode.AnyKind), fdnode.FdError) {
  let me = fdnode.forget_kind(fd)
  case active.receive(within: timeout) {
    Ok(WentPassive(f)) if f == me -> next_data(fd, timeout)
    other -> other
  }
}

pub fn close_async_completes_test() {
  let node = shared_node()
  let assert Ok(fd) =
    fdnode.open(on: node, path: fixture("hello.txt"), options: [Read], within: 5000)
  let assert Ok(op) = fdnode.close_async(fd, within: 5000)
  assert_equal(active.receive(within: 5000), Ok(Completed(op, Ok(Nil))))
  assert_true(fd_gone(fd))
}

pub fn stats_counts_open_fds_test() {
  let node = shared_node()
  let assert Ok(fd) =
    fdnode.open(on: node, path: fixture("hello.txt"), options: [Read], within: 5000)
  let assert Ok(Stats(open_fds: n, ..)) = fdnode_node.stats(of: node, within: 5000)
  assert_true(n >= 1)
  assert_equal(fdnode.close(fd, within: 5000), Ok(Nil))
}

pub fn timeout_leaves_no_stray_reply_test() {
  let node = shared_node()
  let assert Ok(#(r, w)) = fdnode.pipe(on: node, within: 5000)
  let before = mailbox()
  // nothing to read: the call times out; the late answer must not arrive here
  assert_equal(fdnode.read(r, bytes: 10, within: 200), Error(Timeout))
  assert_equal(fdnode.close(w, within: 5000), Ok(Nil))
  assert_equal(fdnode.close(r, within: 5000), Ok(Nil))
  assert_equal(active.receive(within: 300), Error(Timeout))
  assert_equal(mailbox(), before)
}

// ---------------------------------------------------------------- node life

pub fn java_node_killed_mid_call_is_nodedown_test() {
  let node = start_private_node()
  let assert Ok(#(r, _w)) = fdnode.pipe(on: node, within: 5000)
  let assert Ok(r_info) = fdnode.info(r, within: 5000)
  let task = async(fn() { fdnode.read(r, bytes: 10, within: 60_000) })
  // the read is under way once a JVM thread sits in read(2) on the empty pipe
  assert_true(wait_blocked_in_read(node, r_info.fd, 10_000))
  let started = monotonic_ms()
  kill_jvm(node)
  assert_equal(await(task, 10_000), Ok(Error(NodeDown)))
  assert_true(monotonic_ms() - started < 10_000)
  // later calls fail fast, and this process (linked to the launcher) lives on
  assert_equal(fdnode.read(r, bytes: 1, within: 5000), Error(NodeDown))
  assert_equal(fdnode_node.stats(of: node, within: 5000), Error(NodeDown))
  // a fresh node works
  let fresh = start_private_node()
  let assert Ok(fd) =
    fdnode.open(on: fresh, path: fixture("hello.txt"), options: [Read], within: 5000)
  assert_equal(fdnode.read(fd, bytes: 5, within: 5000), Ok(Data(<<"hello":utf8>>)))
  assert_equal(fdnode_node.stop(fresh, within: 10_000), Ok(Nil))
}

pub fn start_and_stop_test() {
  let node = start_private_node()
  let assert Ok(os_pid) = fdnode_node.os_pid(node)
  assert_true(os_process_alive(os_pid))
  assert_equal(fdnode_node.connect(node, within: 5000), Ok(Nil))
  assert_equal(fdnode_node.stop(node, within: 10_000), Ok(Nil))
  assert_true(wait_until(fn() { !os_process_alive(os_pid) }, 5000))
  assert_equal(fdnode_node.stats(of: node, within: 5000), Error(NodeDown))
  assert_equal(fdnode_node.stop(node, within: 10_000), Error(fdnode.NotStarted))
  assert_true(is_error(fdnode_node.os_pid(node)))
}

pub fn start_errors_test() {
  assert_equal(
    fdnode_node.start(
      fdnode_node.start_options()
      |> fdnode_node.with_jar("/nonexistent/fdnode.jar"),
    ),
    Error(fdnode_node.JarNotFound("/nonexistent/fdnode.jar")),
  )
  assert_equal(
    fdnode_node.start(
      fdnode_node.start_options()
      |> fdnode_node.with_root(root() <> "/no_such_dir"),
    ),
    Error(fdnode_node.RootNotFound(root() <> "/no_such_dir")),
  )
}
