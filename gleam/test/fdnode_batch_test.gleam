//// Batched positioned I/O from Gleam (`pread_many`, `pwrite_many`) against
//// the real Java node, on real files in the test root.

import fdnode.{
  Badarg, Closed, Create, Data, Eof, Einval, Espipe, InvalidHandle, Read, Write,
}

@external(erlang, "fdnode_test_ffi", "shared_node")
fn shared_node() -> fdnode.Node

@external(erlang, "fdnode_test_ffi", "fresh_path")
fn fresh_path(prefix: String) -> String

@external(erlang, "fdnode_test_ffi", "forge_token")
fn forge_token(fd: fdnode.Fd(k)) -> fdnode.Fd(k)

@external(erlang, "fdnode_test_ffi", "has_fd_to")
fn has_fd_to(node: fdnode.Node, path: String) -> Bool

@external(erlang, "fdnode_test_ffi", "assert_equal")
fn assert_equal(got: a, expected: a) -> Nil

@external(erlang, "fdnode_test_ffi", "assert_true")
fn assert_true(condition: Bool) -> Nil

@external(erlang, "fdnode_active_test_ffi", "make_fifo")
fn make_fifo(path: String) -> Nil

@external(erlang, "lists", "duplicate")
fn duplicate(times: Int, element: a) -> List(a)

fn new_file(content: BitArray) -> #(String, fdnode.Fd(fdnode.File)) {
  let path = fresh_path("gleam_batch")
  let assert Ok(fd) =
    fdnode.open(on: shared_node(), path: path, options: [Read, Write, Create], within: 5000)
  let assert Ok(Nil) = fdnode.write(fd, data: content, within: 5000)
  #(path, fd)
}

fn close(path: String, fd: fdnode.Fd(k)) -> Nil {
  assert_equal(fdnode.close(fd, within: 5000), Ok(Nil))
  assert_true(!has_fd_to(shared_node(), path))
}

pub fn pread_many_gives_one_input_per_range_test() {
  let #(path, fd) = new_file(<<"0123456789":utf8>>)
  assert_equal(
    fdnode.pread_many(
      fd,
      ranges: [#(7, 100), #(0, 3), #(10, 1), #(2, 0), #(4, 2)],
      within: 5000,
    ),
    Ok([
      Data(<<"789":utf8>>),
      Data(<<"012":utf8>>),
      Eof,
      Data(<<>>),
      Data(<<"45":utf8>>),
    ]),
  )
  assert_equal(fdnode.pread_many(fd, ranges: [], within: 5000), Ok([]))
  // the sequential offset stays where the write left it
  assert_equal(fdnode.position(fd, to: fdnode.Relative(0), within: 5000), Ok(10))
  close(path, fd)
}

pub fn pwrite_many_writes_in_list_order_test() {
  let #(path, fd) = new_file(<<"..........":utf8>>)
  assert_equal(
    fdnode.pwrite_many(
      fd,
      pieces: [#(0, <<"ab":utf8>>), #(8, <<"yz":utf8>>), #(1, <<"B":utf8>>)],
      within: 5000,
    ),
    Ok(Nil),
  )
  assert_equal(
    fdnode.pread(fd, at: 0, bytes: 100, within: 5000),
    Ok(Data(<<"aB......yz":utf8>>)),
  )
  assert_equal(fdnode.pwrite_many(fd, pieces: [], within: 5000), Ok(Nil))
  close(path, fd)
}

pub fn bad_batches_are_typed_errors_test() {
  let #(path, fd) = new_file(<<"abc":utf8>>)
  let big = 8 * 1024 * 1024
  assert_equal(fdnode.pread_many(fd, ranges: [#(-1, 1)], within: 5000), Error(Einval))
  assert_equal(fdnode.pread_many(fd, ranges: [#(0, -1)], within: 5000), Error(Einval))
  assert_equal(
    fdnode.pread_many(fd, ranges: [#(0, big), #(0, 1)], within: 5000),
    Error(Einval),
  )
  assert_equal(
    fdnode.pread_many(fd, ranges: duplicate(1025, #(0, 1)), within: 5000),
    Error(Einval),
  )
  assert_equal(
    fdnode.pwrite_many(fd, pieces: [#(0, <<"x":utf8>>), #(-1, <<"y":utf8>>)], within: 5000),
    Error(Einval),
  )
  // a bit string that is not whole bytes is not data
  assert_equal(fdnode.pwrite_many(fd, pieces: [#(0, <<1:3>>)], within: 5000), Error(Badarg))
  assert_equal(
    fdnode.pread(fd, at: 0, bytes: 10, within: 5000),
    Ok(Data(<<"abc":utf8>>)),
  )
  assert_equal(
    fdnode.pread_many(forge_token(fd), ranges: [#(0, 1)], within: 5000),
    Error(InvalidHandle),
  )
  close(path, fd)
  assert_equal(fdnode.pread_many(fd, ranges: [#(0, 1)], within: 5000), Error(Closed))
  assert_equal(
    fdnode.pwrite_many(fd, pieces: [#(0, <<"x":utf8>>)], within: 5000),
    Error(Closed),
  )
}

// A FIFO opened with `open` is an `Fd(File)` that has no offsets.
pub fn a_fifo_is_espipe_test() {
  let path = fresh_path("gleam_batch_fifo")
  make_fifo(path)
  let assert Ok(fd) =
    fdnode.open(on: shared_node(), path: path, options: [Read, Write], within: 5000)
  assert_equal(fdnode.pread_many(fd, ranges: [#(0, 1)], within: 5000), Error(Espipe))
  assert_equal(
    fdnode.pwrite_many(fd, pieces: [#(0, <<"x":utf8>>)], within: 5000),
    Error(Espipe),
  )
  close(path, fd)
}
