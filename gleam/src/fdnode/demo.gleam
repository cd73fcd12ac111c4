//// `make run`: a tour of fdnode on a real BEAM, printed step by step.
////
//// Run by scripts/demo.sh, which sets FDNODE_JAR and FDNODE_ROOT (a fresh
//// temp dir holding a FIFO named `demo.fifo`) and checks afterwards that no
//// JVM or BEAM is left running.

import fdnode.{
  Active, ActiveOnce, Create, Data, Eof, Exit, InputClosed, Read, Received,
  Stats, Truncate, WentPassive, Write,
}

type Pid

type Message

@external(erlang, "fdnode_demo_ffi", "getenv")
fn getenv(name: String) -> Result(String, Nil)

@external(erlang, "fdnode_demo_ffi", "spawn")
fn spawn(f: fn() -> Nil) -> Pid

@external(erlang, "fdnode_demo_ffi", "send")
fn send(to: Pid, message: a) -> Nil

@external(erlang, "fdnode_demo_ffi", "receive_any")
fn receive_any(within: Int) -> Result(Message, Nil)

@external(erlang, "fdnode_gleam_ffi", "coerce")
fn unsafe_coerce(a: a) -> b

@external(erlang, "fdnode_demo_ffi", "print")
fn print(line: String) -> Nil

@external(erlang, "erlang", "self")
fn self() -> Pid

@external(erlang, "erlang", "integer_to_binary")
fn int(i: Int) -> String

@external(erlang, "erlang", "halt")
fn halt(status: Int) -> Nil

fn step(title: String) -> Nil {
  print("")
  print("== " <> title)
}

fn say(line: String) -> Nil {
  print("   " <> line)
}

fn fail(what: String, error: fdnode.FdError) -> a {
  print("!! " <> what <> ": " <> fdnode.describe_error(error))
  halt(1)
  panic
}

fn ok(result: Result(a, fdnode.FdError), what: String) -> a {
  case result {
    Ok(value) -> value
    Error(error) -> fail(what, error)
  }
}

fn text(bytes: BitArray) -> String {
  case to_text(bytes) {
    Ok(s) -> "\"" <> s <> "\""
    Error(Nil) -> "<binary>"
  }
}

/// UTF-8 text without its trailing newline.
@external(erlang, "fdnode_demo_ffi", "to_text")
fn to_text(bytes: BitArray) -> Result(String, Nil)

pub fn main() -> Nil {
  let assert Ok(root) = getenv("FDNODE_ROOT")

  step("1. Start a Java node from Gleam")
  let options =
    fdnode.start_options()
    |> fdnode.with_root(root)
  let node = case fdnode.start(options) {
    Ok(node) -> node
    Error(_) -> {
      print("!! could not start the Java node (is FDNODE_JAR set?)")
      halt(1)
      panic
    }
  }
  let assert Ok(jvm) = fdnode.os_pid(node)
  say("node " <> fdnode.node_to_string(node) <> " is up (JVM pid " <> int(jvm) <> ")")
  say("allowed root: " <> root)

  step("2. Open a file, write it, read it back")
  let path = root <> "/hello.txt"
  let file =
    ok(
      fdnode.open(on: node, path: path, options: [Create, Read, Write, Truncate]),
      "open",
    )
  let greeting = <<"Hello from Gleam, through a Java-owned descriptor!\n":utf8>>
  ok(fdnode.write(file, data: greeting), "write")
  say("wrote " <> path)
  let assert Ok(0) = fdnode.position(file, to: fdnode.Absolute(0))
  case ok(fdnode.read(file, bytes: 1024), "read") {
    Data(bytes) -> say("read back: " <> text(bytes))
    Eof -> say("read back: end of file?")
  }
  let info = ok(fdnode.info(file), "info")
  say("the Java node holds it as OS fd " <> int(info.fd) <> ", offset " <> int(
    info.offset,
  ))
  case fdnode.open(on: node, path: "/etc/passwd", options: [Read]) {
    Error(error) ->
      say("opening /etc/passwd (outside the root): " <> fdnode.describe_error(
        error,
      ))
    Ok(_) -> say("opening /etc/passwd unexpectedly worked")
  }

  step("3. Stream a FIFO in active mode")
  let fifo = root <> "/demo.fifo"
  // The read end first, non-blocking, so the open does not wait for a writer.
  let reader =
    ok(fdnode.open(on: node, path: fifo, options: [Read, fdnode.Nonblock]), "open fifo")
  let writer = ok(fdnode.open(on: node, path: fifo, options: [Write]), "open fifo")
  ok(fdnode.set_mode(reader, to: Active), "set_mode active")
  say("the reader is active: data arrives as messages")
  ok(fdnode.write(writer, data: <<"first line\n":utf8>>), "write")
  receive_data(2000)
  ok(fdnode.write(writer, data: <<"second line\n":utf8>>), "write")
  receive_data(2000)
  ok(fdnode.close(writer), "close")
  say("closed the writer")
  receive_data(2000)
  let _ = fdnode.close(reader)

  step("4. Hand a descriptor to another process")
  let me = self()
  let worker =
    spawn(fn() {
      let assert Ok(message) = receive_any(5000)
      let fd: fdnode.Fd = unsafe_coerce(message)
      // Only the controlling process may change the mode.
      let assert Ok(Nil) = fdnode.set_mode(fd, to: ActiveOnce)
      let assert Ok(Received(_, bytes)) = fdnode.receive_message(within: 5000)
      let assert Ok(WentPassive(_)) = fdnode.receive_message(within: 5000)
      send(me, bytes)
    })
  let assert Ok(0) = fdnode.position(file, to: fdnode.Absolute(0))
  ok(fdnode.controlling_process(file, to: unsafe_coerce(worker)), "controlling_process")
  say("control (and ownership) moved to another process")
  case fdnode.set_mode(file, to: Active) {
    Error(error) ->
      say("the old controller may no longer set the mode: " <> fdnode.describe_error(
        error,
      ))
    Ok(Nil) -> say("the old controller could still set the mode?")
  }
  send(worker, file)
  case receive_any(5000) {
    Ok(message) -> {
      let bytes: BitArray = unsafe_coerce(message)
      say("the new controller received, in active_once mode: " <> text(bytes))
    }
    Error(Nil) -> say("no answer from the other process")
  }

  step("5. Copy with progress reports")
  let big = root <> "/big.bin"
  let src = ok(fdnode.open(on: node, path: big, options: [Create, Read, Write]), "open")
  ok(fdnode.write(src, data: repeat(<<"0123456789abcdef":utf8>>, 16_384)), "write")
  let assert Ok(0) = fdnode.position(src, to: fdnode.Absolute(0))
  let dst =
    ok(
      fdnode.open(on: node, path: root <> "/big.copy", options: [
        Create,
        Write,
        Truncate,
      ]),
      "open",
    )
  let copied =
    ok(
      fdnode.copy(from: src, to: dst, chunk: 65_536, on_progress: fn(done, total) {
        say("progress: " <> int(done) <> " / " <> int(total) <> " bytes")
      }),
      "copy",
    )
  say("copied " <> int(copied) <> " bytes")

  step("6. Stats")
  let stats = ok(fdnode.stats(of: node), "stats")
  let Stats(
    open_fds: open_fds,
    fds_by_node: by_node,
    bytes_read: bytes_read,
    bytes_written: bytes_written,
    active_fds: active_fds,
    uptime_ms: uptime,
    ..,
  ) = stats
  say("open fds: " <> int(open_fds) <> " (by node: " <> by_node_text(by_node) <> ")")
  say("bytes read: " <> int(bytes_read) <> ", bytes written: " <> int(bytes_written))
  say("active fds: " <> int(active_fds) <> ", uptime: " <> int(uptime) <> " ms")

  step("7. Shut down cleanly")
  ok(fdnode.shutdown(node), "shutdown")
  case fdnode.await_exit(node, within: 30_000) {
    Ok(Exit(status: status, output: lines)) -> {
      say("the JVM exited with status " <> int(status))
      say("its last log line: " <> last(lines))
    }
    Error(Nil) -> say("the JVM did not exit in time")
  }
  print("")
  print("demo done")
}

fn receive_data(within: Int) -> Nil {
  case fdnode.receive_message(within: within) {
    Ok(Received(_, bytes)) -> say("message: data " <> text(bytes))
    Ok(InputClosed(_)) -> say("message: input closed (every writer is gone)")
    Ok(_) -> say("message: something else")
    Error(Nil) -> say("no message within " <> int(within) <> " ms")
  }
}

fn by_node_text(pairs: List(#(String, Int))) -> String {
  case pairs {
    [] -> "none"
    [#(name, n)] -> name <> " " <> int(n)
    [#(name, n), ..rest] -> name <> " " <> int(n) <> ", " <> by_node_text(rest)
  }
}

fn last(lines: List(String)) -> String {
  case lines {
    [] -> ""
    [line] -> line
    [_, ..rest] -> last(rest)
  }
}

@external(erlang, "binary", "copy")
fn repeat(bytes: BitArray, times: Int) -> BitArray
