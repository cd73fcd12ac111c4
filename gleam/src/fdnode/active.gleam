//// Active delivery: the messages a descriptor's controlling process gets in
//// `Active` or `ActiveOnce` mode, and completions of `fdnode.close_async`.
////
//// They are plain Erlang messages, so they can be received here
//// (`receive`, `receive_from`, `fold`) or, in a process that also waits
//// for other messages (a gleam_otp actor, a gleam_erlang selector), decoded
//// with `decode_message`, which accepts any term.
////
//// | Message | Erlang term |
//// |---|---|
//// | `Received(fd, data)` | `{fdnode, Fd, Data :: binary()}` |
//// | `DatagramReceived(fd, from, port, data)` | `{fdnode_udp, Fd, Ip :: inet:ip_address(), Port, Data}` |
//// | `InputClosed(fd)` | `{fdnode_closed, Fd}` |
//// | `ReadFailed(fd, error)` | `{fdnode_error, Fd, Reason :: atom()}` |
//// | `WentPassive(fd)` | `{fdnode_passive, Fd}` |
//// | `Completed(op, result)` | `{fdnode_completion, OpId, ok \| {error, Reason}}` |
////
//// `Fd` is the handle `{fdnode_fd, Node, Id, Token}`. Messages about one
//// descriptor arrive in read order, and each goes to exactly one process:
//// the controlling process when it was read.
////
//// ## Example: a gleam_otp actor that owns a socket
////
//// ```gleam
//// import fdnode
//// import fdnode/active
//// import gleam/erlang/process
////
//// pub type Msg {
////   Command(String)
////   FromFd(active.Message(fdnode.AnyKind))
////   Ignored
//// }
////
//// // `process.selecting_anything` (gleam_erlang 0.x; `process.select_other`
//// // in 1.x) takes every message not selected before it, and
//// // `decode_message` picks out fdnode's.
//// pub fn selector(commands: process.Subject(String)) -> process.Selector(Msg) {
////   process.new_selector()
////   |> process.selecting(commands, Command)
////   |> process.selecting_anything(fn(term) {
////     case active.decode_message(term) {
////       Ok(message) -> FromFd(message)
////       Error(Nil) -> Ignored
////     }
////   })
//// }
//// ```

import fdnode

/// A message about a descriptor of kind `kind` (see the table above).
pub type Message(kind) {
  /// Data read in an active mode, in order.
  Received(fd: fdnode.Fd(kind), data: BitArray)
  /// A datagram read from a UDP socket in an active mode.
  DatagramReceived(fd: fdnode.Fd(kind), from: String, port: Int, data: BitArray)
  /// End of input; nothing follows.
  InputClosed(fd: fdnode.Fd(kind))
  /// A read failed (for example `Econnreset`); nothing follows.
  ReadFailed(fd: fdnode.Fd(kind), error: fdnode.FdError)
  /// `ActiveOnce` delivered its message, or `ActiveN` its last one: the
  /// descriptor is `Passive` again.
  WentPassive(fd: fdnode.Fd(kind))
  /// An asynchronous operation (`fdnode.close_async`) finished.
  Completed(op: Int, result: Result(Nil, fdnode.FdError))
}

/// `Ok(message)` when `term` is an fdnode message, `Error(Nil)` for any other
/// term. Takes any value, so it fits every version of gleam_erlang's
/// selectors (pass it the `Dynamic` they hand over).
///
/// ## Example
///
/// ```gleam
/// let mine = fdnode.forget_kind(socket)
/// case active.decode_message(term) {
///   Ok(active.Received(fd, data)) if fd == mine -> ...
///   Ok(_) -> ...
///   Error(Nil) -> ...
/// }
/// ```
@external(erlang, "fdnode_active_ffi", "decode_message")
pub fn decode_message(term: anything) -> Result(Message(fdnode.AnyKind), Nil)

/// Waits up to `timeout` ms for any fdnode message in the calling process's
/// mailbox; other messages are left alone. `Error(Timeout)` if none came.
///
/// ## Example
///
/// ```gleam
/// case active.receive(within: 1000) {
///   Ok(active.Received(fd, data)) -> handle(fd, data)
///   Ok(active.InputClosed(fd)) -> forget(fd)
///   Ok(_) -> Nil
///   Error(fdnode.Timeout) -> Nil
///   Error(e) -> io.println(fdnode.describe_error(e))
/// }
/// ```
@external(erlang, "fdnode_active_ffi", "receive_any")
pub fn receive(
  within timeout: Int,
) -> Result(Message(fdnode.AnyKind), fdnode.FdError)

/// Waits up to `timeout` ms for the next message about `fd` only (messages
/// about other descriptors, and other messages, stay in the mailbox).
/// `Error(Timeout)` if none came. The caller must be the controlling process
/// of `fd` in `Active` or `ActiveOnce` mode to get any.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(Nil) = fdnode.set_mode(socket, to: fdnode.ActiveOnce, within: 5000)
/// case active.receive_from(socket, within: 5000) {
///   Ok(active.Received(_, bytes)) -> handle(bytes)
///   Ok(active.InputClosed(_)) -> done()
///   Ok(_) -> Nil
///   Error(e) -> fail(e)
/// }
/// ```
@external(erlang, "fdnode_active_ffi", "receive_from")
pub fn receive_from(
  fd: fdnode.Fd(kind),
  within timeout: Int,
) -> Result(Message(kind), fdnode.FdError)

/// Folds over `fd`'s input to the end, one chunk at a time, with back-pressure:
/// the descriptor is set to `ActiveOnce`, and only after `with` has consumed a
/// chunk is the next one asked for, so neither the Java node nor this
/// process's mailbox holds more than one chunk. Each wait lasts at most
/// `timeout` ms. The caller must be the controlling process. Returns the
/// final accumulator at end of input; a read error or a timeout ends the
/// fold with that error.
///
/// ## Example
///
/// ```gleam
/// let assert Ok(total) =
///   active.fold(fd, from: 0, within: 5000, with: fn(n, chunk) {
///     n + bit_array.byte_size(chunk)
///   })
/// ```
pub fn fold(
  fd: fdnode.Fd(kind),
  from initial: acc,
  with fun: fn(acc, BitArray) -> acc,
  within timeout: Int,
) -> Result(acc, fdnode.FdError) {
  case fdnode.set_mode(fd, fdnode.ActiveOnce, timeout) {
    Ok(Nil) -> fold_loop(fd, initial, fun, timeout)
    Error(e) -> Error(e)
  }
}

fn fold_loop(
  fd: fdnode.Fd(kind),
  acc: acc,
  fun: fn(acc, BitArray) -> acc,
  timeout: Int,
) -> Result(acc, fdnode.FdError) {
  case receive_from(fd, timeout) {
    Ok(Received(_, data)) -> fold_loop(fd, fun(acc, data), fun, timeout)
    Ok(DatagramReceived(_, _, _, data)) ->
      fold_loop(fd, fun(acc, data), fun, timeout)
    Ok(WentPassive(_)) ->
      case fdnode.set_mode(fd, fdnode.ActiveOnce, timeout) {
        Ok(Nil) -> fold_loop(fd, acc, fun, timeout)
        Error(e) -> Error(e)
      }
    Ok(InputClosed(_)) -> Ok(acc)
    Ok(ReadFailed(_, e)) -> Error(e)
    Ok(Completed(_, _)) -> fold_loop(fd, acc, fun, timeout)
    Error(e) -> Error(e)
  }
}
