%% @doc Issue 24: active delivery must not stall on a readiness event that
%% went stale. The Java node reads active descriptors on two reader threads;
%% an epoll event waits for one of them. If meanwhile the controller turns
%% passive, reads the input that event announced and turns active again, the
%% event is stale when it runs. Before the fix it read anyway: on a
%% non-blocking FIFO that was EAGAIN, sent as `{fdnode_error, Fd, eagain}',
%% and delivery stopped for good (the stall); on a blocking pipe the read
%% waited for the next write on the reader thread, and two idle pipes in
%% that state held both threads, so no descriptor of the node got anything.
%%
%% To make the event wait on purpose, both reader threads are held: two
%% streams in `active' mode go to processes on a peer BEAM that is stopped
%% (SIGSTOP), so their sends block once the connection's buffers are full.
%% A probe pipe's delivery not coming for ?HELD ms says they are held. Then
%% two descriptors of the kind under test get their events queued and made
%% stale; the peer is resumed. Nothing may come from them (their input was
%% read), a third descriptor must be delivered, and so must their next
%% input, each within ?LIVE ms. Private Java node, three rounds on it.
-module(fdnode_stall_erl_test).
-include_lib("eunit/include/eunit.hrl").

-define(WAIT, 15000).   % set-up steps that must come
-define(LIVE, 1000).    % a delivery that must come
-define(HELD, 200).     % no probe delivery for this long: the readers are held
-define(QUIET, 300).    % after the resume, the stale events' time to misbehave
-define(ROUNDS, 3).

stale_events_on_nonblocking_fifos_stall_nothing_test_() ->
    {timeout, 100, fun() -> rounds(nonblocking_fifo) end}.

stale_events_on_idle_pipes_hold_no_reader_thread_test_() ->
    {timeout, 100, fun() -> rounds(pipe) end}.

rounds(Kind) ->
    Node = fdnode_test_ffi:start_private_node(),
    Peer = fdnode_peers_test_ffi:start("fdnode_stall_peer"),
    try
        Noise = [noise(Node, Peer) || _ <- [1, 2]],
        Rounds = [round(Node, Peer, Kind, N) || N <- lists:seq(1, ?ROUNDS)],
        [stop_noise(X) || X <- Noise],
        io:format(user, "~nstale events (~p): ~b rounds, ~b of ~b events stale, readers held "
                  "after ~w probe bytes; 0 errors, 0 stalls~n",
                  [Kind, ?ROUNDS, lists:sum([S || {_, S} <- Rounds]), 2 * ?ROUNDS,
                   [P || {P, _} <- Rounds]])
    after
        resume(Peer),
        fdnode_peers_test_ffi:stop(Peer),
        fdnode_ffi:stop(Node)
    end.

%% One round; returns how many probe bytes it took to see the readers
%% held, and how many of the two events were stale.
round(Node, Peer, Kind, N) ->
    {A, Aw} = pair(Node, Kind, N, a),
    {B, Bw} = pair(Node, Kind, N, b),
    {ok, {C, Cw}} = fdnode_ffi:pipe(Node),
    {ok, {Probe, ProbeW}} = fdnode_ffi:pipe(Node),
    ok = fdnode_ffi:set_mode(Probe, active),
    suspend(Peer),
    Probes = hold_readers(Probe, ProbeW),
    Stale = lists:sum([stale_event(R, W) || {R, W} <- [{A, Aw}, {B, Bw}]]),
    resume(Peer),
    receive
        {fdnode, R0, D0} when R0 =:= A; R0 =:= B -> error({unexpected_data, Kind, D0});
        {fdnode_error, R1, Why} when R1 =:= A; R1 =:= B -> error({stale_event_failed, Kind, Why})
    after ?QUIET -> ok
    end,
    %% a third descriptor gets a reader thread
    ok = fdnode_ffi:set_mode(C, active),
    ok = fdnode_ffi:write(Cw, <<"c">>, ?WAIT),
    <<"c">> = delivered(C, {third_descriptor, Kind, N}),
    %% and the two still deliver
    [begin
         ok = fdnode_ffi:write(W, <<"next">>, ?WAIT),
         <<"next">> = delivered(R, {after_stale_event, Kind, N})
     end || {R, W} <- [{A, Aw}, {B, Bw}]],
    [ok = fdnode_ffi:close(F) || F <- [A, Aw, B, Bw, C, Cw, Probe, ProbeW]],
    flush_probe(Probe),
    {Probes, Stale}.

%% Writes a byte to the active probe until one is not delivered within
%% ?HELD ms: its event is then queued behind the held reader threads. The
%% connection's buffers take some megabytes to fill: up to ?WAIT ms.
hold_readers(Probe, W) ->
    hold_readers(Probe, W, 1, erlang:monotonic_time(millisecond) + ?WAIT).

hold_readers(Probe, W, K, Deadline) ->
    ok = fdnode_ffi:write(W, <<K:32>>, ?WAIT),
    receive
        {fdnode, Probe, _} ->
            case erlang:monotonic_time(millisecond) < Deadline of
                true -> hold_readers(Probe, W, K + 1, Deadline);
                false -> error({reader_threads_never_held, K})
            end
    after ?HELD -> K
    end.

%% Active, one frame in, its event queued; passive, the frame read; active.
%% Returns whether the event was still queued (stale now): a machine slow
%% enough to fool hold_readers/3 delivers the frame instead, which is fine
%% but tests nothing, and is counted.
stale_event(R, W) ->
    ok = fdnode_ffi:set_mode(R, active),
    ok = fdnode_ffi:write(W, <<"stale">>, ?WAIT),
    ok = fdnode_ffi:set_mode(R, passive),
    case mailbox(R) of
        <<>> ->
            ?assertEqual({ok, <<"stale">>}, fdnode_ffi:read(R, 65536, ?WAIT)),
            ok = fdnode_ffi:set_mode(R, active),
            1;
        <<"stale">> ->
            ok = fdnode_ffi:set_mode(R, active),
            0
    end.

delivered(R, Where) ->
    receive
        {fdnode, R, Data} -> Data;
        {fdnode_error, R, Why} -> error({active_error, Why, Where})
    after ?LIVE ->
        error({stalled, Where, fdnode_ffi:info(R)})
    end.

mailbox(R) ->
    receive {fdnode, R, D} -> <<D/binary, (mailbox(R))/binary>>
    after 0 -> <<>>
    end.

flush_probe(Probe) ->
    receive {fdnode, Probe, _} -> flush_probe(Probe);
            {fdnode_closed, Probe} -> flush_probe(Probe)
    after 0 -> ok
    end.

%% The read end for this process, the write end too.
pair(Node, pipe, _, _) ->
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    {R, W};
pair(Node, nonblocking_fifo, N, Name) ->
    Path = fdnode_test_ffi:fresh_path(
             iolist_to_binary(["stall_", atom_to_list(Name), integer_to_list(N)])),
    "" = os:cmd("mkfifo " ++ binary_to_list(Path)),
    Self = self(),
    Opener = spawn_link(fun() ->
                                {ok, W} = fdnode_ffi:open(Node, Path, [write], ?WAIT),
                                ok = fdnode_ffi:controlling_process(W, Self),
                                Self ! {writer, self(), W}
                        end),
    {ok, R} = fdnode_ffi:open(Node, Path, [read, nonblock], ?WAIT),
    W = receive {writer, Opener, Fd} -> Fd after ?WAIT -> error(fifo_writer_open) end,
    ok = file:delete(Path), % both ends are open: the name is no longer needed
    {R, W}.

%% A pipe streaming in `active' mode to a process on the peer, fed in
%% 64 KiB writes from here.
noise(Node, #{node := PeerNode}) ->
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    Consumer = spawn(PeerNode, fun() ->
                                       receive {go, Fd} -> ok = fdnode_ffi:set_mode(Fd, active) end,
                                       consume(Fd)
                               end),
    ok = fdnode_ffi:controlling_process(R, Consumer),
    Consumer ! {go, R},
    Piece = binary:copy(<<1>>, 65536),
    Writer = spawn(fun() -> noise_write(W, Piece) end),
    ok = fdnode_ffi:controlling_process(W, Writer),
    Writer ! go,
    Writer.

consume(Fd) ->
    receive {fdnode, Fd, _} -> consume(Fd);
            {fdnode_closed, Fd} -> fdnode_ffi:close(Fd)
    end.

noise_write(W, Piece) ->
    receive go -> noise_write_loop(W, Piece) end.

noise_write_loop(W, Piece) ->
    receive
        {stop, From} -> ok = fdnode_ffi:close(W), From ! {stopped, self()}
    after 0 ->
        case fdnode_ffi:write(W, Piece, ?WAIT) of
            ok -> noise_write_loop(W, Piece);
            _ -> ok % the round failed and its node is stopping
        end
    end.

stop_noise(Writer) ->
    Writer ! {stop, self()},
    receive {stopped, Writer} -> ok after ?WAIT -> error(noise_writer_stuck) end.

suspend(#{os_pid := OsPid}) -> "" = os:cmd("kill -STOP " ++ OsPid).

resume(#{os_pid := OsPid}) -> "" = os:cmd("kill -CONT " ++ OsPid).
