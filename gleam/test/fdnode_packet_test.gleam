//// Packet framing from Gleam, on a real Java node: lines on a pipe (passive
//// and through `active.fold`), length headers on TCP both ways, and the
//// refusal of `open_stream` on a regular file.

import fdnode.{Data, Emsgsize, Eof, Einval, Line, Packet2, Raw}
import fdnode/active
import fdnode/tcp

@external(erlang, "fdnode_test_ffi", "shared_node")
fn shared_node() -> fdnode.Node

@external(erlang, "fdnode_test_ffi", "assert_equal")
fn assert_equal(got: a, expected: a) -> Nil

@external(erlang, "fdnode_test_ffi", "fresh_path")
fn fresh_path(prefix: String) -> String

pub fn lines_on_a_pipe_passive_and_active_test() {
  let n = shared_node()
  let assert Ok(#(r, w)) = fdnode.pipe(on: n, within: 5000)
  assert_equal(fdnode.get_packet(r, within: 5000), Ok(#(Raw, 0)))
  let assert Ok(Nil) = fdnode.set_packet(r, packet: Line, size: 4, within: 5000)
  assert_equal(fdnode.get_packet(r, within: 5000), Ok(#(Line, 4)))
  let assert Ok(Nil) =
    fdnode.write(w, data: <<"ab\ncdefgh\nij":utf8>>, within: 5000)
  assert_equal(fdnode.read(r, bytes: 0, within: 5000), Ok(Data(<<"ab\n":utf8>>)))
  assert_equal(fdnode.read(r, bytes: 9, within: 5000), Error(Einval))
  let assert Ok(Nil) = fdnode.write(w, data: <<"\n":utf8>>, within: 5000)
  let assert Ok(Nil) = fdnode.close(w, within: 5000)
  // the rest as messages, one per packet: a long line in pieces of 4
  let assert Ok(pieces) =
    active.fold(r, from: [], with: fn(acc, piece) { [piece, ..acc] }, within: 5000)
  assert_equal(pieces, [<<"ij\n":utf8>>, <<"gh\n":utf8>>, <<"cdef":utf8>>])
  let assert Ok(Nil) = fdnode.close(r, within: 5000)
}

pub fn length_headers_on_tcp_test() {
  let n = shared_node()
  let assert Ok(listener) =
    tcp.listen(on: n, port: 0, options: [tcp.Ip("127.0.0.1")], within: 5000)
  let assert Ok(port) = tcp.local_port(listener, within: 5000)
  let assert Ok(client) =
    tcp.connect(on: n, host: "127.0.0.1", port: port, options: [], within: 5000)
  let assert Ok(server) = tcp.accept(listener, within: 5000)
  let assert Ok(Nil) = tcp.set_packet(client, packet: Packet2, size: 0, within: 5000)
  let assert Ok(Nil) = tcp.set_packet(server, packet: Packet2, size: 5, within: 5000)
  assert_equal(tcp.get_packet(server, within: 5000), Ok(#(Packet2, 5)))
  let assert Ok(Nil) = tcp.send(client, data: <<"hello":utf8>>, within: 5000)
  let assert Ok(Nil) = tcp.send(client, data: <<>>, within: 5000)
  let assert Ok(Nil) = tcp.send(client, data: <<"too long":utf8>>, within: 5000)
  assert_equal(tcp.recv(server, bytes: 0, within: 5000), Ok(Data(<<"hello":utf8>>)))
  assert_equal(tcp.recv(server, bytes: 0, within: 5000), Ok(Data(<<>>)))
  assert_equal(tcp.recv(server, bytes: 0, within: 5000), Error(Emsgsize))
  let assert Ok(Nil) = tcp.set_packet(server, packet: Raw, size: 0, within: 5000)
  assert_equal(
    tcp.recv(server, bytes: 0, within: 5000),
    Ok(Data(<<0, 8, "too long":utf8>>)),
  )
  let assert Ok(Nil) = fdnode.close(client, within: 5000)
  assert_equal(tcp.recv(server, bytes: 0, within: 5000), Ok(Eof))
  let assert Ok(Nil) = fdnode.close(server, within: 5000)
  let assert Ok(Nil) = fdnode.close(listener, within: 5000)
}

pub fn open_stream_refuses_a_regular_file_test() {
  let n = shared_node()
  let path = fresh_path("packet_regular")
  let assert Ok(file) =
    fdnode.open(on: n, path: path, options: [fdnode.Write, fdnode.Create], within: 5000)
  let assert Ok(Nil) = fdnode.close(file, within: 5000)
  assert_equal(
    fdnode.open_stream(on: n, path: path, options: [fdnode.Read], within: 5000),
    Error(Einval),
  )
}
