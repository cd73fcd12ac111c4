%% @doc Issue 24: `controlling_process' moves the messages already delivered
%% to the old controller, as `gen_tcp' does. Every kind of active message of
%% that descriptor (data, end of input, read error, the passive notice, UDP
%% datagrams) waiting in the old controller's mailbox reaches the new one,
%% in order and before anything delivered later; the mode (and the count of
%% `{active, N}') is what it was; other messages stay where they were. On
%% pipes and FIFOs, a directory (a read error), UDP sockets, and a new
%% controller on another BEAM node. Before the fix the new controller got
%% only what came after the hand-over and the rest stayed with the old one.
-module(fdnode_handover_erl_test).
-include_lib("eunit/include/eunit.hrl").

-define(WAIT, 5000).    % a message or answer that must come
-define(QUIET, 200).    % ms in which nothing may come

data_in_active_mode_moves_with_control_pipe_test() -> data_in_active_mode(pipe).
data_in_active_mode_moves_with_control_fifo_test() -> data_in_active_mode(fifo).
active_once_chunk_and_notice_move_with_control_pipe_test() -> active_once(pipe).
active_once_chunk_and_notice_move_with_control_fifo_test() -> active_once(fifo).
active_n_keeps_its_count_across_the_hand_over_pipe_test() -> active_n(pipe).
active_n_keeps_its_count_across_the_hand_over_fifo_test() -> active_n(fifo).
end_of_input_moves_with_control_pipe_test() -> end_of_input(pipe).
end_of_input_moves_with_control_fifo_test() -> end_of_input(fifo).

%% `set_mode(active)', two chunks in the old controller's mailbox, hand-over,
%% one more chunk: the new controller gets all three in order.
data_in_active_mode(Kind) ->
    Node = fdnode_test_ffi:shared_node(),
    {R, W} = pair(Node, Kind),
    ok = fdnode_ffi:set_mode(R, active),
    self() ! {unrelated, 1},
    in_mailbox(R, W, <<"a">>),
    self() ! {unrelated, 2},
    in_mailbox(R, W, <<"b">>),
    N = new_controller(),
    ?assertEqual(ok, fdnode_ffi:controlling_process(R, N)),
    ?assertEqual([], about(R, own_mailbox())),
    ok = fdnode_ffi:write(W, <<"c">>),
    ?assertEqual([{fdnode, R, <<"a">>}, {fdnode, R, <<"b">>}, {fdnode, R, <<"c">>}],
                 via(N, R, 3)),
    ?assertMatch({ok, #{controller := N, owner := N, mode := active}}, fdnode_ffi:info(R)),
    ?assertEqual([{unrelated, 1}, {unrelated, 2}], own_mailbox()),
    flush(),
    done(N, [R, W]).

%% The one chunk of `active_once' and its `fdnode_passive' both move; the
%% descriptor stays passive.
active_once(Kind) ->
    Node = fdnode_test_ffi:shared_node(),
    {R, W} = pair(Node, Kind),
    ok = fdnode_ffi:set_mode(R, active_once),
    ok = fdnode_ffi:write(W, <<"a">>),
    true = fdnode_test_ffi:await_in_mailbox(fun({fdnode_passive, X}) -> X =:= R end, ?WAIT),
    N = new_controller(),
    ?assertEqual(ok, fdnode_ffi:controlling_process(R, N)),
    ?assertEqual([{fdnode, R, <<"a">>}, {fdnode_passive, R}], via(N, R, 2)),
    ?assertMatch({ok, #{controller := N, mode := passive}}, fdnode_ffi:info(R)),
    ok = fdnode_ffi:write(W, <<"b">>),
    ?assertEqual([], via(N, R, 1, ?QUIET)),
    done(N, [R, W]).

%% `{active, 3}', two chunks delivered: one message left, after the
%% hand-over too; then `fdnode_passive' to the new controller.
active_n(Kind) ->
    Node = fdnode_test_ffi:shared_node(),
    {R, W} = pair(Node, Kind),
    ok = fdnode_ffi:set_mode(R, {active, 3}),
    in_mailbox(R, W, <<"a">>),
    in_mailbox(R, W, <<"b">>),
    N = new_controller(),
    ?assertEqual(ok, fdnode_ffi:controlling_process(R, N)),
    ?assertMatch({ok, #{mode := {active, 1}}}, fdnode_ffi:info(R)),
    ok = fdnode_ffi:write(W, <<"c">>),
    ?assertEqual([{fdnode, R, <<"a">>}, {fdnode, R, <<"b">>}, {fdnode, R, <<"c">>},
                  {fdnode_passive, R}], via(N, R, 4)),
    done(N, [R, W]).

end_of_input(Kind) ->
    Node = fdnode_test_ffi:shared_node(),
    {R, W} = pair(Node, Kind),
    ok = fdnode_ffi:set_mode(R, active),
    in_mailbox(R, W, <<"last">>),
    ok = fdnode_ffi:close(W),
    true = fdnode_test_ffi:await_in_mailbox(fun({fdnode_closed, X}) -> X =:= R end, ?WAIT),
    N = new_controller(),
    ?assertEqual(ok, fdnode_ffi:controlling_process(R, N)),
    ?assertEqual([{fdnode, R, <<"last">>}, {fdnode_closed, R}], via(N, R, 2)),
    done(N, [R]).

%% A directory cannot be read: in an active mode that is a read error.
read_error_moves_with_control_test() ->
    Node = fdnode_test_ffi:shared_node(),
    Dir = fdnode_test_ffi:fresh_path(<<"handover_dir">>),
    ok = file:make_dir(Dir),
    {ok, D} = fdnode_ffi:open(Node, Dir, [read]),
    ok = fdnode_ffi:set_mode(D, active),
    true = fdnode_test_ffi:await_in_mailbox(fun({fdnode_error, X, _}) -> X =:= D end, ?WAIT),
    N = new_controller(),
    ?assertEqual(ok, fdnode_ffi:controlling_process(D, N)),
    ?assertEqual([{fdnode_error, D, eisdir}], via(N, D, 1)),
    done(N, [D]),
    ok = file:del_dir(Dir).

datagrams_move_with_control_test() ->
    Node = fdnode_test_ffi:shared_node(),
    {ok, U} = fdnode_ffi:udp_open(Node, 0, [{ip, loopback}]),
    {ok, S} = fdnode_ffi:udp_open(Node, 0, [{ip, loopback}]),
    {ok, Port} = fdnode_ffi:port(U),
    {ok, From} = fdnode_ffi:port(S),
    ok = fdnode_ffi:set_mode(U, active),
    ok = fdnode_ffi:send_to(S, {127, 0, 0, 1}, Port, <<"d1">>),
    true = fdnode_test_ffi:await_in_mailbox(
             fun({fdnode_udp, X, _, _, <<"d1">>}) -> X =:= U end, ?WAIT),
    N = new_controller(),
    ?assertEqual(ok, fdnode_ffi:controlling_process(U, N)),
    ok = fdnode_ffi:send_to(S, {127, 0, 0, 1}, Port, <<"d2">>),
    ?assertEqual([{fdnode_udp, U, {127, 0, 0, 1}, From, <<"d1">>},
                  {fdnode_udp, U, {127, 0, 0, 1}, From, <<"d2">>}], via(N, U, 2)),
    ok = fdnode_ffi:close(S),
    done(N, [U]).

%% A new controller on another BEAM node: what moves reaches it before
%% what the Java node sends it later, although they come from two senders.
hand_over_to_another_beam_moves_the_messages_first_test_() ->
    {timeout, 60, fun() ->
        Node = fdnode_test_ffi:shared_node(),
        Peer = fdnode_peers_test_ffi:start("fdnode_handover_peer"),
        #{node := PeerNode} = Peer,
        try
            {R, W} = pair(Node, pipe),
            ok = fdnode_ffi:set_mode(R, active),
            Pieces = [<<I:32>> || I <- lists:seq(1, 50)],
            [in_mailbox(R, W, P) || P <- Pieces],
            Self = self(),
            N = spawn(PeerNode, fun() -> forward_to(Self) end),
            ?assertEqual(ok, fdnode_ffi:controlling_process(R, N)),
            ok = fdnode_ffi:write(W, <<"after">>),
            ?assertEqual([{fdnode, R, P} || P <- Pieces ++ [<<"after">>]], via(N, R, 51)),
            ok = fdnode_ffi:close(W),
            ?assertEqual([{fdnode_closed, R}], via(N, R, 1)),
            N ! {stop, self()},
            receive {stopped, N} -> ok after ?WAIT -> error(peer_controller_stuck) end
        after
            fdnode_peers_test_ffi:stop(Peer)
        end
    end}.

%% Control that does not move moves no message.
refused_hand_over_moves_nothing_test() ->
    Node = fdnode_test_ffi:shared_node(),
    {R, W} = pair(Node, pipe),
    ok = fdnode_ffi:set_mode(R, active),
    in_mailbox(R, W, <<"mine">>),
    Other = new_controller(),
    %% not the controller: refused, and its mailbox (nothing of R) untouched
    Me = self(),
    ?assertEqual({error, not_owner},
                 fdnode_test_ffi:run_in(Other, fun() -> fdnode_ffi:controlling_process(R, Me) end)),
    %% to itself: nothing to move, the mailbox keeps its order
    self() ! {unrelated, 1},
    ?assertEqual(ok, fdnode_ffi:controlling_process(R, self())),
    ?assertEqual([{fdnode, R, <<"mine">>}, {unrelated, 1}], own_mailbox()),
    ?assertMatch({ok, #{controller := Me, mode := active}}, fdnode_ffi:info(R)),
    flush(),
    done(Other, [R, W]).

%% Control handed back and forth 300 times between two processes while
%% numbered frames stream in: each takes a few messages, reports what it
%% took, and hands over. The reports, in turn order, must be the stream,
%% every frame once and in order: nothing stranded with a former controller,
%% nothing forwarded behind later data.
streaming_through_300_hand_overs_loses_and_reorders_nothing_pipe_test_() ->
    {timeout, 60, fun() -> streaming(pipe) end}.

streaming_through_300_hand_overs_loses_and_reorders_nothing_fifo_test_() ->
    {timeout, 60, fun() -> streaming(fifo) end}.

-define(HAND_OVERS, 300).

streaming(Kind) ->
    Node = fdnode_test_ffi:shared_node(),
    {R, W} = pair(Node, Kind),
    Frames = 4 * ?HAND_OVERS,
    Mode = lists:nth(rand:uniform(2), [active, {active, 5}]),
    ok = fdnode_ffi:set_mode(R, Mode),
    Self = self(),
    Writer = spawn_link(fun() -> receive go -> write_frames(W, 0, Frames) end end),
    ok = fdnode_ffi:controlling_process(W, Writer),
    Writer ! go,
    [P1, P2] = Ps = [spawn_link(fun() -> turns(Self, R, Mode, Frames * 8) end) || _ <- [1, 2]],
    ok = fdnode_ffi:controlling_process(R, P1),
    P1 ! {go, P2, ?HAND_OVERS, 0},
    Stream = reports(Ps, <<>>),
    ?assertEqual(ok, frames_in_order(Stream, 0, Frames)),
    [P ! stop || P <- Ps],
    ok = fdnode_ffi:close(R),
    Writer ! {close, self()},
    receive {closed, Writer} -> ok after ?WAIT -> error(writer_stuck) end.

write_frames(W, Seq, Frames) when Seq >= Frames ->
    receive {close, From} -> ok = fdnode_ffi:close(W), From ! {closed, self()} end;
write_frames(W, Seq, Frames) ->
    K = min(rand:uniform(8), Frames - Seq),
    ok = fdnode_ffi:write(W, [<<S:32, (S bxor 16#5A5A5A5A):32>> || S <- lists:seq(Seq, Seq + K - 1)],
                          ?WAIT),
    write_frames(W, Seq + K, Frames).

%% One controller: on its turn it takes up to 3 messages of R (data, and
%% for {active, N} the passive notice, after which it asks for N more),
%% reports them, and hands R to the other, which gets the next turn. Got:
%% the bytes taken in all turns so far; the last turn takes what is left.
turns(Test, R, Mode, Total) ->
    receive
        {go, Other, Left, Got} ->
            Wanted = case Left of 0 -> Total; _ -> rand:uniform(4) - 1 end,
            Data = take_turn(R, Mode, Wanted, Total - Got, <<>>),
            Test ! {report, self(), Data, Left},
            case Left of
                0 -> ok;
                _ ->
                    ok = fdnode_ffi:controlling_process(R, Other),
                    Other ! {go, self(), Left - 1, Got + byte_size(Data)}
            end,
            turns(Test, R, Mode, Total);
        stop -> ok
    end.

%% Up to Wanted messages, while bytes are due.
take_turn(_, _, Wanted, Due, Acc) when Wanted =< 0; byte_size(Acc) >= Due -> Acc;
take_turn(R, Mode, Wanted, Due, Acc) ->
    receive
        {fdnode, R, D} -> take_turn(R, Mode, Wanted - 1, Due, <<Acc/binary, D/binary>>);
        {fdnode_passive, R} ->
            ok = fdnode_ffi:set_mode(R, Mode),
            take_turn(R, Mode, Wanted, Due, Acc);
        {fdnode_closed, R} -> error(unexpected_eof);
        {fdnode_error, R, Why} -> error({active_error, Why})
    after ?WAIT -> error({stalled, self(), byte_size(Acc), Due})
    end.

%% The reports in turn order, up to the last turn's.
reports(Ps, Acc) ->
    receive
        {report, P, Data, Left} ->
            true = lists:member(P, Ps),
            case Left of
                0 -> <<Acc/binary, Data/binary>>;
                _ -> reports(Ps, <<Acc/binary, Data/binary>>)
            end
    after 2 * ?WAIT -> error({reports_stopped, byte_size(Acc)})
    end.

frames_in_order(<<>>, Frames, Frames) -> ok;
frames_in_order(<<S:32, C:32, Rest/binary>>, S, Frames) when C =:= S bxor 16#5A5A5A5A ->
    frames_in_order(Rest, S + 1, Frames);
frames_in_order(Bin, Expected, _) ->
    {bad, Expected, binary:part(Bin, 0, min(16, byte_size(Bin)))}.

%% ---------------------------------------------------------------- helpers

%% Both ends of a pipe or a FIFO, owned by this process.
pair(Node, pipe) ->
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    {R, W};
pair(Node, fifo) ->
    Path = fdnode_test_ffi:fresh_path(<<"handover_fifo">>),
    "" = os:cmd("mkfifo " ++ binary_to_list(Path)),
    Self = self(),
    Opener = spawn_link(fun() ->
                                {ok, W} = fdnode_ffi:open(Node, Path, [write], ?WAIT),
                                ok = fdnode_ffi:controlling_process(W, Self),
                                Self ! {writer, self(), W}
                        end),
    {ok, R} = fdnode_ffi:open(Node, Path, [read], ?WAIT),
    W = receive {writer, Opener, Fd} -> Fd after ?WAIT -> error(fifo_writer_open) end,
    ok = file:delete(Path),
    {R, W}.

%% Writes Piece and waits until its chunk is in this process's mailbox.
in_mailbox(R, W, Piece) ->
    ok = fdnode_ffi:write(W, Piece),
    true = fdnode_test_ffi:await_in_mailbox(fun({fdnode, X, P}) -> X =:= R andalso P =:= Piece end,
                                            ?WAIT).

%% A process that sends everything it gets to this one, tagged, and runs
%% funs for it (fdnode_test_ffi:run_in/2).
new_controller() ->
    Self = self(),
    spawn_link(fun() -> forward_to(Self) end).

forward_to(To) ->
    receive
        {run, From, Ref, F} -> From ! {Ref, F()}, forward_to(To);
        {stop, From} -> From ! {stopped, self()};
        M -> To ! {via, self(), M}, forward_to(To)
    end.

%% The next Count messages about Fd that N received, in order; fewer if
%% they do not come within Timeout of each other.
via(N, Fd, Count) -> via(N, Fd, Count, ?WAIT).

via(_, _, 0, _) -> [];
via(N, Fd, Count, Timeout) ->
    receive
        {via, N, M} when element(2, M) =:= Fd -> [M | via(N, Fd, Count - 1, Timeout)]
    after Timeout -> []
    end.

own_mailbox() ->
    {messages, Ms} = process_info(self(), messages),
    Ms.

about(Fd, Ms) -> [M || M <- Ms, is_tuple(M), tuple_size(M) >= 2, element(2, M) =:= Fd].

flush() -> receive _ -> flush() after 0 -> ok end.

done(N, Fds) ->
    [ok = fdnode_ffi:close(Fd) || Fd <- Fds],
    unlink(N),
    N ! {stop, self()},
    receive {stopped, N} -> ok after ?WAIT -> error(new_controller_stuck) end.
