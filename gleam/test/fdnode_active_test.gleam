//// Integration tests of active and active-once delivery, FIFOs fed by real
//// OS processes, TCP sockets, flow control (JVM heap while a receiver does
//// not receive), on a real BEAM against a real Java node.

import fdnode.{
  Active, ActiveN, ActiveOnce, Data, Econnrefused, Econnreset, Passive, Read,
  Timeout,
}
import fdnode/active.{InputClosed, ReadFailed, Received, WentPassive}
import fdnode/node as fdnode_node
import fdnode/tcp

// ---------------------------------------------------------------- helpers

@external(erlang, "fdnode_test_ffi", "shared_node")
fn shared_node() -> fdnode.Node

@external(erlang, "fdnode_test_ffi", "start_private_node")
fn start_private_node() -> fdnode.Node

@external(erlang, "fdnode_test_ffi", "fresh_path")
fn fresh_path(prefix: String) -> String

@external(erlang, "fdnode_test_ffi", "assert_equal")
fn assert_equal(got: a, expected: a) -> Nil

@external(erlang, "fdnode_test_ffi", "assert_true")
fn assert_true(condition: Bool) -> Nil

@external(erlang, "fdnode_test_ffi", "async")
fn async(f: fn() -> a) -> fdnode.Pid

@external(erlang, "fdnode_test_ffi", "await")
fn await(task: fdnode.Pid, timeout_ms: Int) -> Result(a, Nil)

type Port

@external(erlang, "fdnode_active_test_ffi", "make_fifo")
fn make_fifo(path: String) -> Nil

@external(erlang, "fdnode_active_test_ffi", "random_file")
fn random_file(path: String, size: Int) -> Int

@external(erlang, "fdnode_active_test_ffi", "start_writer")
fn start_writer(src: String, fifo: String) -> Port

@external(erlang, "fdnode_active_test_ffi", "start_two_gate_writer")
fn start_two_gate_writer(
  src: String,
  fifo: String,
  first_blocks: Int,
  second_blocks: Int,
) -> Port

@external(erlang, "fdnode_active_test_ffi", "open_gate")
fn open_gate(port: Port) -> Nil

@external(erlang, "fdnode_active_test_ffi", "await_writer")
fn await_writer(port: Port, timeout_ms: Int) -> Result(Int, Nil)

@external(erlang, "fdnode_active_test_ffi", "writer_os_pid")
fn writer_os_pid(port: Port) -> Int

@external(erlang, "fdnode_active_test_ffi", "wait_writer_blocked")
fn wait_writer_blocked(os_pid: Int, timeout_ms: Int) -> Bool

@external(erlang, "fdnode_active_test_ffi", "await_closed")
fn await_closed(fd: fdnode.Fd(k), timeout_ms: Int) -> Bool

@external(erlang, "fdnode_active_test_ffi", "poll_closed")
fn poll_closed(fd: fdnode.Fd(k)) -> Bool

@external(erlang, "fdnode_active_test_ffi", "mailbox_len")
fn mailbox_len() -> Int

@external(erlang, "fdnode_active_test_ffi", "drain_crc")
fn drain_crc(fd: fdnode.Fd(k), crc: Int) -> #(Int, Int)

@external(erlang, "fdnode_active_test_ffi", "await_data_in_mailbox")
fn await_data_in_mailbox(fd: fdnode.Fd(k), timeout_ms: Int) -> Bool

@external(erlang, "fdnode_active_test_ffi", "await_passive_in_mailbox")
fn await_passive_in_mailbox(fd: fdnode.Fd(k), timeout_ms: Int) -> Bool

type Peer

@external(erlang, "fdnode_active_test_ffi", "tcp_peer")
fn tcp_peer(payload: BitArray) -> Peer

@external(erlang, "fdnode_active_test_ffi", "peer_port")
fn peer_port(peer: Peer) -> Int

@external(erlang, "fdnode_active_test_ffi", "peer_reset")
fn peer_reset(peer: Peer) -> Nil

@external(erlang, "fdnode_active_test_ffi", "peer_close")
fn peer_close(peer: Peer) -> Nil

@external(erlang, "fdnode_active_test_ffi", "free_port")
fn free_port() -> Int

@external(erlang, "fdnode_active_test_ffi", "bytes_read")
fn bytes_read(node: fdnode.Node) -> Int

@external(erlang, "fdnode_active_test_ffi", "log")
fn log(format: String, args: List(Int)) -> Nil

@external(erlang, "erlang", "crc32")
fn crc32(data: BitArray) -> Int

@external(erlang, "erlang", "crc32")
fn crc32_update(crc: Int, data: BitArray) -> Int

@external(erlang, "erlang", "byte_size")
fn byte_size(data: BitArray) -> Int

@external(erlang, "rand", "bytes")
fn random_bytes(n: Int) -> BitArray

const mib = 1_048_576

fn max(a: Int, b: Int) -> Int {
  case a > b {
    True -> a
    False -> b
  }
}

// A FIFO in the root holding `size` random bytes' worth of source file,
// a real `dd` writing them into it, and the read end opened on `node`.
type Stream {
  Stream(fd: fdnode.Fd(fdnode.File), writer: Port, crc: Int, size: Int)
}

fn fifo_stream(node: fdnode.Node, size: Int) -> Stream {
  let src = fresh_path("src")
  let crc = random_file(src, size)
  let fifo = fresh_path("fifo")
  make_fifo(fifo)
  // dd's open of the FIFO and ours meet: each waits for the other.
  let writer = start_writer(src, fifo)
  let assert Ok(fd) =
    fdnode.open(on: node, path: fifo, options: [Read], within: 10_000)
  Stream(fd, writer, crc, size)
}

// Receives `fd`'s active messages to end of input: #(crc, bytes, chunks).
fn collect(fd: fdnode.Fd(k), crc: Int, bytes: Int, chunks: Int) -> #(Int, Int, Int) {
  case active.receive_from(fd, within: 10_000) {
    Ok(Received(_, data)) ->
      collect(fd, crc32_update(crc, data), bytes + byte_size(data), chunks + 1)
    Ok(InputClosed(_)) -> #(crc, bytes, chunks)
    other -> {
      assert_equal(other, Ok(InputClosed(fd)))
      #(crc, bytes, chunks)
    }
  }
}

// ---------------------------------------------------------------- streams

pub fn active_delivers_8mib_fifo_in_order_test() {
  let node = shared_node()
  let s = fifo_stream(node, 8 * mib)
  assert_equal(fdnode.set_mode(s.fd, to: Active, within: 5000), Ok(Nil))
  let #(crc, bytes, chunks) = collect(s.fd, 0, 0, 0)
  assert_equal(bytes, s.size)
  assert_equal(crc, s.crc)
  // Messages carry at most 256 KiB (the node's active chunk), so 8 MiB
  // needs at least 32 of them.
  assert_true(chunks >= 32)
  assert_equal(await_writer(s.writer, 10_000), Ok(0))
  // nothing after end of input
  assert_equal(active.receive_from(s.fd, within: 100), Error(Timeout))
  assert_equal(fdnode.close(s.fd, within: 5000), Ok(Nil))
}

pub fn active_once_fold_delivers_8mib_fifo_in_order_test() {
  let node = shared_node()
  let s = fifo_stream(node, 8 * mib)
  let result =
    active.fold(
      s.fd,
      from: #(0, 0),
      with: fn(acc, data) {
        let #(crc, n) = acc
        #(crc32_update(crc, data), n + byte_size(data))
      },
      within: 10_000,
    )
  assert_equal(result, Ok(#(s.crc, s.size)))
  assert_equal(await_writer(s.writer, 10_000), Ok(0))
  // every ActiveOnce message came with its passive notice: none left over
  assert_equal(active.receive_from(s.fd, within: 100), Error(Timeout))
  assert_equal(fdnode.close(s.fd, within: 5000), Ok(Nil))
}

pub fn read_all_reads_a_fifo_to_the_end_test() {
  let node = shared_node()
  let s = fifo_stream(node, 3 * mib + 17)
  let assert Ok(all) = fdnode.read_all(s.fd, chunk: 65_536, within: 5000)
  assert_equal(byte_size(all), s.size)
  assert_equal(crc32(all), s.crc)
  assert_equal(await_writer(s.writer, 10_000), Ok(0))
  assert_equal(fdnode.close(s.fd, within: 5000), Ok(Nil))
}

// ---------------------------------------------------------------- modes

pub fn active_n_counts_down_to_passive_test() {
  let node = shared_node()
  let assert Ok(#(r, w)) = fdnode.pipe(on: node, within: 5000)
  assert_equal(fdnode.set_mode(r, to: ActiveN(1), within: 5000), Ok(Nil))
  // counts add up, as with inet's {active, N}
  assert_equal(fdnode.set_mode(r, to: ActiveN(1), within: 5000), Ok(Nil))
  let assert Ok(info) = fdnode.info(r, within: 5000)
  assert_equal(info.mode, ActiveN(2))
  assert_equal(fdnode.write(w, data: <<"one":utf8>>, within: 5000), Ok(Nil))
  assert_equal(active.receive_from(r, within: 5000), Ok(Received(r, <<"one":utf8>>)))
  assert_equal(fdnode.write(w, data: <<"two":utf8>>, within: 5000), Ok(Nil))
  assert_equal(active.receive_from(r, within: 5000), Ok(Received(r, <<"two":utf8>>)))
  assert_equal(active.receive_from(r, within: 5000), Ok(WentPassive(r)))
  let assert Ok(info) = fdnode.info(r, within: 5000)
  assert_equal(info.mode, Passive)
  assert_equal(
    fdnode.set_mode(r, to: ActiveN(32_768), within: 5000),
    Error(fdnode.Einval),
  )
  assert_equal(fdnode.close(r, within: 5000), Ok(Nil))
  assert_equal(fdnode.close(w, within: 5000), Ok(Nil))
}

pub fn active_once_flips_to_passive_test() {
  let node = shared_node()
  let assert Ok(#(r, w)) = fdnode.pipe(on: node, within: 5000)
  assert_equal(fdnode.set_mode(r, to: ActiveOnce, within: 5000), Ok(Nil))
  assert_equal(fdnode.write(w, data: <<"one":utf8>>, within: 5000), Ok(Nil))
  assert_equal(active.receive_from(r, within: 5000), Ok(Received(r, <<"one":utf8>>)))
  assert_equal(active.receive_from(r, within: 5000), Ok(WentPassive(r)))
  let assert Ok(info) = fdnode.info(r, within: 5000)
  assert_equal(info.mode, Passive)
  // passive now: more input is not pushed, it waits for a read
  assert_equal(fdnode.write(w, data: <<"two":utf8>>, within: 5000), Ok(Nil))
  assert_equal(active.receive_from(r, within: 300), Error(Timeout))
  assert_equal(fdnode.read(r, bytes: 100, within: 5000), Ok(Data(<<"two":utf8>>)))
  // and ActiveOnce again gives exactly one more message
  assert_equal(fdnode.write(w, data: <<"three":utf8>>, within: 5000), Ok(Nil))
  assert_equal(fdnode.set_mode(r, to: ActiveOnce, within: 5000), Ok(Nil))
  assert_equal(active.receive_from(r, within: 5000), Ok(Received(r, <<"three":utf8>>)))
  assert_equal(active.receive_from(r, within: 5000), Ok(WentPassive(r)))
  // end of input in an active mode
  assert_equal(fdnode.set_mode(r, to: Active, within: 5000), Ok(Nil))
  assert_equal(fdnode.close(w, within: 5000), Ok(Nil))
  assert_equal(active.receive_from(r, within: 5000), Ok(InputClosed(r)))
  assert_equal(fdnode.close(r, within: 5000), Ok(Nil))
}

// Control moves from this process to another while a real writer is
// pushing data: the two processes' bytes, concatenated in order, are the
// stream, exactly.
pub fn control_transfer_mid_stream_loses_and_duplicates_nothing_test() {
  let node = shared_node()
  let size = 8 * mib
  let src = fresh_path("src")
  let crc = random_file(src, size)
  let fifo = fresh_path("fifo")
  make_fifo(fifo)
  // 1 MiB first, 1 MiB more once the first gate opens, the rest after the
  // second: the hand-over happens while the second MiB flows, and B's part
  // cannot all reach A first (delivery outruns any test process otherwise)
  let writer = start_two_gate_writer(src, fifo, 16, 16)
  let assert Ok(fd) =
    fdnode.open(on: node, path: fifo, options: [Read], within: 10_000)
  let b =
    async(fn() {
      // B waits for its first message, then reads to the end
      collect(fd, 0, 0, 0)
    })
  assert_equal(fdnode.set_mode(fd, to: Active, within: 5000), Ok(Nil))
  let #(crc_a, bytes_a) = receive_at_least(fd, mib, 0, 0)
  // let the other 7 MiB flow; once their first chunk is here, hand over
  // while the rest is being read and sent
  open_gate(writer)
  let #(crc_a, bytes_a) = receive_at_least(fd, mib + 1, crc_a, bytes_a)
  assert_equal(fdnode.controlling_process(fd, to: b, within: 5000), Ok(Nil))
  open_gate(writer)
  // what was sent to A before the hand-over moved to B with control
  assert_equal(drain_crc(fd, crc_a), #(crc_a, 0))
  let assert Ok(#(crc_b_alone, bytes_b, _)) = await(b, 30_000)
  log("transfer: A got ~b bytes, B got ~b bytes", [bytes_a, bytes_b])
  assert_true(bytes_a > mib)
  assert_true(bytes_b > 0)
  assert_equal(bytes_a + bytes_b, size)
  // crc32 of A ++ B from the two parts: recompute B's part over A's crc
  assert_equal(crc32_combine(crc_a, crc_b_alone, bytes_b), crc)
  assert_equal(await_writer(writer, 10_000), Ok(0))
}

@external(erlang, "erlang", "crc32_combine")
fn crc32_combine(first: Int, second: Int, second_size: Int) -> Int

fn receive_at_least(fd: fdnode.Fd(k), want: Int, crc: Int, n: Int) -> #(Int, Int) {
  case n >= want {
    True -> #(crc, n)
    False -> {
      let assert Ok(Received(_, data)) = active.receive_from(fd, within: 10_000)
      receive_at_least(fd, want, crc32_update(crc, data), n + byte_size(data))
    }
  }
}

// The README's hand-over: `set_mode(Active)`, then `controlling_process`.
// The chunk already delivered to this process moves to the new controller
// with control (as with gen_tcp), which then gets what comes later, in
// order and in the same mode; nothing is left here.
pub fn hand_over_after_set_mode_active_moves_delivered_data_test() {
  let node = shared_node()
  let assert Ok(#(r, w)) = fdnode.pipe(on: node, within: 5000)
  assert_equal(fdnode.write(w, data: <<"hello":utf8>>, within: 5000), Ok(Nil))
  assert_equal(fdnode.set_mode(r, to: Active, within: 5000), Ok(Nil))
  assert_true(await_data_in_mailbox(r, 5000))
  let actor =
    async(fn() {
      let first = active.receive_from(r, within: 5000)
      let second = active.receive_from(r, within: 5000)
      #(first, second)
    })
  assert_equal(fdnode.controlling_process(r, to: actor, within: 5000), Ok(Nil))
  assert_equal(fdnode.write(w, data: <<"later":utf8>>, within: 5000), Ok(Nil))
  assert_equal(
    await(actor, 10_000),
    Ok(#(Ok(Received(r, <<"hello":utf8>>)), Ok(Received(r, <<"later":utf8>>)))),
  )
  assert_equal(active.receive_from(r, within: 0), Error(Timeout))
  assert_equal(fdnode.close(w, within: 5000), Ok(Nil))
}

// The same on a FIFO (fed by a real `dd`) in ActiveOnce: its chunk and its
// WentPassive both move, and the descriptor stays passive for the new
// controller.
pub fn hand_over_in_active_once_moves_chunk_and_notice_test() {
  let node = shared_node()
  let src = fresh_path("handover_src")
  // one write of at most PIPE_BUF bytes: one chunk
  let crc = random_file(src, 1000)
  let fifo = fresh_path("handover_fifo")
  make_fifo(fifo)
  let writer = start_writer(src, fifo)
  let assert Ok(r) =
    fdnode.open(on: node, path: fifo, options: [Read], within: 10_000)
  assert_equal(fdnode.set_mode(r, to: ActiveOnce, within: 5000), Ok(Nil))
  assert_true(await_passive_in_mailbox(r, 5000))
  let actor =
    async(fn() {
      let first = active.receive_from(r, within: 5000)
      let second = active.receive_from(r, within: 5000)
      let assert Ok(info) = fdnode.info(r, within: 5000)
      #(first, second, info.mode)
    })
  assert_equal(fdnode.controlling_process(r, to: actor, within: 5000), Ok(Nil))
  let assert Ok(#(Ok(Received(_, data)), second, mode)) = await(actor, 10_000)
  assert_equal(crc32(data), crc)
  assert_equal(second, Ok(WentPassive(r)))
  assert_equal(mode, Passive)
  assert_equal(active.receive_from(r, within: 0), Error(Timeout))
  assert_equal(await_writer(writer, 10_000), Ok(0))
}

// ---------------------------------------------------------------- TCP

pub fn tcp_connect_receives_bytes_actively_test() {
  let node = shared_node()
  let payload = random_bytes(mib + 3)
  let peer = tcp_peer(payload)
  let assert Ok(sock) =
    tcp.connect(
      on: node,
      host: "127.0.0.1",
      port: peer_port(peer),
      options: [], within: 5000,
    )
  assert_equal(fdnode.set_mode(sock, to: Active, within: 5000), Ok(Nil))
  let #(got_crc, got_bytes) = receive_at_least(sock, mib + 3, 0, 0)
  assert_equal(got_bytes, mib + 3)
  assert_equal(got_crc, crc32(payload))
  peer_close(peer)
  assert_equal(active.receive_from(sock, within: 5000), Ok(InputClosed(sock)))
  assert_equal(fdnode.close(sock, within: 5000), Ok(Nil))
}

pub fn tcp_reset_by_peer_is_a_read_error_test() {
  let node = shared_node()
  let peer = tcp_peer(<<"hello":utf8>>)
  let assert Ok(sock) =
    tcp.connect(
      on: node,
      host: "127.0.0.1",
      port: peer_port(peer),
      options: [], within: 5000,
    )
  assert_equal(fdnode.write(sock, data: <<"hi":utf8>>, within: 5000), Ok(Nil))
  assert_equal(fdnode.set_mode(sock, to: Active, within: 5000), Ok(Nil))
  assert_equal(active.receive_from(sock, within: 5000), Ok(Received(sock, <<"hello":utf8>>)))
  peer_reset(peer)
  assert_equal(active.receive_from(sock, within: 5000), Ok(ReadFailed(sock, Econnreset)))
  assert_equal(fdnode.close(sock, within: 5000), Ok(Nil))
}

pub fn tcp_connect_refused_test() {
  let node = shared_node()
  assert_equal(
    tcp.connect(
      on: node,
      host: "127.0.0.1",
      port: free_port(),
      options: [], within: 5000,
    ),
    Error(Econnrefused),
  )
  assert_equal(
    tcp.connect(on: node, host: "127.0.0.1", port: 0, options: [], within: 5000),
    Error(fdnode.Einval),
  )
}

// ---------------------------------------------------------------- flow control

// 64 MiB go through a FIFO to a process that does not receive them while the
// stream flows. The JVM's retained heap (after a full GC) stays far below
// the stream size: the Java node holds one chunk per descriptor, however
// slow the receiver. In Active mode the BEAM mailbox takes it all (as with
// gen_tcp {active, true}); in ActiveOnce mode the writer is held back.
const heap_bound = 16_777_216

pub fn active_non_receiver_does_not_grow_jvm_heap_test() {
  let node = start_private_node()
  let assert Ok(baseline) = fdnode_node.heap_used(of: node, after_gc: True, within: 40_000)
  let s = fifo_stream(node, 64 * mib)
  assert_equal(fdnode.set_mode(s.fd, to: Active, within: 5000), Ok(Nil))
  // sample the heap while the data flows into our (unread) mailbox
  let peak = sample_until_closed(node, s.fd, 0, 0)
  let assert Ok(after) = fdnode_node.heap_used(of: node, after_gc: True, within: 40_000)
  log(
    "active: heap baseline ~b, peak during 64 MiB ~b, after ~b, mailbox ~b messages",
    [baseline, peak, after, mailbox_len()],
  )
  assert_true(peak - baseline < heap_bound)
  assert_true(after - baseline < heap_bound)
  // nothing was lost: the unread mailbox holds the whole stream, in order
  assert_equal(drain_crc(s.fd, 0), #(s.crc, s.size))
  assert_equal(await_writer(s.writer, 10_000), Ok(0))
  assert_equal(fdnode_node.stop(node, within: 10_000), Ok(Nil))
}

fn sample_until_closed(
  node: fdnode.Node,
  fd: fdnode.Fd(k),
  peak: Int,
  samples: Int,
) -> Int {
  let assert Ok(heap) = fdnode_node.heap_used(of: node, after_gc: True, within: 40_000)
  let peak = max(peak, heap)
  case poll_closed(fd) {
    True -> {
      log("active: ~b heap samples during the stream", [samples + 1])
      peak
    }
    False ->
      case samples > 2000 {
        True -> {
          assert_true(await_closed(fd, 30_000))
          peak
        }
        False -> sample_until_closed(node, fd, peak, samples + 1)
      }
  }
}

pub fn active_once_non_receiver_holds_the_writer_back_test() {
  let node = start_private_node()
  let assert Ok(baseline) = fdnode_node.heap_used(of: node, after_gc: True, within: 40_000)
  let s = fifo_stream(node, 64 * mib)
  assert_equal(fdnode.set_mode(s.fd, to: ActiveOnce, within: 5000), Ok(Nil))
  let assert Ok(Received(_, first)) = active.receive_from(s.fd, within: 10_000)
  assert_equal(active.receive_from(s.fd, within: 5000), Ok(WentPassive(s.fd)))
  // we stop receiving: the node stops reading, the pipe fills, dd blocks
  assert_true(wait_writer_blocked(writer_os_pid(s.writer), 10_000))
  let assert Ok(stalled) = fdnode_node.heap_used(of: node, after_gc: True, within: 40_000)
  // the node read one chunk of the 64 MiB
  let read_so_far = bytes_read(node)
  assert_true(read_so_far < 2 * mib)
  // then receive the rest with back-pressure, sampling the heap on the way
  let assert Ok(#(crc, n, peak, _)) =
    active.fold(
      s.fd,
      from: #(crc32(first), byte_size(first), stalled, 0),
      with: fn(acc, data) {
        let #(crc, n, peak, count) = acc
        let peak = case count % 256 {
          0 -> {
            let assert Ok(heap) = fdnode_node.heap_used(of: node, after_gc: True, within: 40_000)
            max(peak, heap)
          }
          _ -> peak
        }
        #(crc32_update(crc, data), n + byte_size(data), peak, count + 1)
      },
      within: 10_000,
    )
  log(
    "active_once: heap baseline ~b, stalled ~b (node read ~b bytes), peak ~b",
    [baseline, stalled, read_so_far, peak],
  )
  assert_equal(#(crc, n), #(s.crc, s.size))
  assert_true(stalled - baseline < heap_bound)
  assert_true(peak - baseline < heap_bound)
  assert_equal(await_writer(s.writer, 10_000), Ok(0))
  assert_equal(fdnode_node.stop(node, within: 10_000), Ok(Nil))
}
