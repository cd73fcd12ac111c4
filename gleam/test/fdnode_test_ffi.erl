%% @doc Helpers for the fdnode integration tests (Gleam and Erlang).
%%
%% The shared Java node is started lazily by the first test that needs it
%% (unlinked, so it outlives that test's process) and kept in persistent_term;
%% a test that finds it dead starts a new one. It exits with the BEAM (its
%% stdin closes). Files live in FDNODE_ROOTS (one directory here), into which test_fixtures/ is
%% copied once.
-module(fdnode_test_ffi).

-export([shared_node/0, start_private_node/0, root/0, fixture/1, fresh_path/1,
         forge_token/1, forge_id/1, spawn_holder/1, run_in/2, stop_holder/1,
         kill_holder/1, jvm_fd_targets/1, has_fd_to/2, wait_until/2,
         assert_equal/2, assert_true/1, kill_jvm/1, monotonic_ms/0, async/1,
         await/2, mailbox/0, await_in_mailbox/2, os_process_alive/1, pid_to_string/1,
         wait_blocked_in_read/3, run_program/3, run_suite/0]).

-define(KEY, {?MODULE, shared_node}).

%% ---------------------------------------------------------------- nodes

%% The shared Java node, started if not running.
shared_node() ->
    case persistent_term:get(?KEY, undefined) of
        undefined ->
            start_shared();
        Node ->
            case fdnode_ffi:ping(Node, 3000) of
                ok -> Node;
                _ -> start_shared()
            end
    end.

start_shared() ->
    Node = start_node(false),
    persistent_term:put(?KEY, Node),
    Node.

%% A node of its own for a test (linked to the caller, as by default).
start_private_node() ->
    start_node(true).

start_node(Link) ->
    Root = root_dir(),
    case fdnode_ffi:start(#{roots => [Root], link => Link, ready_timeout => 60000}) of
        {ok, Node} -> Node;
        {error, Reason} -> erlang:error({fdnode_start_failed, Reason})
    end.

root_dir() ->
    Root = case os:getenv("FDNODE_ROOTS") of
               false ->
                   D = filename:join("/tmp", "fdnode_test_" ++ os:getpid()),
                   ok = filelib:ensure_dir(filename:join(D, "x")),
                   D;
               R -> R
           end,
    case persistent_term:get({?MODULE, fixtures_copied}, false) of
        true -> ok;
        false ->
            copy_fixtures(Root),
            persistent_term:put({?MODULE, fixtures_copied}, true)
    end,
    Root.

copy_fixtures(Root) ->
    Src = case os:getenv("FDNODE_FIXTURES") of
              false -> "test_fixtures";
              S -> S
          end,
    Files = filelib:wildcard("**", Src),
    lists:foreach(
      fun(F) ->
              From = filename:join(Src, F),
              To = filename:join(Root, F),
              case filelib:is_dir(From) of
                  true -> ok = filelib:ensure_dir(filename:join(To, "x"));
                  false ->
                      ok = filelib:ensure_dir(To),
                      {ok, _} = file:copy(From, To)
              end
      end, Files).

root() -> unicode:characters_to_binary(root_dir()).

fixture(Name) -> unicode:characters_to_binary(filename:join(root_dir(), Name)).

%% A path in the root that does not exist yet.
fresh_path(Prefix) ->
    unicode:characters_to_binary(
      filename:join(root_dir(), unicode:characters_to_list(
                                  [Prefix, "_", integer_to_list(erlang:unique_integer([positive]))]))).

%% ---------------------------------------------------------------- handles

forge_token({fdnode_fd, N, Id, Token}) -> {fdnode_fd, N, Id, (Token + 1) band 16#FFFFFFFFFFFFFFFF}.
forge_id({fdnode_fd, N, Id, Token}) -> {fdnode_fd, N, Id + 1000000, Token}.

%% ---------------------------------------------------------------- processes

%% Spawns a process that runs F, hands back {Pid, F()}, then serves run_in/2
%% until stopped.
spawn_holder(F) ->
    Self = self(),
    Ref = make_ref(),
    Pid = spawn(fun() -> Self ! {Ref, self(), F()}, holder_loop() end),
    receive
        {Ref, Pid, Result} -> {Pid, Result}
    after 30000 ->
        erlang:error(holder_timeout)
    end.

holder_loop() ->
    receive
        {run, From, Ref, F} ->
            From ! {Ref, F()},
            holder_loop();
        stop ->
            ok
    end.

%% Runs F in the holder process and returns its result.
run_in(Pid, F) ->
    Ref = make_ref(),
    MRef = erlang:monitor(process, Pid),
    Pid ! {run, self(), Ref, F},
    receive
        {Ref, R} -> erlang:demonitor(MRef, [flush]), R;
        {'DOWN', MRef, process, Pid, Why} -> erlang:error({holder_died, Why})
    end.

stop_holder(Pid) ->
    MRef = erlang:monitor(process, Pid),
    Pid ! stop,
    receive {'DOWN', MRef, process, Pid, _} -> nil end.

kill_holder(Pid) ->
    MRef = erlang:monitor(process, Pid),
    exit(Pid, kill),
    receive {'DOWN', MRef, process, Pid, _} -> nil end.

%% Runs F in a new process; await/2 gets {ok, Result} or {error, nil}.
async(F) ->
    Self = self(),
    spawn(fun() -> Self ! {async_result, self(), F()} end).

await(Pid, Timeout) ->
    receive
        {async_result, Pid, R} -> {ok, R}
    after Timeout ->
        {error, nil}
    end.

%% Every message in the caller's mailbox (left in place), as a string.
mailbox() ->
    {messages, Ms} = process_info(self(), messages),
    unicode:characters_to_binary(io_lib:format("~p", [Ms])).

%% Waits until the caller's mailbox holds a message for which Pred is true,
%% taking nothing from it (a test of what a mailbox holds, such as the
%% messages controlling_process must move). A helper traces the caller's
%% 'receive' events, so this waits for an event rather than polling. True if
%% such a message is there or came within TimeoutMs.
await_in_mailbox(Pred, TimeoutMs) ->
    Self = self(),
    Ref = make_ref(),
    Tracer = spawn_link(fun() -> trace_receives(Self, Ref, Pred) end),
    receive {Ref, tracing} -> ok end,
    {messages, Ms} = process_info(Self, messages),
    Found = lists:any(fun(M) -> holds(Pred, M) end, Ms)
        orelse receive {Ref, seen} -> true after TimeoutMs -> false end,
    Tracer ! {Ref, stop},
    receive {Ref, stopped} -> ok end,
    receive {Ref, seen} -> ok after 0 -> ok end,
    Found.

holds(Pred, Msg) -> (catch Pred(Msg)) =:= true.

trace_receives(Who, Ref, Pred) ->
    1 = erlang:trace(Who, true, ['receive']),
    Who ! {Ref, tracing},
    trace_receives_loop(Who, Ref, Pred, false).

trace_receives_loop(Who, Ref, Pred, Told) ->
    receive
        {trace, Who, 'receive', Msg} ->
            Seen = not Told andalso holds(Pred, Msg),
            Seen andalso (Who ! {Ref, seen}),
            trace_receives_loop(Who, Ref, Pred, Told orelse Seen);
        {Ref, stop} ->
            erlang:trace(Who, false, ['receive']),
            Who ! {Ref, stopped}
    end.

pid_to_string(Pid) -> list_to_binary(pid_to_list(Pid)).

%% ---------------------------------------------------------------- OS view

%% Targets of /proc/<jvm>/fd/* of a node started by this BEAM.
jvm_fd_targets(Node) ->
    {ok, OsPid} = fdnode_ffi:os_pid(Node),
    Dir = "/proc/" ++ integer_to_list(OsPid) ++ "/fd",
    case file:list_dir(Dir) of
        {ok, Names} ->
            [unicode:characters_to_binary(T)
             || N <- Names, {ok, T} <- [file:read_link_all(filename:join(Dir, N))]];
        {error, _} ->
            []
    end.

has_fd_to(Node, Path) ->
    lists:member(Path, jvm_fd_targets(Node)).

%% A zombie (killed, not yet reaped by erl_child_setup) is dead: its state in
%% /proc/<pid>/stat, the field after the parenthesised name, is Z.
os_process_alive(OsPid) ->
    case file:read_file("/proc/" ++ integer_to_list(OsPid) ++ "/stat") of
        {ok, Stat} ->
            [_, AfterName] = string:split(Stat, ") ", trailing),
            not lists:member(binary:first(AfterName), [$Z, $X]);
        {error, _} ->
            false
    end.

%% Polls (the OS gives no event for it) until a thread of the node's JVM sits
%% in read(2) on raw descriptor RawFd, or in poll(2) waiting for it (a read on
%% a pipe, FIFO or socket first waits in poll, so a close can wake it), per
%% /proc/<pid>/task/*/syscall (and /proc/<pid>/mem for the pollfd). True if
%% seen before the deadline.
wait_blocked_in_read(Node, RawFd, TimeoutMs) ->
    {ok, OsPid} = fdnode_ffi:os_pid(Node),
    Tasks = "/proc/" ++ integer_to_list(OsPid) ++ "/task",
    Want = "0x" ++ string:lowercase(integer_to_list(RawFd, 16)),
    {ReadNrs, PollNrs} = case erlang:system_info(system_architecture) of
                  "x86_64" ++ _ -> {["0", "17"], ["7", "271"]};   % read, pread64; poll, ppoll
                  "aarch64" ++ _ -> {["63", "67"], ["73"]};
                  _ -> {[], []}
              end,
    Mem = "/proc/" ++ integer_to_list(OsPid) ++ "/mem",
    PollsFd = fun("0x" ++ Addr) ->
                      case file:open(Mem, [read, binary, raw]) of
                          {ok, F} ->
                              R = file:pread(F, list_to_integer(Addr, 16), 4),
                              file:close(F),
                              R =:= {ok, <<RawFd:32/little-signed>>};
                          _ -> false
                      end;
                 (_) -> false
              end,
    Blocked = fun() ->
                  {ok, Ts} = file:list_dir(Tasks),
                  lists:any(fun(T) ->
                                    case file:read_file(filename:join([Tasks, T, "syscall"])) of
                                        {ok, Line} ->
                                            case string:lexemes(binary_to_list(Line), " \n") of
                                                [Nr, Fd, "0x1" | _] ->
                                                    (lists:member(Nr, ReadNrs) andalso Fd =:= Want)
                                                        orelse (lists:member(Nr, PollNrs) andalso PollsFd(Fd));
                                                [Nr, Fd | _] -> lists:member(Nr, ReadNrs) andalso Fd =:= Want;
                                                _ -> false
                                            end;
                                        _ -> false
                                    end
                            end, Ts)
              end,
    wait_until(Blocked, TimeoutMs).

%% Runs an OS program to its end: `{ExitStatus, Output}' (stdout and stderr
%% together). Options: `env' (as for open_port; `{Var, false}' unsets),
%% `cd', `timeout' ms (default 120000). A port program leads a process group
%% of its own (the BEAM's child setup makes it a session leader), so on
%% timeout it and every process it started are killed, and the call fails,
%% naming it and showing its output so far.
run_program(Exe, Args, Opts) ->
    Port = open_port({spawn_executable, Exe},
                     [{args, Args}, {env, maps:get(env, Opts, [])},
                      {cd, maps:get(cd, Opts, ".")}, exit_status, use_stdio,
                      stderr_to_stdout, binary, hide]),
    {os_pid, OsPid} = erlang:port_info(Port, os_pid),
    Deadline = monotonic_ms() + maps:get(timeout, Opts, 120000),
    collect_program(Port, OsPid, Deadline, {Exe, Args}, []).

collect_program(Port, OsPid, Deadline, What, Acc) ->
    receive
        {Port, {data, Data}} -> collect_program(Port, OsPid, Deadline, What, [Data | Acc]);
        {Port, {exit_status, Status}} -> {Status, iolist_to_binary(lists:reverse(Acc))}
    after max(0, Deadline - monotonic_ms()) ->
        os:cmd("kill -KILL -- -" ++ integer_to_list(OsPid)),
        catch port_close(Port),
        erlang:error({program_timed_out, What, iolist_to_binary(lists:reverse(Acc))})
    end.

kill_jvm(Node) ->
    {ok, OsPid} = fdnode_ffi:os_pid(Node),
    os:cmd("kill -9 " ++ integer_to_list(OsPid)),
    nil.

monotonic_ms() -> erlang:monotonic_time(millisecond).

%% Polls Pred until it is true or TimeoutMs passed. Only for conditions the OS
%% or the Java node gives no event for (an fd closed inside another process).
wait_until(Pred, TimeoutMs) ->
    Deadline = monotonic_ms() + TimeoutMs,
    poll(Pred, Deadline).

poll(Pred, Deadline) ->
    case Pred() of
        true -> true;
        false ->
            case monotonic_ms() >= Deadline of
                true -> false;
                false ->
                    receive after 20 -> ok end,
                    poll(Pred, Deadline)
            end
    end.

%% ---------------------------------------------------------------- asserts

assert_equal(Got, Expected) ->
    case Got =:= Expected of
        true -> nil;
        false -> erlang:error({assert_equal, [{expected, Expected}, {got, Got}]})
    end.

assert_true(true) -> nil;
assert_true(Other) -> erlang:error({assert_true, Other}).

%% ---------------------------------------------------------------- native `gleam test`

%% @doc The suite under EUnit, as scripts/gleam-test.sh runs it: every
%% exported `*_test/0' (and `*_test_/0' generator) of every `*_test' module, each in its
%% own process with 120 s. For `gleam test' (which calls `fdnode_test.main'):
%% no dependencies needed; the BEAM need not be distributed (starting a Java
%% node makes it so). Run from gleam/: FDNODE_JAR and FDNODE_FIXTURES
%% default to ../target/fdnode.jar and ../test_fixtures, FDNODE_ROOTS to a
%% fresh directory under /tmp.
run_suite() ->
    [os:putenv(Var, filename:absname(Default))
     || {Var, Default} <- [{"FDNODE_JAR", "../target/fdnode.jar"},
                           {"FDNODE_FIXTURES", "../test_fixtures"}],
        os:getenv(Var) =:= false],
    %% the roots: the tests' own scratch directory (BEAMs they spawn inherit it)
    os:getenv("FDNODE_ROOTS") =:= false andalso os:putenv("FDNODE_ROOTS", binary_to_list(root())),
    Ebin = filename:dirname(code:which(?MODULE)),
    Mods = lists:sort([list_to_atom(filename:basename(F, ".beam"))
                       || F <- filelib:wildcard(filename:join(Ebin, "*_test.beam"))]),
    Ends = fun(F, Suffix) -> lists:suffix(Suffix, atom_to_list(F)) end,
    Tests = lists:append(
              [[{spawn, {timeout, 120, {M, F}}} || {F, 0} <- Exports, Ends(F, "_test")] ++
               [{spawn, {timeout, 120, {generator, M, F}}} || {F, 0} <- Exports, Ends(F, "_test_")]
               || M <- Mods, Exports <- [M:module_info(exports)]]),
    case eunit:test(Tests, [verbose]) of
        ok -> nil;
        _ -> erlang:halt(1)
    end.
