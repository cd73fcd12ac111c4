// expect: Fd(Socket(Tcp))
// `tcp.set_packet` takes a TCP socket; datagrams are not cut into packets,
// so a UDP socket must not compile.
import fdnode
import fdnode/udp
import fdnode/tcp

pub fn set_packet_on_udp(n: fdnode.Node) {
  let assert Ok(socket) = udp.open(on: n, port: 0, options: [], within: 1000)
  tcp.set_packet(socket, packet: fdnode.Packet2, size: 0, within: 1000)
}
