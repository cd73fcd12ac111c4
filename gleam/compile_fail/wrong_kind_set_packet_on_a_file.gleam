// expect: Fd(Pipe)
// `fdnode.set_packet` takes a stream (a pipe, FIFO or device from
// `open_stream`); a file from `open` must not compile.
import fdnode

pub fn set_packet_on_a_file(n: fdnode.Node) {
  let assert Ok(file) =
    fdnode.open(on: n, path: "/tmp/f", options: [fdnode.Read], within: 1000)
  fdnode.set_packet(file, packet: fdnode.Line, size: 0, within: 1000)
}
