%% @doc Ordering and liveness across mode switches, proved by sequence
%% numbers: 1000 runs on a pipe, 1000 on a FIFO and 1000 on a non-blocking
%% FIFO (`[read, nonblock]', whose passive `read' says `eagain' when it is
%% empty), all on one Java node. In each run a writer process sends numbered
%% frames while the reader flips the read end at random between `active',
%% `active_once' and `passive' (often right after asking for active data and
%% before any arrived, so an active read can be in flight when a passive
%% `read' starts). The reader rebuilds the byte stream in the order it sees
%% it: chunks already in its mailbox when `set_mode' returns come before the
%% next passive `read'. Every frame must arrive exactly once and in order; a
%% reorder is reported as such (which sequence number came after which, in
%% which run, after which mode steps) and fails the test. Liveness: while
%% frames are still to come, no more than ?LIVE ms may pass without new
%% bytes, whether awaited as messages or read; a stall is reported with what
%% the node says and what a passive read then finds. The seed is printed;
%% rerun one with FDNODE_ORDER_SEED="{A,B,C}"; FDNODE_ORDER_RUNS sets the
%% runs per kind (default 1000).
-module(fdnode_order_erl_test).
-include_lib("eunit/include/eunit.hrl").

-define(FRAMES, 128).           % per run: 128 x 8 bytes
-define(WAIT, 15000).           % set-up and tear-down steps that must come
-define(LIVE, 1000).            % most ms without new bytes while frames are due
-define(CHECK, 16#A5A5A5A5).

pipe_ordering_across_1000_runs_of_random_mode_flips_test_() ->
    {timeout, 110, fun() -> runs(pipe, 0) end}.

fifo_ordering_across_1000_runs_of_random_mode_flips_test_() ->
    {timeout, 110, fun() -> runs(fifo, 0) end}.

%% Issue 24's stall: with the node's reader threads busy with two other
%% streams, a readiness event could wait long enough for the reader to
%% turn passive, read its input and turn active again; the stale event
%% then read nothing (EAGAIN), sent `{fdnode_error, Fd, eagain}' and
%% delivery stopped. Before the fix this failed in 3 of 4 suites
%% (fdnode_stall_erl_test makes that event stale every time).
nonblocking_fifo_ordering_and_liveness_on_a_busy_node_test_() ->
    {timeout, 110, fun() -> runs(nonblocking_fifo, 2) end}.

%% Kind: pipe, fifo or nonblocking_fifo; Noise: streams kept going meanwhile.
runs(Kind, Noise) ->
    Node = fdnode_test_ffi:shared_node(),
    Seed = seed(),
    rand:seed(exsss, Seed),
    Fifo = case Kind of
               pipe -> none;
               _ ->
                   F = fdnode_test_ffi:fresh_path(<<"order_fifo">>),
                   "" = os:cmd("mkfifo " ++ binary_to_list(F)),
                   F
           end,
    T0 = erlang:monotonic_time(millisecond),
    Runs = list_to_integer(os:getenv("FDNODE_ORDER_RUNS", "1000")),
    ?assert(Runs >= 1),
    Streams = [noise(Node) || _ <- lists:seq(1, Noise)],
    Steps = lists:sum([run_in_context(Node, Kind, Fifo, N, Seed) || N <- lists:seq(1, Runs)]),
    NoiseMiB = lists:sum([stop_noise(X) || X <- Streams]),
    Ms = erlang:monotonic_time(millisecond) - T0,
    io:format(user, "~norder (~p): ~b runs, ~b frames each, ~b mode steps, 0 reordered, "
              "0 lost, 0 doubled, 0 stalled, ~b ms, ~b other streams moving ~b MiB "
              "(seed ~w)~n",
              [Kind, Runs, ?FRAMES, Steps, Ms, Noise, NoiseMiB, Seed]),
    Fifo =/= none andalso file:delete(Fifo),
    ?assertNot(fdnode_test_ffi:has_fd_to(Node, Fifo)).

%% Other streams on the same node, so its active reader threads are busy
%% and a readiness event waits for one: a pipe in `active' mode with a
%% writer filling it in 64 KiB writes and a controller taking every chunk.
noise(Node) ->
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    Consumer = spawn_link(fun() ->
                                  receive go -> ok = fdnode_ffi:set_mode(R, active) end,
                                  consume(R, 0)
                          end),
    ok = fdnode_ffi:controlling_process(R, Consumer),
    Consumer ! go,
    Piece = binary:copy(<<1>>, 65536),
    Writer = spawn_link(fun() -> receive go -> noise_write(W, Piece) end end),
    ok = fdnode_ffi:controlling_process(W, Writer),
    Writer ! go,
    {Consumer, Writer}.

consume(R, N) ->
    receive
        {fdnode, R, D} -> consume(R, N + byte_size(D));
        {fdnode_closed, R} ->
            ok = fdnode_ffi:close(R),
            receive {stop, From} -> From ! {consumed, self(), N} end
    end.

noise_write(W, Piece) ->
    receive
        stop -> ok = fdnode_ffi:close(W)
    after 0 ->
        ok = fdnode_ffi:write(W, Piece, ?WAIT),
        noise_write(W, Piece)
    end.

%% Stops the writer (the consumer then sees end of input); the MiB moved.
stop_noise({Consumer, Writer}) ->
    Writer ! stop,
    Consumer ! {stop, self()},
    receive {consumed, Consumer, N} -> N div 1048576 after ?WAIT -> error(noise_stuck) end.

seed() ->
    case os:getenv("FDNODE_ORDER_SEED") of
        false -> {erlang:unique_integer([positive]), erlang:phash2(make_ref()), os:system_time()};
        S ->
            {ok, Toks, _} = erl_scan:string(S ++ "."),
            {ok, T} = erl_parse:parse_term(Toks),
            T
    end.

run_in_context(Node, Kind, Fifo, N, Seed) ->
    try run(Node, Kind, Fifo, N, Seed)
    catch error:Why:Stack -> erlang:raise(error, {Why, {kind, Kind}, {run, N}, {seed, Seed}}, Stack)
    end.

%% One run: fresh descriptors, a writer, random flips until every byte is
%% in; then the check. Returns the number of mode steps taken.
run(Node, Kind, Fifo, N, Seed) ->
    Total = ?FRAMES * 8,
    {R, Writer} = open_pair(Node, Kind, Fifo),
    {Stream, Trace} = read_all(R, Total, <<>>, [], now_ms()),
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
open_pair(Node, Kind, Fifo) ->
    Self = self(),
    Writer = spawn_link(fun() ->
                                %% opening a FIFO waits for the other end
                                {ok, W} = fdnode_ffi:open(Node, Fifo, [write], ?WAIT),
                                Self ! {writer_open, self()},
                                write_frames(W, 0),
                                await_done(W)
                        end),
    Options = case Kind of
                  fifo -> [read];
                  nonblocking_fifo -> [read, nonblock]
              end,
    {ok, R} = fdnode_ffi:open(Node, Fifo, Options, ?WAIT),
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
%% Since: when the last new bytes came; every wait ends ?LIVE ms after it.
read_all(_R, Total, Acc, Trace, _Since) when byte_size(Acc) >= Total ->
    {Acc, Trace};
read_all(R, Total, Acc0, Trace0, Since0) ->
    Step = length(Trace0) + 1,
    Mode = lists:nth(rand:uniform(3), [active, active_once, passive]),
    ok = fdnode_ffi:set_mode(R, Mode),
    %% what was sent before set_mode returned is in the mailbox already
    Drained = drain(R),
    Trace1 = [{Step, Mode, drained_after_set_mode, Drained} || Drained =/= <<>>] ++ Trace0,
    Acc1 = <<Acc0/binary, Drained/binary>>,
    Since1 = progress(Drained, Since0),
    Left = Total - byte_size(Acc1),
    Ctx = {Acc1, [{Step, Mode, awaiting, <<>>} | Trace1], Since1},
    {How, Data} =
        case Mode of
            _ when Left =< 0 -> {none, <<>>};
            passive ->
                case fdnode_ffi:read(R, rand:uniform(Left + 16), budget(Ctx)) of
                    {ok, D} -> {passive_read, D};
                    %% a non-blocking FIFO with nothing in it yet
                    {error, eagain} -> {passive_read_eagain, <<>>};
                    {error, timeout} -> no_chunk(R, Ctx);
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
                                {chunk, await_once(R, <<>>, Ctx)}
                        end;
                    2 ->
                        {chunk, await_chunk(R, Ctx)}
                end
        end,
    Since2 = progress(Data, Since1),
    case now_ms() - Since2 > ?LIVE of
        true -> no_chunk(R, Ctx); % steps that each found nothing: a stall too
        false -> ok
    end,
    read_all(R, Total, <<Acc1/binary, Data/binary>>, [{Step, Mode, How, Data} | Trace1], Since2).

now_ms() -> erlang:monotonic_time(millisecond).

progress(<<>>, Since) -> Since;
progress(_, _) -> now_ms().

%% What is left of ?LIVE since the last new bytes.
budget({_, _, Since}) -> max(0, ?LIVE - (now_ms() - Since)).

await_once(R, Got, Ctx) ->
    receive
        {fdnode, R, Data} -> await_once(R, <<Got/binary, Data/binary>>, Ctx);
        {fdnode_passive, R} -> Got;
        {fdnode_closed, R} -> error(unexpected_eof);
        {fdnode_error, R, Why} -> error({active_error, Why})
    after budget(Ctx) ->
        case Got of
            <<>> -> no_chunk(R, Ctx);
            _ -> error({no_passive_notice_after, byte_size(Got)})
        end
    end.

await_chunk(R, Ctx) ->
    receive
        {fdnode, R, Data} -> Data;
        {fdnode_closed, R} -> error(unexpected_eof);
        {fdnode_error, R, Why} -> error({active_error, Why})
    after budget(Ctx) -> no_chunk(R, Ctx)
    end.

%% No new bytes for ?LIVE ms although the writer has frames left.
no_chunk(R, {Acc, Trace, Since}) ->
        %% what the node says, and what a passive read then finds
        Info = fdnode_ffi:info(R),
        ok = fdnode_ffi:set_mode(R, passive),
        Late = drain(R),
        Evidence = [{no_new_bytes_for_ms, now_ms() - Since},
                    {bytes_in, byte_size(Acc)}, {check, check(Acc, 0)},
                    {info, Info}, {late, Late},
                    {passive_read_seqs, case fdnode_ffi:read(R, 4096, 2000) of
                                            {ok, B} -> seqs(B, 0);
                                            Other -> Other
                                        end},
                    {pieces, lists:sublist(lists:reverse(pieces(lists:reverse(Trace), 0)), 12)}],
        io:format(user, "~nSTALLED: ~lp~n", [Evidence]),
        error({stalled, Evidence}).

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
