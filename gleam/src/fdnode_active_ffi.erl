%% @doc Adapter of the Gleam module `fdnode/active': the active-delivery and
%% completion messages of docs/protocol.md as the Gleam type `Message'.
%%
%% Message: Received(fd, data) = {received, Fd, Data},
%% DatagramReceived(fd, from, port, data) = {datagram_received, Fd, From, Port, Data},
%% InputClosed(fd) = {input_closed, Fd}, ReadFailed(fd, e) = {read_failed, Fd, E},
%% WentPassive(fd) = {went_passive, Fd}, Completed(op, r) = {completed, Op, R}.
-module(fdnode_active_ffi).

-export([decode_message/1, receive_any/1, receive_from/2]).

%% @doc Any term: `{ok, Message}' for an fdnode message, else `{error, nil}'.
decode_message({fdnode, Fd, Data}) when is_binary(Data) ->
    handle(Fd, {received, Fd, Data});
decode_message({fdnode_udp, Fd, Ip, Port, Data}) when is_tuple(Ip), is_integer(Port),
                                                     is_binary(Data) ->
    handle(Fd, {datagram_received, Fd, fdnode_tcp_ffi:ntoa(Ip), Port, Data});
decode_message({fdnode_closed, Fd}) ->
    handle(Fd, {input_closed, Fd});
decode_message({fdnode_error, Fd, Reason}) ->
    handle(Fd, {read_failed, Fd, fdnode_gleam_ffi:to_error(Reason)});
decode_message({fdnode_passive, Fd}) ->
    handle(Fd, {went_passive, Fd});
decode_message({fdnode_completion, OpId, Result}) when is_integer(OpId) ->
    {ok, {completed, OpId, fdnode_gleam_ffi:unit(Result)}};
decode_message(_) ->
    {error, nil}.

handle(Fd, Message) ->
    case fdnode_ffi:is_handle(Fd) of
        true -> {ok, Message};
        false -> {error, nil}
    end.

%% Waits for one fdnode message of any descriptor; others stay.
receive_any(Timeout) ->
    receive
        {fdnode, _, Data} = M when is_binary(Data) -> decode_message(M);
        {fdnode_udp, _, _, _, _} = M -> taken(M);
        {fdnode_closed, _} = M -> taken(M);
        {fdnode_error, _, _} = M -> taken(M);
        {fdnode_passive, _} = M -> taken(M);
        {fdnode_completion, _, _} = M -> taken(M)
    after Timeout ->
        {error, timeout}
    end.

%% Only messages about `Fd' are taken; others stay in the mailbox.
receive_from(Fd, Timeout) ->
    receive
        {fdnode, Fd, Data} = M when is_binary(Data) -> decode_message(M);
        {fdnode_udp, Fd, _, _, _} = M -> taken(M);
        {fdnode_closed, Fd} = M -> taken(M);
        {fdnode_error, Fd, _} = M -> taken(M);
        {fdnode_passive, Fd} = M -> taken(M)
    after Timeout ->
        {error, timeout}
    end.

%% A message of fdnode's shape that is not really one (a forged handle): the
%% receive took it, so say so rather than wait on.
taken(M) ->
    case decode_message(M) of
        {ok, _} = Ok -> Ok;
        {error, nil} -> {error, badarg}
    end.
