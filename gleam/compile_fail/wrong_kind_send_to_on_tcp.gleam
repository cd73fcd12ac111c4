// expect: Fd(Socket(Udp))
// `udp.send_to` takes a UDP socket; a TCP socket must not compile.
import fdnode
import fdnode/tcp
import fdnode/udp

pub fn send_to_on_tcp(n: fdnode.Node) {
  let assert Ok(socket) =
    tcp.connect(on: n, host: "127.0.0.1", port: 1, options: [], within: 1000)
  udp.send_to(socket, host: "127.0.0.1", port: 9, data: <<>>, within: 1000)
}
