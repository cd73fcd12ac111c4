%% @doc End-to-end benchmarks of fdnode against baselines measured in the same
%% run: an Erlang-to-Erlang distributed call, a bare JInterface echo node, an
%% Erlang peer node doing the same file work, a local `file' call, a bare
%% JInterface push and an Erlang port reading a FIFO.
%%
%% Every measure runs its contenders in turn, round after round (interleaved),
%% so a load change on the machine hits all of them alike; a figure is the
%% median of ?ROUNDS rounds after a warm-up round, with the spread (min..max).
%% The Java nodes start with the launcher's JVM flags (launcher_flags/1).
%% With FDNODE_BENCH_BEFORE_JAR set, an older jar runs beside the current one
%% (same flags) and the report gives after/before ratios.
%% Run through `make bench'; results go to stdout and docs/benchmarks.md.
-module(fdnode_bench).
-export([main/1, echo_loop/0, file_server/0, fifo_reader/3]).

%% Rounds per measure (FDNODE_BENCH_ROUNDS, at least 5): more narrow the
%% medians when other work shares the machine.
-define(ROUNDS, max(5, list_to_integer(os:getenv("FDNODE_BENCH_ROUNDS", "7")))).
-define(CHUNK, 262144). % the Java node's active chunk: same message sizes everywhere

main([OutFile, EbinDir]) when is_atom(OutFile) ->
    main([atom_to_list(OutFile), atom_to_list(EbinDir)]);
main([OutFile, EbinDir]) ->
    Root = os:getenv("FDNODE_ROOT"),
    Jar = os:getenv("FDNODE_JAR"),
    Load0 = loadavg(),
    Tmp = filename:join(Root, "jvm"),
    ok = filelib:ensure_dir(filename:join(Tmp, "x")),
    Launcher = java_wrapper(Tmp, "launcher", launcher_flags(Jar)),
    C2 = java_wrapper(Tmp, "c2", launcher_flags(Jar) -- ["-XX:TieredStopAtLevel=1"]),
    Nodes0 = [{"fdnode", start_node(Root, Jar, Launcher)},
              {"fdnode, C2 JIT", start_node(Root, Jar, C2)}]
        ++ case os:getenv("FDNODE_BENCH_BEFORE_JAR", "") of
               "" -> [];
               Before -> [{"fdnode before", start_node(Root, Before,
                                                       java_wrapper(Tmp, "before", launcher_flags(Before)))}]
           end,
    Nodes = [{L, N} || {L, {ok, N}} <- Nodes0],
    length(Nodes) =:= length(Nodes0) orelse error({start_failed, Nodes0}),
    {_, Node} = hd(Nodes),
    {ok, JvmPid} = fdnode_ffi:os_pid(Node),
    Echo = start_echo_node(),
    Peer = start_peer(EbinDir),
    Data = filename:join(Root, "bench.dat"),
    ok = file:write_file(Data, crypto:strong_rand_bytes(1 bsl 20)),
    %% FDNODE_BENCH_ONLY=latency,active (say) runs a subset while tuning.
    Only = [list_to_atom(S) || S <- string:lexemes(os:getenv("FDNODE_BENCH_ONLY", ""), ",")],
    Sections =
        [{latency, fun() -> latency(Nodes, Echo, Peer, Data) end},
         {throughput, fun() -> throughput(Nodes, Echo, Peer) end},
         {open_close, fun() -> open_close(Nodes, Peer, Data) end},
         {active, fun() -> active_delivery(Nodes, Echo, Peer, Root) end},
         {jvm, fun() -> jvm(Root, Jar, Tmp) end},
         {many_fds, fun() -> many_fds(Node, JvmPid, Root) end},
         {fd_curve, fun() -> fd_curve(Node, JvmPid, Root, Data) end},
         {copy, fun() -> copy(Node, Root, Jar, Tmp) end},
         {batch, fun() -> batch(Node, Data) end}],
    Results = [begin
                   io:format("bench: ~s~n", [Name]),
                   Run()
               end || {Name, Run} <- Sections, Only =:= [] orelse lists:member(Name, Only)],
    Rows = lists:append(Results),
    Report = report(Rows, [L || {L, _} <- Nodes], Load0, loadavg()),
    io:put_chars(Report),
    ok = file:write_file(OutFile, Report),
    [fdnode_ffi:stop(N) || {_, N} <- Nodes],
    halt(0).

%% ------------------------------------------------------------------ nodes

%% The JVM flags the BEAM launcher passes by default, with the AppCDS
%% archive when `make build' left one next to the jar.
launcher_flags(Jar) ->
    fdnode_launcher:default_jvm_args(Jar).

%% The launcher's flags in steps, for the JVM section's table, taken from its
%% list (not a copy of it): the collector and JIT flags, then the archive.
jit_and_gc_flags(Jar) ->
    [F || F <- launcher_flags(Jar), not heap_or_archive_flag(F)].

archive_flags(Jar) ->
    [F || F <- launcher_flags(Jar), lists:prefix("-XX:SharedArchiveFile=", F)].

heap_or_archive_flag(F) ->
    lists:prefix("-Xms", F) orelse lists:prefix("-Xmx", F)
        orelse lists:prefix("-XX:SharedArchiveFile=", F).

%% A `java' that adds Flags: fdnode_ffi:start takes the executable to run.
java_wrapper(Dir, Name, Flags) ->
    Path = filename:join(Dir, "java-" ++ Name),
    Java = os:find_executable("java"),
    ok = file:write_file(Path, ["#!/bin/sh\nexec ", Java, [[" ", F] || F <- Flags], " \"$@\"\n"]),
    ok = file:change_mode(Path, 8#755),
    Path.

start_node(Root, Jar, Java) ->
    %% jvm_args => []: the wrapper `Java' already carries the flags under test
    fdnode_ffi:start(#{root => Root, jar => Jar, java => Java, jvm_args => [],
                       args => ["--max-fds", "250000"], link => false}).

%% ------------------------------------------------------------------ baselines

start_echo_node() ->
    Name = "echo_" ++ os:getpid(),
    ClassPath = os:getenv("FDNODE_BENCH_CLASSPATH"),
    Java = os:find_executable("java"),
    Port = open_port({spawn_executable, Java},
                     [{args, ["-cp", ClassPath, "dev.fdnode.bench.EchoNode", Name,
                              atom_to_list(erlang:get_cookie())]},
                      {line, 1024}, exit_status, use_stdio]),
    receive
        {Port, {data, {eol, "echo ready " ++ NodeName}}} ->
            {echo, list_to_atom(NodeName)}
    after 30000 -> error(echo_node_timeout)
    end.

%% An Erlang peer node with an echo process and a file server: the baselines
%% for what fdnode does, done by Erlang across the same kind of connection.
start_peer(EbinDir) ->
    {ok, _Peer, PeerNode} =
        peer:start_link(#{name => list_to_atom("bench_peer_" ++ os:getpid()),
                          args => ["-setcookie", atom_to_list(erlang:get_cookie()),
                                   "-pa", EbinDir, "-pa", filename:dirname(code:which(?MODULE))]}),
    #{node => PeerNode,
      echo => spawn(PeerNode, ?MODULE, echo_loop, []),
      files => spawn(PeerNode, ?MODULE, file_server, [])}.

echo_loop() ->
    receive
        {From, Ref, Msg} -> From ! {Ref, Msg}, echo_loop()
    end.

%% Holds raw files for callers on other nodes, as the Java node holds fds:
%% {open, Path} -> {ok, Id}; {close, Id} -> ok.
file_server() -> file_server(#{}).

file_server(Files) ->
    receive
        {From, Ref, {open, Path}} ->
            case file:open(Path, [read, raw, binary]) of
                {ok, F} ->
                    Id = erlang:unique_integer([positive]),
                    From ! {Ref, {ok, Id}},
                    file_server(Files#{Id => F});
                Error ->
                    From ! {Ref, Error},
                    file_server(Files)
            end;
        {From, Ref, {close, Id}} ->
            #{Id := F} = Files,
            From ! {Ref, file:close(F)},
            file_server(maps:remove(Id, Files))
    end.

%% Reads a FIFO on the peer node in ?CHUNK reads and sends every chunk, as
%% fdnode's active delivery does.
fifo_reader(To, Fifo, Chunk) ->
    {ok, F} = file:open(Fifo, [read, raw, binary]),
    fifo_loop(To, F, Chunk).

fifo_loop(To, F, Chunk) ->
    case file:read(F, Chunk) of
        {ok, Bin} -> To ! {peer_data, Bin}, fifo_loop(To, F, Chunk);
        eof -> file:close(F), To ! peer_done
    end.

echo_call(To, Msg) ->
    Ref = make_ref(),
    To ! {self(), Ref, Msg},
    receive {Ref, R} -> R after 5000 -> error(echo_timeout) end.

%% ------------------------------------------------------------------ measures

latency(Nodes, Echo, #{echo := PeerEcho}, Data) ->
    Fds = [{L, element(2, {ok, _} = fdnode_ffi:open(N, list_to_binary(Data), [read]))} || {L, N} <- Nodes],
    {ok, Raw} = file:open(Data, [read, raw, binary]),
    N = 1000,
    Contenders =
        [{L ++ " pread 4 KiB", fun() -> {ok, _} = fdnode_ffi:pread(Fd, 0, 4096) end} || {L, Fd} <- Fds]
        ++ [{L ++ " info", fun() -> {ok, _} = fdnode_ffi:info(Fd) end} || {L, Fd} <- Fds]
        ++ [{"baseline: bare JInterface echo", fun() -> echo_call(Echo, ping) end},
            {"baseline: Erlang-to-Erlang call", fun() -> echo_call(PeerEcho, ping) end},
            {"baseline: local file:pread 4 KiB", fun() -> {ok, _} = file:pread(Raw, 0, 4096) end}],
    Rows = interleaved(latency, us, Contenders, fun(F) -> us_per_op(N, F) end),
    file:close(Raw),
    [ok = fdnode_ffi:close(Fd) || {_, Fd} <- Fds],
    Rows.

throughput(Nodes, Echo, #{echo := PeerEcho}) ->
    Pipes = [{L, element(2, {ok, {_, _}} = fdnode_ffi:pipe(N))} || {L, N} <- Nodes],
    Rows = lists:append(
      [interleaved(throughput, calls,
                   [{lists:flatten(io_lib:format("~s info, ~b callers", [L, C])),
                     fun() -> {ok, _} = fdnode_ffi:info(R) end} || {L, {R, _}} <- Pipes]
                   ++ [{lists:flatten(io_lib:format("baseline: JInterface echo, ~b callers", [C])),
                        fun() -> echo_call(Echo, ping) end},
                       {lists:flatten(io_lib:format("baseline: Erlang-to-Erlang, ~b callers", [C])),
                        fun() -> echo_call(PeerEcho, ping) end}],
                   fun(F) -> calls_per_s(C, F) end)
       || C <- [1, 64]]),
    [begin fdnode_ffi:close(R), fdnode_ffi:close(W) end || {_, {R, W}} <- Pipes],
    Rows.

open_close(Nodes, #{files := Files}, Data) ->
    Bin = list_to_binary(Data),
    Contenders =
        [{L ++ " open+close", fun() ->
              {ok, Fd} = fdnode_ffi:open(N, Bin, [read]), ok = fdnode_ffi:close(Fd) end}
         || {L, N} <- Nodes]
        ++ [{"baseline: Erlang-to-Erlang open+close on a peer node", fun() ->
                {ok, Id} = echo_call(Files, {open, Data}), ok = echo_call(Files, {close, Id}) end},
            {"baseline: local raw file open+close", fun() ->
                {ok, F} = file:open(Data, [read, raw]), ok = file:close(F) end}],
    interleaved(open_close, us, Contenders, fun(F) -> us_per_op(500, F) end).

active_delivery(Nodes, Echo, #{node := PeerNode}, Root) ->
    Bytes = 64 bsl 20,
    Fifo = filename:join(Root, "bench.fifo"),
    os:cmd("mkfifo " ++ Fifo),
    Src = filename:join(Root, "bench.src"),
    ok = file:write_file(Src, binary:copy(<<"y">>, Bytes)),
    Fdnode = fun(N) -> fun() ->
        Writer = spawn_cat(Src, Fifo),
        {ok, Fd} = fdnode_ffi:open(N, list_to_binary(Fifo), [read]),
        T0 = erlang:monotonic_time(microsecond),
        ok = fdnode_ffi:set_mode(Fd, active),
        Got = drain_fdnode(Fd, 0),
        Us = erlang:monotonic_time(microsecond) - T0,
        fdnode_ffi:close(Fd), port_close_quiet(Writer),
        Bytes = Got,
        Us
    end end,
    Contenders =
        [{L ++ " active FIFO", Fdnode(N)} || {L, N} <- Nodes]
        ++ [{"baseline: Erlang peer node reading the FIFO", fun() ->
                Writer = spawn_cat(Src, Fifo),
                T0 = erlang:monotonic_time(microsecond),
                spawn(PeerNode, ?MODULE, fifo_reader, [self(), Fifo, ?CHUNK]),
                Got = drain_peer(0),
                Us = erlang:monotonic_time(microsecond) - T0,
                port_close_quiet(Writer),
                Bytes = Got,
                Us
            end},
            {"baseline: Erlang port (cat) on the FIFO", fun() ->
                Writer = spawn_cat(Src, Fifo),
                T0 = erlang:monotonic_time(microsecond),
                Reader = open_port({spawn_executable, "/bin/cat"}, [{args, [Fifo]}, binary, stream, exit_status]),
                Got = drain_port(Reader, 0),
                Us = erlang:monotonic_time(microsecond) - T0,
                port_close_quiet(Writer),
                Bytes = Got,
                Us
            end},
            {"baseline: bare JInterface push", fun() ->
                T0 = erlang:monotonic_time(microsecond),
                Echo ! {push, self(), Bytes, ?CHUNK},
                ok = drain_push(),
                erlang:monotonic_time(microsecond) - T0
            end}],
    interleaved(delivery, mbps, Contenders, fun(F) -> Bytes / F() end).

%% Start-up and idle memory of the Java node under each JVM flag set:
%% `java -jar' to the ready line, then resident memory once it has settled.
jvm(Root, Jar, Tmp) ->
    Three = jit_and_gc_flags(Jar),
    Cds = archive_flags(Jar),
    %% -Xms8m: the default initial heap (1/64 of RAM) lets start-up garbage
    %% touch fresh pages; a small one reuses them (the heap still grows).
    Sets = [{"JVM defaults", []},
            {"GC+JIT flags, no AppCDS", Three}]
        ++ [{"GC+JIT flags + AppCDS", Three ++ Cds} || Cds =/= []]
        ++ [{"launcher flags", launcher_flags(Jar)}],
    Runs = [{L, java_wrapper(Tmp, "jvm" ++ integer_to_list(I), F)}
            || {I, {L, F}} <- lists:zip(lists:seq(1, length(Sets)), Sets)],
    Measure = fun(Java) ->
        Name = "fdnode_jvm_" ++ integer_to_list(erlang:unique_integer([positive])),
        T0 = erlang:monotonic_time(microsecond),
        Port = open_port({spawn_executable, Java},
                         [{args, ["-jar", Jar, "--name", Name, "--cookie", "jvm_bench",
                                  "--root", Root, "--exit-on-stdin-eof"]},
                          {line, 4096}, use_stdio, stderr_to_stdout, exit_status]),
        ok = await_ready(Port),
        ReadyMs = (erlang:monotonic_time(microsecond) - T0) / 1000,
        {os_pid, OsPid} = erlang:port_info(Port, os_pid),
        timer:sleep(1000), % idle: let start-up threads finish and the heap settle
        RssMib = jvm_rss_kib(OsPid) / 1024,
        port_close(Port),
        {ReadyMs, RssMib}
    end,
    [Measure(J) || {_, J} <- Runs], % warm-up: page cache, epmd
    Rounds = [[{L, Measure(J)} || {L, J} <- Runs] || _ <- lists:seq(1, ?ROUNDS)],
    lists:append(
      [[{jvm, L ++ ": java -jar to ready", ms, summary([R || Round <- Rounds, {L2, {R, _}} <- Round, L2 =:= L])},
        {jvm, L ++ ": idle RSS", mib, summary([M || Round <- Rounds, {L2, {_, M}} <- Round, L2 =:= L])}]
       || {L, _} <- Runs]).

await_ready(Port) ->
    receive
        {Port, {data, {eol, "fdnode ready" ++ _}}} -> ok;
        {Port, {data, _}} -> await_ready(Port);
        {Port, {exit_status, S}} -> error({jvm_exited, S})
    after 30000 -> error(jvm_ready_timeout)
    end.

%% Holds many descriptors at once (64 owner processes), then lets the owners
%% exit and times how long the Java node takes to close them all.
many_fds(Node, JvmPid, Root) ->
    Count = list_to_integer(os:getenv("FDNODE_BENCH_FDS", "100000")),
    Owners = 64,
    Path = list_to_binary(filename:join(Root, "many.dat")),
    ok = file:write_file(Path, <<"x">>),
    Base = jvm_fd_count(JvmPid),
    RssBefore = jvm_rss_kib(JvmPid),
    {ok, #{heap_used := HeapBefore}} = fdnode_ffi:stats_with(Node, [gc], 30000),
    Parent = self(),
    T0 = erlang:monotonic_time(microsecond),
    Pids = [spawn(fun() ->
                Opened = length([ok || _ <- lists:seq(1, Count div Owners),
                                       element(1, fdnode_ffi:open(Node, Path, [read], 30000)) =:= ok]),
                Parent ! {opened, self(), Opened},
                receive exit -> ok end
            end) || _ <- lists:seq(1, Owners)],
    Opened = lists:sum([receive {opened, P, N} -> N after 600000 -> error(open_many_timeout) end || P <- Pids]),
    OpenSecs = (erlang:monotonic_time(microsecond) - T0) / 1.0e6,
    RssAfter = jvm_rss_kib(JvmPid),
    {ok, #{heap_used := HeapAfter}} = fdnode_ffi:stats_with(Node, [gc], 30000),
    T1 = erlang:monotonic_time(microsecond),
    [P ! exit || P <- Pids],
    ok = wait_fd_count(JvmPid, Base, 120000),
    CloseMs = (erlang:monotonic_time(microsecond) - T1) / 1000,
    [{info, "descriptors held at once", text, io_lib:format("~b of ~b asked (JVM limit: ~s)",
                                                            [Opened, Count, jvm_fd_limit(JvmPid)])},
     {info, "open rate while filling (64 owners)", text, io_lib:format("~b /s", [round(Opened / OpenSecs)])},
     {info, "JVM resident memory per open fd", text, io_lib:format("~b bytes", [round((RssAfter - RssBefore) * 1024 / max(1, Opened))])},
     {info, "retained heap per open fd (after full GC)", bytes, round((HeapAfter - HeapBefore) / max(1, Opened))},
     {info, "time to close all after the owners exit", text, io_lib:format("~b ms", [round(CloseMs)])}].

%% Whether a call's cost grows with the descriptors a node holds: sequential
%% pread 4 KiB on one node while 0, 1,000, 5,000 and 15,000 other
%% descriptors are open (held by 16 owner processes per step, as many owners
%% would). A round climbs 0 -> 1k -> 5k -> 15k and comes back down, measuring
%% at each level on the way up and on the way down; a level's figure for the
%% round is the mean of the two, so a drift during the round hits every level
%% alike. With each figure: the JVM's CPU time per call (all its threads,
%% from /proc/<pid>/task/*/schedstat), which waiting does not inflate.
-define(FD_LEVELS, [0, 1000, 5000, 15000]).
fd_curve(Node, JvmPid, Root, Data) ->
    Path = list_to_binary(filename:join(Root, "curve.dat")),
    ok = file:write_file(Path, <<"x">>),
    Caller = curve_caller(Node, list_to_binary(Data)),
    Steps = lists:zipwith(fun(A, B) -> B - A end, lists:droplast(?FD_LEVELS), tl(?FD_LEVELS)),
    Measure = fun() -> curve_measure(Caller, JvmPid, 2000) end,
    Round = fun() ->
        Base = open_fds(Node),
        Up0 = Measure(),
        {Groups, Ups} = lists:foldl(fun(N, {Gs, Ms}) ->
                                            G = open_group(Node, Path, N),
                                            {[G | Gs], [Measure() | Ms]}
                                    end, {[], []}, Steps),
        Top = Measure(),
        Downs = [begin close_group(Node, G, Base + Below), Measure() end
                 || {G, Below} <- lists:zip(Groups, lists:reverse(lists:droplast(?FD_LEVELS)))],
        Up = [Up0 | lists:reverse(Ups)],
        Down = lists:reverse(Downs) ++ [Top],
        [{(U1 + D1) / 2, (C1 + C2) / 2, (S1 + S2) / 2} || {{U1, C1, S1}, {D1, C2, S2}} <- lists:zip(Up, Down)]
    end,
    _ = Round(), % warm-up
    Rounds = [Round() || _ <- lists:seq(1, ?ROUNDS)],
    Caller ! stop,
    Levels = lists:zip(lists:seq(1, length(?FD_LEVELS)), ?FD_LEVELS),
    [{fd_curve, curve_label(L), us, summary([element(1, lists:nth(I, R)) || R <- Rounds])}
     || {I, L} <- Levels]
    ++ [{fd_curve, "JVM CPU per call, " ++ integer_to_list(L) ++ " other fds open", us,
         summary([element(2, lists:nth(I, R)) || R <- Rounds])} || {I, L} <- Levels]
    ++ [{fd_curve, stats_label(L), us, summary([element(3, lists:nth(I, R)) || R <- Rounds])}
        || {I, L} <- Levels]
    ++ [{fd_curve, "15,000 / 0 other fds, per round", ratio,
         summary([element(1, lists:last(R)) / element(1, hd(R)) || R <- Rounds])}].

curve_label(N) -> "pread 4 KiB with " ++ integer_to_list(N) ++ " other fds open".

stats_label(N) -> "stats with " ++ integer_to_list(N) ++ " other fds open".

%% Owns N descriptors on Node, spread over 16 processes; returns them.
open_group(Node, Path, N) ->
    Parent = self(),
    Owners = 16,
    Pids = [spawn(fun() ->
                          Mine = N div Owners + case I =< N rem Owners of true -> 1; false -> 0 end,
                          Fds = [F || _ <- lists:seq(1, Mine),
                                      {ok, F} <- [fdnode_ffi:open(Node, Path, [read], 30000)]],
                          Parent ! {opened, self(), length(Fds)},
                          receive exit -> ok end
                  end) || I <- lists:seq(1, Owners)],
    Opened = lists:sum([receive {opened, P, K} -> K after 120000 -> error(open_group_timeout) end || P <- Pids]),
    Opened =:= N orelse error({opened, Opened, of_, N}),
    Pids.

%% The owners exit; returns once the node holds no more than Want descriptors.
close_group(Node, Pids, Want) ->
    [P ! exit || P <- Pids],
    wait_open_fds(Node, Want, 120000).

open_fds(Node) ->
    {ok, #{open_fds := N}} = fdnode_ffi:stats(Node, 30000),
    N.

wait_open_fds(Node, Want, Ms) when Ms > 0 ->
    case open_fds(Node) =< Want of
        true -> ok;
        false -> timer:sleep(5), wait_open_fds(Node, Want, Ms - 5)
    end;
wait_open_fds(Node, Want, _) -> error({still_open, open_fds(Node), Want}).

%% A process with its own descriptor on the data file, doing N preads on request.
curve_caller(Node, Data) ->
    Parent = self(),
    Pid = spawn_link(fun() ->
                             {ok, Fd} = fdnode_ffi:open(Node, Data, [read]),
                             Parent ! {caller_ready, self()},
                             curve_loop(Fd)
                     end),
    receive {caller_ready, Pid} -> Pid end.

curve_loop(Fd) ->
    receive
        {preads, From, N} ->
            From ! {us, us_per_op(N, fun() -> {ok, _} = fdnode_ffi:pread(Fd, 0, 4096) end)},
            curve_loop(Fd);
        {stats, From, N} ->
            {ok, Node} = fdnode_ffi:handle_node(Fd),
            From ! {us, us_per_op(N, fun() -> {ok, _} = fdnode_ffi:stats(Node) end)},
            curve_loop(Fd);
        stop ->
            fdnode_ffi:close(Fd)
    end.

%% {microseconds per pread, JVM CPU microseconds per pread} over N preads,
%% then microseconds per stats call over N div 10 of them (stats once
%% walked every descriptor).
curve_measure(Caller, JvmPid, N) ->
    Cpu0 = jvm_cpu_ns(JvmPid),
    Caller ! {preads, self(), N},
    Us = receive {us, U} -> U after 120000 -> error(curve_timeout) end,
    Cpu = (jvm_cpu_ns(JvmPid) - Cpu0) / N / 1000,
    Caller ! {stats, self(), N div 10},
    Stats = receive {us, S} -> S after 120000 -> error(curve_timeout) end,
    {Us, Cpu, Stats}.

%% CPU time of every thread of the process so far, in ns (a thread that ended
%% meanwhile is not counted; none of the node's do during a measure).
jvm_cpu_ns(OsPid) ->
    Dir = "/proc/" ++ integer_to_list(OsPid) ++ "/task",
    {ok, Tids} = file:list_dir(Dir),
    lists:sum([case file:read_file(filename:join([Dir, T, "schedstat"])) of
                   {ok, S} -> binary_to_integer(hd(binary:split(S, <<" ">>)));
                   _ -> 0
               end || T <- Tids]).

%% A 256 MiB file copied by the node (the kernel's copy_file_range), by a
%% node whose copies read and write (-Dfdnode.copy.kernel=false), through
%% the BEAM, by `cp' and by file:copy; then the same file sent to a TCP
%% receiver (TcpSink, which only counts) by a copy to a socket (sendfile),
%% by the read/write node and by the BEAM's file:sendfile.
copy(Node, Root, Jar, Tmp) ->
    Size = 256 bsl 20,
    Src = filename:join(Root, "copy.src"),
    ok = file:write_file(Src, crypto:strong_rand_bytes(1 bsl 20)),
    {ok, F} = file:open(Src, [append, raw]),
    [ok = file:write(F, crypto:strong_rand_bytes(1 bsl 20)) || _ <- lists:seq(2, Size bsr 20)],
    file:close(F),
    SrcBin = list_to_binary(Src),
    {ok, RwNode} = start_node(Root, Jar, java_wrapper(Tmp, "rwcopy", launcher_flags(Jar)
                                                      ++ ["-Dfdnode.copy.kernel=false"])),
    CopyRequest = fun(N, Name) -> fun() ->
        Dst = list_to_binary(filename:join(Root, Name)),
        T0 = erlang:monotonic_time(microsecond),
        {ok, In} = fdnode_ffi:open(N, SrcBin, [read]),
        {ok, Out} = fdnode_ffi:open(N, Dst, [write, create, truncate]),
        {ok, Size} = fdnode_ffi:copy(In, Out, #{chunk => 1 bsl 20}, 60000),
        fdnode_ffi:close(In), fdnode_ffi:close(Out),
        erlang:monotonic_time(microsecond) - T0
    end end,
    Files =
        [{"fdnode copy request (kernel: copy_file_range)", CopyRequest(Node, "copy.innode")},
         {"fdnode copy request, read/write in the node", CopyRequest(RwNode, "copy.rw")},
         {"fdnode read/write 1 MiB chunks through the BEAM", fun() ->
             Dst = filename:join(Root, "copy.fdnode"),
             T0 = erlang:monotonic_time(microsecond),
             {ok, In} = fdnode_ffi:open(Node, SrcBin, [read]),
             {ok, Out} = fdnode_ffi:open(Node, list_to_binary(Dst), [write, create, truncate]),
             ok = copy_loop(In, Out),
             fdnode_ffi:close(In), fdnode_ffi:close(Out),
             erlang:monotonic_time(microsecond) - T0
         end},
         {"baseline: cp", fun() ->
             T0 = erlang:monotonic_time(microsecond),
             Cp = open_port({spawn_executable, os:find_executable("cp")},
                            [{args, [Src, filename:join(Root, "copy.cp")]}, exit_status]),
             receive {Cp, {exit_status, 0}} -> ok after 60000 -> error(cp_timeout) end,
             erlang:monotonic_time(microsecond) - T0
         end},
         {"baseline: file:copy on the BEAM", fun() ->
             T0 = erlang:monotonic_time(microsecond),
             {ok, _} = file:copy(Src, filename:join(Root, "copy.local")),
             erlang:monotonic_time(microsecond) - T0
         end}],
    FileRows = interleaved(copy, mbps, Files, fun(Run) -> Size / Run() end),
    {Sink, SinkPort} = start_sink(),
    %% From the open of the file to the receiver's count of the last byte.
    ToSocket = fun(N) -> fun() ->
        T0 = erlang:monotonic_time(microsecond),
        {ok, In} = fdnode_ffi:open(N, SrcBin, [read]),
        {ok, Sock} = fdnode_ffi:tcp_connect(N, <<"127.0.0.1">>, SinkPort),
        {ok, Size} = fdnode_ffi:copy(In, Sock, #{chunk => 1 bsl 20}, 60000),
        fdnode_ffi:close(Sock), fdnode_ffi:close(In),
        ok = sink_got(Sink, Size),
        erlang:monotonic_time(microsecond) - T0
    end end,
    Sockets =
        [{"fdnode copy file to TCP (kernel: sendfile)", ToSocket(Node)},
         {"fdnode copy file to TCP, read/write in the node", ToSocket(RwNode)},
         {"baseline: file:sendfile on the BEAM to the same receiver", fun() ->
             T0 = erlang:monotonic_time(microsecond),
             {ok, S} = gen_tcp:connect({127, 0, 0, 1}, SinkPort, [binary, {active, false}]),
             {ok, Size} = file:sendfile(Src, S),
             gen_tcp:close(S),
             ok = sink_got(Sink, Size),
             erlang:monotonic_time(microsecond) - T0
         end}],
    SocketRows = interleaved(copy_tcp, mbps, Sockets, fun(Run) -> Size / Run() end),
    port_close_quiet(Sink),
    fdnode_ffi:stop(RwNode),
    [file:delete(filename:join(Root, D)) || D <- ["copy.innode", "copy.rw", "copy.fdnode", "copy.cp", "copy.local"]],
    FileRows ++ SocketRows.

%% The TCP receiver of the copy section (dev.fdnode.bench.TcpSink, benchmark code
%% like the echo node).
start_sink() ->
    Port = open_port({spawn_executable, os:find_executable("java")},
                     [{args, ["-cp", os:getenv("FDNODE_BENCH_CLASSPATH"), "dev.fdnode.bench.TcpSink"]},
                      {line, 1024}, exit_status, use_stdio]),
    receive
        {Port, {data, {eol, "sink ready " ++ P}}} -> {Port, list_to_integer(P)}
    after 30000 -> error(sink_timeout)
    end.

sink_got(Sink, Size) ->
    Want = "got " ++ integer_to_list(Size),
    receive
        {Sink, {data, {eol, Want}}} -> ok;
        {Sink, {data, {eol, Other}}} -> {error, Other}
    after 60000 -> error(sink_timeout)
    end.

%% 64 preads of 4 KiB at scattered offsets: one call each, then the same
%% ranges in one pread_many; the two alternate round by round (same load).
batch(Node, Data) ->
    {ok, Fd} = fdnode_ffi:open(Node, list_to_binary(Data), [read]),
    Ranges = [{(I * 7919 * 4096) rem ((1 bsl 20) - 4096), 4096} || I <- lists:seq(1, 64)],
    N = 50,
    Time = fun(F) ->
                   T0 = erlang:monotonic_time(nanosecond),
                   [F() || _ <- lists:seq(1, N)],
                   (erlang:monotonic_time(nanosecond) - T0) / N / 1000
           end,
    Contenders =
        [{"fdnode 64 x pread 4 KiB, one call each",
          fun() -> [{ok, _} = fdnode_ffi:pread(Fd, O, S) || {O, S} <- Ranges] end},
         {"fdnode pread_many of the same 64 ranges",
          fun() -> {ok, [_ | _]} = fdnode_ffi:pread(Fd, Ranges) end}],
    Rows = interleaved(batch, us, Contenders, Time),
    ok = fdnode_ffi:close(Fd),
    Rows.

copy_loop(In, Out) ->
    case fdnode_ffi:read(In, 1 bsl 20) of
        {ok, Bin} -> ok = fdnode_ffi:write(Out, Bin), copy_loop(In, Out);
        eof -> ok
    end.

%% ------------------------------------------------------------------ helpers

%% One warm-up round, then ?ROUNDS rounds, each running every contender once
%% in turn; Measure(Fun) gives one number per run.
interleaved(Kind, Unit, Contenders, Measure) ->
    [Measure(F) || {_, F} <- Contenders],
    Rounds = [[{L, Measure(F)} || {L, F} <- Contenders] || _ <- lists:seq(1, ?ROUNDS)],
    [{Kind, L, Unit, summary([V || Round <- Rounds, {L2, V} <- Round, L2 =:= L])}
     || {L, _} <- Contenders].

summary(Values) ->
    Sorted = lists:sort(Values),
    {median(Sorted), hd(Sorted), lists:last(Sorted)}.

spawn_cat(Src, Fifo) ->
    open_port({spawn, "/bin/sh -c 'cat " ++ Src ++ " > " ++ Fifo ++ "'"}, [exit_status]).

port_close_quiet(Port) ->
    catch port_close(Port), ok.

drain_fdnode(Fd, Bytes) ->
    receive
        {fdnode, Fd, Bin} -> drain_fdnode(Fd, Bytes + byte_size(Bin));
        {fdnode_closed, Fd} -> Bytes
    after 60000 -> error({active_timeout, Bytes})
    end.

drain_peer(Bytes) ->
    receive
        {peer_data, Bin} -> drain_peer(Bytes + byte_size(Bin));
        peer_done -> Bytes
    after 60000 -> error({peer_timeout, Bytes})
    end.

drain_push() ->
    receive
        {push, _} -> drain_push();
        push_done -> ok
    after 60000 -> error(push_timeout)
    end.

drain_port(Port, Bytes) ->
    receive
        {Port, {data, Bin}} -> drain_port(Port, Bytes + byte_size(Bin));
        {Port, {exit_status, _}} -> Bytes
    after 60000 -> error(port_timeout)
    end.

%% Mean microseconds per call over N sequential calls.
us_per_op(N, Fun) ->
    T0 = erlang:monotonic_time(nanosecond),
    [Fun() || _ <- lists:seq(1, N)],
    (erlang:monotonic_time(nanosecond) - T0) / N / 1000.

%% Callers each loop for a fixed time; the rate is total calls / elapsed.
calls_per_s(Callers, Fun) ->
    Window = 1000,
    Parent = self(),
    Deadline = erlang:monotonic_time(millisecond) + Window,
    T0 = erlang:monotonic_time(microsecond),
    Pids = [spawn_link(fun() -> Parent ! {calls, self(), loop_until(Fun, Deadline, 0)} end)
            || _ <- lists:seq(1, Callers)],
    Total = lists:sum([receive {calls, P, K} -> K end || P <- Pids]),
    Total * 1.0e6 / (erlang:monotonic_time(microsecond) - T0).

loop_until(Fun, Deadline, N) ->
    case erlang:monotonic_time(millisecond) >= Deadline of
        true -> N;
        false -> Fun(), loop_until(Fun, Deadline, N + 1)
    end.

median(Sorted) -> lists:nth((length(Sorted) + 1) div 2, Sorted).

loadavg() ->
    {ok, B} = file:read_file("/proc/loadavg"),
    [A, B5, C | _] = string:lexemes(binary_to_list(B), " "),
    A ++ " " ++ B5 ++ " " ++ C.

jvm_fd_count(OsPid) ->
    {ok, Names} = file:list_dir("/proc/" ++ integer_to_list(OsPid) ++ "/fd"),
    length(Names).

wait_fd_count(OsPid, Want, Ms) when Ms > 0 ->
    case jvm_fd_count(OsPid) =< Want of
        true -> ok;
        false -> timer:sleep(5), wait_fd_count(OsPid, Want, Ms - 5)
    end;
wait_fd_count(OsPid, Want, _) -> {error, {timeout, jvm_fd_count(OsPid), Want}}.

jvm_fd_limit(OsPid) ->
    {ok, Limits} = file:read_file("/proc/" ++ integer_to_list(OsPid) ++ "/limits"),
    [Line] = [L || L <- binary:split(Limits, <<"\n">>, [global]), binary:match(L, <<"Max open files">>) =/= nomatch],
    [_, _, _, Soft | _] = binary:split(Line, [<<" ">>], [global, trim_all]),
    binary_to_list(Soft).

jvm_rss_kib(OsPid) ->
    {ok, Status} = file:read_file("/proc/" ++ integer_to_list(OsPid) ++ "/status"),
    [Line] = [L || L <- binary:split(Status, <<"\n">>, [global]), binary:match(L, <<"VmRSS:">>) =/= nomatch],
    [_, Kib | _] = binary:split(Line, [<<" ">>, <<"\t">>], [global, trim_all]),
    binary_to_integer(Kib).

%% ------------------------------------------------------------------ report

report(Rows, NodeLabels, Load0, Load1) ->
    {ok, Host} = inet:gethostname(),
    Otp = erlang:system_info(otp_release),
    Java = string:trim(os:cmd("java -version 2>&1 | head -n1")),
    Cpus = erlang:system_info(logical_processors_available),
    iolist_to_binary(
      ["# fdnode benchmarks\n\n",
       "Generated by `make bench` (scripts/bench.sh, scripts/bench/fdnode_bench.erl). ",
       "Every figure below comes from one run, beside its baselines from the same run. ",
       "Contenders run interleaved (each round runs every contender once, in turn); a figure is the ",
       "median of ", integer_to_list(?ROUNDS), " rounds after a warm-up round, spread (min..max) in brackets.\n\n",
       io_lib:format("Machine: ~s, ~p logical CPUs; OTP ~s; ~s; ~s.~n", [Host, Cpus, Otp, Java, string:trim(os:cmd("uname -sr"))]),
       io_lib:format("Load average (1/5/15 min): ~s at the start, ~s at the end.~n", [Load0, Load1]),
       io_lib:format("Java nodes: ~s, started with the launcher's JVM flags `~s`; ",
                     [lists:join(", ", ["\"" ++ L ++ "\"" || L <- NodeLabels]),
                      lists:join(" ", launcher_flags(os:getenv("FDNODE_JAR")))]),
       "\"C2 JIT\" is the same jar and flags without `-XX:TieredStopAtLevel=1`.\n\n",
       "## Goals\n\n",
       "| goal | figure | target | result |\n|---|---|---|---|\n",
       [io_lib:format("| ~s | ~s | ~s | ~s |~n", G) || G <- goals(Rows)],
       before_after(Rows, NodeLabels),
       "\n## All figures\n\n",
       "| measure | what | figure |\n|---|---|---|\n",
       [io_lib:format("| ~s | ~s | ~s |~n", [Kind, Label, fmt(Unit, V)]) || {Kind, Label, Unit, V} <- Rows],
       "\n"]).

fmt(us, {Med, Lo, Hi}) -> io_lib:format("~.1f us (~.1f..~.1f)", [Med, Lo, Hi]);
fmt(ms, {Med, Lo, Hi}) -> io_lib:format("~b ms (~b..~b)", [round(Med), round(Lo), round(Hi)]);
fmt(mib, {Med, Lo, Hi}) -> io_lib:format("~.1f MiB (~.1f..~.1f)", [Med, Lo, Hi]);
fmt(calls, {Med, Lo, Hi}) -> io_lib:format("~b /s (~b..~b)", [round(Med), round(Lo), round(Hi)]);
fmt(mbps, {Med, Lo, Hi}) -> io_lib:format("~.1f MB/s (~.1f..~.1f)", [Med, Lo, Hi]);
fmt(bytes, B) -> io_lib:format("~b B", [B]);
fmt(ratio, {Med, Lo, Hi}) -> io_lib:format("~.2f (~.2f..~.2f)", [Med, Lo, Hi]);
fmt(text, S) -> S.

value(Rows, Label) ->
    case [V || {_, L, _, V} <- Rows, L =:= Label] of
        [{Med, _, _}] -> Med;
        [B] when is_integer(B) -> B;
        _ -> undefined
    end.

%% {Label, figure text, target text, PASS/MISS} for each goal of the issue.
goals(Rows) ->
    V = fun(L) -> value(Rows, L) end,
    Ratio = fun(What, A, B, Op, Target) ->
        case {V(A), V(B)} of
            {X, Y} when is_number(X), is_number(Y) ->
                R = X / Y,
                Pass = case Op of le -> R =< Target; ge -> R >= Target end,
                [[What, io_lib:format("~.2f", [R]),
                  io_lib:format("~s ~.2f", [case Op of le -> "<="; ge -> ">=" end, Target]),
                  pass(Pass)]];
            _ -> []
        end
    end,
    Info = fun(What, A, B) ->
        case {V(A), V(B)} of
            {X, Y} when is_number(X), is_number(Y) -> [[What, io_lib:format("~.2f", [X / Y]), "reported", "-"]];
            _ -> []
        end
    end,
    Abs = fun(What, A, Fmt, Op, Target) ->
        case V(A) of
            X when is_number(X) ->
                Pass = case Op of le -> X =< Target; lt -> X < Target end,
                [[What, io_lib:format(Fmt, [X * 1.0]),
                  io_lib:format("~s " ++ Fmt, [case Op of le -> "<="; lt -> "<" end, Target]), pass(Pass)]];
            _ -> []
        end
    end,
    Cds = "launcher flags",
    lists:append(
      [Ratio("sequential pread 4 KiB latency / bare echo", "fdnode pread 4 KiB", "baseline: bare JInterface echo", le, 1.0),
       Info("sequential pread 4 KiB latency / Erlang-to-Erlang call", "fdnode pread 4 KiB", "baseline: Erlang-to-Erlang call"),
       Ratio("sequential info latency / bare echo", "fdnode info", "baseline: bare JInterface echo", le, 1.0),
       Info("sequential info latency / Erlang-to-Erlang call", "fdnode info", "baseline: Erlang-to-Erlang call"),
       Ratio("64-caller info throughput / bare echo", "fdnode info, 64 callers", "baseline: JInterface echo, 64 callers", ge, 1.3),
       Info("64-caller info throughput / Erlang node", "fdnode info, 64 callers", "baseline: Erlang-to-Erlang, 64 callers"),
       Ratio("active FIFO delivery / Erlang peer node", "fdnode active FIFO", "baseline: Erlang peer node reading the FIFO", ge, 1.0),
       Ratio("active FIFO delivery / `cat` port", "fdnode active FIFO", "baseline: Erlang port (cat) on the FIFO", ge, 0.8),
       Info("64 preads in one pread_many / 64 single preads", "fdnode pread_many of the same 64 ranges", "fdnode 64 x pread 4 KiB, one call each"),
       Ratio("open+close / Erlang-to-Erlang open+close", "fdnode open+close", "baseline: Erlang-to-Erlang open+close on a peer node", le, 2.0),
       Ratio("sequential pread 4 KiB with 15,000 other fds open / with none (same node)", curve_label(15000), curve_label(0), le, 1.05),
       Info("sequential pread 4 KiB with 5,000 other fds open / with none", curve_label(5000), curve_label(0)),
       Info("sequential pread 4 KiB with 1,000 other fds open / with none", curve_label(1000), curve_label(0)),
       Info("stats with 15,000 other fds open / with none", stats_label(15000), stats_label(0)),
       Ratio("256 MiB file copy / `cp`", "fdnode copy request (kernel: copy_file_range)", "baseline: cp", ge, 0.8),
       Info("256 MiB file copy / the same copy with read/write in the node", "fdnode copy request (kernel: copy_file_range)", "fdnode copy request, read/write in the node"),
       Ratio("file to TCP copy / the same copy with read/write in the node", "fdnode copy file to TCP (kernel: sendfile)", "fdnode copy file to TCP, read/write in the node", ge, 1.0),
       Info("file to TCP copy / the BEAM's file:sendfile", "fdnode copy file to TCP (kernel: sendfile)", "baseline: file:sendfile on the BEAM to the same receiver"),
       Abs("idle RSS (" ++ Cds ++ ")", Cds ++ ": idle RSS", "~.1f MiB", le, 64.0),
       Abs("`java -jar` to ready (" ++ Cds ++ ")", Cds ++ ": java -jar to ready", "~.1f ms", lt, 300.0),
       Abs("retained heap per open fd", "retained heap per open fd (after full GC)", "~.1f B", le, 256.0)]).

pass(true) -> "PASS";
pass(false) -> "MISS".

%% After/before ratios of the current jar against FDNODE_BENCH_BEFORE_JAR, and
%% C1-only against C2, measured side by side.
before_after(Rows, NodeLabels) ->
    Pairs = [{Other, Suffix} || Other <- tl(NodeLabels),
                                Suffix <- [" pread 4 KiB", " info", " info, 1 callers", " info, 64 callers",
                                           " open+close", " active FIFO"]],
    Lines = [begin
                 A = value(Rows, "fdnode" ++ Suffix),
                 B = value(Rows, Other ++ Suffix),
                 case {A, B} of
                     {X, Y} when is_number(X), is_number(Y) ->
                         io_lib:format("| ~s | ~s | ~s | ~.2f |~n",
                                       [string:trim(Suffix), fmt_plain(X, Suffix), fmt_plain(Y, Suffix), X / Y]);
                     _ -> []
                 end
             end || {Other, Suffix} <- Pairs],
    case tl(NodeLabels) of
        [] -> [];
        Others ->
            [[io_lib:format("~n## fdnode against \"~s\"~n~n", [O]),
              "Same run, interleaved. Ratio = fdnode / ", O, ": below 1 is better for us, above 1 for /s and MB/s.\n\n",
              "| measure | fdnode | ", O, " | ratio |\n|---|---|---|---|\n",
              [L || {{O2, _}, L} <- lists:zip(Pairs, Lines), O2 =:= O]]
             || O <- Others]
    end.

fmt_plain(X, Suffix) ->
    case lists:suffix("callers", Suffix) of
        true -> io_lib:format("~b /s", [round(X)]);
        false ->
            case lists:suffix("FIFO", Suffix) of
                true -> io_lib:format("~.1f MB/s", [X]);
                false -> io_lib:format("~.1f us", [X])
            end
    end.
