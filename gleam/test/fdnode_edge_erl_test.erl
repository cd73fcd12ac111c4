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
    Busy = regular_work(Node, 50),
    io:format(user, "~nslowest open+read+close of 4x50: ~b ms idle, ~b ms with 500 FIFO opens waiting~n",
              [Idle, Busy]),
    %% nothing wanted has completed: there is no writer yet
    ?assertEqual([], [M || {opened, _, _} = M <- element(2, process_info(self(), messages))]),
    {ok, W} = fdnode_ffi:open(Node, Fifo, [write], ?T),
    Hs = [receive {opened, P, R} -> {ok, H} = R, H after ?T -> error({not_completed, P}) end
          || P <- Wanted],
    ?assertEqual(500, length(lists:usort(Hs))),
    ?assertEqual(501, fds_to(Node, Fifo)),
    %% the data reaches a reader that waited
    ok = fdnode_ffi:write(W, <<"x">>),
    ?assertEqual({ok, <<"x">>}, fdnode_ffi:read(hd(Hs), 1, ?T)),
    [P ! stop || P <- Wanted],
    ok = fdnode_ffi:close(W),
    ?assert(fdnode_test_ffi:wait_until(fun() -> fds_to(Node, Fifo) =:= 0 end, 30000)).

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
