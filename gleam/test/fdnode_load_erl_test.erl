%% @doc Load: 64 concurrent callers for a sustained period (10 s here;
%% FDNODE_LOAD_SECONDS to change) on a private Java node. Each caller speaks
%% the raw protocol with its own sequence numbers as call refs, so it sees
%% every reply exactly once and in its own order (none lost, none doubled),
%% and checks every result (a pwrite of its sequence number read back, a pipe
%% round trip, an open/close). Afterwards: the JVM's retained heap
%% ({stats, [gc]}) has not grown beyond a fixed bound, and no descriptor the
%% callers opened (a file in the root, a pipe) is left in /proc/<jvm>/fd.
-module(fdnode_load_erl_test).
-include_lib("eunit/include/eunit.hrl").

-export([run_load/3]).

-define(CALLERS, 64).
-define(REPLY_TIMEOUT, 15000).
%% Retained heap may grow by at most this much over the run (caches, JIT'd
%% lambdas, connection buffers), whatever its length.
-define(HEAP_SLACK, 24 * 1024 * 1024).

seconds() ->
    case os:getenv("FDNODE_LOAD_SECONDS") of
        false -> 10;
        S -> list_to_integer(S)
    end.

sixty_four_callers_lose_nothing_and_leak_nothing_test_() ->
    {timeout, seconds() + 100, fun sixty_four_callers/0}.

sixty_four_callers() ->
    Node = fdnode_test_ffi:start_private_node(),
    Root = binary_to_list(fdnode_test_ffi:root()),
    %% warm up (JIT, worker threads, buffers) before the baseline
    _ = run_load(Node, Root, #{callers => ?CALLERS, millis => 1000}),
    %% The warm-up's owners have exited; their descriptors are closed by the
    %% node asynchronously (owner_down), so count only once none is left.
    ok = await_no_open_fds(Node, 5000),
    %% Pipes the JVM holds now are its own (stdio), not the callers'.
    JvmPipes = [T || T <- fdnode_test_ffi:jvm_fd_targets(Node), is_pipe(T)],
    FdsBefore = own_fds(Node, Root, JvmPipes),
    {ok, #{heap_used := HeapBefore}} = fdnode_ffi:stats_with(Node, [gc], 30000),
    Seconds = seconds(),
    #{calls := Calls, per_caller := Per} = run_load(Node, Root, #{callers => ?CALLERS,
                                                                 millis => Seconds * 1000}),
    {ok, #{heap_used := HeapAfter, open_fds := Open}} = fdnode_ffi:stats_with(Node, [gc], 30000),
    %% A descriptor can be in its last moments (an OS close deferred to the
    %% end of an operation, a connection being torn down): a leak is one that
    %% is still there after a grace period.
    FdsAfter = own_fds_within(Node, Root, JvmPipes, 3000),
    io:format(user, "~nload: ~b callers x ~b s: ~b calls (~b/s), min ~b / max ~b per caller, "
              "0 lost, 0 duplicated; heap ~.1f -> ~.1f MiB; callers' fds left open: ~p~n",
              [?CALLERS, Seconds, Calls, Calls div max(1, Seconds), lists:min(Per), lists:max(Per),
               HeapBefore / 1048576, HeapAfter / 1048576, FdsAfter]),
    ?assertEqual(0, Open),
    %% No leak: none of the callers' descriptors is still open.
    ?assertEqual([], FdsBefore),
    ?assertEqual([], FdsAfter),
    ?assert(HeapAfter =< HeapBefore + ?HEAP_SLACK),
    ?assert(lists:min(Per) > 0),
    ?assertEqual(ok, fdnode_ffi:stop(Node)).

%% Polled: the node sends no event when its last descriptor closes.
await_no_open_fds(Node, Ms) ->
    case fdnode_ffi:stats(Node) of
        {ok, #{open_fds := 0}} -> ok;
        {ok, #{open_fds := N}} when Ms =< 0 -> {still_open, N};
        {ok, _} -> timer:sleep(10), await_no_open_fds(Node, Ms - 10)
    end.

%% The JVM's descriptors that the callers opened, by target (the JVM opens
%% and closes descriptors of its own at any time): files in the root (a
%% deleted one still counts) and pipes it did not hold before.
own_fds(Node, Root, JvmPipes) ->
    Prefix = Root ++ "/",
    [T || T <- fdnode_test_ffi:jvm_fd_targets(Node),
          lists:prefix(Prefix, unicode:characters_to_list(T))
              orelse (is_pipe(T) andalso not lists:member(T, JvmPipes))].

is_pipe(Target) -> binary:match(Target, <<"pipe:">>) =:= {0, 5}.

%% Polled (no event says "descriptor closed"): a descriptor can be in its
%% last moments (an OS close deferred to the end of an operation); a leak is
%% one still there after Ms.
own_fds_within(Node, Root, JvmPipes, Ms) ->
    case own_fds(Node, Root, JvmPipes) of
        [] -> [];
        Left when Ms =< 0 -> Left;
        _ -> timer:sleep(20), own_fds_within(Node, Root, JvmPipes, Ms - 20)
    end.

%% @doc Runs Callers callers against Node for Millis ms; errors out on the
%% first lost, duplicated, stray or wrong reply. Returns #{calls, per_caller}.
%% Also used by the soak run.
run_load(Node, Root, #{callers := N, millis := Millis} = Opts) ->
    %% Raw-protocol callers that own descriptors need this node's watcher
    %% (docs/protocol.md, "Raw-protocol clients"), else `no_watcher'.
    _ = fdnode_watcher:ensure_started(),
    Self = self(),
    Deadline = erlang:monotonic_time(millisecond) + Millis,
    Pids = [spawn_monitor(fun() -> Self ! {load_done, self(), caller(Node, Root, I, Deadline, Opts)} end)
            || I <- lists:seq(1, N)],
    Results = [receive
                   {load_done, P, R} ->
                       erlang:demonitor(M, [flush]),
                       R;
                   {'DOWN', M, process, P, Why} ->
                       erlang:error({load_caller_failed, Why})
               end || {P, M} <- Pids],
    #{calls => lists:sum(Results), per_caller => Results}.

caller(Node, Root, I, Deadline, Opts) ->
    Path = list_to_binary(filename:join(Root, io_lib:format("load_~b_~b_~b",
                                                            [I, erlang:unique_integer([positive]),
                                                             erlang:system_time()]))),
    S0 = #{node => Node, seq => 0, path => Path, opts => Opts},
    {{ok, F}, S1} = call(S0, {open, Path, [read, write, create, truncate]}),
    {{ok, {R, W}}, S2} = call(S1, {pipe}),
    S3 = loop(S2#{f => F, r => R, w => W}, Deadline),
    {ok, S4} = call(S3, {close, F}),
    {ok, S5} = call(S4, {close, R}),
    {ok, S6} = call(S5, {close, W}),
    {pong, S7} = call(S6, ping),
    %% nothing after the last reply: no duplicate of any earlier one
    receive
        {'$fdnode_reply', Dup, Res} -> erlang:error({duplicate_or_stray_reply, Dup, Res})
    after 0 -> ok
    end,
    file:delete(Path),
    maps:get(seq, S7).

loop(S, Deadline) ->
    case erlang:monotonic_time(millisecond) >= Deadline of
        true -> S;
        false -> loop(step(S), Deadline)
    end.

step(#{seq := Seq, f := F, r := R, w := W, path := Path} = S0) ->
    %% what this step writes identifies it
    Tag = <<Seq:64>>,
    {ok, S1} = call(S0, {pwrite, F, 0, Tag}),
    {{ok, Tag}, S2} = call(S1, {pread, F, 0, 8}),
    case Seq rem 8 of
        0 ->
            {ok, S3} = call(S2, {write, W, Tag}),
            {{ok, Tag}, S4} = call(S3, {read, R, 8}),
            S4;
        1 ->
            {{ok, G}, S3} = call(S2, {open, Path, [read]}),
            {{ok, <<Seq:64>>}, S4} = call(S3, {pread, G, 0, 8}),
            {ok, S5} = call(S4, {close, G}),
            S5;
        2 ->
            {{ok, #{offset := _}}, S3} = call(S2, {info, F}),
            S3;
        _ ->
            S2
    end.

%% One raw call whose ref is this caller's next sequence number: the reply
%% must be the next message of that shape, and carry that number.
call(#{node := Node, seq := Seq} = S, Req) ->
    Ref = Seq + 1,
    erlang:send({fdnode, Node}, {'$fdnode_call', self(), Ref, self(), Req}),
    receive
        {'$fdnode_reply', Ref, Result} ->
            {Result, S#{seq := Ref}};
        {'$fdnode_reply', Other, Result} ->
            erlang:error({out_of_sequence_reply, {expected, Ref}, {got, Other, Result}, Req})
    after ?REPLY_TIMEOUT ->
        erlang:error({lost_reply, Ref, Req})
    end.
