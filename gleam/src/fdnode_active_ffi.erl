%% @doc Adapters for the active-delivery, TCP and heap functions of the Gleam
%% module `fdnode' (see its "Active delivery" section). Converting only.
-module(fdnode_active_ffi).

-export([receive_event/2, tcp_connect/4, heap_used/2]).

%% Event: Chunk(BitArray) = {chunk, Bin}, EndOfInput = end_of_input,
%% ReadError(e) = {read_error, E}, NowPassive = now_passive.
%% Only messages about `Fd' are taken; others stay in the mailbox.
receive_event(Fd, Timeout) ->
    receive
        {fdnode, Fd, Data} when is_binary(Data) -> {ok, {chunk, Data}};
        {fdnode_closed, Fd} -> {ok, end_of_input};
        {fdnode_error, Fd, Reason} -> {ok, {read_error, fdnode_gleam_ffi:to_error(Reason)}};
        {fdnode_passive, Fd} -> {ok, now_passive}
    after Timeout ->
        {error, timeout}
    end.

tcp_connect(Node, Host, Port, Timeout) ->
    case fdnode_ffi:tcp_connect(Node, Host, Port, Timeout) of
        {ok, Fd} -> {ok, Fd};
        {error, R} -> {error, fdnode_gleam_ffi:to_error(R)}
    end.

heap_used(Node, AfterGc) ->
    Options = case AfterGc of
                  true -> [gc];
                  false -> []
              end,
    case fdnode_ffi:stats_with(Node, Options, fdnode_ffi:default_timeout() + 10000) of
        {ok, #{heap_used := Bytes}} when is_integer(Bytes) -> {ok, Bytes};
        {ok, _} -> {error, {unknown, <<"no heap_used in stats">>}};
        {error, R} -> {error, fdnode_gleam_ffi:to_error(R)}
    end.
