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
