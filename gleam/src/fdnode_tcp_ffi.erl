%% @doc Adapter of the Gleam module `fdnode/tcp' over {@link fdnode_ffi}.
%% Gleam `SocketOption' constructors are already the option terms of
%% fdnode_ffi (`Nodelay(True)' = `{nodelay, true}', `Ip(s)' = `{ip, S}',
%% `Inet6' = `inet6'); addresses come back as strings (`inet:ntoa/1').
-module(fdnode_tcp_ffi).

-export([listen/4, accept/2, connect/5, send/3, recv/3, set_options/3, get_options/3,
         set_packet/4,
         peername/2, sockname/2, ntoa/1]).

-import(fdnode_gleam_ffi, [value/1, data/1]).

listen(Node, Port, Options, Timeout) -> value(fdnode_ffi:tcp_listen(Node, Port, Options, Timeout)).

accept(Listener, Timeout) -> value(fdnode_ffi:accept(Listener, Timeout)).

connect(Node, Host, Port, Options, Timeout) ->
    value(fdnode_ffi:tcp_connect(Node, Host, Port, Options, Timeout)).

send(Fd, Data, Timeout) -> value(fdnode_ffi:send(Fd, Data, Timeout)).

recv(Fd, Size, Timeout) -> data(fdnode_ffi:recv(Fd, Size, Timeout)).

set_options(Fd, Options, Timeout) -> value(fdnode_ffi:setopts(Fd, Options, Timeout)).

set_packet(Fd, Packet, Size, Timeout) ->
    value(fdnode_ffi:setopts(Fd, fdnode_gleam_ffi:packet_options(Packet, Size), Timeout)).

%% OptionName -> the protocol's option name
get_options(Fd, Names, Timeout) ->
    value(fdnode_ffi:getopts(Fd, [option_name(N) || N <- Names], Timeout)).

option_name(nodelay_name) -> nodelay;
option_name(keepalive_name) -> keepalive;
option_name(reuseaddr_name) -> reuseaddr;
option_name(sndbuf_name) -> sndbuf;
option_name(recbuf_name) -> recbuf.

peername(Fd, Timeout) -> address(fdnode_ffi:peername(Fd, Timeout)).

sockname(Fd, Timeout) -> address(fdnode_ffi:sockname(Fd, Timeout)).

address({ok, {Ip, Port}}) -> {ok, {ntoa(Ip), Port}};
address(Other) -> value(Other).

%% @doc An inet address tuple as a Gleam String.
ntoa(Ip) -> unicode:characters_to_binary(inet:ntoa(Ip)).
