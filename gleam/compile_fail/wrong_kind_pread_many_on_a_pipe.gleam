// expect: Fd(File)
// `fdnode.pread_many` takes a file, as `pread` does: a pipe has no offsets.
import fdnode

pub fn pread_many_on_a_pipe(n: fdnode.Node) {
  let assert Ok(#(r, _w)) = fdnode.pipe(on: n, within: 1000)
  fdnode.pread_many(r, ranges: [#(0, 1)], within: 1000)
}
