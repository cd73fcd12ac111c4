%% @doc "Do better than the model": an open or accept whose caller already
%% timed out closes the new descriptor instead of leaking it. 1,000 of each,
%% then the node's own count is back where it started and /proc/<jvm>/fd
%% holds none of the test's descriptors (counted by target: the JVM opens and
%% closes descriptors of its own at any time).
%% Also the Erlang API of sockets (fdnode_ffi) in a few lines.
-module(fdnode_net_erl_test).

-include_lib("eunit/include/eunit.hrl").

-define(N, 1000).
-define(PAR, 10).

timed_out_accepts_and_opens_leak_nothing_test() ->
    Node = fdnode_test_ffi:shared_node(),
    Before = open_fds(Node),

    %% Accepts: the caller gives up at once (call timeout 0); a client then
    %% connects, the Java node accepts, and the abandoned proxy closes it.
    {ok, L} = fdnode_ffi:tcp_listen(Node, 0, [{ip, loopback}]),
    {ok, Port} = fdnode_ffi:port(L),
    ?assertEqual(1, length(own_fds(Node, [Port], []))),   % the listener, found by its port
    %% ?PAR clients at once; as many accepts as connections in total.
    in_parallel(fun() ->
                        lists:foreach(
                          fun(_) ->
                                  {error, timeout} = fdnode_ffi:call(Node, {accept, L, 10000}, 0),
                                  {ok, C} = gen_tcp:connect({127, 0, 0, 1}, Port, [], 5000),
                                  ok = gen_tcp:close(C)
                          end, lists:seq(1, ?N div ?PAR))
                end),
    %% And accepts that time out on the node, on a listener no client knows.
    {ok, Quiet} = fdnode_ffi:tcp_listen(Node, 0, [{ip, loopback}]),
    {ok, QuietPort} = fdnode_ffi:port(Quiet),
    [{error, timeout} = fdnode_ffi:accept(Quiet, 0) || _ <- lists:seq(1, 100)],
    ok = fdnode_ffi:close(Quiet),

    %% Opens: a FIFO open waits until a writer comes; the caller gives up
    %% before that, which cancels the waiting open on the node.
    Fifos = fifos(?N),
    Self = self(),
    Workers = [spawn_link(fun() -> Self ! {done, self(), late_opens(Node, Batch)} end)
               || Batch <- batches(Fifos, ?N div ?PAR)],
    [receive {done, W, R} -> ?assertEqual(ok, R) after 60000 -> error(opens_timeout) end
     || W <- Workers],

    ok = fdnode_ffi:close(L),
    Ours = fun() -> own_fds(Node, [Port, QuietPort], Fifos) end,
    ?assert(fdnode_test_ffi:wait_until(fun() -> Ours() =:= [] andalso open_fds(Node) =:= Before end, 10000)),
    ?assertEqual([], Ours()),
    ?assertEqual(Before, open_fds(Node)).

in_parallel(F) ->
    Self = self(),
    Ws = [spawn_link(fun() -> F(), Self ! {done, self()} end) || _ <- lists:seq(1, ?PAR)],
    [receive {done, W} -> ok after 60000 -> error(parallel_timeout) end || W <- Ws],
    ok.

late_opens(_Node, []) -> ok;
late_opens(Node, [Fifo | Rest]) ->
    %% the caller's timeout cancels the open waiting on the node for a writer
    {error, timeout} = fdnode_ffi:open(Node, Fifo, [read], 0),
    late_opens(Node, Rest).

%% N FIFOs in a fresh directory of the root, made by one mkfifo.
fifos(N) ->
    Dir = binary_to_list(fdnode_test_ffi:fresh_path("leakfifos")),
    ok = file:make_dir(Dir),
    Paths = [filename:join(Dir, integer_to_list(I)) || I <- lists:seq(1, N)],
    "" = os:cmd("cd '" ++ Dir ++ "' && mkfifo -m 600 " ++ lists:join(" ", [integer_to_list(I) || I <- lists:seq(1, N)])),
    Paths.

batches([], _) -> [];
batches(L, K) when length(L) =< K -> [L];
batches(L, K) -> {B, Rest} = lists:split(K, L), [B | batches(Rest, K)].

%% Open descriptors in the node's table.
open_fds(Node) ->
    {ok, #{open_fds := Open}} = fdnode_ffi:stats(Node),
    Open.

%% The JVM's descriptors that are this test's, by target: TCP sockets on
%% Ports (a listener, and what it accepted, by inode from /proc/net/tcp*) and
%% the FIFOs at Paths.
own_fds(Node, Ports, Paths) ->
    Sockets = socket_targets(Ports),
    Fifos = [unicode:characters_to_binary(P) || P <- Paths],
    [T || T <- fdnode_test_ffi:jvm_fd_targets(Node),
          lists:member(T, Sockets) orelse lists:member(T, Fifos)].

%% socket:[Inode] of every TCP socket whose local port is one of Ports.
socket_targets(Ports) ->
    [<<"socket:[", Inode/binary, "]">>
     || File <- ["/proc/net/tcp", "/proc/net/tcp6"],
        {ok, Table} <- [file:read_file(File)],
        Line <- tl(binary:split(Table, <<"\n">>, [global, trim])),
        [_, Local, _, _, _, _, _, _, _, Inode | _] <- [binary:split(Line, <<" ">>, [global, trim_all])],
        Inode =/= <<"0">>,
        lists:member(local_port(Local), Ports)].

local_port(Local) ->
    [_, Hex] = binary:split(Local, <<":">>),
    binary_to_integer(Hex, 16).

erlang_socket_api_test() ->
    Node = fdnode_test_ffi:shared_node(),
    {ok, L} = fdnode_ffi:tcp_listen(Node, 0, [{ip, {127, 0, 0, 1}}, {backlog, 4}]),
    {ok, {{127, 0, 0, 1}, Port}} = fdnode_ffi:sockname(L),
    {ok, C} = fdnode_ffi:tcp_connect(Node, "localhost", Port, [{nodelay, true}], 5000),
    {ok, S} = fdnode_ffi:accept(L, 5000),
    ?assertEqual({ok, [{nodelay, true}, {active, false}]}, fdnode_ffi:getopts(C, [nodelay, active])),
    ok = fdnode_ffi:send(C, [<<"he">>, "llo"]),
    ?assertEqual({ok, <<"hello">>}, fdnode_ffi:recv(S, 5, 5000)),
    ok = fdnode_ffi:setopts(S, [{active, once}]),
    ok = fdnode_ffi:send(C, <<"x">>),
    receive {fdnode, S, <<"x">>} -> ok after 5000 -> error(no_active_data) end,
    receive {fdnode_passive, S} -> ok after 5000 -> error(no_passive) end,
    %% Only the controlling process sets the mode, through setopts as well.
    Other = spawn(fun() -> receive {go, From} -> From ! {res, fdnode_ffi:setopts(S, [{active, true}])} end end),
    Other ! {go, self()},
    receive {res, R} -> ?assertEqual({error, not_owner}, R) after 5000 -> error(no_res) end,
    {ok, U} = fdnode_ffi:udp_open(Node, 0, [{ip, loopback}]),
    {ok, UPort} = fdnode_ffi:port(U),
    ok = fdnode_ffi:setopts(U, [{active, true}]),
    ok = fdnode_ffi:send_to(U, {127, 0, 0, 1}, UPort, <<"self">>),
    receive {fdnode_udp, U, {127, 0, 0, 1}, UPort, <<"self">>} -> ok
    after 5000 -> error(no_datagram)
    end,
    ?assertEqual({error, badarg}, fdnode_ffi:call(Node, {tcp_listen, 0, [{bogus, 1}]}, 5000)),
    ?assertEqual({error, einval}, fdnode_ffi:call(Node, {udp_open, 70000, []}, 5000)),
    [ok = fdnode_ffi:close(H) || H <- [C, S, L, U]].
