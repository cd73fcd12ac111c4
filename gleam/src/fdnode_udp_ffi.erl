%% @doc Adapter of the Gleam module `fdnode/udp' over {@link fdnode_ffi}.
-module(fdnode_udp_ffi).

-export([open/4, send_to/5, recv_from/2]).

-import(fdnode_gleam_ffi, [value/1]).

open(Node, Port, Options, Timeout) -> value(fdnode_ffi:udp_open(Node, Port, Options, Timeout)).

send_to(Fd, Host, Port, Data, Timeout) -> value(fdnode_ffi:send_to(Fd, Host, Port, Data, Timeout)).

%% Datagram(from, port, data)
recv_from(Fd, Timeout) ->
    case fdnode_ffi:recv_from(Fd, Timeout) of
        {ok, {Ip, Port, Data}} -> {ok, {datagram, fdnode_tcp_ffi:ntoa(Ip), Port, Data}};
        Other -> value(Other)
    end.
