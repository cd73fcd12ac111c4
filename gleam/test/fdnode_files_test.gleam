//// Integration tests of file metadata and directory calls, all confined to
//// the Java node's roots.

import fdnode.{
  Create, Directory, Eacces, Eexist, Eisdir, Enoent, Enotempty, FileInfo,
  Regular, Symlink, Write,
}

@external(erlang, "fdnode_test_ffi", "shared_node")
fn shared_node() -> fdnode.Node

@external(erlang, "fdnode_test_ffi", "fresh_path")
fn fresh_path(prefix: String) -> String

@external(erlang, "fdnode_test_ffi", "root")
fn root() -> String

@external(erlang, "fdnode_test_ffi", "assert_equal")
fn assert_equal(got: a, expected: a) -> Nil

@external(erlang, "fdnode_test_ffi", "assert_true")
fn assert_true(condition: Bool) -> Nil

@external(erlang, "fdnode_net_test_ffi", "make_symlink")
fn make_symlink(target: String, link: String) -> Nil

@external(erlang, "os", "system_time")
fn system_time(unit: Second) -> Int

type Second {
  Second
}

pub fn directories_and_metadata_test() {
  let node = shared_node()
  let dir = fresh_path("dir")
  assert_equal(fdnode.make_dir(on: node, path: dir), Ok(Nil))
  assert_equal(fdnode.make_dir(on: node, path: dir), Error(Eexist))
  let assert Ok(FileInfo(_, Directory, _, _)) =
    fdnode.file_info(on: node, path: dir)

  let file = dir <> "/a.txt"
  let assert Ok(fd) =
    fdnode.open(on: node, path: file, options: [Create, Write, fdnode.Mode(0o640)])
  let assert Ok(Nil) = fdnode.write(fd, data: <<"12345":utf8>>)
  let assert Ok(FileInfo(5, Regular, mode, mtime)) =
    fdnode.file_info(on: node, path: file)
  assert_equal(mode, 0o640)
  let now = system_time(Second)
  assert_true(mtime <= now && mtime > now - 600)
  assert_equal(fdnode.fd_file_info(fd), Ok(FileInfo(5, Regular, mode, mtime)))
  let assert Ok(Nil) = fdnode.close(fd)

  // A symlink is reported as itself, and deleting it leaves the target.
  make_symlink(file, dir <> "/link")
  let assert Ok(FileInfo(_, Symlink, _, _)) =
    fdnode.file_info(on: node, path: dir <> "/link")
  assert_equal(fdnode.list_dir(on: node, path: dir), Ok(["a.txt", "link"]))
  assert_equal(fdnode.delete_file(on: node, path: dir <> "/link"), Ok(Nil))

  assert_equal(
    fdnode.rename(on: node, from: file, to: dir <> "/b.txt"),
    Ok(Nil),
  )
  assert_equal(fdnode.list_dir(on: node, path: dir), Ok(["b.txt"]))
  assert_equal(fdnode.file_info(on: node, path: file), Error(Enoent))
  assert_equal(fdnode.delete_dir(on: node, path: dir), Error(Enotempty))
  assert_equal(fdnode.delete_file(on: node, path: dir), Error(Eisdir))
  assert_equal(fdnode.delete_file(on: node, path: dir <> "/b.txt"), Ok(Nil))
  assert_equal(fdnode.delete_dir(on: node, path: dir), Ok(Nil))
  assert_equal(fdnode.list_dir(on: node, path: dir), Error(Enoent))
}

pub fn everything_stays_inside_the_roots_test() {
  let node = shared_node()
  assert_equal(fdnode.file_info(on: node, path: "/etc/passwd"), Error(Eacces))
  assert_equal(fdnode.list_dir(on: node, path: "/etc"), Error(Eacces))
  assert_equal(fdnode.make_dir(on: node, path: "/tmp/fdnode_escape"), Error(Eacces))
  assert_equal(fdnode.delete_file(on: node, path: "/etc/hostname"), Error(Eacces))
  assert_equal(fdnode.delete_dir(on: node, path: root()), Error(Eacces))
  let inside = fresh_path("stay")
  let assert Ok(fd) = fdnode.open(on: node, path: inside, options: [Create, Write])
  let assert Ok(Nil) = fdnode.close(fd)
  assert_equal(
    fdnode.rename(on: node, from: inside, to: "/tmp/fdnode_escaped"),
    Error(Eacces),
  )
  // A symlink inside the root that points out: its directory is followed by
  // the path check, so what lies behind it is refused.
  let out = fresh_path("out")
  make_symlink("/etc", out)
  assert_equal(fdnode.list_dir(on: node, path: out), Error(Eacces))
  assert_equal(fdnode.file_info(on: node, path: out <> "/passwd"), Error(Eacces))
  // The link itself is inside the root and may be inspected and removed.
  let assert Ok(FileInfo(_, Symlink, _, _)) = fdnode.file_info(on: node, path: out)
  assert_equal(fdnode.delete_file(on: node, path: out), Ok(Nil))
  assert_equal(fdnode.delete_file(on: node, path: inside), Ok(Nil))
}
