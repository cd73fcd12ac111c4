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

%% ---------------------------------------------------------------- active

active_modes_deliver_one_message_per_packet_test_() ->
    each(fun(Kind) ->
        {R, Feed, Close} = stream(Kind),
        ok = fdnode_ffi:setopts(R, [{packet, line}]),
        Feed(<<"a\nb\nc\nd\ne\nf\n">>),
        ok = fdnode_ffi:setopts(R, [{active, once}]),
        ?assertEqual([{fdnode, R, <<"a\n">>}, {fdnode_passive, R}], msgs(R, 2)),
        ok = fdnode_ffi:set_mode(R, {active, 2}),
        ?assertEqual([{fdnode, R, <<"b\n">>}, {fdnode, R, <<"c\n">>}, {fdnode_passive, R}],
                     msgs(R, 3)),
        ?assertEqual({ok, <<"d\n">>}, read(R)),   % passive again: the framer's next line
        ok = fdnode_ffi:set_mode(R, active),
        Feed(<<"g">>), Feed(<<"\nhalf">>),
        ?assertEqual([{fdnode, R, <<"e\n">>}, {fdnode, R, <<"f\n">>}, {fdnode, R, <<"g\n">>}],
                     msgs(R, 3)),
        Close(),
        ?assertEqual([{fdnode_closed, R}], msgs(R, 1)),   % "half" is dropped
        ok = fdnode_ffi:close(R)
    end).

active_emsgsize_is_an_error_message_test_() ->
    each(fun(Kind) ->
        {R, Feed, _Close} = stream(Kind),
        ok = fdnode_ffi:setopts(R, [{packet, 1}, {packet_size, 2}, {active, true}]),
        Feed(<<2, "ok", 3, "big">>),
        ?assertEqual([{fdnode, R, <<"ok">>}, {fdnode_error, R, emsgsize}], msgs(R, 2)),
        ok = fdnode_ffi:close(R)
    end).

%% The ordering proof of fdnode_order_erl_test, framed: numbered packets of
%% random lengths, written in random splits (a packet over several writes,
%% several packets in one), while the reader flips between active,
%% active_once, {active, N} and passive and hands the descriptor to a
%% fresh process now and then (which takes over the reading). Every packet
%% must arrive whole, once, in order; 20 runs of each.
framed_packets_survive_mode_flips_and_controlling_process_test_() ->
    [{timeout, 120, {lists:flatten(io_lib:format("~p ~p", [K, P])),
                     fun() -> [flips(K, P) || _ <- lists:seq(1, 20)] end}}
     || K <- kinds(), P <- [2, line]].

-define(PACKETS, 400).

flips(Kind, Packet) ->
    Seed = {erlang:unique_integer([positive]), erlang:phash2(make_ref()), 25},
    rand:seed(exsss, Seed),
    {R, Feed, Close} = stream(Kind),
    ok = fdnode_ffi:setopts(R, [{packet, Packet}]),
    Wire = iolist_to_binary([encode(Packet, body(N)) || N <- lists:seq(1, ?PACKETS)]),
    Writer = spawn_link(fun() -> feed_split(Feed, Wire), receive stop -> Close() end end),
    Got = reader_loop(R, 0, [], Seed),
    Writer ! stop,
    ?assertEqual({Kind, Packet, Seed, [body(N) || N <- lists:seq(1, ?PACKETS)]},
                 {Kind, Packet, Seed, lists:reverse(Got)}),
    ok = fdnode_ffi:close(R).

%% "<N>:" then N mod 50 filler bytes: each packet says which it is
body(N) -> <<(integer_to_binary(N))/binary, ":", (binary:copy(<<"x">>, N rem 50))/binary>>.

encode(line, B) -> <<B/binary, "\n">>;
encode(2, B) -> <<(byte_size(B)):16, B/binary>>.

feed_split(_, <<>>) -> ok;
feed_split(Feed, Wire) ->
    N = min(byte_size(Wire), rand:uniform(120)),
    <<Part:N/binary, Rest/binary>> = Wire,
    Feed(Part),
    feed_split(Feed, Rest).

%% Packets as they came, newest first, with `line' bodies stripped of \n.
reader_loop(_R, ?PACKETS, Got, _Seed) -> Got;
reader_loop(_R, Count, _Got, Seed) when Count > ?PACKETS -> error({too_many, Count, Seed});
reader_loop(R, _Count, Got0, Seed) ->
    Got = case rand:uniform(5) of
              1 -> [strip(P) || P <- lists:reverse(passive_one(R))] ++ Got0;
              2 -> take_messages(R, active_once, Got0);
              3 -> take_messages(R, {active, rand:uniform(4)}, Got0);
              4 -> take_messages(R, active, Got0);
              5 -> [strip(hand_over(R)) | Got0]
          end,
    reader_loop(R, length(Got), Got, Seed).

passive_one(R) ->
    case fdnode_ffi:recv(R, 0, ?WAIT) of
        {ok, P} -> [P];
        Other -> error({passive_read, Other})
    end.

%% Sets the mode, takes one message (or what the mode allows), then turns
%% passive; the messages sent before set_mode returned are in the mailbox.
take_messages(R, Mode, Got) ->
    ok = fdnode_ffi:set_mode(R, Mode),
    First = receive {fdnode, R, P} -> [strip(P)] after ?WAIT -> error(no_packet) end,
    ok = fdnode_ffi:set_mode(R, passive),
    lists:reverse(drain(R)) ++ First ++ Got.

drain(R) ->
    receive
        {fdnode, R, P} -> [strip(P) | drain(R)];
        {fdnode_passive, R} -> drain(R);
        {fdnode_closed, R} -> error(unexpected_eof);
        {fdnode_error, R, Why} -> error({active_error, Why})
    after 0 -> []
    end.

%% Control goes to a new process and comes back; the helper reads a packet
%% in between, in active_once mode, and sends it back with the result.
hand_over(R) ->
    Self = self(),
    Helper = spawn_link(fun() ->
                                receive go -> ok end,
                                ok = fdnode_ffi:set_mode(R, active_once),
                                P = receive {fdnode, R, B} -> B after ?WAIT -> error(helper_no_packet) end,
                                receive {fdnode_passive, R} -> ok after ?WAIT -> error(no_passive) end,
                                ok = fdnode_ffi:controlling_process(R, Self),
                                Self ! {helper_packet, self(), P}
                        end),
    ok = fdnode_ffi:controlling_process(R, Helper),
    Helper ! go,
    receive
        {helper_packet, Helper, P} -> P
    after ?WAIT -> error(helper_stuck)
    end.

strip(P) ->
    case binary:last(P) of
        $\n -> binary:part(P, 0, byte_size(P) - 1);
        _ -> P
    end.

msgs(_R, 0) -> [];
msgs(R, N) ->
    receive
        {fdnode, R, _} = M -> [M | msgs(R, N - 1)];
        {fdnode_passive, R} = M -> [M | msgs(R, N - 1)];
        {fdnode_closed, R} = M -> [M | msgs(R, N - 1)];
        {fdnode_error, R, _} = M -> [M | msgs(R, N - 1)]
    after ?WAIT -> error({missing_messages, N})
    end.
