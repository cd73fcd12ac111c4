//// Operating the Java node: stats, shutdown (request and SIGTERM), an
//// operator-run node reached with `connect`, bulk copy with progress, and no
//// orphan JVM when a whole BEAM is killed.

import fdnode.{
  Create, Data, Eof, Read, ShuttingDown, Write,
}
import fdnode/node.{Exit, Stats} as fdnode_node

// ---------------------------------------------------------------- helpers

type Port

@external(erlang, "fdnode_test_ffi", "shared_node")
fn shared_node() -> fdnode.Node

@external(erlang, "fdnode_test_ffi", "start_private_node")
fn start_private_node() -> fdnode.Node

@external(erlang, "fdnode_test_ffi", "fresh_path")
fn fresh_path(prefix: String) -> String

@external(erlang, "fdnode_test_ffi", "assert_equal")
fn assert_equal(got: a, expected: a) -> Nil

@external(erlang, "fdnode_test_ffi", "assert_true")
fn assert_true(condition: Bool) -> Nil

@external(erlang, "fdnode_test_ffi", "spawn_holder")
fn spawn_holder(f: fn() -> a) -> #(fdnode.Pid, a)

@external(erlang, "fdnode_test_ffi", "stop_holder")
fn stop_holder(pid: fdnode.Pid) -> Nil

@external(erlang, "fdnode_ops_test_ffi", "start_operator_jvm")
fn start_operator_jvm() -> #(Port, fdnode.Node)

@external(erlang, "fdnode_ops_test_ffi", "await_port_exit")
fn await_port_exit(port: Port, timeout_ms: Int) -> Result(Int, Nil)

@external(erlang, "fdnode_ops_test_ffi", "signal")
fn signal(os_pid: Int, signal: String) -> Nil

@external(erlang, "fdnode_ops_test_ffi", "fd_kinds")
fn fd_kinds(os_pid: Int, raw_fds: List(Int)) -> #(Int, Int)

@external(erlang, "fdnode_ops_test_ffi", "record_progress")
fn record_progress(done: Int, total: Int) -> Nil

@external(erlang, "fdnode_ops_test_ffi", "recorded_progress")
fn recorded_progress() -> List(#(Int, Int))

@external(erlang, "fdnode_ops_test_ffi", "contains")
fn contains(haystack: String, needle: String) -> Bool

@external(erlang, "erlang", "node")
fn this_node() -> fdnode.Node

@external(erlang, "binary", "copy")
fn repeat(bytes: BitArray, times: Int) -> BitArray

fn open_n(
  node: fdnode.Node,
  n: Int,
  acc: List(fdnode.Fd(fdnode.File)),
) -> List(fdnode.Fd(fdnode.File)) {
  case n {
    0 -> acc
    _ -> {
      let assert Ok(fd) =
        fdnode.open(on: node, path: fresh_path("ops"), options: [
          Create,
          Read,
          Write,
        ], within: 5000)
      open_n(node, n - 1, [fd, ..acc])
    }
  }
}

fn raw_fds(fds: List(fdnode.Fd(kind)), acc: List(Int)) -> List(Int) {
  case fds {
    [] -> acc
    [fd, ..rest] -> {
      let assert Ok(fdnode.FdInfo(fd: raw, ..)) = fdnode.info(fd, within: 5000)
      raw_fds(rest, [raw, ..acc])
    }
  }
}

fn any_line(lines: List(String), needle: String) -> Bool {
  case lines {
    [] -> False
    [line, ..rest] ->
      case contains(line, needle) {
        True -> True
        False -> any_line(rest, needle)
      }
  }
}

fn increasing(reports: List(#(Int, Int)), last: Int, total: Int) -> Int {
  case reports {
    [] -> last
    [#(done, t), ..rest] -> {
      assert_true(done > last)
      assert_equal(t, total)
      increasing(rest, done, total)
    }
  }
}

fn read_all(fd: fdnode.Fd(k), acc: BitArray) -> BitArray {
  case fdnode.read(fd, bytes: 65_536, within: 5000) {
    Ok(Data(bytes)) -> read_all(fd, <<acc:bits, bytes:bits>>)
    Ok(Eof) -> acc
    Error(e) -> {
      assert_equal(Error(e), Ok(Nil))
      acc
    }
  }
}

// ---------------------------------------------------------------- stats

pub fn stats_match_what_the_test_did_test() {
  let node = start_private_node()
  let assert Ok(before) = fdnode_node.stats(of: node, within: 5000)
  assert_true(before.uptime_ms >= 0)
  assert_equal(before.pending_ring_ops, 0)
  // nothing has needed a worker yet
  assert_equal(#(before.busy_workers, before.queued_calls), #(0, 0))

  let fds = open_n(node, 5, [])
  let assert [first, ..] = fds
  let assert Ok(#(pipe_r, _pipe_w)) = fdnode.pipe(on: node, within: 5000)
  let payload = repeat(<<"0123456789":utf8>>, 100)
  let assert Ok(Nil) = fdnode.write(first, data: payload, within: 5000)
  let assert Ok(0) = fdnode.position(first, to: fdnode.Absolute(0), within: 5000)
  let assert Ok(Data(_)) = fdnode.read(first, bytes: 300, within: 5000)
  let assert Ok(Nil) = fdnode.set_mode(pipe_r, to: fdnode.Active, within: 5000)

  let assert Ok(after) = fdnode_node.stats(of: node, within: 5000)
  assert_equal(after.open_fds, before.open_fds + 7)
  assert_equal(after.bytes_written, before.bytes_written + 1000)
  assert_equal(after.bytes_read, before.bytes_read + 300)
  assert_equal(after.active_fds, before.active_fds + 1)
  assert_equal(after.fds_by_node, [#(fdnode_node.to_string(this_node()), 7)])
  assert_true(after.uptime_ms >= before.uptime_ms)

  let assert Ok(Nil) = fdnode.close(first, within: 5000)
  let assert Ok(Stats(open_fds: n, ..)) = fdnode_node.stats(of: node, within: 5000)
  assert_equal(n, before.open_fds + 6)
  let assert Ok(Nil) = fdnode_node.stop(node, within: 10_000)
}

// ---------------------------------------------------------------- shutdown

pub fn shutdown_request_closes_every_fd_and_exits_0_test() {
  let node = start_private_node()
  let assert Ok(os_pid) = fdnode_node.os_pid(node)
  let fds = open_n(node, 6, [])
  let assert Ok(#(r, w)) = fdnode.pipe(on: node, within: 5000)
  // The JVM holds the 8, found by their targets (never a total count: the
  // JVM opens and closes descriptors of its own at any time).
  assert_equal(fd_kinds(os_pid, raw_fds([r, w], raw_fds(fds, []))), #(6, 2))
  let assert Ok(Stats(open_fds: 8, ..)) = fdnode_node.stats(of: node, within: 5000)

  let assert Ok(Nil) = fdnode_node.shutdown(node, within: 5000)
  let assert Ok(Exit(status: status, output: lines)) =
    fdnode_node.await_exit(node, within: 30_000)
  assert_equal(status, 0)
  // The node's last log line counts what it closed, and what stayed open.
  assert_true(any_line(lines, "closed 8 descriptor(s), 0 left open"))
  assert_true(any_line(lines, "shutdown requested by"))
}

pub fn calls_after_shutdown_get_shutting_down_or_nodedown_test() {
  let node = start_private_node()
  let assert Ok(Nil) = fdnode_node.shutdown(node, within: 5000)
  case fdnode_node.stats(of: node, within: 5000) {
    Error(ShuttingDown) -> Nil
    Error(fdnode.NodeDown) -> Nil
    other -> {
      assert_equal(other, Error(ShuttingDown))
      Nil
    }
  }
  let assert Ok(Exit(status: 0, ..)) = fdnode_node.await_exit(node, within: 30_000)
}

pub fn sigterm_closes_every_fd_and_exits_0_test() {
  let node = start_private_node()
  let assert Ok(os_pid) = fdnode_node.os_pid(node)
  let _fds = open_n(node, 3, [])
  signal(os_pid, "TERM")
  let assert Ok(Exit(status: status, output: lines)) =
    fdnode_node.await_exit(node, within: 30_000)
  assert_equal(status, 0)
  assert_true(any_line(lines, "signal received"))
  assert_true(any_line(lines, "closed 3 descriptor(s), 0 left open"))
}

// ---------------------------------------------------------------- operator-run node

pub fn connect_to_an_operator_run_node_test() {
  let #(port, node) = start_operator_jvm()
  let assert Ok(Nil) = fdnode_node.connect(node, within: 5000)
  let path = fresh_path("operator")
  let assert Ok(fd) =
    fdnode.open(on: node, path: path, options: [Create, Read, Write], within: 5000)
  let assert Ok(Nil) = fdnode.write(fd, data: <<"run by an operator":utf8>>, within: 5000)
  let assert Ok(Data(<<"run by an operator":utf8>>)) =
    fdnode.pread(fd, at: 0, bytes: 100, within: 5000)
  // The launcher did not start it, so this BEAM cannot stop it that way.
  assert_equal(fdnode_node.stop(node, within: 10_000), Error(fdnode.NotStarted))
  let assert Ok(Nil) = fdnode_node.shutdown(node, within: 5000)
  assert_equal(await_port_exit(port, 30_000), Ok(0))
}

// ---------------------------------------------------------------- copy

pub fn copy_reports_increasing_progress_and_is_byte_identical_test() {
  let node = shared_node()
  let content = repeat(<<"fdnode copies in chunks; ":utf8>>, 4000)
  let src_path = fresh_path("copy_src")
  let assert Ok(src) =
    fdnode.open(on: node, path: src_path, options: [Create, Read, Write], within: 5000)
  let assert Ok(Nil) = fdnode.write(src, data: content, within: 5000)
  let assert Ok(0) = fdnode.position(src, to: fdnode.Absolute(0), within: 5000)
  let assert Ok(dst) =
    fdnode.open(on: node, path: fresh_path("copy_dst"), options: [
      Create,
      Read,
      Write,
    ], within: 5000)
  let total = 100_000
  let assert Ok(copied) =
    fdnode.copy(from: src, to: dst, chunk: 8192, on_progress: record_progress, within: 5000)
  assert_equal(copied, total)
  let reports = recorded_progress()
  // 100_000 / 8192 -> 13 chunks, each reported once, in order
  assert_equal(list_length(reports, 0), 13)
  assert_equal(increasing(reports, 0, total), total)

  let assert Ok(0) = fdnode.position(dst, to: fdnode.Absolute(0), within: 5000)
  assert_equal(read_all(dst, <<>>), content)
  // Both offsets advanced: nothing more to copy.
  let assert Ok(0) =
    fdnode.copy(from: src, to: dst, chunk: 8192, on_progress: record_progress, within: 5000)
  assert_equal(recorded_progress(), [])
  let assert Ok(Nil) = fdnode.close(src, within: 5000)
  let assert Ok(Nil) = fdnode.close(dst, within: 5000)
}

pub fn copy_from_a_pipe_has_unknown_total_test() {
  let node = shared_node()
  let assert Ok(#(r, w)) = fdnode.pipe(on: node, within: 5000)
  let assert Ok(Nil) = fdnode.write(w, data: <<"through a pipe":utf8>>, within: 5000)
  let assert Ok(Nil) = fdnode.close(w, within: 5000)
  let assert Ok(dst) =
    fdnode.open(on: node, path: fresh_path("pipe_copy"), options: [
      Create,
      Read,
      Write,
    ], within: 5000)
  let assert Ok(14) =
    fdnode.copy(from: r, to: dst, chunk: 5, on_progress: record_progress, within: 5000)
  assert_equal(recorded_progress(), [#(5, -1), #(10, -1), #(14, -1)])
  let assert Ok(Data(<<"through a pipe":utf8>>)) =
    fdnode.pread(dst, at: 0, bytes: 100, within: 5000)
  let assert Ok(Nil) = fdnode.close(r, within: 5000)
  let assert Ok(Nil) = fdnode.close(dst, within: 5000)
}

pub fn copy_errors_test() {
  let node = shared_node()
  let assert Ok(src) =
    fdnode.open(on: node, path: fresh_path("copy_err"), options: [
      Create,
      Read,
      Write,
    ], within: 5000)
  let assert Ok(Nil) = fdnode.close(src, within: 5000)
  let #(holder, dst) =
    spawn_holder(fn() {
      let assert Ok(dst) =
        fdnode.open(on: node, path: fresh_path("copy_err_dst"), options: [
          Create,
          Write,
        ], within: 5000)
      dst
    })
  assert_equal(
    fdnode.copy(from: src, to: dst, chunk: 10, on_progress: record_progress, within: 5000),
    Error(fdnode.Closed),
  )
  let assert Ok(live) =
    fdnode.open(on: node, path: fresh_path("copy_err2"), options: [
      Create,
      Read,
    ], within: 5000)
  assert_equal(
    fdnode.copy(from: live, to: dst, chunk: 0, on_progress: record_progress, within: 5000),
    Error(fdnode.Einval),
  )
  stop_holder(holder)
  let assert Ok(Nil) = fdnode.close(live, within: 5000)
}

fn list_length(l: List(a), acc: Int) -> Int {
  case l {
    [] -> acc
    [_, ..rest] -> list_length(rest, acc + 1)
  }
}
