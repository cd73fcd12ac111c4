//// Integration tests of file metadata and directory calls, all confined to
//// the Java node's roots.

import fdnode.{
  Create, Eacces, Eexist, Eisdir, Enoent, Enotempty, Write,
}
import fdnode/fs.{Directory, FileInfo, Regular, Symlink}

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
  assert_equal(fs.make_dir(on: node, path: dir, within: 5000), Ok(Nil))
  assert_equal(fs.make_dir(on: node, path: dir, within: 5000), Error(Eexist))
  let assert Ok(FileInfo(_, Directory, _, _)) =
    fs.file_info(on: node, path: dir, within: 5000)

  let file = dir <> "/a.txt"
  let assert Ok(fd) =
    fdnode.open(
      on: node,
      path: file,
      options: [Create, Write, fdnode.Permissions(0o640)],
      within: 5000,
    )
  let assert Ok(Nil) = fdnode.write(fd, data: <<"12345":utf8>>, within: 5000)
  let assert Ok(FileInfo(5, Regular, mode, mtime)) =
    fs.file_info(on: node, path: file, within: 5000)
  assert_equal(mode, 0o640)
  let now = system_time(Second)
  assert_true(mtime <= now && mtime > now - 600)
  assert_equal(fs.fd_file_info(fd, within: 5000), Ok(FileInfo(5, Regular, mode, mtime)))
  let assert Ok(Nil) = fdnode.close(fd, within: 5000)

  // A symlink is reported as itself, and deleting it leaves the target.
  make_symlink(file, dir <> "/link")
  let assert Ok(FileInfo(_, Symlink, _, _)) =
    fs.file_info(on: node, path: dir <> "/link", within: 5000)
  assert_equal(fs.list_dir(on: node, path: dir, within: 5000), Ok(["a.txt", "link"]))
  assert_equal(fs.delete_file(on: node, path: dir <> "/link", within: 5000), Ok(Nil))

  assert_equal(
    fs.rename(on: node, from: file, to: dir <> "/b.txt", within: 5000),
    Ok(Nil),
  )
  assert_equal(fs.list_dir(on: node, path: dir, within: 5000), Ok(["b.txt"]))
  assert_equal(fs.file_info(on: node, path: file, within: 5000), Error(Enoent))
  assert_equal(fs.delete_dir(on: node, path: dir, within: 5000), Error(Enotempty))
  assert_equal(fs.delete_file(on: node, path: dir, within: 5000), Error(Eisdir))
  assert_equal(fs.delete_file(on: node, path: dir <> "/b.txt", within: 5000), Ok(Nil))
  assert_equal(fs.delete_dir(on: node, path: dir, within: 5000), Ok(Nil))
  assert_equal(fs.list_dir(on: node, path: dir, within: 5000), Error(Enoent))
}

pub fn everything_stays_inside_the_roots_test() {
  let node = shared_node()
  assert_equal(fs.file_info(on: node, path: "/etc/passwd", within: 5000), Error(Eacces))
  assert_equal(fs.list_dir(on: node, path: "/etc", within: 5000), Error(Eacces))
  assert_equal(fs.make_dir(on: node, path: "/tmp/fdnode_escape", within: 5000), Error(Eacces))
  assert_equal(fs.delete_file(on: node, path: "/etc/hostname", within: 5000), Error(Eacces))
  assert_equal(fs.delete_dir(on: node, path: root(), within: 5000), Error(Eacces))
  let inside = fresh_path("stay")
  let assert Ok(fd) = fdnode.open(on: node, path: inside, options: [Create, Write], within: 5000)
  let assert Ok(Nil) = fdnode.close(fd, within: 5000)
  assert_equal(
    fs.rename(on: node, from: inside, to: "/tmp/fdnode_escaped", within: 5000),
    Error(Eacces),
  )
  // A symlink inside the root that points out: its directory is followed by
  // the path check, so what lies behind it is refused.
  let out = fresh_path("out")
  make_symlink("/etc", out)
  assert_equal(fs.list_dir(on: node, path: out, within: 5000), Error(Eacces))
  assert_equal(fs.file_info(on: node, path: out <> "/passwd", within: 5000), Error(Eacces))
  // The link itself is inside the root and may be inspected and removed.
  let assert Ok(FileInfo(_, Symlink, _, _)) = fs.file_info(on: node, path: out, within: 5000)
  assert_equal(fs.delete_file(on: node, path: out, within: 5000), Ok(Nil))
  assert_equal(fs.delete_file(on: node, path: inside, within: 5000), Ok(Nil))
}
