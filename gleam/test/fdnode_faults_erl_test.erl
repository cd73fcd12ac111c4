%% @doc Faults: an owner killed mid-read, a whole BEAM node killed with
%% SIGKILL while holding 1,000 descriptors, the Java node killed under
%% concurrent calls (and restarted), a full disk (ENOSPC from /dev/full), a
%% real EIO (a hung-up terminal), and the descriptor limit reached and
%% recovered from. Descriptors are counted in /proc/<jvm>/fd by their targets
%% (the JVM opens and closes descriptors of its own at any time), polled with
%% a deadline where the OS gives no event.
-module(fdnode_faults_erl_test).
-include_lib("eunit/include/eunit.hrl").

%% ---------------------------------------------------------------- helpers

root() -> binary_to_list(fdnode_test_ffi:root()).

path(Name) -> list_to_binary(filename:join(root(), Name)).

jvm_pid(Node) ->
    {ok, P} = fdnode_ffi:os_pid(Node),
    P.

%% How many of the JVM's descriptors point at Path.
fds_to(Node, Path) ->
    length([T || T <- fdnode_test_ffi:jvm_fd_targets(Node), T =:= Path]).

%% What the JVM's descriptor behind handle H points at (pipe:[N] for a pipe).
fd_target(Jvm, H) ->
    {ok, #{fd := Raw}} = fdnode_ffi:info(H),
    {ok, T} = file:read_link_all("/proc/" ++ integer_to_list(Jvm) ++ "/fd/" ++ integer_to_list(Raw)),
    unicode:characters_to_binary(T).

now_ms() -> erlang:monotonic_time(millisecond).

messages() ->
    {messages, Ms} = process_info(self(), messages),
    Ms.

%% ---------------------------------------------------------------- owner killed mid-read

%% The owner sits in a blocking read of an idle FIFO (the only writer is
%% another process, and it writes nothing); killing the owner closes the
%% descriptor at once (the read is woken), and no reply strays anywhere.
owner_killed_mid_fifo_read_closes_the_fd_test() ->
    Node = fdnode_test_ffi:shared_node(),
    Fifo = fdnode_test_ffi:fresh_path(<<"fault_fifo">>),
    "" = os:cmd("mkfifo " ++ binary_to_list(Fifo)),
    Self = self(),
    Owner = spawn(fun() ->
                          {ok, R} = fdnode_ffi:open(Node, Fifo, [read], 30000),
                          Self ! {reader, R},
                          Self ! {read_returned, fdnode_ffi:read(R, 10, 60000)}
                  end),
    %% opening a FIFO for reading waits for a writer: this is it
    {ok, W} = fdnode_ffi:open(Node, Fifo, [write]),
    R = receive {reader, H} -> H after 30000 -> error(no_reader) end,
    {ok, #{fd := Raw}} = fdnode_ffi:info(R),
    ?assert(fdnode_test_ffi:wait_blocked_in_read(Node, Raw, 10000)),
    ?assertEqual(2, fds_to(Node, Fifo)),
    T0 = now_ms(),
    fdnode_test_ffi:kill_holder(Owner),
    ?assert(fdnode_test_ffi:wait_until(fun() -> fds_to(Node, Fifo) =:= 1 end, 5000)),
    Took = now_ms() - T0,
    io:format(user, "~nowner killed mid-read: reader's fd closed ~b ms after the kill~n", [Took]),
    ?assertEqual({error, closed}, fdnode_ffi:read(R, 1)),
    %% the writer is untouched and still works; then it goes too
    ?assertEqual({error, epipe}, fdnode_ffi:write(W, <<"x">>)),
    ?assertEqual(ok, fdnode_ffi:close(W)),
    ?assertEqual(0, fds_to(Node, Fifo)),
    ?assertEqual([], messages()).

%% ---------------------------------------------------------------- kill -9 of a BEAM

%% A second BEAM opens 1,000 descriptors on our Java node and is killed with
%% SIGKILL: the Java node closes all of them within a second.
beam_killed_with_1000_fds_all_closed_within_a_second_test() ->
    Node = fdnode_test_ffi:start_private_node(),
    Hello = path("hello.txt"),               % what the victim opens
    Base = fds_to(Node, Hello),
    {Port, BeamPid, Victim} = spawn_victim(Node, 1000),
    {ok, #{fds_by_node := ByNode}} = fdnode_ffi:stats(Node),
    ?assertEqual(1000, maps:get(Victim, ByNode, 0)),
    ?assertEqual(Base + 1000, fds_to(Node, Hello)),
    true = erlang:monitor_node(Victim, true),
    T0 = now_ms(),
    os:cmd("kill -9 " ++ integer_to_list(BeamPid)),
    receive {nodedown, Victim} -> ok after 10000 -> error(no_nodedown) end,
    TDown = now_ms(),
    Closed = fdnode_test_ffi:wait_until(fun() -> fds_to(Node, Hello) =< Base end, 5000),
    TClosed = now_ms(),
    io:format(user, "~nkill -9 of a BEAM holding 1000 fds: nodedown here after ~b ms, "
              "all closed by the Java node ~b ms after the kill~n", [TDown - T0, TClosed - T0]),
    ?assert(Closed),
    ?assert(TClosed - T0 =< 1000),
    {ok, #{open_fds := Open, fds_by_node := After}} = fdnode_ffi:stats(Node),
    ?assertEqual(0, maps:get(Victim, After, 0)),
    ?assertEqual(0, Open),
    catch port_close(Port),
    ?assertEqual(ok, fdnode_ffi:stop(Node)).

%% `erl' that opens N descriptors of hello.txt on Node, prints its OS pid and
%% waits. Returns {Port, BeamOsPid, VictimNode}.
spawn_victim(Node, N) ->
    Erl = os:find_executable("erl"),
    Ebin = filename:dirname(code:which(fdnode_ffi)),
    Name = "fdnode_fault_victim_" ++ os:getpid() ++ "_" ++ integer_to_list(erlang:unique_integer([positive])),
    Code = lists:flatten(io_lib:format(
             "Hs = [begin {ok, H} = fdnode_ffi:open('~s', <<\"~s\">>, [read]), H end "
             "|| _ <- lists:seq(1, ~b)], "
             "io:format(\"victim ~~s ~~s~~n\", [os:getpid(), node()]), "
             "receive after infinity -> Hs end.",
             [Node, path("hello.txt"), N])),
    Port = open_port({spawn_executable, Erl},
                     [{args, ["-noshell", "-sname", Name,
                              "-setcookie", atom_to_list(erlang:get_cookie()),
                              "-pa", Ebin, "-eval", Code]},
                      exit_status, use_stdio, stderr_to_stdout, binary, {line, 4096}, hide]),
    receive_victim(Port, now_ms() + 60000, []).

receive_victim(Port, Deadline, Seen) ->
    receive
        {Port, {data, {eol, <<"victim ", Rest/binary>>}}} ->
            [Pid, Victim] = string:lexemes(string:trim(Rest), " "),
            {Port, binary_to_integer(Pid), binary_to_atom(Victim, utf8)};
        {Port, {data, {_, Line}}} ->
            receive_victim(Port, Deadline, [Line | Seen]);
        {Port, {exit_status, S}} ->
            error({victim_exited, S, lists:reverse(Seen)})
    after max(0, Deadline - now_ms()) ->
        error({victim_not_ready, lists:reverse(Seen)})
    end.

%% ---------------------------------------------------------------- Java node killed

%% 16 callers blocked in reads plus 16 in a stream of short calls: the JVM is
%% killed with SIGKILL; every caller gets nodedown promptly and lives on; a
%% node restarted under the same name serves again, and the old handles are
%% refused there (a new random token), never mapped onto its descriptors.
java_node_killed_under_concurrent_calls_test() ->
    Name = "fdnode_fault_" ++ os:getpid() ++ "_" ++ integer_to_list(erlang:unique_integer([positive])),
    {ok, Node} = fdnode_ffi:start(#{name => Name, roots => [root()], ready_timeout => 60000}),
    Self = self(),
    Pipes = [begin {ok, P} = fdnode_ffi:pipe(Node), P end || _ <- lists:seq(1, 16)],
    Blocked = [spawn(fun() ->
                             Self ! {done, self(), fdnode_ffi:read(R, 10, 60000)},
                             receive stop -> ok end
                     end) || {R, _W} <- Pipes],
    {LastR, _} = lists:last(Pipes),
    {ok, #{fd := Raw}} = fdnode_ffi:info(LastR),
    ?assert(fdnode_test_ffi:wait_blocked_in_read(Node, Raw, 10000)),
    {ok, F} = fdnode_ffi:open(Node, path("hello.txt"), [read]),
    Busy = [spawn(fun() -> busy_loop(Self, F, 0) end) || _ <- lists:seq(1, 16)],
    [receive {busy_started, B} -> ok after 10000 -> error(busy_not_started) end || B <- Busy],
    T0 = now_ms(),
    fdnode_test_ffi:kill_jvm(Node),
    Results = [receive {done, P, R} -> R after 10000 -> {no_answer, P} end || P <- Blocked ++ Busy],
    Took = now_ms() - T0,
    io:format(user, "~nJava node killed: all 32 callers answered nodedown within ~b ms~n", [Took]),
    ?assertEqual(lists:duplicate(32, {error, nodedown}), Results),
    ?assert(Took < 5000),
    ?assert(lists:all(fun erlang:is_process_alive/1, Blocked ++ Busy)),
    [P ! stop || P <- Blocked ++ Busy],
    ?assertEqual({error, nodedown}, fdnode_ffi:ping(Node)),
    %% restarted under the same name
    {ok, Node} = fdnode_ffi:start(#{name => Name, roots => [root()], ready_timeout => 60000}),
    ?assertEqual(ok, fdnode_ffi:ping(Node)),
    {ok, F2} = fdnode_ffi:open(Node, path("hello.txt"), [read]),
    ?assertEqual({ok, <<"hello">>}, fdnode_ffi:read(F2, 5)),
    ?assertEqual({error, invalid_handle}, fdnode_ffi:read(F, 5)),
    [?assertEqual({error, invalid_handle}, fdnode_ffi:write(W, <<"x">>)) || {_, W} <- Pipes],
    ?assertEqual({ok, <<", ">>}, fdnode_ffi:read(F2, 2)),
    ?assertEqual(ok, fdnode_ffi:stop(Node)).

busy_loop(Test, F, N) ->
    N =:= 1 andalso (Test ! {busy_started, self()}),
    case fdnode_ffi:pread(F, 0, 5) of
        {ok, _} ->
            busy_loop(Test, F, N + 1);
        Other ->
            Test ! {done, self(), Other},
            receive stop -> ok end
    end.

%% ---------------------------------------------------------------- disk full, EIO

%% /dev/full fails every write with ENOSPC: it comes back as the typed error
%% (Gleam's `Enospc'), through the Erlang and the Gleam API, for write and
%% pwrite; the descriptor stays usable.
disk_full_is_a_typed_enospc_test() ->
    Node = fdnode_ffi_start(["/dev"]),
    {ok, Full} = fdnode_ffi:open(Node, <<"/dev/full">>, [read, write]),
    ?assertEqual({error, enospc}, fdnode_ffi:write(Full, <<"data">>)),
    ?assertEqual({error, enospc}, fdnode_ffi:write(Full, binary:copy(<<"x">>, 1 bsl 20))),
    ?assertEqual({error, enospc}, fdnode_ffi:pwrite(Full, 0, <<"data">>)),
    ?assertEqual({error, enospc}, fdnode:write(Full, <<"via gleam">>, 5000)),
    ?assertEqual(<<"No space left on device">>, fdnode:describe_error(enospc)),
    ?assertEqual({ok, <<0, 0, 0>>}, fdnode_ffi:read(Full, 3)),
    ?assertEqual(ok, fdnode_ffi:close(Full)),
    %% through a symlink in the root as well (the root lists /dev)
    Link = filename:join(root(), "fault_full_link"),
    _ = file:delete(Link),
    ok = file:make_symlink("/dev/full", Link),
    {ok, Full2} = fdnode_ffi:open(Node, list_to_binary(Link), [write]),
    ?assertEqual({error, enospc}, fdnode_ffi:write(Full2, <<"x">>)),
    ?assertEqual(ok, fdnode_ffi:stop(Node)).

%% A real EIO: a terminal whose master side has gone (`script' holds the
%% master of a new pty; its child prints the slave's name; the Java node opens
%% the slave, then `script' is killed). Writes to a hung-up tty fail with EIO.
eio_from_a_hung_up_terminal_test() ->
    case os:find_executable("script") of
        false ->
            io:format(user, "~nskipped: no `script' (util-linux) to make a pty~n", []);
        Script ->
            Node = fdnode_ffi_start(["/dev/pts"]),
            Port = open_port({spawn_executable, Script},
                             [{args, ["-q", "-c", "tty; exec sleep 60", "/dev/null"]},
                              exit_status, use_stdio, binary, {line, 256}, hide]),
            Tty = receive {Port, {data, {eol, L}}} -> string:trim(L)
                  after 10000 -> error(no_tty)
                  end,
            {os_pid, ScriptPid} = erlang:port_info(Port, os_pid),
            {ok, T} = fdnode_ffi:open(Node, Tty, [write, nonblock]),
            ?assertEqual(ok, fdnode_ffi:write(T, <<"\n">>)),
            os:cmd("kill -9 " ++ integer_to_list(ScriptPid)),
            receive {Port, {exit_status, _}} -> ok after 10000 -> error(script_alive) end,
            %% the master closed with the process: the next write sees the hang-up
            ?assertEqual({error, eio}, fdnode_ffi:write(T, <<"x">>)),
            ?assertEqual({error, eio}, fdnode:write(T, <<"x">>, 5000)),
            ?assertEqual(ok, fdnode_ffi:close(T)),
            ?assertEqual(ok, fdnode_ffi:stop(Node))
    end.

fdnode_ffi_start(ExtraRoots) ->
    {ok, Node} = fdnode_ffi:start(#{roots => [root() | ExtraRoots], ready_timeout => 60000}),
    Node.

%% ---------------------------------------------------------------- fd limit

%% With --max-fds 20: the 21st open is emfile (so is a pipe needing two), the
%% node keeps serving, and after closes it opens again; /proc agrees.
fd_limit_emfile_and_recovery_test() ->
    {ok, Node} = fdnode_ffi:start(#{roots => [root()], args => ["--max-fds", "20"],
                                    ready_timeout => 60000}),
    Jvm = jvm_pid(Node),
    Hello = path("hello.txt"),
    Base = fds_to(Node, Hello),
    Hs = [begin {ok, H} = fdnode_ffi:open(Node, Hello, [read]), H end
          || _ <- lists:seq(1, 20)],
    ?assertEqual(Base + 20, fds_to(Node, Hello)),
    ?assertEqual({error, emfile}, fdnode_ffi:open(Node, path("hello.txt"), [read])),
    ?assertEqual({error, emfile}, fdnode_ffi:pipe(Node)),
    ?assertEqual({error, emfile}, fdnode:open(Node, path("hello.txt"), [fdnode_read_option()], 5000)),
    ?assertEqual(ok, fdnode_ffi:ping(Node)),
    ?assertEqual(Base + 20, fds_to(Node, Hello)),
    {Close, Keep} = lists:split(5, Hs),
    [?assertEqual(ok, fdnode_ffi:close(H)) || H <- Close],
    ?assertEqual(Base + 15, fds_to(Node, Hello)),
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    Pipe = fd_target(Jvm, R),
    ?assertEqual(Pipe, fd_target(Jvm, W)),
    ?assertEqual(2, fds_to(Node, Pipe)),
    More = [begin {ok, H} = fdnode_ffi:open(Node, path("hello.txt"), [read]), H end
            || _ <- lists:seq(1, 3)],
    ?assertEqual({error, emfile}, fdnode_ffi:open(Node, path("hello.txt"), [read])),
    [?assertEqual(ok, fdnode_ffi:close(H)) || H <- Keep ++ More ++ [R, W]],
    ?assertEqual(Base, fds_to(Node, Hello)),
    ?assertEqual(0, fds_to(Node, Pipe)),
    {ok, #{open_fds := 0}} = fdnode_ffi:stats(Node),
    ?assertEqual(ok, fdnode_ffi:stop(Node)).

%% Gleam's `Read' open option, as an Erlang term.
fdnode_read_option() -> read.
