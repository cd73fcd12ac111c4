// expect: Fd(Socket(Listener))
// `tcp.accept` takes a listening socket; a file descriptor must not compile.
import fdnode
import fdnode/tcp

pub fn accept_on_a_file(n: fdnode.Node) {
  let assert Ok(file) = fdnode.open(on: n, path: "/tmp/x", options: [], within: 1000)
  tcp.accept(file, within: 1000)
}
