// expect: Fd(File)
// `fdnode.pread` takes a file; a pipe has no offsets and must not compile.
import fdnode

pub fn pread_on_a_pipe(n: fdnode.Node) {
  let assert Ok(#(r, _w)) = fdnode.pipe(on: n, within: 1000)
  fdnode.pread(r, at: 0, bytes: 1, within: 1000)
}
