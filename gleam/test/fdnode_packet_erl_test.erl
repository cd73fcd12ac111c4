%% @doc Packet framing (`{packet, raw | 1 | 2 | 4 | line}', `{packet_size, N}')
%% on real descriptors of a real Java node: a pipe, a FIFO and TCP sockets
%% (the far end of TCP is a plain `gen_tcp' socket, so fdnode's framing is
%% checked against inet's own). Passive reads here; active delivery,
%% mode flips and `controlling_process' further down.
-module(fdnode_packet_erl_test).
-include_lib("eunit/include/eunit.hrl").

-define(WAIT, 10000).

%% ---------------------------------------------------------------- streams

%% {Reader, Feed, Close}: Reader is the fdnode descriptor under test; Feed
%% writes raw bytes into its far end; Close ends the input.
stream(pipe) ->
    Node = fdnode_test_ffi:shared_node(),
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    {R, fun(B) -> ok = fdnode_ffi:write(W, B, ?WAIT) end,
     fun() -> ok = fdnode_ffi:close(W) end};
stream(fifo) ->
    Node = fdnode_test_ffi:shared_node(),
    Path = fdnode_test_ffi:fresh_path(<<"packet_fifo">>),
    "" = os:cmd("mkfifo " ++ binary_to_list(Path)),
    Self = self(),
    spawn_link(fun() ->
                       %% opening a FIFO waits for the other end; the
                       %% test process owns the write end from then on
                       {ok, W} = fdnode_ffi:open(Node, Path, [write], ?WAIT),
                       ok = fdnode_ffi:controlling_process(W, Self),
                       Self ! {writer, W}
               end),
    {ok, R} = fdnode_ffi:open(Node, Path, [read], ?WAIT),
    W = receive {writer, W0} -> W0 after ?WAIT -> error(fifo_writer) end,
    file:delete(Path),
    {R, fun(B) -> ok = fdnode_ffi:write(W, B, ?WAIT) end,
     fun() -> ok = fdnode_ffi:close(W) end};
stream(tcp) ->
    Node = fdnode_test_ffi:shared_node(),
    {ok, L} = fdnode_ffi:tcp_listen(Node, 0, [{ip, loopback}]),
    {ok, Port} = fdnode_ffi:port(L),
    {ok, C} = gen_tcp:connect({127, 0, 0, 1}, Port, [binary, {active, false}, {nodelay, true}]),
    {ok, S} = fdnode_ffi:accept(L, ?WAIT),
    ok = fdnode_ffi:close(L),
    {S, fun(B) -> ok = gen_tcp:send(C, B) end, fun() -> ok = gen_tcp:close(C) end}.

kinds() -> [pipe, fifo, tcp].

%% Each test runs on every kind.
each(Fun) -> [{atom_to_list(K), fun() -> Fun(K) end} || K <- kinds()].

read(R) -> fdnode_ffi:recv(R, 0, ?WAIT).

%% ---------------------------------------------------------------- passive

length_prefixed_packets_split_into_single_bytes_and_many_in_one_write_test_() ->
    each(fun(Kind) ->
        [begin
             {R, Feed, Close} = stream(Kind),
             ok = fdnode_ffi:setopts(R, [{packet, N}]),
             Bodies = [<<>>, <<"a">>, binary:copy(<<"xyz">>, 80), <<"last">>],
             Wire = iolist_to_binary([[<<(byte_size(B)):N/unit:8>>, B] || B <- Bodies]),
             %% the first two packets a byte per write, the rest in one write
             Split = byte_size(<<0:N/unit:8, 1:N/unit:8, "a">>),
             <<Head:Split/binary, Tail/binary>> = Wire,
             [Feed(<<Byte>>) || <<Byte>> <= Head],
             Feed(Tail),
             ?assertEqual({Kind, N, [{ok, B} || B <- Bodies]},
                          {Kind, N, [fdnode_ffi:read(R, 0, ?WAIT) || _ <- Bodies]}),
             Close(),
             ?assertEqual(eof, read(R)),
             ok = fdnode_ffi:close(R)
         end || N <- [1, 2, 4]]
    end).

lines_with_their_newline_and_long_lines_in_pieces_of_packet_size_test_() ->
    each(fun(Kind) ->
        {R, Feed, Close} = stream(Kind),
        ok = fdnode_ffi:setopts(R, [{packet, line}, {packet_size, 8}]),
        ?assertEqual({ok, [{packet, line}, {packet_size, 8}]},
                     fdnode_ffi:getopts(R, [packet, packet_size])),
        Feed(<<"sho">>), Feed(<<"rt\n0123456789abcdefXY\n\nlast">>),
        ?assertEqual([{ok, <<"short\n">>}, {ok, <<"01234567">>}, {ok, <<"89abcdef">>},
                      {ok, <<"XY\n">>}, {ok, <<"\n">>}],
                     [read(R) || _ <- lists:seq(1, 5)]),
        ?assertEqual({error, timeout}, fdnode_ffi:recv(R, 0, 100)), % "last" waits for its \n
        Feed(<<"\n">>),
        ?assertEqual({ok, <<"last\n">>}, read(R)),
        Close(),
        ?assertEqual(eof, read(R)),
        ok = fdnode_ffi:close(R)
    end).

a_header_over_packet_size_is_emsgsize_and_the_bytes_stay_test_() ->
    each(fun(Kind) ->
        {R, Feed, _Close} = stream(Kind),
        ok = fdnode_ffi:setopts(R, [{packet, 2}, {packet_size, 4}]),
        Feed(<<0, 4, "fits", 0, 5, "large">>),
        ?assertEqual({ok, <<"fits">>}, read(R)),
        ?assertEqual({error, emsgsize}, read(R)),
        ?assertEqual({error, emsgsize}, fdnode_ffi:read(R, 0, ?WAIT)),
        ok = fdnode_ffi:setopts(R, [{packet, raw}]),
        ?assertEqual({ok, <<0, 5, "large">>}, read(R)),
        ok = fdnode_ffi:close(R)
    end).

input_ending_mid_packet_drops_the_partial_packet_test_() ->
    each(fun(Kind) ->
        {R, Feed, Close} = stream(Kind),
        ok = fdnode_ffi:setopts(R, [{packet, 4}]),
        Feed(<<0, 0, 0, 2, "ok", 0, 0, 0, 10, "part">>),
        Close(),
        ?assertEqual({ok, <<"ok">>}, read(R)),
        ?assertEqual(eof, read(R)),
        ok = fdnode_ffi:close(R)
    end).

a_framed_read_takes_zero_bytes_as_gen_tcp_recv_does_test_() ->
    each(fun(Kind) ->
        {R, _Feed, _Close} = stream(Kind),
        ok = fdnode_ffi:setopts(R, [{packet, line}]),
        ?assertEqual({error, einval}, fdnode_ffi:recv(R, 10, 100)),
        ?assertEqual({error, einval}, fdnode_ffi:read(R, 10, ?WAIT)),
        ok = fdnode_ffi:close(R)
    end).

%% ---------------------------------------------------------------- writes

%% fdnode's send puts the header gen_tcp expects, and reads what gen_tcp
%% sends with {packet, N}: the two ends agree.
tcp_framing_agrees_with_gen_tcp_both_ways_test_() ->
    [{integer_to_list(N), fun() ->
        Node = fdnode_test_ffi:shared_node(),
        {ok, L} = fdnode_ffi:tcp_listen(Node, 0, [{ip, loopback}, {packet, N}]),
        {ok, Port} = fdnode_ffi:port(L),
        {ok, C} = gen_tcp:connect({127, 0, 0, 1}, Port, [binary, {active, false}, {packet, N}]),
        {ok, S} = fdnode_ffi:accept(L, ?WAIT),
        %% accepted sockets inherit the listener's packet option, as with gen_tcp
        ?assertEqual({ok, [{packet, N}]}, fdnode_ffi:getopts(S, [packet])),
        ok = fdnode_ffi:send(S, <<"from fdnode">>),
        ok = fdnode_ffi:send(S, <<>>),
        ?assertEqual({ok, <<"from fdnode">>}, gen_tcp:recv(C, 0, ?WAIT)),
        ?assertEqual({ok, <<>>}, gen_tcp:recv(C, 0, ?WAIT)),
        ok = gen_tcp:send(C, <<"from gen_tcp">>),
        ok = gen_tcp:send(C, binary:copy(<<"z">>, 250)),
        ?assertEqual({ok, <<"from gen_tcp">>}, read(S)),
        ?assertEqual({ok, binary:copy(<<"z">>, 250)}, read(S)),
        [?assertEqual({error, emsgsize}, fdnode_ffi:send(S, binary:copy(<<"z">>, 256))) || N =:= 1],
        ok = gen_tcp:close(C),
        ok = fdnode_ffi:close(S),
        ok = fdnode_ffi:close(L)
    end} || N <- [1, 2, 4]].

pipe_writes_put_the_header_and_reads_strip_it_test() ->
    Node = fdnode_test_ffi:shared_node(),
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    ok = fdnode_ffi:setopts(W, [{packet, 2}]),
    ok = fdnode_ffi:write(W, [<<"io">>, "list"]),
    ok = fdnode_ffi:setopts(R, [{packet, 2}]),
    ?assertEqual({ok, <<"iolist">>}, fdnode_ffi:read(R, 0)),
    ok = fdnode_ffi:close(W),
    ok = fdnode_ffi:close(R).

%% ---------------------------------------------------------------- refusals

packet_options_are_for_streams_only_test() ->
    Node = fdnode_test_ffi:shared_node(),
    Path = fdnode_test_ffi:fresh_path(<<"packet_file">>),
    {ok, F} = fdnode_ffi:open(Node, Path, [read, write, create]),
    ?assertEqual({error, einval}, fdnode_ffi:setopts(F, [{packet, line}])),
    ok = fdnode_ffi:close(F),
    {ok, U} = fdnode_ffi:udp_open(Node, 0, [{ip, loopback}]),
    ?assertEqual({error, einval}, fdnode_ffi:setopts(U, [{packet, 2}])),
    ok = fdnode_ffi:close(U),
    ?assertEqual({error, einval}, fdnode_ffi:udp_open(Node, 0, [{packet, 2}])),
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    ?assertEqual({error, einval}, fdnode_ffi:setopts(R, [{packet, 3}])),
    ?assertEqual({error, einval}, fdnode_ffi:setopts(R, [{packet_size, -1}])),
    ?assertEqual({ok, [{packet, raw}, {packet_size, 0}]}, fdnode_ffi:getopts(R, [packet, packet_size])),
    ok = fdnode_ffi:close(R),
    ok = fdnode_ffi:close(W).
