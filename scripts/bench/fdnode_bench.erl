%% @doc End-to-end benchmarks of fdnode against baselines measured in the same
%% run: an Erlang-to-Erlang distributed call, a bare JInterface echo node, a
%% local `file' call, a bare JInterface push and an Erlang port reading a FIFO.
%% Run through `make bench'; results go to stdout and docs/benchmarks.md.
-module(fdnode_bench).
-export([main/1, echo_loop/0]).

-define(ROUNDS, 5).

main([OutFile, EbinDir]) when is_atom(OutFile) ->
    main([atom_to_list(OutFile), atom_to_list(EbinDir)]);
main([OutFile, EbinDir]) ->
    Root = os:getenv("FDNODE_ROOT"),
    {ok, Node} = fdnode_ffi:start(#{root => Root, args => ["--max-fds", "250000"]}),
    {ok, JvmPid} = fdnode_ffi:os_pid(Node),
    Echo = start_echo_node(),
    Peer = start_peer(EbinDir),
    Data = filename:join(Root, "bench.dat"),
    ok = file:write_file(Data, crypto:strong_rand_bytes(1 bsl 20)),
    %% FDNODE_BENCH_ONLY=latency,active (say) runs a subset while tuning.
    Only = [list_to_atom(S) || S <- string:lexemes(os:getenv("FDNODE_BENCH_ONLY", ""), ",")],
    Sections =
        [{latency, fun() -> latency(Node, Echo, Peer, Data) end},
         {throughput, fun() -> throughput(Node, Echo, Peer) end},
         {open_close, fun() -> open_close(Node, Data) end},
         {many_fds, fun() -> many_fds(Node, JvmPid, Root) end},
         {active, fun() -> active_delivery(Node, Echo, Root) end},
         {copy, fun() -> copy(Node, Root) end},
         {batch, fun() -> batch(Node, Data) end}],
    Results = [Run() || {Name, Run} <- Sections, Only =:= [] orelse lists:member(Name, Only)],
    Report = report(lists:append(Results)),
    io:put_chars(Report),
    ok = file:write_file(OutFile, Report),
    fdnode_ffi:stop(Node),
    halt(0).

%% ------------------------------------------------------------------ baselines

start_echo_node() ->
    Name = "echo_" ++ os:getpid(),
    Jar = os:getenv("FDNODE_JAR"),
    Java = os:find_executable("java"),
    Port = open_port({spawn_executable, Java},
                     [{args, ["-cp", Jar, "dev.fdnode.bench.EchoNode", Name,
                              atom_to_list(erlang:get_cookie())]},
                      {line, 1024}, exit_status, use_stdio]),
    receive
        {Port, {data, {eol, "echo ready " ++ NodeName}}} ->
            {echo, list_to_atom(NodeName)}
    after 30000 -> error(echo_node_timeout)
    end.

start_peer(EbinDir) ->
    {ok, _Peer, PeerNode} =
        peer:start_link(#{name => list_to_atom("bench_peer_" ++ os:getpid()),
                          args => ["-setcookie", atom_to_list(erlang:get_cookie()),
                                   "-pa", EbinDir, "-pa", filename:dirname(code:which(?MODULE))]}),
    spawn(PeerNode, ?MODULE, echo_loop, []).

echo_loop() ->
    receive
        {From, Ref, Msg} -> From ! {Ref, Msg}, echo_loop()
    end.

echo_call(To, Msg) ->
    Ref = make_ref(),
    To ! {self(), Ref, Msg},
    receive {Ref, R} -> R after 5000 -> error(echo_timeout) end.

%% ------------------------------------------------------------------ measures

latency(Node, Echo, Peer, Data) ->
    {ok, Fd} = fdnode_ffi:open(Node, list_to_binary(Data), [read]),
    {ok, Raw} = file:open(Data, [read, raw, binary]),
    N = 2000,
    Rows =
        [{latency, "fdnode pread 4 KiB", us_per_op(N, fun() -> {ok, _} = fdnode_ffi:pread(Fd, 0, 4096) end)},
         {latency, "fdnode info", us_per_op(N, fun() -> {ok, _} = fdnode_ffi:info(Fd) end)},
         {latency, "baseline: bare JInterface echo", us_per_op(N, fun() -> echo_call(Echo, ping) end)},
         {latency, "baseline: Erlang-to-Erlang call", us_per_op(N, fun() -> echo_call(Peer, ping) end)},
         {latency, "baseline: local file:pread 4 KiB", us_per_op(N, fun() -> {ok, _} = file:pread(Raw, 0, 4096) end)}],
    file:close(Raw),
    ok = fdnode_ffi:close(Fd),
    Rows.

throughput(Node, Echo, Peer) ->
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    Rows = lists:append(
      [[{throughput, io_lib:format("fdnode info, ~b callers", [C]), calls_per_s(C, fun() -> {ok, _} = fdnode_ffi:info(R) end)},
        {throughput, io_lib:format("baseline: JInterface echo, ~b callers", [C]), calls_per_s(C, fun() -> echo_call(Echo, ping) end)},
        {throughput, io_lib:format("baseline: Erlang-to-Erlang, ~b callers", [C]), calls_per_s(C, fun() -> echo_call(Peer, ping) end)}]
       || C <- [1, 4, 16, 64]]),
    fdnode_ffi:close(R), fdnode_ffi:close(W),
    Rows.

open_close(Node, Data) ->
    Bin = list_to_binary(Data),
    [{rate, "fdnode open+close", ops_per_s(500, fun() ->
        {ok, Fd} = fdnode_ffi:open(Node, Bin, [read]), ok = fdnode_ffi:close(Fd) end)},
     {rate, "baseline: local raw file open+close", ops_per_s(500, fun() ->
        {ok, F} = file:open(Data, [read, raw]), ok = file:close(F) end)}].

%% Holds many descriptors at once (64 owner processes), then lets the owners
%% exit and times how long the Java node takes to close them all.
many_fds(Node, JvmPid, Root) ->
    Count = list_to_integer(os:getenv("FDNODE_BENCH_FDS", "100000")),
    Owners = 64,
    Path = list_to_binary(filename:join(Root, "many.dat")),
    ok = file:write_file(Path, <<"x">>),
    Base = jvm_fd_count(JvmPid),
    RssBefore = jvm_rss_kib(JvmPid),
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
    T1 = erlang:monotonic_time(microsecond),
    [P ! exit || P <- Pids],
    ok = wait_fd_count(JvmPid, Base, 120000),
    CloseMs = (erlang:monotonic_time(microsecond) - T1) / 1000,
    [{info, "descriptors held at once", io_lib:format("~b of ~b asked (JVM limit: ~s)",
                                                      [Opened, Count, jvm_fd_limit(JvmPid)])},
     {info, "open rate while filling (64 owners)", io_lib:format("~b /s", [round(Opened / OpenSecs)])},
     {info, "JVM resident memory per open fd", io_lib:format("~b bytes", [round((RssAfter - RssBefore) * 1024 / max(1, Opened))])},
     {info, "time to close all after the owners exit", io_lib:format("~b ms", [round(CloseMs)])}].

active_delivery(Node, Echo, Root) ->
    Bytes = 64 bsl 20,
    Chunk = 262144, % the Java node's active chunk: same message sizes on both sides
    Fifo = filename:join(Root, "bench.fifo"),
    os:cmd("mkfifo " ++ Fifo),
    Src = filename:join(Root, "bench.src"),
    ok = file:write_file(Src, binary:copy(<<"y">>, Bytes)),
    Fdnode = median_of(fun() ->
        Writer = spawn_cat(Src, Fifo),
        {ok, Fd} = fdnode_ffi:open(Node, list_to_binary(Fifo), [read]),
        T0 = erlang:monotonic_time(microsecond),
        ok = fdnode_ffi:set_mode(Fd, active),
        {Got, Msgs} = drain_fdnode(Fd, 0, 0),
        Us = erlang:monotonic_time(microsecond) - T0,
        fdnode_ffi:close(Fd), port_close_quiet(Writer),
        Bytes = Got,
        {Us, Msgs}
    end),
    Push = median_of(fun() ->
        T0 = erlang:monotonic_time(microsecond),
        Echo ! {push, self(), Bytes, Chunk},
        Msgs = drain_push(0),
        {erlang:monotonic_time(microsecond) - T0, Msgs}
    end),
    PortCat = median_of(fun() ->
        Writer = spawn_cat(Src, Fifo),
        T0 = erlang:monotonic_time(microsecond),
        Reader = open_port({spawn_executable, "/bin/cat"}, [{args, [Fifo]}, binary, stream, exit_status]),
        {Got, Msgs} = drain_port(Reader, 0, 0),
        Us = erlang:monotonic_time(microsecond) - T0,
        port_close_quiet(Writer),
        Bytes = Got,
        {Us, Msgs}
    end),
    [{delivery, Label, {mbps, Bytes / Us, M * 1.0e6 / Us}}
     || {Label, {Us, M}} <- [{"fdnode active FIFO", Fdnode},
                            {"baseline: bare JInterface push", Push},
                            {"baseline: Erlang port (cat) on the FIFO", PortCat}]].

copy(Node, Root) ->
    Size = 256 bsl 20,
    Src = filename:join(Root, "copy.src"),
    ok = file:write_file(Src, crypto:strong_rand_bytes(1 bsl 20)),
    {ok, F} = file:open(Src, [append, raw]),
    [ok = file:write(F, crypto:strong_rand_bytes(1 bsl 20)) || _ <- lists:seq(2, Size bsr 20)],
    file:close(F),
    Through = median_of(fun() ->
        Dst = filename:join(Root, "copy.fdnode"),
        T0 = erlang:monotonic_time(microsecond),
        {ok, In} = fdnode_ffi:open(Node, list_to_binary(Src), [read]),
        {ok, Out} = fdnode_ffi:open(Node, list_to_binary(Dst), [write, create, truncate]),
        ok = copy_loop(In, Out),
        fdnode_ffi:close(In), fdnode_ffi:close(Out),
        {erlang:monotonic_time(microsecond) - T0, 0}
    end),
    InNode = median_of(fun() ->
        Dst = filename:join(Root, "copy.innode"),
        T0 = erlang:monotonic_time(microsecond),
        {ok, In} = fdnode_ffi:open(Node, list_to_binary(Src), [read]),
        {ok, Out} = fdnode_ffi:open(Node, list_to_binary(Dst), [write, create, truncate]),
        {ok, Size} = fdnode_ffi:copy(In, Out, #{chunk => 1 bsl 20}, 60000),
        fdnode_ffi:close(In), fdnode_ffi:close(Out),
        {erlang:monotonic_time(microsecond) - T0, 0}
    end),
    Local = median_of(fun() ->
        T0 = erlang:monotonic_time(microsecond),
        {ok, _} = file:copy(Src, filename:join(Root, "copy.local")),
        {erlang:monotonic_time(microsecond) - T0, 0}
    end),
    [{copy, "fdnode copy request (data stays in the Java node)", io_lib:format("~.1f MB/s", [Size / element(1, InNode)])},
     {copy, "fdnode read/write 1 MiB chunks through the BEAM", io_lib:format("~.1f MB/s", [Size / element(1, Through)])},
     {copy, "baseline: file:copy on the BEAM", io_lib:format("~.1f MB/s", [Size / element(1, Local)])}].

%% 64 preads of 4 KiB at scattered offsets: one call each, then the same
%% ranges in one pread_many; the two alternate round by round (same load).
batch(Node, Data) ->
    {ok, Fd} = fdnode_ffi:open(Node, list_to_binary(Data), [read]),
    Ranges = [{(I * 7919 * 4096) rem ((1 bsl 20) - 4096), 4096} || I <- lists:seq(1, 64)],
    OneByOne = fun() -> [{ok, _} = fdnode_ffi:pread(Fd, O, S) || {O, S} <- Ranges] end,
    Batched = fun() -> {ok, [_ | _]} = fdnode_ffi:pread(Fd, Ranges) end,
    N = 50,
    Time = fun(F) ->
                   T0 = erlang:monotonic_time(nanosecond),
                   [F() || _ <- lists:seq(1, N)],
                   (erlang:monotonic_time(nanosecond) - T0) / N / 1000
           end,
    _ = {Time(OneByOne), Time(Batched)},
    Pairs = [{Time(OneByOne), Time(Batched)} || _ <- lists:seq(1, ?ROUNDS)],
    ok = fdnode_ffi:close(Fd),
    Stat = fun(L) -> S = lists:sort(L), {us, median(S), hd(S), lists:last(S)} end,
    [{batch, "fdnode 64 x pread 4 KiB, one call each", Stat([A || {A, _} <- Pairs])},
     {batch, "fdnode pread_many of the same 64 ranges", Stat([B || {_, B} <- Pairs])}].

copy_loop(In, Out) ->
    case fdnode_ffi:read(In, 1 bsl 20) of
        {ok, Bin} -> ok = fdnode_ffi:write(Out, Bin), copy_loop(In, Out);
        eof -> ok
    end.

%% ------------------------------------------------------------------ helpers

spawn_cat(Src, Fifo) ->
    open_port({spawn, "/bin/sh -c 'cat " ++ Src ++ " > " ++ Fifo ++ "'"}, [exit_status]).

port_close_quiet(Port) ->
    catch port_close(Port), ok.

drain_fdnode(Fd, Bytes, Msgs) ->
    receive
        {fdnode, Fd, Bin} -> drain_fdnode(Fd, Bytes + byte_size(Bin), Msgs + 1);
        {fdnode_closed, Fd} -> {Bytes, Msgs}
    after 60000 -> error({active_timeout, Bytes})
    end.

drain_push(Msgs) ->
    receive
        {push, _} -> drain_push(Msgs + 1);
        push_done -> Msgs
    after 60000 -> error(push_timeout)
    end.

drain_port(Port, Bytes, Msgs) ->
    receive
        {Port, {data, Bin}} -> drain_port(Port, Bytes + byte_size(Bin), Msgs + 1);
        {Port, {exit_status, _}} -> {Bytes, Msgs}
    after 60000 -> error(port_timeout)
    end.

%% Median of ?ROUNDS timed runs after one warm-up; Fun returns {Micros, Msgs}.
median_of(Fun) ->
    _ = Fun(),
    Runs = lists:sort([Fun() || _ <- lists:seq(1, ?ROUNDS)]),
    lists:nth((?ROUNDS + 1) div 2, Runs).

%% Sequential latency: median and spread (min..max) of per-round means.
us_per_op(N, Fun) ->
    [Fun() || _ <- lists:seq(1, N div 4)],
    Rounds = lists:sort([begin
        T0 = erlang:monotonic_time(nanosecond),
        [Fun() || _ <- lists:seq(1, N)],
        (erlang:monotonic_time(nanosecond) - T0) / N / 1000
    end || _ <- lists:seq(1, ?ROUNDS)]),
    {us, median(Rounds), hd(Rounds), lists:last(Rounds)}.

ops_per_s(N, Fun) ->
    {us, Med, Lo, Hi} = us_per_op(N, Fun),
    {rate, 1.0e6 / Med, 1.0e6 / Hi, 1.0e6 / Lo}.

%% Callers each loop for a fixed time; the rate is total calls / elapsed.
calls_per_s(Callers, Fun) ->
    Window = 1000,
    Rates = lists:sort([begin
        Parent = self(),
        Deadline = erlang:monotonic_time(millisecond) + Window,
        T0 = erlang:monotonic_time(microsecond),
        Pids = [spawn_link(fun() -> Parent ! {calls, self(), loop_until(Fun, Deadline, 0)} end)
                || _ <- lists:seq(1, Callers)],
        Total = lists:sum([receive {calls, P, K} -> K end || P <- Pids]),
        Total * 1.0e6 / (erlang:monotonic_time(microsecond) - T0)
    end || _ <- lists:seq(1, ?ROUNDS)]),
    {rate, median(Rates), hd(Rates), lists:last(Rates)}.

loop_until(Fun, Deadline, N) ->
    case erlang:monotonic_time(millisecond) >= Deadline of
        true -> N;
        false -> Fun(), loop_until(Fun, Deadline, N + 1)
    end.

median(Sorted) -> lists:nth((length(Sorted) + 1) div 2, Sorted).

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

report(Rows) ->
    {ok, Host} = inet:gethostname(),
    Otp = erlang:system_info(otp_release),
    Java = string:trim(os:cmd("java -version 2>&1 | head -n1")),
    Cpus = erlang:system_info(logical_processors_available),
    Ratios = ratios(Rows),
    iolist_to_binary(
      ["# fdnode benchmarks\n\n",
       "Generated by `make bench` (scripts/bench.sh, scripts/bench/fdnode_bench.erl). ",
       "Every figure below comes from one run, beside its baselines from the same run: ",
       "medians of ", integer_to_list(?ROUNDS), " rounds after a warm-up, spread (min..max) in brackets.\n\n",
       io_lib:format("Machine: ~s, ~p logical CPUs; OTP ~s; ~s; ~s.~n~n",
                     [Host, Cpus, Otp, Java, string:trim(os:cmd("uname -sr"))]),
       "| measure | what | figure |\n|---|---|---|\n",
       [io_lib:format("| ~s | ~s | ~s |~n", [Kind, Label, fmt(V)]) || {Kind, Label, V} <- Rows],
       "\n## Ratios against the targets\n\n",
       [io_lib:format("- ~s~n", [R]) || R <- Ratios], "\n"]).

fmt({us, Med, Lo, Hi}) -> io_lib:format("~.1f us (~.1f..~.1f)", [Med, Lo, Hi]);
fmt({rate, Med, Lo, Hi}) -> io_lib:format("~b /s (~b..~b)", [round(Med), round(Lo), round(Hi)]);
fmt({mbps, Mb, Msgs}) -> io_lib:format("~.1f MB/s, ~b msgs/s", [Mb, round(Msgs)]);
fmt(S) -> S.

ratios(Rows) ->
    Value = fun(L) -> case [V || {_, La, V} <- Rows, lists:flatten(La) =:= L] of
                          [{us, Med, _, _}] -> Med;
                          [{rate, Med, _, _}] -> Med;
                          [{mbps, Mb, _}] -> Mb;
                          _ -> undefined
                      end end,
    Ratio = fun(What, A, B, Target) ->
                case {Value(A), Value(B)} of
                    {X, Y} when is_number(X), is_number(Y) ->
                        [io_lib:format("~s = ~.2f (target ~s)", [What, X / Y, Target])];
                    _ -> []
                end
            end,
    Ratio("sequential `info` latency / bare echo latency",
          "fdnode info", "baseline: bare JInterface echo", "<= 1.25")
    ++ Ratio("64-caller `info` throughput / bare echo throughput",
             "fdnode info, 64 callers", "baseline: JInterface echo, 64 callers", ">= 0.8")
    ++ Ratio("active delivery MB/s / bare JInterface push MB/s",
             "fdnode active FIFO", "baseline: bare JInterface push", ">= 0.8")
    ++ Ratio("one pread_many of 64 ranges / 64 single preads (time)",
             "fdnode pread_many of the same 64 ranges", "fdnode 64 x pread 4 KiB, one call each",
             "< 1").
