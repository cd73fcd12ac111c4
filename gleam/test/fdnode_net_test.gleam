//// Integration tests of TCP servers and clients, UDP, socket options and the
//// "do better than the model" points on sockets, on a real BEAM against a
//// real Java node, all on loopback.

import fdnode.{
  ActiveOnce, Active, Chunk, Closed, Data, Datagram, EndOfInput, Eof, Inet6, Ip,
  Keepalive, KeepaliveOption, Nodelay, NodelayOption, Passive, ReadError,
  Econnreset, Timeout, UdpData, UdpPassive,
}

@external(erlang, "fdnode_test_ffi", "shared_node")
fn shared_node() -> fdnode.Node

@external(erlang, "fdnode_test_ffi", "assert_equal")
fn assert_equal(got: a, expected: a) -> Nil

@external(erlang, "fdnode_test_ffi", "assert_true")
fn assert_true(condition: Bool) -> Nil

@external(erlang, "fdnode_test_ffi", "async")
fn async(f: fn() -> a) -> fdnode.Pid

@external(erlang, "fdnode_test_ffi", "await")
fn await(task: fdnode.Pid, timeout_ms: Int) -> Result(a, Nil)

@external(erlang, "fdnode_net_test_ffi", "reset_client")
fn reset_client(port: Int) -> Nil

type Peer

@external(erlang, "fdnode_net_test_ffi", "streaming_peer")
fn streaming_peer(payload: BitArray) -> #(Peer, Int)

@external(erlang, "fdnode_net_test_ffi", "drain_active")
fn drain_active(fd: fdnode.Fd, acc: BitArray) -> BitArray

@external(erlang, "rand", "bytes")
fn random_bytes(n: Int) -> BitArray

@external(erlang, "erlang", "byte_size")
fn byte_size(data: BitArray) -> Int

fn listener(node: fdnode.Node) -> #(fdnode.Fd, Int) {
  let assert Ok(l) =
    fdnode.tcp_listen(on: node, port: 0, options: [Ip("127.0.0.1")])
  let assert Ok(port) = fdnode.local_port(l)
  #(l, port)
}

// ---------------------------------------------------------------- echo

// The server process accepts (so it owns the socket) and echoes each chunk
// it gets in ActiveOnce mode until end of input; returns the bytes echoed.
fn echo_loop(sock: fdnode.Fd, echoed: Int) -> Int {
  let assert Ok(Nil) = fdnode.set_mode(sock, to: ActiveOnce)
  case fdnode.receive(sock, within: 5000) {
    Ok(Chunk(data)) -> {
      let assert Ok(Nil) = fdnode.send(sock, data: data)
      let assert Ok(fdnode.NowPassive) = fdnode.receive(sock, within: 5000)
      echo_loop(sock, echoed + byte_size(data))
    }
    Ok(EndOfInput) -> {
      let assert Ok(Nil) = fdnode.close(sock)
      echoed
    }
    other -> {
      assert_equal(other, Ok(EndOfInput))
      echoed
    }
  }
}

// Client side: ActiveOnce receives until `want` bytes came back.
fn receive_echo(sock: fdnode.Fd, want: Int, acc: BitArray) -> BitArray {
  case byte_size(acc) >= want {
    True -> acc
    False -> {
      let assert Ok(Nil) = fdnode.set_mode(sock, to: ActiveOnce)
      let assert Ok(Chunk(data)) = fdnode.receive(sock, within: 5000)
      let assert Ok(fdnode.NowPassive) = fdnode.receive(sock, within: 5000)
      receive_echo(sock, want, <<acc:bits, data:bits>>)
    }
  }
}

pub fn echo_server_and_client_over_loopback_test() {
  let node = shared_node()
  let #(l, port) = listener(node)
  let server =
    async(fn() {
      let assert Ok(sock) = fdnode.accept(l, within: 5000)
      echo_loop(sock, 0)
    })
  let assert Ok(client) =
    fdnode.tcp_connect_with(
      on: node,
      host: "127.0.0.1",
      port: port,
      options: [Nodelay(True)],
      within: 5000,
    )
  let assert Ok(#("127.0.0.1", peer_port)) = fdnode.peername(client)
  assert_equal(peer_port, port)
  assert_equal(fdnode.send(client, data: <<"hello":utf8>>), Ok(Nil))
  assert_equal(receive_echo(client, 5, <<>>), <<"hello":utf8>>)
  let big = random_bytes(200_000)
  assert_equal(fdnode.send(client, data: big), Ok(Nil))
  assert_equal(receive_echo(client, 200_000, <<>>), big)
  assert_equal(fdnode.close(client), Ok(Nil))
  assert_equal(await(server, 10_000), Ok(200_005))
  assert_equal(fdnode.close(l), Ok(Nil))
}

pub fn accept_and_recv_time_out_test() {
  let node = shared_node()
  let #(l, port) = listener(node)
  assert_equal(fdnode.accept(l, within: 0), Error(Timeout))
  let assert Ok(c) =
    fdnode.tcp_connect(on: node, host: "127.0.0.1", port: port, within: 5000)
  let assert Ok(s) = fdnode.accept(l, within: 5000)
  assert_equal(fdnode.recv(s, bytes: 10, within: 50), Error(Timeout))
  assert_equal(fdnode.send(c, data: <<"abc":utf8>>), Ok(Nil))
  assert_equal(fdnode.recv(s, bytes: 0, within: 5000), Ok(Data(<<"abc":utf8>>)))
  assert_equal(fdnode.close(c), Ok(Nil))
  assert_equal(fdnode.recv(s, bytes: 10, within: 5000), Ok(Eof))
  assert_equal(fdnode.close(s), Ok(Nil))
  assert_equal(fdnode.close(l), Ok(Nil))
}

pub fn ipv6_listen_and_connect_test() {
  let node = shared_node()
  let assert Ok(l) =
    fdnode.tcp_listen(on: node, port: 0, options: [Ip("::1"), Inet6])
  let assert Ok(#("::1", port)) = fdnode.sockname(l)
  let assert Ok(c) =
    fdnode.tcp_connect(on: node, host: "::1", port: port, within: 5000)
  let assert Ok(s) = fdnode.accept(l, within: 5000)
  assert_equal(fdnode.send(s, data: <<"v6":utf8>>), Ok(Nil))
  assert_equal(fdnode.recv(c, bytes: 0, within: 5000), Ok(Data(<<"v6":utf8>>)))
  let assert Ok(Nil) = fdnode.close(c)
  let assert Ok(Nil) = fdnode.close(s)
  let assert Ok(Nil) = fdnode.close(l)
}

pub fn socket_options_set_and_get_test() {
  let node = shared_node()
  let #(l, port) = listener(node)
  let assert Ok(c) =
    fdnode.tcp_connect(on: node, host: "127.0.0.1", port: port, within: 5000)
  assert_equal(
    fdnode.set_options(c, [Nodelay(True), Keepalive(True), fdnode.Sndbuf(65_536)]),
    Ok(Nil),
  )
  assert_equal(
    fdnode.get_options(c, [NodelayOption, KeepaliveOption]),
    Ok([Nodelay(True), Keepalive(True)]),
  )
  let assert Ok([fdnode.Sndbuf(size)]) =
    fdnode.get_options(c, [fdnode.SndbufOption])
  assert_true(size >= 65_536)
  assert_equal(fdnode.set_options(c, [Nodelay(False)]), Ok(Nil))
  assert_equal(fdnode.get_options(c, [NodelayOption]), Ok([Nodelay(False)]))
  let assert Ok(Nil) = fdnode.close(c)
  let assert Ok(Nil) = fdnode.close(l)
}

// A peer that went away: send reports Closed (EPIPE/ECONNRESET) and the
// Java node, which would die of SIGPIPE with a plain write(2), still answers.
pub fn send_to_a_gone_peer_is_closed_not_sigpipe_test() {
  let node = shared_node()
  let #(l, port) = listener(node)
  let assert Ok(c) =
    fdnode.tcp_connect(on: node, host: "127.0.0.1", port: port, within: 5000)
  let assert Ok(s) = fdnode.accept(l, within: 5000)
  let assert Ok(Nil) = fdnode.close(s)
  assert_equal(send_until_error(c, 0), Closed)
  assert_equal(fdnode.stats(of: node) |> is_ok, True)
  let assert Ok(Nil) = fdnode.close(c)
  let assert Ok(Nil) = fdnode.close(l)
}

fn send_until_error(c: fdnode.Fd, n: Int) -> fdnode.FdError {
  case n > 1000, fdnode.send(c, data: random_bytes(65_536)) {
    True, _ -> Timeout
    _, Ok(Nil) -> send_until_error(c, n + 1)
    _, Error(e) -> e
  }
}

fn is_ok(r: Result(a, b)) -> Bool {
  case r {
    Ok(_) -> True
    Error(_) -> False
  }
}

// Do better: a read error in active mode is an error message, not a close
// (see also fdnode_active_test's tcp_reset_by_peer_is_a_read_error_test).
pub fn accepted_socket_reset_is_a_read_error_test() {
  let node = shared_node()
  let #(l, port) = listener(node)
  reset_client(port)
  let assert Ok(s) = fdnode.accept(l, within: 5000)
  assert_equal(fdnode.set_mode(s, to: Active), Ok(Nil))
  assert_equal(fdnode.receive(s, within: 5000), Ok(ReadError(Econnreset)))
  let assert Ok(Nil) = fdnode.close(s)
  let assert Ok(Nil) = fdnode.close(l)
}

// Do better: flipping to Passive while a read is in flight never drops the
// bytes already read. A peer streams 2 MiB; we flip Active/Passive over and
// over, taking what was delivered, then read the rest passively: every byte
// arrives once, in order.
pub fn passive_switch_mid_read_drops_nothing_test() {
  let node = shared_node()
  let payload = random_bytes(2 * 1_048_576)
  let #(_peer, port) = streaming_peer(payload)
  let assert Ok(sock) =
    fdnode.tcp_connect(on: node, host: "127.0.0.1", port: port, within: 5000)
  let got = flip(sock, 60, <<>>)
  let rest = read_rest(sock, got)
  assert_equal(byte_size(rest), byte_size(payload))
  assert_true(rest == payload)
  let assert Ok(Nil) = fdnode.close(sock)
}

fn flip(sock: fdnode.Fd, times: Int, acc: BitArray) -> BitArray {
  case times {
    0 -> acc
    _ -> {
      let assert Ok(Nil) = fdnode.set_mode(sock, to: Active)
      case fdnode.receive(sock, within: 5000) {
        Ok(Chunk(data)) -> {
          let assert Ok(Nil) = fdnode.set_mode(sock, to: Passive)
          flip(sock, times - 1, drain_active(sock, <<acc:bits, data:bits>>))
        }
        // End of input while active: everything has been delivered.
        Ok(EndOfInput) -> {
          let assert Ok(Nil) = fdnode.set_mode(sock, to: Passive)
          acc
        }
        other -> {
          assert_equal(other, Ok(EndOfInput))
          acc
        }
      }
    }
  }
}

fn read_rest(sock: fdnode.Fd, acc: BitArray) -> BitArray {
  case fdnode.recv(sock, bytes: 0, within: 5000) {
    Ok(Data(data)) -> read_rest(sock, <<acc:bits, data:bits>>)
    Ok(Eof) -> acc
    other -> {
      assert_equal(other, Ok(Eof))
      acc
    }
  }
}

// ---------------------------------------------------------------- UDP

pub fn udp_round_trip_test() {
  let node = shared_node()
  let assert Ok(a) =
    fdnode.udp_open(on: node, port: 0, options: [Ip("127.0.0.1")])
  let assert Ok(b) =
    fdnode.udp_open(on: node, port: 0, options: [Ip("127.0.0.1")])
  let assert Ok(a_port) = fdnode.local_port(a)
  let assert Ok(b_port) = fdnode.local_port(b)
  // Active once on a: the datagram comes with its sender, then passive.
  assert_equal(fdnode.set_mode(a, to: ActiveOnce), Ok(Nil))
  assert_equal(
    fdnode.send_to(b, host: "127.0.0.1", port: a_port, data: <<"ping":utf8>>),
    Ok(Nil),
  )
  assert_equal(
    fdnode.receive_udp(a, within: 5000),
    Ok(UdpData(Datagram("127.0.0.1", b_port, <<"ping":utf8>>))),
  )
  assert_equal(fdnode.receive_udp(a, within: 5000), Ok(UdpPassive))
  // Passive on b: recv_from.
  assert_equal(
    fdnode.send_to(a, host: "127.0.0.1", port: b_port, data: <<"pong":utf8>>),
    Ok(Nil),
  )
  assert_equal(
    fdnode.recv_from(b, within: 5000),
    Ok(Datagram("127.0.0.1", a_port, <<"pong":utf8>>)),
  )
  assert_equal(fdnode.recv_from(b, within: 20), Error(Timeout))
  let assert Ok(Nil) = fdnode.close(a)
  let assert Ok(Nil) = fdnode.close(b)
}

pub fn udp_ipv6_sender_is_not_dropped_test() {
  let node = shared_node()
  let assert Ok(a) =
    fdnode.udp_open(on: node, port: 0, options: [Ip("::1"), Inet6])
  let assert Ok(b) =
    fdnode.udp_open(on: node, port: 0, options: [Ip("::1"), Inet6])
  let assert Ok(a_port) = fdnode.local_port(a)
  let assert Ok(b_port) = fdnode.local_port(b)
  assert_equal(fdnode.set_mode(a, to: Active), Ok(Nil))
  assert_equal(
    fdnode.send_to(b, host: "::1", port: a_port, data: <<"six":utf8>>),
    Ok(Nil),
  )
  assert_equal(
    fdnode.receive_udp(a, within: 5000),
    Ok(UdpData(Datagram("::1", b_port, <<"six":utf8>>))),
  )
  let assert Ok(Nil) = fdnode.close(a)
  let assert Ok(Nil) = fdnode.close(b)
}
