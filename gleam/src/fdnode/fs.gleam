//// Paths on the Java node, under its roots: metadata, directories, delete
//// and rename. Files themselves are opened with `fdnode.open`. Paths are
//// checked as `fdnode.open` checks them: a relative path is `Einval`, one
//// outside every root `Eacces`. Except in `list_dir`, the last component is
//// taken literally: a symlink is reported and deleted as itself, never
//// followed.
////
//// ## Example
////
//// ```gleam
//// let assert Ok(Nil) = fs.make_dir(on: n, path: "/srv/data/in", within: 5000)
//// let assert Ok(names) = fs.list_dir(on: n, path: "/srv/data", within: 5000)
//// let assert Ok(fs.FileInfo(kind: fs.Directory, ..)) =
////   fs.file_info(on: n, path: "/srv/data/in", within: 5000)
//// ```

import fdnode

/// What kind of file `file_info` found.
pub type FileKind {
  Regular
  Directory
  Symlink
  /// A character or block device.
  Device
  /// A FIFO, a socket, or anything else.
  Other
}

/// File metadata: size in bytes, kind, permission bits, modification time
/// in POSIX seconds.
pub type FileInfo {
  FileInfo(size: Int, kind: FileKind, mode: Int, mtime: Int)
}

/// Metadata of `path` (a symlink is reported as `Symlink`, not followed).
///
/// ## Example
///
/// ```gleam
/// let assert Ok(fs.FileInfo(size: size, kind: fs.Regular, ..)) =
///   fs.file_info(on: n, path: "/srv/data/notes.txt", within: 5000)
/// ```
@external(erlang, "fdnode_fs_ffi", "file_info")
pub fn file_info(
  on node: fdnode.Node,
  path path: String,
  within timeout: Int,
) -> Result(FileInfo, fdnode.FdError)

/// Metadata of an open descriptor (fstat).
///
/// ## Example
///
/// ```gleam
/// let assert Ok(fs.FileInfo(size: size, ..)) = fs.fd_file_info(file, within: 5000)
/// ```
@external(erlang, "fdnode_fs_ffi", "fd_file_info")
pub fn fd_file_info(
  fd: fdnode.Fd(kind),
  within timeout: Int,
) -> Result(FileInfo, fdnode.FdError)

/// The names in a directory, sorted, without `.` and `..`.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(names) = fs.list_dir(on: n, path: "/srv/data", within: 5000)
/// ```
@external(erlang, "fdnode_fs_ffi", "list_dir")
pub fn list_dir(
  on node: fdnode.Node,
  path path: String,
  within timeout: Int,
) -> Result(List(String), fdnode.FdError)

/// Creates a directory (mode 0o755 less the umask).
///
/// ## Example
///
/// ```gleam
/// case fs.make_dir(on: n, path: "/srv/data/in", within: 5000) {
///   Ok(Nil) | Error(fdnode.Eexist) -> Nil
///   Error(e) -> io.println(fdnode.describe_error(e))
/// }
/// ```
@external(erlang, "fdnode_fs_ffi", "make_dir")
pub fn make_dir(
  on node: fdnode.Node,
  path path: String,
  within timeout: Int,
) -> Result(Nil, fdnode.FdError)

/// Deletes a file (a symlink itself, not its target; `Eisdir` for a directory).
///
/// ## Example
///
/// ```gleam
/// let assert Ok(Nil) = fs.delete_file(on: n, path: "/srv/data/a.tmp", within: 5000)
/// ```
@external(erlang, "fdnode_fs_ffi", "delete_file")
pub fn delete_file(
  on node: fdnode.Node,
  path path: String,
  within timeout: Int,
) -> Result(Nil, fdnode.FdError)

/// Deletes an empty directory (`Enotempty` otherwise).
///
/// ## Example
///
/// ```gleam
/// let assert Ok(Nil) = fs.delete_dir(on: n, path: "/srv/data/in", within: 5000)
/// ```
@external(erlang, "fdnode_fs_ffi", "delete_dir")
pub fn delete_dir(
  on node: fdnode.Node,
  path path: String,
  within timeout: Int,
) -> Result(Nil, fdnode.FdError)

/// Renames within the node's roots.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(Nil) =
///   fs.rename(on: n, from: "/srv/data/a.tmp", to: "/srv/data/a", within: 5000)
/// ```
@external(erlang, "fdnode_fs_ffi", "rename")
pub fn rename(
  on node: fdnode.Node,
  from from: String,
  to to: String,
  within timeout: Int,
) -> Result(Nil, fdnode.FdError)
