package dev.fdnode.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.fdnode.core.FdLeakCheck;
import dev.fdnode.core.Posix;
import dev.fdnode.testing.Await;
import dev.fdnode.testing.Epmd;
import dev.fdnode.testing.ErlPeer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java node in-process, a real {@code erl} talking to it over Erlang distribution. Needs erl
 * and epmd on PATH (scripts/deps.sh installs them); starts epmd itself. Fails, never skips, when
 * they are missing.
 */
class ServerEndToEndTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path tmp;
  Path root;
  Server server;
  String cookie;
  String host;

  @BeforeAll
  static void epmd() throws Exception {
    Epmd.ensureRunning();
  }

  @BeforeEach
  void start() throws Exception {
    root = Files.createDirectories(tmp.toRealPath().resolve("root"));
    cookie = "c" + Long.toHexString(RANDOM.nextLong());
    host = ConfigParser.localHostNames().shortName();
    server = Server.start(config(4, 16));
  }

  /** A fresh node name, this test's cookie and root, up to 100 descriptors. */
  private Config config(int workers, int queueDepth) {
    String name = "fdnodetest" + Long.toHexString(RANDOM.nextLong() >>> 16) + "@" + host;
    return new Config(
        name,
        false,
        cookie,
        List.of(root),
        100,
        Level.INFO,
        false,
        workers,
        queueDepth,
        Config.DEFAULT_LISTEN);
  }

  @AfterEach
  void stop() {
    if (server != null) server.stop();
  }

  @Test
  void erlangNodeOpensWritesReadsAndCloses() throws Exception {
    String file = root.resolve("e2e.txt").toString();
    String leaked = root.resolve("leaked.txt").toString();
    String script =
        String.join(
            "\n",
            "J = '" + server.nodeName() + "',",
            "Call = fun(Req) ->",
            "  Ref = make_ref(),",
            "  {fdnode, J} ! {'$fdnode_call', self(), Ref, self(), Req},",
            "  receive {'$fdnode_reply', Ref, R} -> R after 10000 -> timeout end",
            "end,",
            "Out = fun(Label, T) -> io:format(\"~s ~w~n\", [Label, T]) end,",
            "Out(\"ping\", Call(ping)),",
            "{ok, H} = Call({open, <<\"" + file + "\">>, [read, write, create, truncate]}),",
            "Out(\"handle\", element(1, H)),",
            "Out(\"handle_node\", element(2, H) =:= J),",
            "Out(\"write\", Call({write, H, [<<\"hello \">>, \"world\"]})),",
            "Out(\"position\", Call({position, H, bof})),",
            "Out(\"read\", Call({read, H, 5})),",
            "Out(\"read_rest\", Call({read, H, 100})),",
            "Out(\"read_eof\", Call({read, H, 100})),",
            "Out(\"pread\", Call({pread, H, 6, 5})),",
            "#{owner := Owner, mode := Mode} = element(2, Call({info, H})),",
            "Out(\"info\", {Owner =:= self(), Mode}),",
            "Out(\"escape\", Call({open, <<\"" + root + "/../outside\">>, []})),",
            "Out(\"badarg\", Call({open, \"not a binary\", []})),",
            "Out(\"nul\", Call({open, <<\"" + root + "/a\\0b\">>, []})),",
            "Out(\"close\", Call({close, H})),",
            "Out(\"after_close\", Call({read, H, 1})),",
            "Out(\"forged_closed\", Call({read, setelement(4, H, element(4, H) bxor 1), 1})),",
            "Out(\"close_again\", Call({close, H})),",
            "Other = spawn(fun() -> receive stop -> ok end end),",
            "{ok, L} = Call({open, <<\"" + leaked + "\">>, [write, create]}),",
            "Out(\"cp\", Call({controlling_process, L, Other})),",
            "Out(\"cp_not_owner\", Call({set_mode, L, active})),",
            "{fdnode, J} ! not_a_call,",
            "BadRef = make_ref(),",
            "{fdnode, J} ! {'$fdnode_call', self(), BadRef, self()},",
            "receive {'$fdnode_reply', BadRef, BR} -> Out(\"short_call\", BR) after 10000 -> Out(\"short_call\", timeout) end,",
            "Out(\"still_alive\", Call(ping)),",
            "halt().");
    Result r = erl("e2e", script);
    assertEquals(0, r.exitCode, r.output);
    Map<String, String> got = lines(r.output);
    assertEquals("pong", got.get("ping"), r.output);
    assertEquals("fdnode_fd", got.get("handle"), r.output);
    assertEquals("true", got.get("handle_node"), r.output);
    assertEquals("ok", got.get("write"), r.output);
    assertEquals("{ok,0}", got.get("position"), r.output);
    assertEquals("{ok,<<104,101,108,108,111>>}", got.get("read"), r.output);
    assertEquals("{ok,<<32,119,111,114,108,100>>}", got.get("read_rest"), r.output);
    assertEquals("eof", got.get("read_eof"), r.output);
    assertEquals("{ok,<<119,111,114,108,100>>}", got.get("pread"), r.output);
    assertEquals("{true,passive}", got.get("info"), r.output);
    assertEquals("{error,eacces}", got.get("escape"), r.output);
    assertEquals("{error,badarg}", got.get("badarg"), r.output);
    assertEquals("{error,einval}", got.get("nul"), r.output);
    assertEquals("ok", got.get("close"), r.output);
    assertEquals("{error,closed}", got.get("after_close"), r.output);
    assertEquals("{error,invalid_handle}", got.get("forged_closed"), r.output);
    assertEquals("ok", got.get("cp"), r.output);
    assertEquals("{error,not_owner}", got.get("cp_not_owner"), r.output);
    assertEquals("{error,badarg}", got.get("short_call"), r.output);
    assertEquals("pong", got.get("still_alive"), r.output);
    assertEquals("hello world", Files.readString(Path.of(file), StandardCharsets.UTF_8));

    // erl halted with leaked.txt still open: its node going down closes it.
    Await.until("the dead node's descriptors to close", () -> server.openDescriptors() == 0);
    assertTrue(server.isRunning());
  }

  @Test
  void shutdownRequestRepliesOkThenStops() throws Exception {
    String script =
        String.join(
            "\n",
            "J = '" + server.nodeName() + "',",
            "Ref = make_ref(),",
            "{fdnode, J} ! {'$fdnode_call', self(), make_ref(), self(), {open, <<\""
                + root
                + "/s\">>, [write, create]}},",
            "{fdnode, J} ! {'$fdnode_call', self(), Ref, self(), {shutdown}},",
            "receive {'$fdnode_reply', Ref, R} -> io:format(\"shutdown ~w~n\", [R]) after 10000 -> io:format(\"shutdown timeout~n\") end,",
            "halt().");
    Result r = erl("sd", script);
    assertEquals(0, r.exitCode, r.output);
    assertEquals("ok", lines(r.output).get("shutdown"), r.output);
    assertTrue(server.awaitStopped(15, TimeUnit.SECONDS), "server did not stop");
    assertFalse(server.isRunning());
    assertEquals(0, server.openDescriptors());
  }

  /**
   * A raw client (no fdnode_ffi, a watcher of its own) hands a descriptor to a process that is
   * already dead: the node has the watcher watch it, the watcher reports it at once, and the
   * descriptor is closed within a second (by its target in /proc/self/fd, seen from erl).
   */
  @Test
  void rawHandOverToADeadPidClosesTheDescriptor() throws Exception {
    String file = root.resolve("handed_to_dead.txt").toString();
    String script =
        prelude(server)
            + String.join(
                "\n",
                "Dir = \"/proc/" + ProcessHandle.current().pid() + "/fd\",",
                "Fds = fun() -> {ok, Ns} = file:list_dir(Dir),",
                "  [T || N <- Ns, {ok, T} <- [file:read_link(Dir ++ \"/\" ++ N)]] end,",
                "{ok, H} = Call({open, <<\"" + file + "\">>, [write, create]}),",
                "Out(\"open_fd\", lists:member(\"" + file + "\", Fds())),",
                "Dead = spawn(fun() -> ok end),",
                "M = monitor(process, Dead), receive {'DOWN', M, _, _, _} -> ok end,",
                "T0 = erlang:monotonic_time(millisecond),",
                "Out(\"cp\", Call({controlling_process, H, Dead})),",
                "Gone = fun G() -> case lists:member(\"" + file + "\", Fds()) of",
                "  false -> erlang:monotonic_time(millisecond) - T0;",
                "  true -> timer:sleep(10), G() end end,",
                "Out(\"closed_ms\", Gone()),",
                "Out(\"info\", Call({info, H})),",
                "halt().");
    Result r = erl("dead", script);
    Map<String, String> got = lines(r.output);
    assertEquals("true", got.get("open_fd"), r.output);
    assertEquals("ok", got.get("cp"), r.output);
    assertTrue(Integer.parseInt(got.get("closed_ms")) <= 1000, r.output);
    assertEquals("{error,closed}", got.get("info"), r.output);
  }

  /**
   * A raw client on a node without a watcher gets nothing it would own: each such call is held (no
   * thread waits: a ping meanwhile is answered first) and answered no_watcher; no fd is left.
   */
  @Test
  void aNodeWithoutAWatcherIsGivenNothing() throws Exception {
    String file = root.resolve("unwatched.txt").toString();
    String script =
        prelude(server)
            + String.join(
                "\n",
                "Ref = make_ref(),",
                "{fdnode, J} ! {'$fdnode_call', self(), Ref, self(), {open, <<\""
                    + file
                    + "\">>, [write, create]}},",
                "Out(\"ping\", Call(ping)),",
                "receive {'$fdnode_reply', Ref, R} -> Out(\"open\", R) after 10000 -> Out(\"open\", timeout) end,",
                "Out(\"pipe\", Call({pipe})),",
                "Out(\"udp\", Call({udp_open, 0, [{ip, loopback}]})),",
                "Out(\"stats\", Call({stats})),",
                "halt().");
    Result r = bareErl("bare", script);
    Map<String, String> got = lines(r.output);
    assertEquals("pong", got.get("ping"), r.output);
    assertEquals("{error,no_watcher}", got.get("open"), r.output);
    assertEquals("{error,no_watcher}", got.get("pipe"), r.output);
    assertEquals("{error,no_watcher}", got.get("udp"), r.output);
    assertTrue(got.get("stats").contains("open_fds => 0"), r.output);
    assertTrue(fdsOn(Path.of(file)).isEmpty(), "an unwatched open left a descriptor");
    assertFalse(Files.exists(Path.of(file)), "the open was never made");
    assertEquals(0, server.openDescriptors());
  }

  /**
   * Erlang source for Call/1 (a synchronous call to {@code j}), Out/2 (one result line) and
   * AwaitPool/2 (polls {@code stats} until the worker pool has that many busy workers and queued
   * calls: ok, or pool_timeout after 10 s).
   */
  private static String prelude(Server j) {
    return String.join(
        "\n",
        "J = '" + j.nodeName() + "',",
        "Call = fun(Req) ->",
        "  Ref = make_ref(),",
        "  {fdnode, J} ! {'$fdnode_call', self(), Ref, self(), Req},",
        "  receive {'$fdnode_reply', Ref, R} -> R after 10000 -> timeout end",
        "end,",
        "Out = fun(Label, T) -> io:format(\"~s ~w~n\", [Label, T]) end,",
        "AwaitPool = fun(Busy, Queued) ->",
        "  Until = erlang:monotonic_time(millisecond) + 10000,",
        "  Poll = fun P() ->",
        "    case Call({stats}) of",
        "      {ok, #{busy_workers := Busy, queued_calls := Queued}} -> ok;",
        "      _ -> case erlang:monotonic_time(millisecond) > Until of",
        "             true -> pool_timeout;",
        "             false -> receive after 1 -> P() end",
        "           end",
        "    end",
        "  end,",
        "  Poll()",
        "end,",
        "");
  }

  @Test
  void blockingFifoReadDoesNotHoldUpOtherCallers() throws Exception {
    Path fifo = root.resolve("fifo");
    new Posix().mkfifo(fifo.toString(), 0600);
    String script =
        prelude(server)
            + String.join(
                "\n",
                "{ok, F} = Call({open, <<\"" + fifo + "\">>, [read, write]}),",
                "Self = self(),",
                "spawn(fun() -> Self ! {blocked_read, Call({read, F, 10})} end),",
                "Out(\"blocked\", AwaitPool(1, 0)),",
                "T0 = erlang:monotonic_time(millisecond),",
                "Out(\"ping\", Call(ping)),",
                "Out(\"fast\", erlang:monotonic_time(millisecond) - T0 < 1000),",
                "os:cmd(\"printf xy > " + fifo + "\"),",
                "receive {blocked_read, R} -> Out(\"fifo_read\", R) after 10000 -> Out(\"fifo_read\", timeout) end,",
                "halt().");
    Result r = erl("fifo", script);
    Map<String, String> got = lines(r.output);
    assertEquals("ok", got.get("blocked"), r.output);
    assertEquals("pong", got.get("ping"), r.output);
    assertEquals("true", got.get("fast"), r.output);
    assertEquals("{ok,<<120,121>>}", got.get("fifo_read"), r.output);
  }

  @Test
  void fullPoolAnswersEagain() throws Exception {
    Path fifo = root.resolve("fifo1");
    new Posix().mkfifo(fifo.toString(), 0600);
    try (Server small = Server.start(config(1, 1))) {
      String script =
          prelude(small)
              + String.join(
                  "\n",
                  "{ok, F} = Call({open, <<\"" + fifo + "\">>, [read, write]}),",
                  "Self = self(),",
                  "spawn(fun() -> Self ! {r1, Call({read, F, 2})} end),", // takes the one worker
                  "Out(\"r1_running\", AwaitPool(1, 0)),",
                  "spawn(fun() -> Self ! {r2, Call({read, F, 2})} end),", // waits in the queue of
                  // one
                  "Out(\"r2_queued\", AwaitPool(1, 1)),",
                  "Out(\"full\", Call({sync, F})),", // needs a worker: none is free
                  "Out(\"cheap\", Call(ping)),", // runs on the receiving thread: still served
                  // A regular file opens and closes on the receiving thread too; a FIFO's open
                  // and the close of a descriptor in use need a worker.
                  "{ok, G} = Call({open, <<\"" + root.resolve("plain") + "\">>, [write, create]}),",
                  "Out(\"file_close\", Call({close, G})),",
                  "{ok, G2} = Call({open, <<\"" + root.resolve("plain") + "\">>, [read]}),",
                  "Out(\"file_close2\", Call({close, G2})),",
                  "Out(\"fifo_open\", Call({open, <<\"" + fifo + "\">>, [read, write]})),",
                  "Out(\"busy_close\", Call({close, F})),",
                  "os:cmd(\"printf ab > " + fifo + "\"),",
                  "receive {r1, R1} -> Out(\"r1\", R1) after 10000 -> Out(\"r1\", timeout) end,",
                  "os:cmd(\"printf cd > " + fifo + "\"),",
                  "receive {r2, R2} -> Out(\"r2\", R2) after 10000 -> Out(\"r2\", timeout) end,",
                  "Out(\"ping\", Call(ping)),",
                  "halt().");
      Result r = erl("pool", script);
      Map<String, String> got = lines(r.output);
      assertEquals("ok", got.get("r1_running"), r.output);
      assertEquals("ok", got.get("r2_queued"), r.output);
      assertEquals("{error,eagain}", got.get("full"), r.output);
      assertEquals("pong", got.get("cheap"), r.output);
      assertEquals("ok", got.get("file_close"), r.output);
      assertEquals("ok", got.get("file_close2"), r.output);
      assertEquals("{error,eagain}", got.get("fifo_open"), r.output);
      assertEquals("{error,eagain}", got.get("busy_close"), r.output);
      assertEquals("{ok,<<97,98>>}", got.get("r1"), r.output);
      assertEquals("{ok,<<99,100>>}", got.get("r2"), r.output);
      assertEquals("pong", got.get("ping"), r.output);
    }
  }

  /**
   * A BEAM node dies while its open of a FIFO waits for a writer on the Java node (no worker holds
   * it: the read end waits in FifoOpens). The wait ends with the node: the descriptor it held is
   * closed, none is left open (checked by the FIFO's path in /proc/self/fd), and no writer is
   * needed for that.
   */
  @Test
  void fifoOpenWaitingForANodeThatDiesIsClosed() throws Exception {
    Logger serverLog = Logger.getLogger(NodeEvents.class.getName());
    Path fifo = root.resolve("fifo");
    new Posix().mkfifo(fifo.toString(), 0600);
    String sname = "down" + Long.toHexString(RANDOM.nextLong() >>> 16);
    String peer = sname + "@" + host;
    String script =
        RAW_WATCHER
            + String.join(
                "\n",
                "J = '" + server.nodeName() + "',",
                "{fdnode, J} ! {'$fdnode_call', self(), make_ref(), self(), {open, <<\""
                    + fifo
                    + "\">>, [read]}},",
                "receive after infinity -> ok end.");
    Awaited nodeDown = await(serverLog, r -> r.getMessage().startsWith("node " + peer + " down"));
    Path out = Files.createTempFile(tmp, "erl", ".out");
    Process erl =
        new ProcessBuilder(erlCommand(sname, script))
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    // Closed now, not by the process reaper later: a pipe of ours must not outlive the test.
    erl.getOutputStream().close();
    try {
      awaitCondition(erl, out, () -> server.waitingOpens() == 1, "the open never came to wait");
      assertEquals(1, fdsOn(fifo).size(), "the waiting read end holds its descriptor");
      erl.destroyForcibly(); // SIGKILL: the distribution connection just drops
      assertTrue(erl.waitFor(10, TimeUnit.SECONDS), "erl did not die");
      assertTrue(nodeDown.latch.await(15, TimeUnit.SECONDS), "node-down never handled");
      awaitCondition(
          null,
          out,
          () -> server.waitingOpens() == 0 && fdsOn(fifo).isEmpty(),
          "the waiting open outlived its node");
      assertEquals(0, server.openDescriptors(), "open_fds is back to 0");
      assertTrue(server.isRunning());
    } finally {
      erl.destroyForcibly();
      serverLog.removeHandler(nodeDown);
    }
  }

  /**
   * Polls (the Java node sends no event for these) until {@code condition} holds, for up to 20 s.
   */
  private static void awaitCondition(
      Process erl, Path out, java.util.function.BooleanSupplier condition, String failure)
      throws Exception {
    Await.until(
        Duration.ofSeconds(20),
        () -> failure + ": " + erlOutput(out),
        () -> {
          if (condition.getAsBoolean()) return true;
          if (erl != null && !erl.isAlive()) fail("erl exited: " + erlOutput(out));
          return false;
        });
  }

  private static String erlOutput(Path out) {
    try {
      return Files.readString(out);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  private static List<Integer> fdsOn(Path target) {
    return FdLeakCheck.openFds().entrySet().stream()
        .filter(e -> e.getValue().equals(target.toString()))
        .map(e -> e.getKey())
        .toList();
  }

  /** A log handler that counts down when a matching record is published. */
  private static final class Awaited extends Handler {
    final CountDownLatch latch = new CountDownLatch(1);
    private final Predicate<LogRecord> match;

    Awaited(Predicate<LogRecord> match) {
      this.match = match;
      setLevel(Level.ALL);
    }

    @Override
    public void publish(LogRecord r) {
      if (r.getMessage() != null && match.test(r)) latch.countDown();
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  private static Awaited await(Logger log, Predicate<LogRecord> match) {
    Awaited a = new Awaited(match);
    log.addHandler(a);
    return a;
  }

  /**
   * Erlang source that registers a minimal owner watcher, as docs/protocol.md tells a raw client
   * to: it proves itself to a Java node's challenge and reports the death of every owner the Java
   * node asks it to watch. Without one, the node refuses to give this BEAM's processes anything.
   */
  static final String RAW_WATCHER =
      String.join(
          "\n",
          "register(fdnode_watcher, spawn(fun() ->",
          "  Loop = fun Loop(Owners) ->",
          "    receive",
          "      {'$fdnode_watcher_challenge', JavaPid, Nonce} ->",
          "        {fdnode, node(JavaPid)} ! {'$fdnode_watcher_proof', Nonce}, Loop(Owners);",
          "      {'$fdnode_watch', JavaNode, Owner} ->",
          "        erlang:monitor(process, Owner), Loop(Owners#{Owner => JavaNode});",
          "      {'DOWN', _, process, Owner, _} ->",
          "        case Owners of",
          "          #{Owner := JavaNode} ->",
          "            {fdnode, JavaNode} ! {'$fdnode_owner_down', self(), Owner},",
          "            Loop(maps:remove(Owner, Owners));",
          "          _ -> Loop(Owners)",
          "        end",
          "    end",
          "  end,",
          "  Loop(#{})",
          "end)),",
          "");

  /** Runs {@code script} on a fresh erl node with {@link #RAW_WATCHER} registered first. */
  private Result erl(String prefix, String script) throws Exception {
    return bareErl(prefix, RAW_WATCHER + script);
  }

  /** Runs {@code script} on a fresh erl node as it is: no watcher. */
  private Result bareErl(String prefix, String script) throws Exception {
    String sname = prefix + Long.toHexString(RANDOM.nextLong() >>> 16);
    return run(erlCommand(sname, script), 60);
  }

  /** An erl peer named {@code sname} with this test's cookie, running {@code script}. */
  private List<String> erlCommand(String sname, String script) {
    return ErlPeer.command("-sname", sname, "-setcookie", cookie, "-noshell", "-eval", script);
  }

  private static Map<String, String> lines(String output) {
    Map<String, String> m = new HashMap<>();
    for (String line : output.split("\n")) {
      int sp = line.indexOf(' ');
      if (sp > 0) m.put(line.substring(0, sp), line.substring(sp + 1).trim());
    }
    return m;
  }

  private record Result(int exitCode, String output) {}

  private static Result run(List<String> cmd, int timeoutSeconds) throws Exception {
    Epmd.Result r = Epmd.run(cmd, timeoutSeconds);
    return new Result(r.exitCode(), r.output());
  }
}
