//// Starts a Java node with nothing but a root, then writes, reads, streams
//// a pipe in active mode and stops it, printing what it saw. Any failure
//// crashes `main`, so the BEAM exits with a non-zero status.

import fdnode
import fdnode/active
import fdnode/node

pub fn main() {
  let root = env("FDNODE_ROOTS")
  print("distributed before start: " <> bool(this_node() != "nonode@nohost"))
  let assert Ok(n) = node.start(node.start_options() |> node.with_root(root))
  print("distributed after start: " <> bool(this_node() != "nonode@nohost"))

  let path = root <> "/from_gleam.txt"
  let assert Ok(file) =
    fdnode.open(
      on: n,
      path: path,
      options: [fdnode.Create, fdnode.Read, fdnode.Write],
      within: 5000,
    )
  let assert Ok(Nil) =
    fdnode.write(file, data: <<"hello from a Gleam app":utf8>>, within: 5000)
  let assert Ok(fdnode.Data(<<"Gleam":utf8>>)) =
    fdnode.pread(file, at: 13, bytes: 5, within: 5000)
  let assert Ok(Nil) = fdnode.close(file, within: 5000)

  let assert Ok(#(read_end, write_end)) = fdnode.pipe(on: n, within: 5000)
  let assert Ok(Nil) =
    fdnode.set_mode(read_end, to: fdnode.ActiveOnce, within: 5000)
  let assert Ok(Nil) =
    fdnode.write(write_end, data: <<"ping":utf8>>, within: 5000)
  let assert Ok(active.Received(_, <<"ping":utf8>>)) =
    active.receive_from(read_end, within: 5000)

  let assert Ok(os_pid) = node.os_pid(n)
  print("jar: " <> jar_of(os_pid))
  let assert Ok(Nil) = node.stop(n, within: 10_000)
  print("done")
}

fn bool(b: Bool) -> String {
  case b {
    True -> "yes"
    False -> "no"
  }
}

@external(erlang, "uses_fdnode_ffi", "print")
fn print(line: String) -> Nil

@external(erlang, "uses_fdnode_ffi", "env")
fn env(name: String) -> String

@external(erlang, "uses_fdnode_ffi", "this_node")
fn this_node() -> String

@external(erlang, "uses_fdnode_ffi", "jar_of")
fn jar_of(os_pid: Int) -> String
