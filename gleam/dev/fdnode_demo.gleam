//// `make run`: a tour of fdnode on a real BEAM, printed step by step.
////
//// Run by scripts/demo.sh, which sets FDNODE_JAR and FDNODE_ROOTS (a fresh
//// temp dir holding a FIFO named `demo.fifo`) and checks afterwards that no
//// JVM or BEAM is left running.

import fdnode.{
  Active, ActiveOnce, Create, Data, Eof, Read, Truncate, Write,
}
import fdnode/active.{InputClosed, Received, WentPassive}
import fdnode/node.{Exit, Stats} as fdnode_node

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

@external(erlang, "fdnode_gleam_ffi", "identity")
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
  let assert Ok(root) = getenv("FDNODE_ROOTS")

  step("1. Start a Java node from Gleam")
  let options =
    fdnode_node.start_options()
    |> fdnode_node.with_root(root)
  let node = case fdnode_node.start(options) {
    Ok(node) -> node
    Error(_) -> {
      print("!! could not start the Java node (is FDNODE_JAR set?)")
      halt(1)
      panic
    }
  }
  let assert Ok(jvm) = fdnode_node.os_pid(node)
  say("node " <> fdnode_node.to_string(node) <> " is up (JVM pid " <> int(jvm) <> ")")
  say("allowed root: " <> root)

  step("2. Open a file, write it, read it back")
  let path = root <> "/hello.txt"
  let file =
    ok(
      fdnode.open(on: node, path: path, options: [Create, Read, Write, Truncate], within: 5000),
      "open",
    )
  let greeting = <<"Hello from Gleam, through a Java-owned descriptor!\n":utf8>>
  ok(fdnode.write(file, data: greeting, within: 5000), "write")
  say("wrote " <> path)
  let assert Ok(0) = fdnode.position(file, to: fdnode.Absolute(0), within: 5000)
  case ok(fdnode.read(file, bytes: 1024, within: 5000), "read") {
    Data(bytes) -> say("read back: " <> text(bytes))
    Eof -> say("read back: end of file?")
  }
  let info = ok(fdnode.info(file, within: 5000), "info")
  say("the Java node holds it as OS fd " <> int(info.fd) <> ", offset " <> int(
    info.offset,
  ))
  case fdnode.open(on: node, path: "/etc/passwd", options: [Read], within: 5000) {
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
    ok(
      fdnode.open(
        on: node,
        path: fifo,
        options: [Read, fdnode.Nonblock],
        within: 5000,
      ),
      "open fifo",
    )
  let writer = ok(fdnode.open(on: node, path: fifo, options: [Write], within: 5000), "open fifo")
  ok(fdnode.set_mode(reader, to: Active, within: 5000), "set_mode active")
  say("the reader is active: data arrives as messages")
  ok(fdnode.write(writer, data: <<"first line\n":utf8>>, within: 5000), "write")
  receive_data(2000)
  ok(fdnode.write(writer, data: <<"second line\n":utf8>>, within: 5000), "write")
  receive_data(2000)
  ok(fdnode.close(writer, within: 5000), "close")
  say("closed the writer")
  receive_data(2000)
  let _ = fdnode.close(reader, within: 5000)

  step("4. Follow a FIFO line by line")
  // open_stream: a FIFO as a stream (Fd(Pipe)), which can be cut into lines.
  let follower =
    ok(
      fdnode.open_stream(
        on: node,
        path: fifo,
        options: [Read, fdnode.Nonblock],
        within: 5000,
      ),
      "open_stream fifo",
    )
  let log = ok(fdnode.open(on: node, path: fifo, options: [Write], within: 5000), "open fifo")
  ok(
    fdnode.set_packet(follower, packet: fdnode.Line, size: 1024, within: 5000),
    "set_packet line",
  )
  ok(fdnode.set_mode(follower, to: Active, within: 5000), "set_mode active")
  say("the follower gets one message per line, however the writes cut them")
  ok(fdnode.write(log, data: <<"12:00 start\n12:01 GET /in":utf8>>, within: 5000), "write")
  follow(1)
  ok(fdnode.write(log, data: <<"dex\n12:02 GET /a":utf8>>, within: 5000), "write")
  ok(fdnode.write(log, data: <<"bout\n12:03 stop\n":utf8>>, within: 5000), "write")
  follow(3)
  ok(fdnode.close(log, within: 5000), "close")
  follow(1)
  let _ = fdnode.close(follower, within: 5000)

  step("5. Hand a descriptor to another process")
  let me = self()
  let worker =
    spawn(fn() {
      let assert Ok(message) = receive_any(5000)
      let fd: fdnode.Fd(fdnode.File) = unsafe_coerce(message)
      // Only the controlling process may change the mode.
      let assert Ok(Nil) = fdnode.set_mode(fd, to: ActiveOnce, within: 5000)
      let assert Ok(Received(_, bytes)) = active.receive(within: 5000)
      let assert Ok(WentPassive(_)) = active.receive(within: 5000)
      send(me, bytes)
    })
  let assert Ok(0) = fdnode.position(file, to: fdnode.Absolute(0), within: 5000)
  // A pid from anywhere (here our own spawn; in an actor, gleam_erlang's
  // process.self()) becomes an fdnode.Pid through pid_from.
  let assert Ok(worker_pid) = fdnode.pid_from(worker)
  ok(fdnode.controlling_process(file, to: worker_pid, within: 5000), "controlling_process")
  say("control (and ownership) moved to another process")
  case fdnode.set_mode(file, to: Active, within: 5000) {
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

  step("6. Copy with progress reports")
  let big = root <> "/big.bin"
  let src =
    ok(
      fdnode.open(on: node, path: big, options: [Create, Read, Write], within: 5000),
      "open",
    )
  ok(fdnode.write(src, data: repeat(<<"0123456789abcdef":utf8>>, 16_384), within: 5000), "write")
  let assert Ok(0) = fdnode.position(src, to: fdnode.Absolute(0), within: 5000)
  let dst =
    ok(
      fdnode.open(on: node, path: root <> "/big.copy", options: [
        Create,
        Write,
        Truncate,
      ], within: 5000),
      "open",
    )
  let copied =
    ok(
      fdnode.copy(from: src, to: dst, chunk: 65_536, on_progress: fn(done, total) {
        say("progress: " <> int(done) <> " / " <> int(total) <> " bytes")
      }, within: 5000),
      "copy",
    )
  say("copied " <> int(copied) <> " bytes")

  step("7. Stats")
  let stats = ok(fdnode_node.stats(of: node, within: 5000), "stats")
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

  step("8. Shut down cleanly")
  ok(fdnode_node.shutdown(node, within: 5000), "shutdown")
  case fdnode_node.await_exit(node, within: 30_000) {
    Ok(Exit(status: status, output: lines)) -> {
      say("the JVM exited with status " <> int(status))
      say("its last log line: " <> last(lines))
    }
    Error(error) -> say("no exit status: " <> fdnode.describe_error(error))
  }
  print("")
  print("demo done")
}

fn receive_data(within: Int) -> Nil {
  case active.receive(within: within) {
    Ok(Received(_, bytes)) -> say("message: data " <> text(bytes))
    Ok(InputClosed(_)) -> say("message: input closed (every writer is gone)")
    Ok(_) -> say("message: something else")
    Error(_) -> say("no message within " <> int(within) <> " ms")
  }
}

/// Prints the next `count` messages of the line follower.
fn follow(count: Int) -> Nil {
  case count {
    0 -> Nil
    _ -> {
      case active.receive(within: 2000) {
        Ok(Received(_, line)) -> say("line: " <> text(line))
        Ok(InputClosed(_)) -> say("input closed: the log's writer is gone")
        Ok(_) -> say("message: something else")
        Error(_) -> say("no line within 2000 ms")
      }
      follow(count - 1)
    }
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
