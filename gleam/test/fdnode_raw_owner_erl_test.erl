%% @doc Owners of raw-protocol clients (no fdnode_ffi on the calling side)
%% are watched all the same: the Java node has the owner's node's
%% `fdnode_watcher' watch every process it makes an owner before that
%% process gets anything, and refuses (`no_watcher') a node that has none.
%% Driven from peer BEAM nodes that send the wire messages themselves, with
%% code evaluated there by `erl_eval' (a peer without fdnode's code cannot
%% run this module's funs). Descriptors are checked in /proc/<jvm>/fd by
%% their targets.
-module(fdnode_raw_owner_erl_test).
-include_lib("eunit/include/eunit.hrl").

-define(WAIT, 30000).

%% Evaluates Erlang source `Src' in a process of its own on `Node', with
%% `Bindings'; the source ends in `Hold(Value)', which sends Value here and
%% keeps the process alive until it gets `stop'. Returns {Pid, Value}.
on(Node, Src, Bindings) ->
    {ok, Tokens, _} = erl_scan:string(
                        "Hold = fun(V) -> Test ! {held, self(), V}, receive stop -> ok end end, "
                        ++ Src),
    {ok, Exprs} = erl_parse:parse_exprs(Tokens),
    Pid = erpc:call(Node, erlang, spawn,
                    [erl_eval, exprs, [Exprs, lists:sort(maps:to_list(Bindings#{'Test' => self()}))]]),
    receive {held, Pid, V} -> {Pid, V} after ?WAIT -> error({silent, Node}) end.

%% Source for `Call/1': one raw call for the calling process, its one reply.
-define(CALL,
        "Call = fun(Req) ->"
        "  Ref = make_ref(),"
        "  {fdnode, J} ! {'$fdnode_call', self(), Ref, self(), Req},"
        "  receive {'$fdnode_reply', Ref, R} -> R after 20000 -> no_reply end"
        " end, ").

%% A raw client on a node whose watcher runs (fdnode's code there, the
%% watcher started, nothing else of fdnode used) hands a descriptor to a
%% process that is already dead: `ok', and the descriptor is closed within
%% a second. An owner that opened raw and exits is closed the same way.
raw_hand_over_to_a_dead_pid_closes_within_a_second_test_() ->
    {timeout, 110, fun hand_over_to_dead/0}.

hand_over_to_dead() ->
    J = fdnode_test_ffi:shared_node(),
    P = fdnode_peers_test_ffi:start("fdnode_raw_watched"),
    #{node := PN} = P,
    try
        _ = erpc:call(PN, fdnode_watcher, ensure_started, []),
        Path = fdnode_test_ffi:fresh_path(<<"raw_to_dead">>),
        {Giver, {H, Cp}} =
            on(PN, ?CALL
               "{ok, H} = Call({open, Path, [write, create]}),"
               "Dead = spawn(fun() -> ok end),"
               "M = monitor(process, Dead), receive {'DOWN', M, _, _, _} -> ok end,"
               "Hold({H, Call({controlling_process, H, Dead})}).",
               #{'J' => J, 'Path' => Path}),
        T0 = erlang:monotonic_time(millisecond),
        ?assertEqual(ok, Cp),
        Closed = fdnode_test_ffi:wait_until(fun() -> not fdnode_test_ffi:has_fd_to(J, Path) end, 5000),
        Took = erlang:monotonic_time(millisecond) - T0,
        io:format(user, "~nraw controlling_process to a dead pid: closed ~b ms after the reply~n", [Took]),
        ?assert(Closed),
        ?assert(Took =< 1000),
        ?assertEqual({error, closed}, fdnode_ffi:info(H)),
        %% the giver still lives: the close came from the dead owner's report
        ?assert(erpc:call(PN, erlang, is_process_alive, [Giver])),
        Giver ! stop,
        %% a raw owner that exits: its descriptor closes too
        Path2 = fdnode_test_ffi:fresh_path(<<"raw_owner_exits">>),
        {Owner, {ok, _}} = on(PN, ?CALL "Hold(Call({open, Path, [write, create]})).",
                              #{'J' => J, 'Path' => Path2}),
        ?assert(fdnode_test_ffi:has_fd_to(J, Path2)),
        Owner ! stop,
        ?assert(fdnode_test_ffi:wait_until(fun() -> not fdnode_test_ffi:has_fd_to(J, Path2) end, 5000))
    after
        fdnode_peers_test_ffi:stop(P)
    end.

%% A raw client on a node without a watcher (no fdnode code) is given
%% nothing to own: open, pipe, tcp_listen and udp_open, sent together,
%% answer `no_watcher' (after a wait of about two seconds, during which other
%% calls are served), and so does a later hand-over to one of its processes;
%% no fd is left.
%% Calls that make no owner work as usual.
raw_client_without_a_watcher_is_refused_test_() ->
    {timeout, 110, fun without_watcher/0}.

without_watcher() ->
    J = fdnode_test_ffi:shared_node(),
    P = fdnode_peers_test_ffi:start("fdnode_raw_bare", #{code => false}),
    #{node := PN} = P,
    try
        ?assertEqual(undefined, erpc:call(PN, erlang, whereis, [fdnode_watcher])),
        Path = fdnode_test_ffi:fresh_path(<<"raw_unwatched">>),
        {Pid, Results} =
            on(PN, ?CALL
               "Send = fun(Req) ->"
               "  Ref = make_ref(),"
               "  {fdnode, J} ! {'$fdnode_call', self(), Ref, self(), Req},"
               "  Ref"
               " end,"
               "Owning = [Send(Req) || Req <- [{open, Path, [write, create]}, {pipe},"
               "                               {tcp_listen, 0, [{ip, loopback}]},"
               "                               {udp_open, 0, [{ip, loopback}]}]],"
               "Ping = Call(ping),"
               "[Open, Pipe, Listen, Udp] ="
               "  [receive {'$fdnode_reply', Ref, R} -> R after 20000 -> no_reply end"
               "   || Ref <- Owning],"
               "Hold([{ping_while_held, Ping}, {open, Open}, {pipe, Pipe},"
               "      {tcp_listen, Listen}, {udp_open, Udp},"
               "      {file_info, element(1, Call({file_info, Path}))}]).",
               #{'J' => J, 'Path' => Path}),
        ?assertEqual([{ping_while_held, pong}, {open, {error, no_watcher}},
                      {pipe, {error, no_watcher}}, {tcp_listen, {error, no_watcher}},
                      {udp_open, {error, no_watcher}}, {file_info, error}], Results),
        ?assertNot(filelib:is_file(Path)),
        %% a raw hand-over from here to a process there: refused, control stays
        Mine = fdnode_test_ffi:fresh_path(<<"raw_not_handed">>),
        {ok, H} = fdnode_ffi:open(J, Mine, [create, write]),
        Ref = make_ref(),
        erlang:send({fdnode, J}, {'$fdnode_call', self(), Ref, self(), {controlling_process, H, Pid}}),
        ?assertEqual({error, no_watcher},
                     receive {'$fdnode_reply', Ref, R} -> R after ?WAIT -> no_reply end),
        Me = self(),
        ?assertMatch({ok, #{owner := Me, controller := Me}}, fdnode_ffi:info(H)),
        ?assertEqual(ok, fdnode_ffi:close(H)),
        ?assertNot(fdnode_test_ffi:has_fd_to(J, Mine)),
        Pid ! stop
    after
        fdnode_peers_test_ffi:stop(P)
    end.

%% A forged token on an id that was issued and released is `invalid_handle',
%% like any wrong token; only the genuine token learns `closed'.
forged_token_on_a_released_id_is_invalid_handle_test() ->
    J = fdnode_test_ffi:shared_node(),
    {ok, H} = fdnode_ffi:open(J, fdnode_test_ffi:fresh_path(<<"raw_released">>), [create, write]),
    ok = fdnode_ffi:close(H),
    {fdnode_fd, J, Id, Tok} = H,
    Raw = fun(Req) ->
                  Ref = make_ref(),
                  erlang:send({fdnode, J}, {'$fdnode_call', self(), Ref, self(), Req}),
                  receive {'$fdnode_reply', Ref, R} -> R after ?WAIT -> no_reply end
          end,
    ?assertEqual({error, closed}, Raw({info, H})),
    [?assertEqual({error, invalid_handle}, Raw({info, {fdnode_fd, J, Id, Forged}}))
     || Forged <- [Tok bxor 1, Tok bxor (1 bsl 62), 0, (1 bsl 63) - 1], Forged =/= Tok],
    ?assertEqual({error, invalid_handle}, Raw({close, {fdnode_fd, J, Id, Tok bxor 1}})).
