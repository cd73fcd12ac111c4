%% @doc Hostile and careless peers at the edges of the Java node: forged
%% owner-down reports (from this node and from a plain `erl' peer), blocking
%% FIFO opens that must not wedge the node, `{active, N}' and floods.
-module(fdnode_edge_erl_test).
-include_lib("eunit/include/eunit.hrl").

-define(T, 10000).

node_() -> fdnode_test_ffi:shared_node().

hello() -> fdnode_test_ffi:fixture(<<"hello.txt">>).

%% A plain `erl' peer with this node's cookie; stopped by the caller.
start_peer() ->
    {ok, Peer, PeerNode} =
        peer:start(#{name => peer:random_name(?MODULE),
                     args => ["-setcookie", atom_to_list(erlang:get_cookie())]}),
    {Peer, PeerNode}.

%% ---------------------------------------------------------------- owner-down

%% Anyone can send `{'$fdnode_owner_down', _, Victim}'; only the report of the
%% victim's own node's watcher counts. The forgeries come first; a real owner's
%% death reported after them (by the real watcher, over the same connection)
%% is awaited, so they have all been decided when the victim is checked.
forged_owner_down_is_ignored_test_() ->
    {timeout, 60, fun forged_owner_down_is_ignored/0}.

forged_owner_down_is_ignored() ->
    Node = node_(),
    {Victim, {ok, H}} = fdnode_test_ffi:spawn_holder(fun() -> fdnode_ffi:open(Node, hello(), [read]) end),
    Watcher = whereis(fdnode_watcher),
    ?assert(is_pid(Watcher)),
    Forge = fun(Msg) -> erlang:send({fdnode, Node}, Msg) end,
    %% from a process of this node: its own pid, the watcher's pid in the tuple
    Forger = spawn(fun() ->
                           Forge({'$fdnode_owner_down', self(), Victim}),
                           Forge({'$fdnode_owner_down', Watcher, Victim}),
                           Forge({'$fdnode_watcher_proof', 1})
                   end),
    MRef = erlang:monitor(process, Forger),
    receive {'DOWN', MRef, process, Forger, normal} -> ok after ?T -> error(forger_stuck) end,
    %% from a plain erl peer, about a pid of this node
    {Peer, PeerNode} = start_peer(),
    try
        _ = erpc:call(PeerNode, erlang, send,
                       [{fdnode, Node}, {'$fdnode_owner_down', Watcher, Victim}]),
        _ = erpc:call(PeerNode, erlang, send,
                       [{fdnode, Node}, {'$fdnode_owner_down', Victim, Victim}]),
        %% the peer's connection to the Java node goes away: not the victim's node
        peer:stop(Peer),
        %% a real death, reported by the real watcher after all of the above
        {Marker, {ok, MH}} = fdnode_test_ffi:spawn_holder(fun() -> fdnode_ffi:open(Node, hello(), [read]) end),
        fdnode_test_ffi:kill_holder(Marker),
        ?assert(fdnode_test_ffi:wait_until(fun() -> fdnode_ffi:info(MH) =:= {error, closed} end, ?T)),
        %% the victim still has its descriptor and can open another
        ?assertEqual({ok, <<"hello">>}, fdnode_test_ffi:run_in(Victim, fun() -> fdnode_ffi:read(H, 5) end)),
        {ok, H2} = fdnode_test_ffi:run_in(Victim, fun() -> fdnode_ffi:open(Node, hello(), [read]) end),
        ?assertEqual(ok, fdnode_test_ffi:run_in(Victim, fun() -> fdnode_ffi:close(H2) end)),
        %% and its real death still counts
        fdnode_test_ffi:kill_holder(Victim),
        ?assert(fdnode_test_ffi:wait_until(fun() -> fdnode_ffi:info(H) =:= {error, closed} end, ?T))
    after
        catch peer:stop(Peer)
    end.

%% ---------------------------------------------------------------- FIFO opens

fds_to(Node, Path) ->
    length([T || T <- fdnode_test_ffi:jvm_fd_targets(Node), T =:= Path]).

mkfifo(Prefix) ->
    Fifo = fdnode_test_ffi:fresh_path(Prefix),
    "" = os:cmd("mkfifo -m 600 '" ++ binary_to_list(Fifo) ++ "'"),
    Fifo.

%% An open that a full queue turned away is tried again (eagain says so).
open_retrying(Node, Path, Opts, Timeout) ->
    case fdnode_ffi:open(Node, Path, Opts, Timeout) of
        {error, eagain} -> open_retrying(Node, Path, Opts, Timeout);
        R -> R
    end.

%% A process that opens Fifo for reading, reports the result and holds the
%% descriptor until told to stop.
opener(Test, Node, Fifo, Timeout) ->
    spawn(fun() ->
                  Test ! {opened, self(), open_retrying(Node, Fifo, [read], Timeout)},
                  receive stop -> ok end
          end).

%% Rounds of open, read, close of a regular file from 4 processes; the
%% slowest round's milliseconds. Every call must succeed.
regular_work(Node, Rounds) ->
    Test = self(),
    Ws = [spawn_link(fun() ->
                             Max = lists:foldl(
                                     fun(_, Acc) ->
                                             T0 = erlang:monotonic_time(microsecond),
                                             {ok, H} = open_retrying(Node, hello(), [read], ?T),
                                             {ok, <<"hello">>} = fdnode_ffi:read(H, 5, ?T),
                                             ok = fdnode_ffi:close(H, ?T),
                                             max(Acc, erlang:monotonic_time(microsecond) - T0)
                                     end, 0, lists:seq(1, Rounds)),
                             Test ! {worked, self(), Max}
                     end) || _ <- lists:seq(1, 4)],
    lists:max([receive {worked, W, M} -> M after 60000 -> error(regular_work_stuck) end || W <- Ws])
        div 1000.

%% 1,000 FIFO opens with no writer: half wanted (long timeout), half given up
%% at once. None holds a worker: regular opens, reads and closes from other
%% processes all complete while they wait (and before any writer exists).
%% Then a writer opens: every wanted open completes; the abandoned ones left
%% no descriptor.
fifo_opens_never_wedge_the_node_test_() ->
    {timeout, 120, fun fifo_opens_never_wedge_the_node/0}.

fifo_opens_never_wedge_the_node() ->
    Node = node_(),
    Fifo = mkfifo(<<"wedge_fifo">>),
    Idle = regular_work(Node, 50),
    Test = self(),
    Wanted = [opener(Test, Node, Fifo, 60000) || _ <- lists:seq(1, 500)],
    Abandoned = [opener(Test, Node, Fifo, 0) || _ <- lists:seq(1, 500)],
    [receive {opened, P, R} -> ?assertEqual({error, timeout}, R) after 60000 -> error({stuck, P}) end
     || P <- Abandoned],
    %% each waiting read end holds its descriptor; the cancelled ones are gone
    ?assert(fdnode_test_ffi:wait_until(fun() -> fds_to(Node, Fifo) =:= 500 end, 60000)),
    ?assert(fdnode_test_ffi:wait_until(fun() -> pool(Node) =:= {0, 0} end, ?T)),
    Busy = regular_work(Node, 50),
    io:format(user, "~nslowest open+read+close of 4x50: ~b ms idle, ~b ms with 500 FIFO opens waiting~n",
              [Idle, Busy]),
    %% nothing wanted has completed: there is no writer yet
    ?assertEqual([], [M || {opened, _, _} = M <- element(2, process_info(self(), messages))]),
    {ok, W} = fdnode_ffi:open(Node, Fifo, [write], ?T),
    Hs = [receive {opened, P, R} -> {ok, H} = R, H after ?T -> error({not_completed, P}) end
          || P <- Wanted],
    ?assertEqual(500, length(lists:usort(Hs))),
    %% the wanted read ends and the writer; an abandoned open the writer's
    %% arrival overtook (its cancel still on the way) is closed by its proxy
    ?assert(fdnode_test_ffi:wait_until(fun() -> fds_to(Node, Fifo) =:= 501 end, ?T)),
    %% the data reaches a reader that waited
    ok = fdnode_ffi:write(W, <<"x">>),
    ?assertEqual({ok, <<"x">>}, fdnode_ffi:read(hd(Hs), 1, ?T)),
    [P ! stop || P <- Wanted],
    ok = fdnode_ffi:close(W),
    ?assert(fdnode_test_ffi:wait_until(fun() -> fds_to(Node, Fifo) =:= 0 end, 30000)).

%% A read waiting on an empty pipe holds one worker, and `stats' shows it;
%% data ends the read and frees the worker.
stats_show_the_busy_worker_pool_test() ->
    Node = node_(),
    ?assert(fdnode_test_ffi:wait_until(fun() -> pool(Node) =:= {0, 0} end, ?T)),
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    Test = self(),
    Reader = spawn_link(fun() -> Test ! {read, self(), fdnode_ffi:read(R, 5, ?T)} end),
    ?assert(fdnode_test_ffi:wait_until(fun() -> pool(Node) =:= {1, 0} end, ?T)),
    ok = fdnode_ffi:write(W, <<"hello">>),
    receive {read, Reader, Got} -> ?assertEqual({ok, <<"hello">>}, Got)
    after ?T -> error(read_stuck)
    end,
    ?assert(fdnode_test_ffi:wait_until(fun() -> pool(Node) =:= {0, 0} end, ?T)),
    ok = fdnode_ffi:close(R),
    ok = fdnode_ffi:close(W).

%% {busy_workers, queued_calls} of the Java node's worker pool.
pool(Node) ->
    {ok, #{busy_workers := Busy, queued_calls := Queued}} = fdnode_ffi:stats(Node),
    {Busy, Queued}.

%% A write end waits for a reader without a worker, and completes when one
%% opens through the node or outside it.
fifo_write_end_waits_for_a_reader_test() ->
    Node = node_(),
    Fifo = mkfifo(<<"wait_writer">>),
    Test = self(),
    P1 = spawn(fun() -> Test ! {w1, fdnode_ffi:open(Node, Fifo, [write], ?T)}, receive stop -> ok end end),
    ?assertEqual({error, enxio}, fdnode_ffi:open(Node, Fifo, [write, nonblock], ?T)),
    {ok, R} = fdnode_ffi:open(Node, Fifo, [read], ?T),
    {ok, W1} = receive {w1, X} -> X after ?T -> error(writer_not_completed) end,
    ok = fdnode_ffi:close(R),
    %% a reader outside the node: its blocking open meets the waiting writer
    P2 = spawn(fun() -> Test ! {w2, fdnode_ffi:open(Node, Fifo, [write], ?T)}, receive stop -> ok end end),
    {ok, F} = file:open(Fifo, [read, raw, binary]),
    {ok, W2} = receive {w2, Y} -> Y after ?T -> error(writer_not_completed) end,
    ?assertEqual(ok, fdnode_ffi:write(W2, <<"hi">>)),
    ?assertEqual({ok, <<"hi">>}, file:read(F, 2)),
    ok = file:close(F),
    _ = W1,
    [P ! stop || P <- [P1, P2]],
    ?assert(fdnode_test_ffi:wait_until(fun() -> fds_to(Node, Fifo) =:= 0 end, ?T)).

%% ---------------------------------------------------------------- {active, N}

%% The next active message for Fd (data, datagram or passive), or timeout.
next(Fd) ->
    receive
        {fdnode, Fd, Data} -> {data, Data};
        {fdnode_udp, Fd, _Ip, _Port, Data} -> {data, Data};
        {fdnode_passive, Fd} -> passive;
        {fdnode_closed, Fd} -> closed
    after ?T -> timeout
    end.

%% Active messages about Fd in the mailbox, after a round trip through the
%% node (so anything it had sent before has arrived).
stray(Fd) ->
    {ok, _} = fdnode_ffi:info(Fd),
    {messages, Ms} = process_info(self(), messages),
    [M || M <- Ms, is_tuple(M), tuple_size(M) >= 2, element(2, M) =:= Fd].

%% Feeds one chunk and awaits its message, so chunks stay apart.
take(Fd, Feed, Chunk) ->
    ok = Feed(Chunk),
    ?assertEqual({data, Chunk}, next(Fd)).

active(Fd) ->
    {ok, [{active, A}]} = fdnode_ffi:getopts(Fd, [active]),
    A.

%% N messages, then passive: for any descriptor fed by Feed.
count_down(Fd, Feed) ->
    ok = fdnode_ffi:setopts(Fd, [{active, 1}]),
    ok = fdnode_ffi:set_mode(Fd, {active, 1}),   % counts add up, as in inet
    ?assertEqual(2, active(Fd)),
    take(Fd, Feed, <<"a">>),
    ?assertEqual(1, active(Fd)),
    take(Fd, Feed, <<"b">>),
    ?assertEqual(passive, next(Fd)),
    ?assertEqual(false, active(Fd)),
    ?assertEqual([], stray(Fd)).

active_n_counts_down_on_a_pipe_test() ->
    Node = node_(),
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    Feed = fun(B) -> fdnode_ffi:write(W, B) end,
    count_down(R, Feed),
    %% passive now: the next bytes wait for a read
    ok = Feed(<<"d">>),
    ?assertEqual([], stray(R)),
    ?assertEqual({ok, <<"d">>}, fdnode_ffi:read(R, 10)),
    %% a sum of 0 or less is passive at once, and says so
    ok = fdnode_ffi:set_mode(R, {active, 5}),
    ok = fdnode_ffi:set_mode(R, {active, -5}),
    ?assertEqual(passive, next(R)),
    ?assertEqual({ok, passive}, mode(R)),
    %% limits
    ?assertEqual({error, einval}, fdnode_ffi:set_mode(R, {active, 32768})),
    ok = fdnode_ffi:set_mode(R, {active, 32767}),
    ?assertEqual({error, einval}, fdnode_ffi:set_mode(R, {active, 1})),
    ?assertEqual({error, badarg}, fdnode_ffi:set_mode(R, {active, many})),
    ok = fdnode_ffi:set_mode(R, passive),
    ok = fdnode_ffi:close(R),
    ok = fdnode_ffi:close(W).

mode(Fd) ->
    {ok, #{mode := M}} = fdnode_ffi:info(Fd),
    {ok, M}.

%% Control moves mid-count: the messages left go to the new controller,
%% then its passive message; the old controller gets nothing more.
active_n_controlling_process_mid_count_test() ->
    Node = node_(),
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    Feed = fun(B) -> fdnode_ffi:write(W, B) end,
    ok = fdnode_ffi:set_mode(R, {active, 3}),
    take(R, Feed, <<"1">>),
    Test = self(),
    New = spawn(fun Loop() -> Test ! {new_got, next(R)}, Loop() end),
    ok = fdnode_ffi:controlling_process(R, New),
    ?assertEqual(2, active(R)),
    ok = Feed(<<"2">>),
    ?assertEqual({data, <<"2">>}, receive {new_got, A} -> A after ?T -> timeout end),
    ok = Feed(<<"3">>),
    ?assertEqual({data, <<"3">>}, receive {new_got, B} -> B after ?T -> timeout end),
    ?assertEqual(passive, receive {new_got, C} -> C after ?T -> timeout end),
    ?assertEqual([], stray(R)),
    exit(New, kill),
    ok = fdnode_ffi:close(W).

active_n_on_a_fifo_and_a_file_test() ->
    Node = node_(),
    Fifo = mkfifo(<<"active_n_fifo">>),
    Self = self(),
    Writer = spawn(fun() -> Self ! {writer, fdnode_ffi:open(Node, Fifo, [write], ?T)},
                            receive stop -> ok end
                   end),
    {ok, R} = fdnode_ffi:open(Node, Fifo, [read], ?T),
    {ok, W} = receive {writer, X} -> X after ?T -> error(no_writer) end,
    count_down(R, fun(B) -> fdnode_ffi:write(W, B) end),
    Writer ! stop,
    ok = fdnode_ffi:close(R),
    %% a regular file: one chunk, then passive
    {ok, F} = fdnode_ffi:open(Node, hello(), [read]),
    ok = fdnode_ffi:set_mode(F, {active, 1}),
    ?assertMatch({data, <<"hello", _/binary>>}, next(F)),
    ?assertEqual(passive, next(F)),
    ok = fdnode_ffi:close(F).

active_n_on_tcp_and_udp_test() ->
    Node = node_(),
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(L),
    {ok, S} = fdnode_ffi:tcp_connect(Node, <<"127.0.0.1">>, Port),
    {ok, C} = gen_tcp:accept(L, ?T),
    count_down(S, fun(B) -> gen_tcp:send(C, B) end),
    ok = gen_tcp:close(C),
    ok = gen_tcp:close(L),
    ok = fdnode_ffi:close(S),
    {ok, U} = fdnode_ffi:udp_open(Node, 0, [{ip, loopback}]),
    {ok, {_, UPort}} = fdnode_ffi:sockname(U),
    {ok, G} = gen_udp:open(0, [binary, {ip, {127, 0, 0, 1}}]),
    count_down(U, fun(B) -> gen_udp:send(G, {127, 0, 0, 1}, UPort, B) end),
    ok = gen_udp:close(G),
    ok = fdnode_ffi:close(U).

%% ---------------------------------------------------------------- floods

rss_kib(OsPid) ->
    status_kib(OsPid, <<"VmRSS:">>).

%% The kernel's high-water mark of the JVM's RSS since it started.
hwm_kib(OsPid) ->
    status_kib(OsPid, <<"VmHWM:">>).

status_kib(OsPid, Field) ->
    {ok, Status} = file:read_file("/proc/" ++ integer_to_list(OsPid) ++ "/status"),
    [Line] = [L || L <- binary:split(Status, <<"\n">>, [global]), binary:match(L, Field) =/= nomatch],
    [_, Kib | _] = string:lexemes(binary_to_list(Line), " \t"),
    list_to_integer(Kib).

%% Samples the JVM's RSS every 20 ms until told to stop; replies the peak:
%% the largest sample or the kernel's high-water mark, whichever is higher.
rss_sampler(OsPid, Peak) ->
    receive
        {stop, From} -> From ! {peak, lists:max([Peak, rss_kib(OsPid), hwm_kib(OsPid)])}
    after 20 ->
        rss_sampler(OsPid, max(Peak, rss_kib(OsPid)))
    end.

%% Sends N raw pings as fast as distribution takes them (refs 1..N), then
%% collects every reply: {Pongs, Eagains, SumOfRefs}.
flooder(Node, N) ->
    [erlang:send({fdnode, Node}, {'$fdnode_call', self(), I, self(), ping}) || I <- lists:seq(1, N)],
    collect(N, 0, 0, 0).

collect(0, P, E, S) -> {P, E, S};
collect(K, P, E, S) ->
    receive
        {'$fdnode_reply', I, pong} -> collect(K - 1, P + 1, E, S + I);
        {'$fdnode_reply', I, {error, eagain}} -> collect(K - 1, P, E + 1, S + I)
    after 60000 -> {lost, K, P, E}
    end.

%% 500,000 raw pings from 4 processes that do not wait for their replies:
%% the node's intake is bounded (distribution back-pressure), so its RSS
%% stays under 256 MiB, and every call gets exactly one reply, pong or eagain.
flood_keeps_jvm_memory_bounded_test_() ->
    {timeout, 300, fun flood_keeps_jvm_memory_bounded/0}.

flood_keeps_jvm_memory_bounded() ->
    Node = fdnode_test_ffi:start_private_node(),
    try
        {ok, OsPid} = fdnode_ffi:os_pid(Node),
        ok = fdnode_ffi:ping(Node),
        Before = rss_kib(OsPid),
        Sampler = spawn_link(fun() -> rss_sampler(OsPid, 0) end),
        Test = self(),
        N = 125000,
        Fs = [spawn_link(fun() -> Test ! {flooded, self(), flooder(Node, N)} end) || _ <- lists:seq(1, 4)],
        Results = [receive {flooded, F, R} -> R after 280000 -> error(flood_stuck) end || F <- Fs],
        Sampler ! {stop, self()},
        Peak = receive {peak, P} -> P end,
        Expected = N * (N + 1) div 2,
        Pongs = lists:sum([Pong || {Pong, _, _} <- Results]),
        Eagains = lists:sum([E || {_, E, _} <- Results]),
        io:format(user, "~nflood of 4x~b raw pings: JVM RSS ~b MiB before, peak ~b MiB; ~b pong, ~b eagain~n",
                  [N, Before div 1024, Peak div 1024, Pongs, Eagains]),
        [?assertMatch({_, _, Expected}, R) || R <- Results],
        ?assertEqual(4 * N, Pongs + Eagains),
        ?assert(Peak < 256 * 1024)
    after
        fdnode_ffi:stop(Node)
    end.

%% A probe-style run, as a hostile or careless peer would: 4 processes each
%% sending 25,000 random probes without pause: garbage terms (no reply),
%% malformed or random calls, forged handles, open+close, FIFO opens given
%% up (cancelled), and owners that open and die without closing. The JVM's
%% RSS peak (sampled and the kernel's VmHWM) stays under 256 MiB; every
%% answerable probe is answered; afterwards nothing is left open (open_fds
%% 0, no fd to the file or the FIFO in /proc/<jvm>/fd).
probe_run_keeps_jvm_memory_bounded_test_() ->
    {timeout, 300, fun probe_run_keeps_jvm_memory_bounded/0}.

probe_run_keeps_jvm_memory_bounded() ->
    Node = fdnode_test_ffi:start_private_node(),
    _ = fdnode_watcher:ensure_started(),
    try
        {ok, OsPid} = fdnode_ffi:os_pid(Node),
        ok = fdnode_ffi:ping(Node),
        Before = rss_kib(OsPid),
        Fifo = mkfifo(<<"probe_fifo">>),
        File = hello(),
        Sampler = spawn_link(fun() -> rss_sampler(OsPid, 0) end),
        Test = self(),
        K = 25000,
        Ps = [spawn_link(fun() -> Test ! {probed, self(), prober(Node, Fifo, File, K, #{})} end)
              || _ <- lists:seq(1, 4)],
        Counts = [receive {probed, P, C} -> C after 280000 -> error(probe_stuck) end || P <- Ps],
        %% the probers exited: what they owned is closed by their watcher's reports
        Drained = fdnode_test_ffi:wait_until(
                    fun() ->
                            {ok, #{open_fds := Open}} = fdnode_ffi:stats(Node),
                            Open =:= 0
                    end, 20000),
        Sampler ! {stop, self()},
        Peak = receive {peak, Pk} -> Pk end,
        Total = lists:foldl(fun(C, Acc) -> maps:merge_with(fun(_, A, B) -> A + B end, C, Acc) end,
                            #{}, Counts),
        io:format(user, "~nprobe run of 4x~b probes: JVM RSS ~b MiB before, peak ~b MiB; ~w~n",
                  [K, Before div 1024, Peak div 1024, Total]),
        ?assertEqual(0, maps:get(lost, Total, 0)),
        ?assertEqual(4 * K, lists:sum(maps:values(Total))),
        ?assert(Drained),
        ?assertNot(lists:member(Fifo, fdnode_test_ffi:jvm_fd_targets(Node))),
        ?assertNot(lists:member(File, fdnode_test_ffi:jvm_fd_targets(Node))),
        ?assert(Peak < 256 * 1024)
    after
        fdnode_ffi:stop(Node)
    end.

%% K probes; counts of each kind (and `lost' for an answerable one unanswered).
prober(_Node, _Fifo, _File, 0, Counts) ->
    Counts;
prober(Node, Fifo, File, K, Counts) ->
    Dest = {fdnode, Node},
    Kind = case rand:uniform(6) of
               1 ->
                   erlang:send(Dest, fdnode_hostile_erl_test:gen_term(3)),
                   garbage;
               2 ->
                   answered(probe_call(Dest, fdnode_hostile_erl_test:gen_term(2)), random_call);
               3 ->
                   Forged = {fdnode_fd, Node, rand:uniform(1 bsl 20), rand:uniform(1 bsl 62)},
                   case probe_call(Dest, {read, Forged, 16}) of
                       {error, R} when R =:= invalid_handle; R =:= closed -> forged_handle;
                       no_reply -> lost;
                       Other -> error({forged_handle_answered, Other})
                   end;
               4 ->
                   case probe_call(Dest, {open, File, [read]}) of
                       {ok, H} -> answered(probe_call(Dest, {close, H}), open_close);
                       Other -> answered(Other, open_close)
                   end;
               5 ->
                   %% a FIFO open with no writer, given up: cancelled on the node
                   Ref = make_ref(),
                   erlang:send(Dest, {'$fdnode_call', self(), Ref, self(), {open, Fifo, [read]}}),
                   erlang:send(Dest, {'$fdnode_cancel', Ref}),
                   answered(receive {'$fdnode_reply', Ref, R} -> R after ?T -> no_reply end,
                            fifo_abandoned);
               6 ->
                   %% an owner that opens and dies without closing
                   Me = self(),
                   {Pid, Mon} = spawn_monitor(fun() -> Me ! {opened, self(), probe_call(Dest, {open, File, [read]})} end),
                   receive {'DOWN', Mon, process, Pid, _} -> ok end,
                   answered(receive {opened, Pid, R} -> R after 0 -> no_reply end, owner_died)
           end,
    prober(Node, Fifo, File, K - 1, maps:update_with(Kind, fun(N) -> N + 1 end, 1, Counts)).

answered(no_reply, _) -> lost;
answered(_, Kind) -> Kind.

probe_call(Dest, Req) ->
    Ref = make_ref(),
    erlang:send(Dest, {'$fdnode_call', self(), Ref, self(), Req}),
    receive {'$fdnode_reply', Ref, R} -> R after ?T -> no_reply end.
