%% @doc Adapter of the Gleam module `fdnode': typed Gleam values to and from
%% the terms of {@link fdnode_ffi}. It also holds the conversions the other
%% adapters share (results, errors, text). No logic beyond converting.
%%
%% Gleam values as Erlang terms: `Ok(x)' = `{ok, X}', `Error(e)' = `{error, E}',
%% `Nil' = `nil', a constructor without fields is a snake_case atom
%% (`NodeDown' = `node_down'), a constructor with fields is a tagged tuple
%% (`Unknown(s)' = `{unknown, S}'), `String' = binary.
-module(fdnode_gleam_ffi).

-export([open/4, pipe/2, close/2, close_async/2, read/3, write/3, pread/4, pwrite/4,
         pread_many/3, pwrite_many/3,
         position/3, sync/2, set_mode/3, controlling_process/3, info/2, fd_node/1,
         copy/5, pid_from/1, identity/1, open_stream/4, set_packet/4, get_packet/2]).
%% Shared by the other adapters
-export([value/1, unit/1, data/1, to_error/1, text/1, packet_options/2, gleam_packet/1]).

%% The reasons (fdnode_ffi:reason()) whose FdError constructor has their name:
%% every one the Java node answers with (its dev.fdnode.core.Reason, checked
%% against this by its ReasonListTest) but `nodedown', and this side's
%% `not_started'.
-define(NAMED, [eacces, eaddrinuse, eaddrnotavail, eafnosupport, eagain, ebadf, ebusy,
                econnaborted, econnrefused, econnreset, edquot, eexist, efault, efbig,
                ehostunreach, eintr, einval, eio, eisdir, eloop, emfile, emlink, emsgsize,
                enametoolong, enetdown, enetunreach, enfile, enobufs, enodev, enoent, enomem,
                enoprotoopt, enospc, enotconn, enotdir, enotempty, enotsock, enotsup, enxio,
                eoverflow, eperm, epipe, erofs, espipe, estale, etimedout, etxtbsy, exdev,
                nxdomain, closed, not_owner, invalid_handle, badarg, timeout, shutting_down,
                no_watcher, cancelled, internal_error, not_started]).

%% OpenOption: `Permissions(n)' is the protocol's `{mode, N}'.
open(Node, Path, Options, Timeout) ->
    Opts = [case O of
                {permissions, N} -> {mode, N};
                _ -> O
            end || O <- Options],
    value(fdnode_ffi:open(Node, Path, Opts, Timeout)).

pipe(Node, Timeout) -> value(fdnode_ffi:pipe(Node, Timeout)).

%% An open that only a FIFO or character device survives: the Java node
%% refuses packet options on anything else (einval), and that is the test.
open_stream(Node, Path, Options, Timeout) ->
    case open(Node, Path, Options, Timeout) of
        {ok, Fd} ->
            case fdnode_ffi:setopts(Fd, [{packet, raw}], Timeout) of
                ok -> {ok, Fd};
                Refused ->
                    _ = fdnode_ffi:close(Fd, Timeout),
                    unit(Refused)
            end;
        Error -> Error
    end.

%% Packet: raw | packet1 | packet2 | packet4 | line, the protocol's raw | 1 | 2 | 4 | line.
set_packet(Fd, Packet, Size, Timeout) ->
    unit(fdnode_ffi:setopts(Fd, packet_options(Packet, Size), Timeout)).

get_packet(Fd, Timeout) ->
    case fdnode_ffi:getopts(Fd, [packet, packet_size], Timeout) of
        {ok, [{packet, P}, {packet_size, Size}]} -> {ok, {gleam_packet(P), Size}};
        Other -> value(Other)
    end.

%% @doc The protocol's packet options for a Gleam `Packet' and size.
packet_options(Packet, Size) -> [{packet, packet_type(Packet)}, {packet_size, Size}].

packet_type(raw) -> raw;
packet_type(packet1) -> 1;
packet_type(packet2) -> 2;
packet_type(packet4) -> 4;
packet_type(line) -> line.

%% @doc A `{packet, P}' value as the Gleam `Packet'.
gleam_packet(1) -> packet1;
gleam_packet(2) -> packet2;
gleam_packet(4) -> packet4;
gleam_packet(0) -> raw;
gleam_packet(P) -> P.

close(Fd, Timeout) -> unit(fdnode_ffi:close(Fd, Timeout)).

close_async(Fd, Timeout) -> value(fdnode_ffi:close_async(Fd, Timeout)).

read(Fd, Size, Timeout) -> data(fdnode_ffi:read(Fd, Size, Timeout)).

write(Fd, Data, Timeout) -> unit(fdnode_ffi:write(Fd, Data, Timeout)).

pread(Fd, Offset, Size, Timeout) -> data(fdnode_ffi:pread(Fd, Offset, Size, Timeout)).

pwrite(Fd, Offset, Data, Timeout) -> unit(fdnode_ffi:pwrite(Fd, Offset, Data, Timeout)).

%% Ranges and pieces are Gleam tuples, already `{Offset, Size}' / `{Offset, Bin}'.
pread_many(Fd, Ranges, Timeout) ->
    case fdnode_ffi:pread(Fd, Ranges, Timeout) of
        {ok, Inputs} when is_list(Inputs) -> {ok, [input(I) || I <- Inputs]};
        Other -> value(Other)
    end.

pwrite_many(Fd, Pieces, Timeout) -> unit(fdnode_ffi:pwrite(Fd, Pieces, Timeout)).

position(Fd, {absolute, N}, Timeout) -> value(fdnode_ffi:position(Fd, {bof, N}, Timeout));
position(Fd, {relative, N}, Timeout) -> value(fdnode_ffi:position(Fd, {cur, N}, Timeout));
position(Fd, {from_end, N}, Timeout) -> value(fdnode_ffi:position(Fd, {eof, N}, Timeout)).

sync(Fd, Timeout) -> unit(fdnode_ffi:sync(Fd, Timeout)).

%% Mode: passive | active | active_once | {active_n, N} (Erlang's {active, N}).
set_mode(Fd, {active_n, N}, Timeout) -> unit(fdnode_ffi:set_mode(Fd, {active, N}, Timeout));
set_mode(Fd, Mode, Timeout) -> unit(fdnode_ffi:set_mode(Fd, Mode, Timeout)).

controlling_process(Fd, Pid, Timeout) -> unit(fdnode_ffi:controlling_process(Fd, Pid, Timeout)).

%% FdInfo(fd, owner, controller, mode, state, offset)
info(Fd, Timeout) ->
    case fdnode_ffi:info(Fd, Timeout) of
        {ok, #{} = M} ->
            {ok, {fd_info, maps:get(fd, M, -1), maps:get(owner, M, undefined),
                  maps:get(controller, M, undefined), mode(maps:get(mode, M, passive)),
                  state(maps:get(state, M, open)), maps:get(offset, M, 0)}};
        Other ->
            value(Other)
    end.

fd_node(Fd) ->
    {ok, Node} = fdnode_ffi:handle_node(Fd),
    Node.

%% on_progress gets -1 for an unknown total.
copy(Src, Dst, Chunk, OnProgress, Timeout) ->
    Report = fun(Done, undefined) -> OnProgress(Done, -1);
                (Done, Total) -> OnProgress(Done, Total)
             end,
    value(fdnode_ffi:copy(Src, Dst, #{chunk => Chunk, on_progress => Report}, Timeout)).

pid_from(Term) when is_pid(Term) -> {ok, Term};
pid_from(_) -> {error, nil}.

identity(X) -> X.

%% ---------------------------------------------------------------- converters

unit(ok) -> {ok, nil};
unit({ok, _}) -> {ok, nil};
unit({error, R}) -> {error, to_error(R)};
unit(Other) -> {error, {unknown, text(Other)}}.

value({ok, V}) -> {ok, V};
value(ok) -> {ok, nil};
value({error, R}) -> {error, to_error(R)};
value(Other) -> {error, {unknown, text(Other)}}.

%% Input: Data(Bin) = {data, Bin}, Eof = eof.
data({ok, Bin}) when is_binary(Bin) -> {ok, input(Bin)};
data(eof) -> {ok, eof};
data(Other) -> value(Other).

input(Bin) when is_binary(Bin) -> {data, Bin};
input(eof) -> eof.

%% @doc An fdnode_ffi reason as a Gleam FdError: `Unknown' only for an
%% `errno_<N>' (or a reason this code is too old to know).
to_error(nodedown) -> node_down;
to_error(R) when is_atom(R) ->
    case lists:member(R, ?NAMED) of
        true -> R;
        false -> {unknown, atom_to_binary(R, utf8)}
    end;
to_error(R) ->
    {unknown, text(R)}.

mode({active, N}) when is_integer(N) -> {active_n, N};
mode(M) ->
    case lower(M) of
        <<"active">> -> active;
        <<"active_once">> -> active_once;
        _ -> passive
    end.

%% Lifecycle: Usable | Closing | Released
state(S) ->
    case lower(S) of
        <<"closing">> -> closing;
        <<"closed">> -> released;
        _ -> usable
    end.

lower(A) when is_atom(A) -> lower(atom_to_binary(A, utf8));
lower(B) when is_binary(B) -> string:lowercase(B);
lower(L) when is_list(L) -> lower(unicode:characters_to_binary(L));
lower(_) -> <<>>.

text(B) when is_binary(B) -> B;
text(A) when is_atom(A) -> atom_to_binary(A, utf8);
text(L) when is_list(L) ->
    case unicode:characters_to_binary(L) of
        B when is_binary(B) -> B;
        _ -> iolist_to_binary(io_lib:format("~p", [L]))
    end;
text(T) -> iolist_to_binary(io_lib:format("~p", [T])).
