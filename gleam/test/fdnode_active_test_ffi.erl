%% @doc Helpers for fdnode_active_test: real OS writers into FIFOs, a gen_tcp
%% peer, mailbox inspection. Shared-node helpers live in fdnode_test_ffi.
-module(fdnode_active_test_ffi).

-export([make_fifo/1, random_file/2, file_crc/1, start_writer/2, start_two_gate_writer/4,
         open_gate/1, await_writer/2, writer_os_pid/1, wait_writer_blocked/2,
         await_closed/2, poll_closed/1, mailbox_len/0, tcp_peer/1, peer_port/1,
         peer_reset/1, peer_close/1, free_port/0, log/2, drain_crc/2, bytes_read/1,
         await_data_in_mailbox/2, await_passive_in_mailbox/2]).

%% ---------------------------------------------------------------- files

make_fifo(Path) ->
    case os:cmd("mkfifo -m 600 '" ++ unicode:characters_to_list(Path) ++ "' 2>&1") of
        "" -> nil;
        Out -> erlang:error({mkfifo_failed, Out})
    end.

%% Writes Size random bytes to Path; returns their crc32.
random_file(Path, Size) ->
    Bin = rand:bytes(Size),
    ok = file:write_file(Path, Bin),
    erlang:crc32(Bin).

file_crc(Path) ->
    {ok, Bin} = file:read_file(Path),
    erlang:crc32(Bin).

%% ---------------------------------------------------------------- writers

%% A real OS process copying Src into Fifo (dd, 64 KiB blocks). Its open of
%% the FIFO waits for a reader; its exit status arrives as a port message.
start_writer(Src, Fifo) ->
    Dd = os:find_executable("dd"),
    open_port({spawn_executable, Dd},
              [{args, ["if=" ++ to_list(Src), "of=" ++ to_list(Fifo), "bs=65536", "status=none"]},
               exit_status, binary]).

%% A real OS process writing the first FirstBlocks 64 KiB blocks of Src into
%% Fifo, then (after the first open_gate/1) SecondBlocks more, then (after the second) the rest.
%% A test can act while the second part flows and still know the rest
%% cannot arrive before it opens the second gate.
start_two_gate_writer(Src, Fifo, FirstBlocks, SecondBlocks) ->
    Script = "exec > \"$2\"; dd if=\"$1\" bs=65536 count=$3 status=none; read go; "
             "dd if=\"$1\" bs=65536 skip=$3 count=$4 status=none; read go; "
             "exec dd if=\"$1\" bs=65536 skip=$(($3 + $4)) status=none",
    open_port({spawn_executable, "/bin/sh"},
              [{args, ["-c", Script, "sh", to_list(Src), to_list(Fifo),
                       integer_to_list(FirstBlocks), integer_to_list(SecondBlocks)]},
               exit_status, binary]).

open_gate(Port) ->
    true = port_command(Port, <<"go\n">>),
    nil.

%% {ok, ExitStatus} or {error, nil}.
await_writer(Port, Timeout) ->
    receive
        {Port, {exit_status, S}} -> {ok, S}
    after Timeout ->
        {error, nil}
    end.

writer_os_pid(Port) ->
    {os_pid, P} = erlang:port_info(Port, os_pid),
    P.

%% Polls (the OS gives no event for it) until the writer sits in write(2),
%% i.e. the FIFO is full because nobody reads it.
wait_writer_blocked(OsPid, Timeout) ->
    File = "/proc/" ++ integer_to_list(OsPid) ++ "/syscall",
    WriteNr = case erlang:system_info(system_architecture) of
                  "aarch64" ++ _ -> "64";
                  _ -> "1"
              end,
    fdnode_test_ffi:wait_until(
      fun() ->
              case file:read_file(File) of
                  {ok, Line} -> hd(string:lexemes(binary_to_list(Line), " \n")) =:= WriteNr;
                  _ -> false
              end
      end, Timeout).

%% ---------------------------------------------------------------- mailbox

%% Waits for {fdnode_closed, Fd} only, leaving data messages in the mailbox.
await_closed(Fd, Timeout) ->
    receive
        {fdnode_closed, Fd} -> true
    after Timeout -> false
    end.

poll_closed(Fd) -> await_closed(Fd, 0).

mailbox_len() ->
    {message_queue_len, N} = process_info(self(), message_queue_len),
    N.

%% Takes every queued {fdnode, Fd, Data} in order: {Crc, Bytes}.
drain_crc(Fd, Crc) -> drain_crc(Fd, Crc, 0).

drain_crc(Fd, Crc, N) ->
    receive
        {fdnode, Fd, Data} -> drain_crc(Fd, erlang:crc32(Crc, Data), N + byte_size(Data))
    after 0 ->
        {Crc, N}
    end.

%% ---------------------------------------------------------------- TCP peer

%% A gen_tcp listener on 127.0.0.1 that accepts one connection, sends
%% Payload, then on peer_reset/1 closes with an RST (linger 0), on
%% peer_close/1 closes normally.
tcp_peer(Payload) ->
    Self = self(),
    Pid = spawn(fun() ->
                        {ok, L} = gen_tcp:listen(0, [binary, {active, false},
                                                     {ip, {127, 0, 0, 1}}, {reuseaddr, true}]),
                        {ok, Port} = inet:port(L),
                        Self ! {peer_port, self(), Port},
                        {ok, S} = gen_tcp:accept(L, 30000),
                        ok = gen_tcp:send(S, Payload),
                        receive
                            reset ->
                                ok = inet:setopts(S, [{linger, {true, 0}}]),
                                gen_tcp:close(S);
                            close ->
                                gen_tcp:close(S)
                        after 60000 -> gen_tcp:close(S)
                        end,
                        gen_tcp:close(L)
                end),
    receive {peer_port, Pid, P} -> put({peer_port, Pid}, P), Pid
    after 10000 -> erlang:error(tcp_peer_timeout)
    end.

peer_port(Pid) -> get({peer_port, Pid}).

peer_reset(Pid) -> Pid ! reset, nil.
peer_close(Pid) -> Pid ! close, nil.

%% A loopback port nobody listens on (was free a moment ago).
free_port() ->
    {ok, L} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
    {ok, P} = inet:port(L),
    gen_tcp:close(L),
    P.

%% ---------------------------------------------------------------- misc

%% The node's bytes_read counter (raw stats map).
bytes_read(Node) ->
    {ok, #{bytes_read := N}} = fdnode_ffi:stats(Node),
    N.

log(Format, Args) ->
    io:format(user, "fdnode_active_test: " ++ unicode:characters_to_list(Format) ++ "~n", Args),
    nil.

to_list(B) when is_binary(B) -> unicode:characters_to_list(B);
to_list(L) when is_list(L) -> L.

%% ---------------------------------------------------------------- mailbox

%% True once a chunk of Fd is in the caller's mailbox (left there).
await_data_in_mailbox(Fd, Timeout) ->
    fdnode_test_ffi:await_in_mailbox(fun({fdnode, F, _}) -> F =:= Fd end, Timeout).

%% True once Fd's fdnode_passive is in the caller's mailbox (left there).
await_passive_in_mailbox(Fd, Timeout) ->
    fdnode_test_ffi:await_in_mailbox(fun({fdnode_passive, F}) -> F =:= Fd end, Timeout).
