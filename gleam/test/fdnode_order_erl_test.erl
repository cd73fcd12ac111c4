%% @doc Ordering across mode switches, proved by sequence numbers: 1000 runs
%% on a pipe and 1000 on a FIFO. In each run a writer process sends numbered
%% frames while the reader flips the read end at random between `active',
%% `active_once' and `passive' (often right after asking for active data and
%% before any arrived, so an active read can be in flight when a passive
%% `read' starts). The reader rebuilds the byte stream in the order it sees
%% it: chunks already in its mailbox when `set_mode' returns come before the
%% next passive `read'. Every frame must arrive exactly once and in order; a
%% reorder is reported as such (which sequence number came after which, in
%% which run, after which mode steps) and fails the test. The seed
%% is printed; rerun one with
%% FDNODE_ORDER_SEED="{A,B,C}"; FDNODE_ORDER_RUNS sets the runs per kind
%% (default 1000).
-module(fdnode_order_erl_test).
-include_lib("eunit/include/eunit.hrl").

-define(FRAMES, 128).           % per run: 128 x 8 bytes
-define(WAIT, 15000).           % a message or a read that must come
-define(CHECK, 16#A5A5A5A5).

pipe_ordering_across_1000_runs_of_random_mode_flips_test_() ->
    {timeout, 110, fun() -> runs(pipe) end}.

fifo_ordering_across_1000_runs_of_random_mode_flips_test_() ->
    {timeout, 110, fun() -> runs(fifo) end}.

runs(Kind) ->
    Node = fdnode_test_ffi:shared_node(),
    Seed = seed(),
    rand:seed(exsss, Seed),
    Fifo = case Kind of
               pipe -> none;
               fifo ->
                   F = fdnode_test_ffi:fresh_path(<<"order_fifo">>),
                   "" = os:cmd("mkfifo " ++ binary_to_list(F)),
                   F
           end,
    T0 = erlang:monotonic_time(millisecond),
    Runs = list_to_integer(os:getenv("FDNODE_ORDER_RUNS", "1000")),
    ?assert(Runs >= 500),
    Steps = lists:sum([run(Node, Kind, Fifo, N, Seed) || N <- lists:seq(1, Runs)]),
    Ms = erlang:monotonic_time(millisecond) - T0,
    io:format(user, "~norder (~p): ~b runs, ~b frames each, ~b mode steps, 0 reordered, "
              "0 lost, 0 doubled, ~b ms (seed ~w)~n",
              [Kind, Runs, ?FRAMES, Steps, Ms, Seed]),
    Fifo =/= none andalso file:delete(Fifo),
    ?assertNot(fdnode_test_ffi:has_fd_to(Node, Fifo)).

seed() ->
    case os:getenv("FDNODE_ORDER_SEED") of
        false -> {erlang:unique_integer([positive]), erlang:phash2(make_ref()), os:system_time()};
        S ->
            {ok, Toks, _} = erl_scan:string(S ++ "."),
            {ok, T} = erl_parse:parse_term(Toks),
            T
    end.

%% One run: fresh descriptors, a writer, random flips until every byte is
%% in; then the check. Returns the number of mode steps taken.
run(Node, Kind, Fifo, N, Seed) ->
    Total = ?FRAMES * 8,
    {R, Writer} = open_pair(Node, Kind, Fifo),
    {Stream, Trace} = read_all(R, Total, <<>>, []),
    %% nothing may come after the last byte: back to passive, then the
    %% mailbox must hold no chunk for R
    ok = fdnode_ffi:set_mode(R, passive),
    Extra = drain(R),
    Writer ! {done, self()},
    receive {writer_closed, Writer} -> ok after ?WAIT -> error(writer_stuck) end,
    ok = fdnode_ffi:close(R),
    %% nothing lost, nothing doubled: the same bytes, whatever their order
    ?assertEqual({Kind, N, lists:sort(binary_to_list(expected()))},
                 {Kind, N, lists:sort(binary_to_list(Stream))}),
    ?assertEqual({Kind, N, <<>>}, {Kind, N, Extra}),
    Steps = lists:max([S || {S, _, _, _} <- Trace]),
    case check(Stream, 0) of
        ok -> Steps;
        {bad, Report} ->
            Evidence = [{kind, Kind}, {run, N}, {seed, Seed}, Report,
                        {pieces, pieces(lists:reverse(Trace), 0)}],
            io:format(user, "~nORDER FAULT: ~lp~n", [Evidence]),
            error({order_fault, Evidence})
    end.

expected() -> iolist_to_binary([frame(S) || S <- lists:seq(0, ?FRAMES - 1)]).

%% Each piece of the stream in arrival order: step, mode, how it came, its
%% byte range, and the sequence numbers of the whole frames in it.
pieces([], _) -> [];
pieces([{_, _, no_wait, <<>>} | Rest], Off) -> pieces(Rest, Off);
pieces([{Step, Mode, awaiting, <<>>} | Rest], Off) -> [{Step, Mode, awaiting} | pieces(Rest, Off)];
pieces([{Step, Mode, How, Bin} | Rest], Off) ->
    Size = byte_size(Bin),
    [{Step, Mode, How, {bytes, Off, Off + Size}, {seqs, seqs(Bin, (8 - Off rem 8) rem 8)}}
     | pieces(Rest, Off + Size)].

seqs(Bin, Skip) when byte_size(Bin) - Skip < 8 -> [];
seqs(Bin, Skip) ->
    <<_:Skip/binary, S:32, C:32, _/binary>> = Bin,
    case C =:= S bxor ?CHECK of
        true -> [S | seqs(Bin, Skip + 8)];
        false -> [{torn, Skip} | seqs(Bin, Skip + 1)]
    end.

%% The read end for this process; the writer (another process) owns the
%% write end and sends every frame, in writes of 1..8 frames.
open_pair(Node, pipe, _) ->
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    Writer = spawn_link(fun() -> write_frames(W, 0), await_done(W) end),
    {R, Writer};
open_pair(Node, fifo, Fifo) ->
    Self = self(),
    Writer = spawn_link(fun() ->
                                %% opening a FIFO waits for the other end
                                {ok, W} = fdnode_ffi:open(Node, Fifo, [write], ?WAIT),
                                Self ! {writer_open, self()},
                                write_frames(W, 0),
                                await_done(W)
                        end),
    {ok, R} = fdnode_ffi:open(Node, Fifo, [read], ?WAIT),
    receive {writer_open, Writer} -> ok after ?WAIT -> error(fifo_writer_open) end,
    {R, Writer}.

write_frames(_, Seq) when Seq >= ?FRAMES -> ok;
write_frames(W, Seq) ->
    K = min(rand:uniform(8), ?FRAMES - Seq),
    ok = fdnode_ffi:write(W, [frame(S) || S <- lists:seq(Seq, Seq + K - 1)], ?WAIT),
    write_frames(W, Seq + K).

await_done(W) ->
    receive {done, From} -> ok = fdnode_ffi:close(W), From ! {writer_closed, self()} end.

frame(Seq) -> <<Seq:32, (Seq bxor ?CHECK):32>>.

%% Mode steps until Total bytes are in. Each step picks a mode; in an
%% active mode it either waits for one chunk or moves on at once. Trace:
%% every piece of the stream as {Step, Mode, How, Bytes}, newest first.
read_all(_R, Total, Acc, Trace) when byte_size(Acc) >= Total ->
    {Acc, Trace};
read_all(R, Total, Acc0, Trace0) ->
    Step = length(Trace0) + 1,
    Mode = lists:nth(rand:uniform(3), [active, active_once, passive]),
    ok = fdnode_ffi:set_mode(R, Mode),
    %% what was sent before set_mode returned is in the mailbox already
    Drained = drain(R),
    Trace1 = [{Step, Mode, drained_after_set_mode, Drained} || Drained =/= <<>>] ++ Trace0,
    Acc1 = <<Acc0/binary, Drained/binary>>,
    Left = Total - byte_size(Acc1),
    {How, Data} =
        case Mode of
            _ when Left =< 0 -> {none, <<>>};
            passive ->
                case fdnode_ffi:read(R, rand:uniform(Left + 16), ?WAIT) of
                    {ok, D} -> {passive_read, D};
                    Other -> error({passive_read, Other, byte_size(Acc1)})
                end;
            _ ->
                case rand:uniform(2) of
                    1 -> {no_wait, <<>>};
                    2 when Mode =:= active_once ->
                        %% its one chunk may be in the drained part already
                        case fdnode_ffi:info(R) of
                            {ok, #{mode := passive}} -> {drained_after_info, drain(R)};
                            {ok, #{mode := active_once}} ->
                                %% its notice is still to come (the chunk
                                %% may be drained already)
                                {chunk, await_once(R, <<>>, {Acc1, [{Step, Mode, awaiting, <<>>} | Trace1]})}
                        end;
                    2 ->
                        {chunk, await_chunk(R, {Acc1, [{Step, Mode, awaiting, <<>>} | Trace1]})}
                end
        end,
    read_all(R, Total, <<Acc1/binary, Data/binary>>, [{Step, Mode, How, Data} | Trace1]).

await_once(R, Got, Ctx) ->
    receive
        {fdnode, R, Data} -> await_once(R, <<Got/binary, Data/binary>>, Ctx);
        {fdnode_passive, R} -> Got
    after ?WAIT -> no_chunk(R, Ctx)
    end.

await_chunk(R, {Acc, Trace}) ->
    receive
        {fdnode, R, Data} -> Data;
        {fdnode_closed, R} -> error(unexpected_eof);
        {fdnode_error, R, Why} -> error({active_error, Why})
    after ?WAIT -> no_chunk(R, {Acc, Trace})
    end.

no_chunk(R, {Acc, Trace}) ->
        %% what the node says, and what a passive read then finds
        Info = fdnode_ffi:info(R),
        ok = fdnode_ffi:set_mode(R, passive),
        Late = drain(R),
        Evidence = [{bytes_in, byte_size(Acc)}, {check, check(Acc, 0)},
                    {info, Info}, {late, Late},
                    {passive_read_seqs, case fdnode_ffi:read(R, 4096, 2000) of
                                            {ok, B} -> seqs(B, 0);
                                            Other -> Other
                                        end},
                    {pieces, pieces(lists:reverse(Trace), 0)}],
        io:format(user, "~nNO ACTIVE CHUNK: ~lp~n", [Evidence]),
        error({no_active_chunk, Evidence}).

%% Every chunk for R already in the mailbox, in order (and any
%% `fdnode_passive' notices, which carry no data).
drain(R) -> drain(R, <<>>).

drain(R, Acc) ->
    receive
        {fdnode, R, Data} -> drain(R, <<Acc/binary, Data/binary>>);
        {fdnode_passive, R} -> drain(R, Acc);
        {fdnode_closed, R} -> error(unexpected_eof);
        {fdnode_error, R, Why} -> error({active_error, Why})
    after 0 -> Acc
    end.

%% Frames 0..FRAMES-1, each once, in order. On a mismatch: the offset, the
%% sequence number expected, and what came instead (a whole frame, or the
%% nearest frame found at another alignment: a chunk out of place).
check(<<>>, ?FRAMES) -> ok;
check(<<>>, N) -> {incomplete, N};
check(<<S:32, C:32, Rest/binary>>, S) when C =:= S bxor ?CHECK -> check(Rest, S + 1);
check(Bin, Expected) ->
    Offset = Expected * 8,
    {bad, {mismatch, [{at_byte, Offset}, {expected_seq, Expected},
                      {after_seq, Expected - 1}, {came_instead, first_frame(Bin, 0)},
                      {bytes, binary:part(Bin, 0, min(24, byte_size(Bin)))}]}}.

first_frame(Bin, Skip) when byte_size(Bin) - Skip < 8 -> {none, byte_size(Bin)};
first_frame(Bin, Skip) ->
    <<_:Skip/binary, S:32, C:32, _/binary>> = Bin,
    case C =:= S bxor ?CHECK of
        true -> {seq, S, at_byte_offset_skew, Skip};
        false -> first_frame(Bin, Skip + 1)
    end.
