%% @doc Ownership follows a descriptor across BEAM nodes. Three BEAM nodes
%% (this one and two peers, X and Y) and a real Java node: process A on X
%% opens a file and hands it to B on Y; X is killed with SIGKILL; the file
%% stays open while B lives, and closes within a second of B's exit (by
%% target, in /proc/<jvm>/fd). Y's watcher, which did not run before, is
%% the one that reports B. A hand-over to a node that cannot watch the new
%% owner fails with `no_watcher' and control stays where it was.
-module(fdnode_owner_move_erl_test).
-include_lib("eunit/include/eunit.hrl").

-define(WAIT, 30000).

fd_handed_across_nodes_closes_when_the_new_owner_exits_after_the_giver_died_test_() ->
    {timeout, 110, fun handed_across/0}.

handed_across() ->
    J = fdnode_test_ffi:shared_node(),
    X = fdnode_peers_test_ffi:start("fdnode_move_x"),
    Y = fdnode_peers_test_ffi:start("fdnode_move_y"),
    #{node := XN} = X,
    #{node := YN} = Y,
    ?assertEqual(undefined, erpc:call(YN, erlang, whereis, [fdnode_watcher])),
    Handed = fdnode_test_ffi:fresh_path(<<"move_handed">>),
    Kept = fdnode_test_ffi:fresh_path(<<"move_kept">>),
    Self = self(),
    B = spawn(YN, fun() -> new_owner(Self) end),
    BMon = erlang:monitor(process, B),
    %% A opens two files on J, keeps one and hands the other to B
    _A = spawn(XN, fun() ->
                           {ok, H} = fdnode_ffi:open(J, Handed, [create, write]),
                           {ok, K} = fdnode_ffi:open(J, Kept, [create, write]),
                           Self ! {a, H, K, fdnode_ffi:controlling_process(H, B)},
                           receive after infinity -> ok end
                   end),
    {H, _K, Moved} = receive {a, H0, K0, M} -> {H0, K0, M} after ?WAIT -> error(a_silent) end,
    ?assertEqual(ok, Moved),
    ?assertMatch({ok, #{owner := B, controller := B}}, fdnode_ffi:info(H)),
    %% Y's watcher was started for B and watches it for J
    ?assertEqual(#{B => [J]}, erpc:call(YN, fdnode_watcher, owners, [])),
    ?assert(fdnode_test_ffi:has_fd_to(J, Handed)),
    ?assert(fdnode_test_ffi:has_fd_to(J, Kept)),
    %% the giver's node dies: A's own file closes, B's stays open
    ok = fdnode_peers_test_ffi:kill(X),
    ?assert(fdnode_test_ffi:wait_until(fun() -> not fdnode_test_ffi:has_fd_to(J, Kept) end, 15000)),
    ?assert(fdnode_test_ffi:has_fd_to(J, Handed)),
    ?assertMatch({ok, #{owner := B}}, fdnode_ffi:info(H)),
    %% B still uses it
    B ! {write, H, self()},
    receive {b_wrote, R} -> ?assertEqual(ok, R) after ?WAIT -> error(b_silent) end,
    %% B exits: its file closes within a second
    B ! exit,
    receive {'DOWN', BMon, process, B, _} -> ok after ?WAIT -> error(b_alive) end,
    T0 = erlang:monotonic_time(millisecond),
    Closed = fdnode_test_ffi:wait_until(fun() -> not fdnode_test_ffi:has_fd_to(J, Handed) end, 5000),
    Took = erlang:monotonic_time(millisecond) - T0,
    io:format(user, "~nfd handed X->Y, X killed, owner on Y exited: closed ~b ms after~n", [Took]),
    ?assert(Closed),
    ?assert(Took =< 1000),
    ?assertEqual({error, closed}, fdnode_ffi:info(H)),
    fdnode_peers_test_ffi:stop(Y),
    {ok, Bytes} = file:read_file(Handed),
    ?assertEqual(<<"from B">>, Bytes).

new_owner(Test) ->
    receive
        {write, H, From} ->
            From ! {b_wrote, fdnode_ffi:write(H, <<"from B">>)},
            new_owner(Test);
        exit ->
            ok
    end.

%% The new owner's node has no fdnode code (no watcher can run there), or is
%% gone: `no_watcher', control does not move, nothing leaks.
hand_over_to_a_node_that_cannot_watch_fails_clearly_test_() ->
    {timeout, 110, fun cannot_watch/0}.

cannot_watch() ->
    J = fdnode_test_ffi:shared_node(),
    Z = fdnode_peers_test_ffi:start("fdnode_move_bare", #{code => false}),
    #{node := ZN} = Z,
    Path = fdnode_test_ffi:fresh_path(<<"move_refused">>),
    {ok, H} = fdnode_ffi:open(J, Path, [create, write]),
    Far = spawn(ZN, erlang, hibernate, [erlang, halt, []]),
    ?assertEqual({error, no_watcher}, fdnode_ffi:controlling_process(H, Far)),
    ?assertEqual({error, no_watcher}, fdnode:controlling_process(H, Far, 5000)),
    Me = self(),
    ?assertMatch({ok, #{owner := Me, controller := Me}}, fdnode_ffi:info(H)),
    %% a pid of a node that is gone
    ok = fdnode_peers_test_ffi:kill(Z),
    ?assertEqual({error, no_watcher}, fdnode_ffi:controlling_process(H, Far)),
    ?assertMatch({ok, #{owner := Me}}, fdnode_ffi:info(H)),
    ?assertEqual(ok, fdnode_ffi:close(H)),
    ?assertNot(fdnode_test_ffi:has_fd_to(J, Path)).
