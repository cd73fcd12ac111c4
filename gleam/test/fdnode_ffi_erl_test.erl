%% @doc EUnit tests of the plain-Erlang API (fdnode_ffi). Most run against a
%% fake `fdnode' mailbox registered on this very node (the protocol only needs
%% `{fdnode, Node}'), so the proxy, timeout and watcher rules are checked
%% without a JVM; the last ones use the real Java node.
-module(fdnode_ffi_erl_test).
-include_lib("eunit/include/eunit.hrl").

-define(H(N), {fdnode_fd, N, 1, 1}).

%% ---------------------------------------------------------------- fake node

%% Registers a fake `fdnode' mailbox driven by Fun(Msg) in a loop; returns its
%% pid. The fake forwards every message it gets to the test process.
fake(Fun) ->
    %% a fake left over by a failed test goes first
    case whereis(fdnode) of
        undefined -> ok;
        Old -> stop_fake(Old)
    end,
    Test = self(),
    Ref = make_ref(),
    Pid = spawn(fun() ->
                        register(fdnode, self()),
                        Test ! {Ref, ready},
                        fake_loop(Test, Fun)
                end),
    receive {Ref, ready} -> Pid end.

fake_loop(Test, Fun) ->
    receive
        stop -> ok;
        Msg ->
            Test ! {fake_got, Msg},
            Fun(Msg),
            fake_loop(Test, Fun)
    end.

stop_fake(Pid) ->
    MRef = erlang:monitor(process, Pid),
    exit(Pid, kill),
    receive {'DOWN', MRef, process, Pid, _} -> ok end.

reply({'$fdnode_call', ReplyTo, Ref, _Caller, _Req}, Result) ->
    ReplyTo ! {'$fdnode_reply', Ref, Result};
reply(_NotACall, _) ->
    ok.

got() ->
    receive {fake_got, Msg} -> Msg after 5000 -> erlang:error(fake_got_nothing) end.

flush_fake() ->
    receive {fake_got, _} -> flush_fake() after 0 -> ok end.

messages() ->
    {messages, Ms} = process_info(self(), messages),
    Ms.

%% ---------------------------------------------------------------- no node

not_a_handle_is_badarg_locally_test() ->
    Bad = [foo, {fdnode_fd, "n", 1, 1}, {fdnode_fd, n@h, 0, 1}, {fdnode_fd, n@h, 1, -1},
           {fdnode_fd, n@h, 1}, {other, n@h, 1, 1}, {fdnode_fd, n@h, 1.0, 1}],
    [begin
         ?assertEqual({error, badarg}, fdnode_ffi:close(B)),
         ?assertEqual({error, badarg}, fdnode_ffi:close_async(B)),
         ?assertEqual({error, badarg}, fdnode_ffi:read(B, 1)),
         ?assertEqual({error, badarg}, fdnode_ffi:write(B, <<"x">>)),
         ?assertEqual({error, badarg}, fdnode_ffi:pread(B, 0, 1)),
         ?assertEqual({error, badarg}, fdnode_ffi:pwrite(B, 0, <<"x">>)),
         ?assertEqual({error, badarg}, fdnode_ffi:position(B, bof)),
         ?assertEqual({error, badarg}, fdnode_ffi:sync(B)),
         ?assertEqual({error, badarg}, fdnode_ffi:set_mode(B, active)),
         ?assertEqual({error, badarg}, fdnode_ffi:controlling_process(B, self())),
         ?assertEqual({error, badarg}, fdnode_ffi:info(B))
     end || B <- Bad],
    ?assertEqual({error, badarg}, fdnode_ffi:write(?H(n@h), [<<"ok">>, bad])),
    ?assertEqual({error, badarg}, fdnode_ffi:pwrite(?H(n@h), 0, 42)),
    ?assertEqual({error, badarg}, fdnode_ffi:open(n@h, [16#D800], [])),
    ?assertEqual({error, badarg}, fdnode_ffi:open("n@h", "/x", [])),
    ?assertEqual({error, badarg}, fdnode_ffi:controlling_process(?H(n@h), not_a_pid)),
    ?assertEqual([], messages()).

unknown_node_is_nodedown_promptly_test() ->
    Nowhere = fdnode_nowhere@localhost,
    T0 = erlang:monotonic_time(millisecond),
    ?assertEqual({error, nodedown}, fdnode_ffi:read(?H(Nowhere), 10)),
    ?assertEqual({error, nodedown}, fdnode_ffi:open(Nowhere, <<"/x">>, [read])),
    ?assertEqual({error, nodedown}, fdnode_ffi:connect(Nowhere)),
    ?assert(erlang:monotonic_time(millisecond) - T0 < 5000),
    ?assertEqual({error, not_started}, fdnode_ffi:stop(Nowhere)),
    ?assertEqual([], messages()).

no_mailbox_is_nodedown_test() ->
    %% This node is up but runs no `fdnode' mailbox.
    ?assertEqual(undefined, whereis(fdnode)),
    ?assertEqual({error, nodedown}, fdnode_ffi:stats(node())).

%% ---------------------------------------------------------------- fake node

call_shape_and_proxy_test() ->
    Fake = fake(fun({'$fdnode_call', _, _, _, {stats}} = M) -> reply(M, {ok, #{open_fds => 0}});
                   ({'$fdnode_call', _, _, _, {open, _, _}} = M) -> reply(M, {ok, ?H(node())});
                   (M) -> reply(M, ok)
                end),
    ?assertEqual({ok, #{open_fds => 0}}, fdnode_ffi:stats(node())),
    %% a call that makes nothing to own: the caller's own alias is the address
    {'$fdnode_call', ReplyTo, Ref, Caller, Req} = got(),
    ?assert(is_reference(Ref)),
    ?assertEqual(Ref, ReplyTo),
    ?assertEqual(self(), Caller),
    ?assertEqual({stats}, Req),
    ok = fdnode_ffi:write(?H(node()), [<<"a">>, "b", [$c]]),
    ?assertMatch({'$fdnode_call', _, _, _, {write, ?H(_), <<"abc">>}}, got()),
    %% an open makes the caller an owner: a proxy sends it and may undo it
    {ok, _} = fdnode_ffi:open(node(), "/tmp/ä", [read]),
    {'$fdnode_call', Proxy, _, Self, {open, <<"/tmp/ä"/utf8>>, [read]}} = got(),
    ?assert(is_pid(Proxy)),
    ?assertNotEqual(self(), Proxy),
    ?assertEqual(self(), Self),
    stop_fake(Fake),
    flush_fake(),
    ?assertEqual([], messages()).

timeout_then_late_reply_leaves_mailbox_clean_test() ->
    Test = self(),
    Fake = fake(fun(M) -> Test ! {hold, M} end),
    T0 = erlang:monotonic_time(millisecond),
    ?assertEqual({error, timeout}, fdnode_ffi:read(?H(node()), 10, 100)),
    ?assert(erlang:monotonic_time(millisecond) - T0 < 2000),
    {'$fdnode_call', Alias, Ref, _, _} = Call = receive {hold, M} -> M end,
    ?assert(is_reference(Alias)),
    %% the caller gave up: it told the node, and its alias is gone
    ?assertEqual({'$fdnode_cancel', Ref}, receive {hold, C} -> C after 5000 -> none end),
    reply(Call, {ok, <<"late">>}),
    %% the late reply (and progress) through the dead alias is dropped by the
    %% runtime; a message sent after it shows it would have arrived by now
    Alias ! {fdnode_progress, Ref, 1, 2},
    self() ! marker,
    receive marker -> ok end,
    flush_fake(),
    ?assertEqual([], messages()),
    %% an owning call times out too: its proxy takes the late reply and ends
    ?assertEqual({error, timeout}, fdnode_ffi:pipe(node(), 100)),
    {'$fdnode_call', Proxy, _, _, _} = Call2 = receive {hold, M2} -> M2 end,
    MRef = erlang:monitor(process, Proxy),
    reply(Call2, {error, late}),
    receive {'DOWN', MRef, process, Proxy, _} -> ok end,
    flush_fake(),
    ?assertEqual([], messages()),
    stop_fake(Fake).

mailbox_dies_mid_call_is_nodedown_test() ->
    Fake = fake(fun(_) -> exit(gone) end),
    ?assertEqual({error, nodedown}, fdnode_ffi:sync(?H(node()), 5000)),
    flush_fake(),
    _ = Fake,
    ?assertEqual([], messages()).

owner_exit_is_reported_by_watcher_test() ->
    Fake = fake(fun({'$fdnode_call', _, _, _, {open, _, _}} = M) -> reply(M, {ok, ?H(node())});
                   (_) -> ok
                end),
    Owner = spawn(fun() ->
                          {ok, _} = fdnode_ffi:open(node(), <<"/f">>, [read]),
                          receive stop -> ok end
                  end),
    ?assertMatch({'$fdnode_call', _, _, Owner, {open, _, _}}, got()),
    Owner ! stop,
    Watcher = whereis(fdnode_watcher),
    ?assert(is_pid(Watcher)),
    ?assertEqual({'$fdnode_owner_down', Watcher, Owner}, got()),
    %% the watcher is linked to nobody
    ?assertEqual({links, []}, process_info(Watcher, links)),
    stop_fake(Fake).

caller_killed_mid_open_is_reported_test() ->
    Test = self(),
    Fake = fake(fun(M) -> Test ! {hold, M} end),
    Caller = spawn(fun() -> fdnode_ffi:open(node(), <<"/f">>, [read], 60000) end),
    Call = receive {hold, M} -> M end,
    MRef = erlang:monitor(process, Caller),
    exit(Caller, kill),
    receive {'DOWN', MRef, process, Caller, _} -> ok end,
    %% the open succeeds after its caller died: the watcher reports the owner,
    %% and the proxy, whose result nobody will see, closes it as well
    reply(Call, {ok, ?H(node())}),
    _ = got(),
    Next = lists:sort([got(), got(), got()]),
    ?assertMatch([{'$fdnode_cancel', _},
                  {'$fdnode_owner_down', _, Caller},
                  {'$fdnode_call', _, _, Caller, {close, ?H(_)}}], Next),
    stop_fake(Fake).

timed_out_open_is_closed_again_test() ->
    Test = self(),
    Fake = fake(fun(M) -> Test ! {hold, M} end),
    ?assertEqual({error, timeout}, fdnode_ffi:open(node(), <<"/f">>, [read], 100)),
    Call = receive {hold, M} -> M end,
    %% the proxy cancels the open it gave up on (a FIFO open waiting on the
    %% node ends there) ...
    {'$fdnode_call', _, Ref, _, _} = Call,
    ?assertEqual({'$fdnode_cancel', Ref}, receive {hold, C} -> C end),
    %% ... and an answer that comes anyway is closed again
    reply(Call, {ok, ?H(node())}),
    _ = got(),
    ?assertEqual({'$fdnode_cancel', Ref}, got()),
    Me = self(),
    ?assertMatch({'$fdnode_call', _, _, Me, {close, ?H(_)}}, got()),
    receive {hold, _} -> ok end,
    stop_fake(Fake),
    flush_fake(),
    ?assertEqual([], messages()).

controlling_process_watches_new_owner_test() ->
    %% a hand-over (the node answers the mode the descriptor had)
    Fake = fake(fun(M) -> reply(M, {ok, passive}) end),
    New = spawn(fun() -> receive stop -> ok end end),
    ?assertEqual(ok, fdnode_ffi:controlling_process(?H(node()), New)),
    ?assertMatch({'$fdnode_call', _, _, _, {hand_over, _, New}}, got()),
    New ! stop,
    ?assertMatch({'$fdnode_owner_down', _, New}, got()),
    stop_fake(Fake).

%% ---------------------------------------------------------------- launcher

start_errors_test() ->
    ?assertMatch({error, {jar_not_found, _}}, fdnode_ffi:start(#{jar => "/nonexistent.jar"})),
    ?assertEqual({error, java_not_found},
                 fdnode_ffi:start(#{jar => fixture("hello.txt"), java => "/nonexistent/java"})),
    Fixtures = fixtures_dir(),
    ?assertMatch({error, {java_exited, 3, <<"fake java: cannot start", _/binary>>}},
                 fdnode_ffi:start(#{jar => fixture("hello.txt"),
                                    java => filename:join(Fixtures, "fake_java_exit.sh")})),
    ?assertMatch({error, {ready_timeout, <<"fake java: starting slowly">>}},
                 fdnode_ffi:start(#{jar => fixture("hello.txt"), ready_timeout => 300,
                                    java => filename:join(Fixtures, "fake_java_silent.sh")})),
    ?assertEqual([], messages()).

fixtures_dir() ->
    case os:getenv("FDNODE_FIXTURES") of
        false -> "test_fixtures";
        D -> D
    end.

fixture(Name) ->
    filename:join(fixtures_dir(), Name).

%% ---------------------------------------------------------------- real node

real_node_erlang_api_test() ->
    Node = fdnode_test_ffi:shared_node(),
    ?assertEqual(ok, fdnode_ffi:connect(Node)),
    ?assertEqual(ok, fdnode_ffi:ping(Node)),
    Path = fdnode_test_ffi:fresh_path(<<"erl">>),
    {ok, Fd} = fdnode_ffi:open(Node, Path, [read, write, create, exclusive, {mode, 8#600}]),
    ?assert(fdnode_ffi:is_handle(Fd)),
    ?assertEqual(ok, fdnode_ffi:write(Fd, ["hello", $\s, <<"world">>])),
    ?assertEqual({ok, 0}, fdnode_ffi:position(Fd, bof)),
    ?assertEqual({ok, <<"hello">>}, fdnode_ffi:read(Fd, 5)),
    ?assertEqual({ok, 11}, fdnode_ffi:position(Fd, eof)),
    ?assertEqual({ok, 6}, fdnode_ffi:position(Fd, 6)),
    ?assertEqual({ok, 4}, fdnode_ffi:position(Fd, {cur, -2})),
    ?assertEqual(eof, fdnode_ffi:pread(Fd, 11, 5)),
    ?assertEqual(ok, fdnode_ffi:pwrite(Fd, 0, <<"J">>)),
    ?assertEqual({ok, <<"Jello">>}, fdnode_ffi:pread(Fd, 0, 5)),
    ?assertEqual(ok, fdnode_ffi:sync(Fd)),
    {ok, Info} = fdnode_ffi:info(Fd),
    ?assertMatch(#{owner := _, controller := _, mode := _, state := _, offset := _, fd := _}, Info),
    ?assertEqual(self(), maps:get(owner, Info)),
    ?assertEqual({ok, <<"Jello world">>}, file:read_file(Path)),
    ?assertEqual(ok, fdnode_ffi:close(Fd)),
    ?assertEqual({error, closed}, fdnode_ffi:read(Fd, 1)),
    ?assertEqual({error, enoent}, fdnode_ffi:open(Node, <<Path/binary, ".missing">>, [read])),
    {ok, #{open_fds := N}} = fdnode_ffi:stats(Node),
    ?assert(is_integer(N)),
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    ?assertEqual(ok, fdnode_ffi:write(W, <<"p">>)),
    ?assertEqual({ok, <<"p">>}, fdnode_ffi:read(R, 10)),
    ok = fdnode_ffi:close(W),
    ?assertEqual(eof, fdnode_ffi:read(R, 10)),
    {ok, Op} = fdnode_ffi:close_async(R),
    receive {fdnode_completion, Op, Result} -> ?assertEqual(ok, Result)
    after 5000 -> erlang:error(no_completion)
    end,
    ?assertEqual([], messages()).

linked_node_stops_with_its_starter_test() ->
    Test = self(),
    Root = binary_to_list(fdnode_test_ffi:root()),
    Starter = spawn(fun() ->
                            {ok, Node} = fdnode_ffi:start(#{root => Root}),
                            {ok, OsPid} = fdnode_ffi:os_pid(Node),
                            Test ! {started, Node, OsPid, fdnode_launcher:whereis_node(Node)},
                            receive stop -> ok end
                    end),
    {Node, OsPid, Launcher} = receive {started, N, P, L} -> {N, P, L} after 60000 -> erlang:error(no_start) end,
    ?assertEqual(ok, fdnode_ffi:ping(Node)),
    MRef = erlang:monitor(process, Launcher),
    Starter ! stop,    % a normal exit
    receive {'DOWN', MRef, process, Launcher, _} -> ok end,
    ?assert(fdnode_test_ffi:wait_until(fun() -> not fdnode_test_ffi:os_process_alive(OsPid) end, 10000)),
    ?assertEqual({error, nodedown}, fdnode_ffi:ping(Node)),
    ?assertEqual({error, not_started}, fdnode_ffi:stop(Node)).
