//// Active delivery in a process that also waits for other messages, as a
//// gleam_otp actor does: its selector takes every message and decodes fdnode
//// ones with `active.decode_message` (here a hand-built selector: the suite
//// has no hex dependencies, and gleam_erlang's does the same).

import fdnode.{Active, Timeout}
import fdnode/active.{Completed, InputClosed, ReadFailed, Received, WentPassive}

@external(erlang, "fdnode_test_ffi", "shared_node")
fn shared_node() -> fdnode.Node

@external(erlang, "fdnode_test_ffi", "assert_equal")
fn assert_equal(got: a, expected: a) -> Nil

/// A pid as another library types it (gleam_erlang's `Pid`).
type ForeignPid

type Term

@external(erlang, "fdnode_selector_test_ffi", "receive_any")
fn receive_any(within: Int) -> Result(Term, Nil)

@external(erlang, "fdnode_selector_test_ffi", "spawn_process")
fn spawn_process(f: fn() -> Nil) -> ForeignPid

@external(erlang, "fdnode_selector_test_ffi", "send")
fn send(to: ForeignPid, term: Term) -> Nil

@external(erlang, "fdnode_selector_test_ffi", "send")
fn reply(to: fdnode.Pid, value: a) -> Nil

@external(erlang, "fdnode_selector_test_ffi", "command")
fn command(text: String) -> Term

@external(erlang, "fdnode_selector_test_ffi", "stop_request")
fn stop_request(reply_to: fdnode.Pid) -> Term

@external(erlang, "fdnode_selector_test_ffi", "decode_command")
fn decode_command(term: Term) -> Result(Command, Nil)

@external(erlang, "fdnode_selector_test_ffi", "foreign_terms")
fn foreign_terms() -> List(Term)

type Command {
  Command(String)
  Stop(reply_to: fdnode.Pid)
}

/// What the actor's selector yields.
type Selected {
  FromFd(active.Message(fdnode.AnyKind))
  FromUser(Command)
  Unexpected
}

fn select(within: Int) -> Result(Selected, Nil) {
  case receive_any(within) {
    Ok(term) ->
      case active.decode_message(term) {
        Ok(message) -> Ok(FromFd(message))
        Error(Nil) ->
          case decode_command(term) {
            Ok(command) -> Ok(FromUser(command))
            Error(Nil) -> Ok(Unexpected)
          }
      }
    Error(Nil) -> Error(Nil)
  }
}

/// What the actor saw.
type Seen {
  Seen(
    data: BitArray,
    commands: List(String),
    closed: Bool,
    unexpected: Int,
    reply_to: Result(fdnode.Pid, Nil),
  )
}

// The actor: selects its own commands and the messages of the one
// descriptor it controls (`mine`) from one mailbox. After `Stop` it answers
// once the input has closed (the two come from different senders, in any order).
fn actor_loop(mine: fdnode.Fd(fdnode.AnyKind), seen: Seen) -> Nil {
  let seen = case select(10_000) {
    Ok(FromFd(Received(fd, data))) if fd == mine ->
      Seen(..seen, data: <<seen.data:bits, data:bits>>)
    Ok(FromFd(InputClosed(fd))) if fd == mine -> Seen(..seen, closed: True)
    Ok(FromFd(_)) -> Seen(..seen, unexpected: seen.unexpected + 1)
    Ok(FromUser(Command(text))) ->
      Seen(..seen, commands: [text, ..seen.commands])
    Ok(FromUser(Stop(reply_to))) -> Seen(..seen, reply_to: Ok(reply_to))
    Ok(Unexpected) -> Seen(..seen, unexpected: seen.unexpected + 1)
    Error(Nil) -> Seen(..seen, reply_to: Error(Nil), closed: True)
  }
  case seen.closed, seen.reply_to {
    True, Ok(to) -> reply(to, seen)
    _, _ -> actor_loop(mine, seen)
  }
}

@external(erlang, "fdnode_selector_test_ffi", "await_seen")
fn await_seen(within: Int) -> Result(Seen, Nil)

pub fn an_actor_selects_fd_messages_among_its_own_test() {
  let node = shared_node()
  let assert Ok(#(r, w)) = fdnode.pipe(on: node, within: 5000)
  assert_equal(fdnode.set_mode(r, to: Active, within: 5000), Ok(Nil))
  let mine = fdnode.forget_kind(r)
  let actor =
    spawn_process(fn() {
      actor_loop(mine, Seen(<<>>, [], False, 0, Error(Nil)))
    })
  // the actor's pid comes typed by another library: pid_from takes it
  let assert Ok(actor_pid) = fdnode.pid_from(actor)
  assert_equal(
    fdnode.controlling_process(r, to: actor_pid, within: 5000),
    Ok(Nil),
  )
  assert_equal(
    fdnode.set_mode(r, to: Active, within: 5000),
    Error(fdnode.NotOwner),
  )
  send(actor, command("first"))
  assert_equal(fdnode.write(w, data: <<"ab":utf8>>, within: 5000), Ok(Nil))
  send(actor, command("second"))
  list_each(foreign_terms(), fn(t) { send(actor, t) })
  assert_equal(fdnode.write(w, data: <<"cd":utf8>>, within: 5000), Ok(Nil))
  assert_equal(fdnode.close(w, within: 5000), Ok(Nil))
  send(actor, stop_request(fdnode.self()))
  let assert Ok(seen) = await_seen(15_000)
  assert_equal(seen.data, <<"abcd":utf8>>)
  assert_equal(seen.commands, ["second", "first"])
  assert_equal(seen.closed, True)
  // every look-alike was turned down by decode_message
  assert_equal(seen.unexpected, list_length(foreign_terms(), 0))
  // nothing is left for the test process either
  assert_equal(active.receive(within: 0), Error(Timeout))
}

pub fn decode_message_reads_every_shape_test() {
  let node = shared_node()
  let assert Ok(#(r, w)) = fdnode.pipe(on: node, within: 5000)
  let any = fdnode.forget_kind(r)
  assert_equal(active.decode_message(fdnode_shaped("data", r)), Ok(Received(any, <<"x":utf8>>)))
  assert_equal(active.decode_message(fdnode_shaped("closed", r)), Ok(InputClosed(any)))
  assert_equal(
    active.decode_message(fdnode_shaped("error", r)),
    Ok(ReadFailed(any, fdnode.Econnreset)),
  )
  assert_equal(active.decode_message(fdnode_shaped("passive", r)), Ok(WentPassive(any)))
  assert_equal(
    active.decode_message(fdnode_shaped("completion", r)),
    Ok(Completed(7, Error(fdnode.Ebadf))),
  )
  list_each(foreign_terms(), fn(t) {
    assert_equal(active.decode_message(t), Error(Nil))
  })
  let assert Ok(Nil) = fdnode.close(r, within: 5000)
  let assert Ok(Nil) = fdnode.close(w, within: 5000)
}

/// The wire terms of docs/protocol.md for `fd`, built by hand.
@external(erlang, "fdnode_selector_test_ffi", "fdnode_shaped")
fn fdnode_shaped(which: String, fd: fdnode.Fd(k)) -> Term

fn list_length(items: List(a), n: Int) -> Int {
  case items {
    [] -> n
    [_, ..rest] -> list_length(rest, n + 1)
  }
}

fn list_each(items: List(a), f: fn(a) -> Nil) -> Nil {
  case items {
    [] -> Nil
    [x, ..rest] -> {
      f(x)
      list_each(rest, f)
    }
  }
}
