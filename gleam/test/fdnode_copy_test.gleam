//// `fdnode.copy` between kinds of descriptor, where the kernel does the
//// copy on the Java node: a file to a TCP socket, a pipe to a file and a
//// file to a pipe, each with the bytes, the progress reports and the
//// offsets checked, and the other end read or written by another process.

import fdnode.{Create, Data, Eof, Read, Write}
import fdnode/tcp.{Ip}

@external(erlang, "fdnode_test_ffi", "shared_node")
fn shared_node() -> fdnode.Node

@external(erlang, "fdnode_test_ffi", "fresh_path")
fn fresh_path(prefix: String) -> String

@external(erlang, "fdnode_test_ffi", "assert_equal")
fn assert_equal(got: a, expected: a) -> Nil

@external(erlang, "fdnode_test_ffi", "assert_true")
fn assert_true(condition: Bool) -> Nil

@external(erlang, "fdnode_test_ffi", "async")
fn async(f: fn() -> a) -> fdnode.Pid

@external(erlang, "fdnode_test_ffi", "await")
fn await(task: fdnode.Pid, timeout_ms: Int) -> Result(a, Nil)

@external(erlang, "fdnode_ops_test_ffi", "record_progress")
fn record_progress(done: Int, total: Int) -> Nil

@external(erlang, "fdnode_ops_test_ffi", "recorded_progress")
fn recorded_progress() -> List(#(Int, Int))

@external(erlang, "rand", "bytes")
fn random_bytes(n: Int) -> BitArray

/// A file of `content`, opened for reading at offset 0.
fn source(node: fdnode.Node, content: BitArray) -> fdnode.Fd(fdnode.File) {
  let assert Ok(fd) =
    fdnode.open(on: node, path: fresh_path("copy_src"), options: [
      Create,
      Read,
      Write,
    ], within: 5000)
  let assert Ok(Nil) = fdnode.write(fd, data: content, within: 5000)
  let assert Ok(0) = fdnode.position(fd, to: fdnode.Absolute(0), within: 5000)
  fd
}

/// Each report adds at most `chunk` bytes and carries `total`; returns the
/// last count reported.
fn steps(reports: List(#(Int, Int)), last: Int, chunk: Int, total: Int) -> Int {
  case reports {
    [] -> last
    [#(done, t), ..rest] -> {
      assert_equal(t, total)
      assert_true(done > last && done - last <= chunk)
      steps(rest, done, chunk, total)
    }
  }
}

pub fn copy_file_to_tcp_socket_test() {
  let node = shared_node()
  let content = random_bytes(2_000_000)
  let src = source(node, content)
  let assert Ok(l) =
    tcp.listen(on: node, port: 0, options: [Ip("127.0.0.1")], within: 5000)
  let assert Ok(port) = tcp.local_port(l, within: 5000)
  let assert Ok(client) =
    tcp.connect(on: node, host: "127.0.0.1", port: port, options: [], within: 5000)
  let assert Ok(server) = tcp.accept(l, within: 5000)
  // The client end is read by another process while the copy writes.
  let reader = async(fn() { fdnode.read_all(client, chunk: 65_536, within: 10_000) })

  let assert Ok(2_000_000) =
    fdnode.copy(from: src, to: server, chunk: 262_144, on_progress: record_progress, within: 10_000)
  let assert Ok(Nil) = fdnode.close(server, within: 5000)

  assert_equal(await(reader, 30_000), Ok(Ok(content)))
  assert_equal(steps(recorded_progress(), 0, 262_144, 2_000_000), 2_000_000)
  // The source's offset is at its end.
  assert_equal(fdnode.read(src, bytes: 10, within: 5000), Ok(Eof))
  let assert Ok(Nil) = fdnode.close(client, within: 5000)
  let assert Ok(Nil) = fdnode.close(l, within: 5000)
  let assert Ok(Nil) = fdnode.close(src, within: 5000)
}

pub fn copy_pipe_to_file_test() {
  let node = shared_node()
  let content = random_bytes(1_000_000)
  let assert Ok(#(r, w)) = fdnode.pipe(on: node, within: 5000)
  let assert Ok(dst) =
    fdnode.open(on: node, path: fresh_path("copy_from_pipe"), options: [
      Create,
      Read,
      Write,
    ], within: 5000)
  // More than a pipe holds: written by another process while the copy reads.
  let writer =
    async(fn() {
      let assert Ok(Nil) = fdnode.write(w, data: content, within: 10_000)
      fdnode.close(w, within: 5000)
    })

  let assert Ok(1_000_000) =
    fdnode.copy(from: r, to: dst, chunk: 100_000, on_progress: record_progress, within: 10_000)

  assert_equal(await(writer, 10_000), Ok(Ok(Nil)))
  assert_equal(steps(recorded_progress(), 0, 100_000, -1), 1_000_000)
  let assert Ok(Data(got)) = fdnode.pread(dst, at: 0, bytes: 2_000_000, within: 5000)
  assert_equal(got, content)
  // The destination's offset moved on: the next write lands after the copy.
  let assert Ok(Nil) = fdnode.write(dst, data: <<"!":utf8>>, within: 5000)
  assert_equal(fdnode.pread(dst, at: 1_000_000, bytes: 10, within: 5000), Ok(Data(<<"!":utf8>>)))
  let assert Ok(Nil) = fdnode.close(r, within: 5000)
  let assert Ok(Nil) = fdnode.close(dst, within: 5000)
}

pub fn copy_file_to_pipe_test() {
  let node = shared_node()
  let content = random_bytes(1_000_000)
  let src = source(node, content)
  let assert Ok(#(r, w)) = fdnode.pipe(on: node, within: 5000)
  let reader = async(fn() { fdnode.read_all(r, chunk: 65_536, within: 10_000) })

  let assert Ok(1_000_000) =
    fdnode.copy(from: src, to: w, chunk: 1_048_576, on_progress: record_progress, within: 10_000)
  let assert Ok(Nil) = fdnode.close(w, within: 5000)

  assert_equal(await(reader, 30_000), Ok(Ok(content)))
  assert_equal(steps(recorded_progress(), 0, 1_048_576, 1_000_000), 1_000_000)
  let assert Ok(Nil) = fdnode.close(r, within: 5000)
  let assert Ok(Nil) = fdnode.close(src, within: 5000)
}
