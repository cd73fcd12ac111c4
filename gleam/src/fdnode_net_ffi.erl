%% @doc Adapters for the socket and file functions of the Gleam module
%% `fdnode' (its "Sockets" and "Files" sections). Converting only: Gleam
%% option constructors are already the `fdnode_ffi' option terms
%% (`Nodelay(True)' = `{nodelay, true}', `Ip(s)' = `{ip, S}', `Inet6' =
%% `inet6'); addresses come back as strings (`inet:ntoa/1').
-module(fdnode_net_ffi).

-export([tcp_listen/3, accept/2, tcp_connect/5, send/2, recv/3, udp_open/3, send_to/4,
         recv_from/2, receive_udp/2, set_options/2, get_options/2, peername/1, sockname/1,
         file_info/2, fd_file_info/1, list_dir/2, make_dir/2, delete_file/2, delete_dir/2,
         rename/3]).

tcp_listen(Node, Port, Options) -> value(fdnode_ffi:tcp_listen(Node, Port, Options)).

accept(Listener, Timeout) -> value(fdnode_ffi:accept(Listener, Timeout)).

tcp_connect(Node, Host, Port, Options, Timeout) ->
    value(fdnode_ffi:tcp_connect(Node, Host, Port, Options, Timeout)).

send(Fd, Data) -> value(fdnode_ffi:send(Fd, Data)).

%% Read: Data(Bin) = {data, Bin}, Eof = eof.
recv(Fd, Size, Timeout) ->
    case fdnode_ffi:recv(Fd, Size, Timeout) of
        {ok, Bin} -> {ok, {data, Bin}};
        eof -> {ok, eof};
        Other -> value(Other)
    end.

udp_open(Node, Port, Options) -> value(fdnode_ffi:udp_open(Node, Port, Options)).

send_to(Fd, Host, Port, Data) -> value(fdnode_ffi:send_to(Fd, Host, Port, Data)).

%% Datagram(from, port, data)
recv_from(Fd, Timeout) ->
    case fdnode_ffi:recv_from(Fd, Timeout) of
        {ok, {Ip, Port, Data}} -> {ok, {datagram, ntoa(Ip), Port, Data}};
        Other -> value(Other)
    end.

%% UdpEvent: UdpData(Datagram) | UdpError(FdError) | UdpPassive; only about Fd.
receive_udp(Fd, Timeout) ->
    receive
        {fdnode_udp, Fd, Ip, Port, Data} -> {ok, {udp_data, {datagram, ntoa(Ip), Port, Data}}};
        {fdnode_error, Fd, Reason} -> {ok, {udp_error, fdnode_gleam_ffi:to_error(Reason)}};
        {fdnode_passive, Fd} -> {ok, udp_passive}
    after Timeout ->
        {error, timeout}
    end.

set_options(Fd, Options) -> value(fdnode_ffi:setopts(Fd, Options)).

%% OptionName constructors: nodelay_option, ... -> nodelay, ...
get_options(Fd, Names) ->
    Atoms = [list_to_existing_atom(lists:sublist(N, length(N) - length("_option")))
             || Name <- Names, N <- [atom_to_list(Name)]],
    value(fdnode_ffi:getopts(Fd, Atoms)).

peername(Fd) -> address(fdnode_ffi:peername(Fd)).

sockname(Fd) -> address(fdnode_ffi:sockname(Fd)).

address({ok, {Ip, Port}}) -> {ok, {ntoa(Ip), Port}};
address(Other) -> value(Other).

%% FileInfo(size, kind, mode, mtime); kind: regular | directory | symlink | device | other_kind
file_info(Node, Path) -> info(fdnode_ffi:file_info(Node, Path)).

fd_file_info(Fd) -> info(fdnode_ffi:file_info(Fd)).

info({ok, #{size := S, type := T, mode := M, mtime := Mt}}) ->
    Kind = case T of
               other -> other_kind;
               _ -> T
           end,
    {ok, {file_info, S, Kind, M, Mt}};
info(Other) -> value(Other).

list_dir(Node, Path) -> value(fdnode_ffi:list_dir(Node, Path)).

make_dir(Node, Path) -> value(fdnode_ffi:make_dir(Node, Path)).

delete_file(Node, Path) -> value(fdnode_ffi:delete_file(Node, Path)).

delete_dir(Node, Path) -> value(fdnode_ffi:delete_dir(Node, Path)).

rename(Node, From, To) -> value(fdnode_ffi:rename(Node, From, To)).

ntoa(Ip) -> unicode:characters_to_binary(inet:ntoa(Ip)).

value(ok) -> {ok, nil};
value({ok, V}) -> {ok, V};
value({error, R}) -> {error, fdnode_gleam_ffi:to_error(R)};
value(Other) -> {error, {unknown, iolist_to_binary(io_lib:format("~p", [Other]))}}.
