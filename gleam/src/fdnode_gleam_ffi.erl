%% @doc Adapters between `fdnode_ffi' (Erlang terms of docs/protocol.md) and
%% the typed values of the Gleam module `fdnode'. No logic beyond converting.
%%
%% Gleam values as Erlang terms: `Ok(x)' = `{ok, X}', `Error(e)' = `{error, E}',
%% `Nil' = `nil', a constructor without fields is a snake_case atom
%% (`NodeDown' = `node_down'), a constructor with fields is a tagged tuple
%% (`Unknown(s)' = `{unknown, S}'), `String' = binary.
-module(fdnode_gleam_ffi).

-export([shutdown/1, await_exit/2, copy/5]).
-export([start/1, stop/1, connect/1, os_pid/1, node_from_string/1, node_to_string/1,
         open/4, pipe/1, close/2, close_async/1, read/3, write/3, pread/4, pwrite/4,
         position/2, sync/2, set_mode/2, controlling_process/2, info/1, stats/1,
         fd_node/1, set_default_timeout/1, receive_message/1, to_error/1, coerce/1]).

-define(POSIX, [eacces, eagain, ebadf, ebusy, edquot, eexist, efault, efbig, eintr,
                einval, eio, eisdir, eloop, emfile, emlink, enametoolong, enfile,
                enodev, enoent, enomem, enospc, enotdir, enotsup, enxio, eoverflow,
                eperm, epipe, erofs, espipe, etxtbsy, exdev,
                econnrefused, econnreset, etimedout, ehostunreach, enetunreach, nxdomain,
                enotempty, eaddrinuse, eaddrnotavail, enotconn]).

%% ---------------------------------------------------------------- lifecycle

%% {start_options, Jar, Java, Name, Roots, ReadyTimeout, Args, Link, Log}
start({start_options, Jar, Java, Name, Roots, ReadyTimeout, Args, Link, Log}) ->
    Opts0 = #{roots => [R || R <- Roots], args => Args, link => Link, log => Log},
    Opts1 = maps:merge(Opts0, maps:from_list([{K, V} || {K, V} <- [{jar, Jar}, {java, Java},
                                                                   {name, Name}],
                                                        V =/= <<>>])),
    Opts2 = case Roots of
                [] -> maps:remove(roots, Opts1);
                _ -> Opts1
            end,
    Opts = case ReadyTimeout of
               T when is_integer(T), T > 0 -> Opts2#{ready_timeout => T};
               _ -> Opts2
           end,
    case fdnode_ffi:start(Opts) of
        {ok, Node} -> {ok, Node};
        {error, not_distributed} -> {error, not_distributed};
        {error, no_jar} -> {error, no_jar};
        {error, {jar_not_found, J}} -> {error, {jar_not_found, text(J)}};
        {error, java_not_found} -> {error, java_not_found};
        {error, {java_exited, S, Out}} -> {error, {java_exited, S, text(Out)}};
        {error, {ready_timeout, Out}} -> {error, {ready_timeout, text(Out)}};
        {error, {name_taken, N}} when is_atom(N) -> {error, {already_started, N}};
        {error, nodedown} -> {error, unreachable};
        {error, timeout} -> {error, unreachable};
        {error, Other} -> {error, {cannot_spawn, text(Other)}}
    end.

stop(Node) ->
    case fdnode_ffi:stop(Node) of
        ok -> {ok, nil};
        {error, _} -> {error, nil}
    end.

connect(Node) -> unit(fdnode_ffi:connect(Node)).

os_pid(Node) ->
    case fdnode_ffi:os_pid(Node) of
        {ok, P} when is_integer(P) -> {ok, P};
        _ -> {error, nil}
    end.

node_from_string(S) -> binary_to_atom(S, utf8).
node_to_string(N) -> atom_to_binary(N, utf8).

set_default_timeout(Ms) ->
    application:set_env(fdnode, default_timeout, Ms),
    nil.

%% ---------------------------------------------------------------- descriptors

open(Node, Path, Options, Timeout) ->
    value(fdnode_ffi:open(Node, Path, Options, Timeout)).

pipe(Node) -> value(fdnode_ffi:pipe(Node)).

close(Fd, Timeout) -> unit(fdnode_ffi:close(Fd, Timeout)).

close_async(Fd) -> value(fdnode_ffi:close_async(Fd)).

read(Fd, Size, Timeout) -> data(fdnode_ffi:read(Fd, Size, Timeout)).

write(Fd, Data, Timeout) -> unit(fdnode_ffi:write(Fd, Data, Timeout)).

pread(Fd, Offset, Size, Timeout) -> data(fdnode_ffi:pread(Fd, Offset, Size, Timeout)).

pwrite(Fd, Offset, Data, Timeout) -> unit(fdnode_ffi:pwrite(Fd, Offset, Data, Timeout)).

position(Fd, {absolute, N}) -> value(fdnode_ffi:position(Fd, {bof, N}));
position(Fd, {relative, N}) -> value(fdnode_ffi:position(Fd, {cur, N}));
position(Fd, {from_end, N}) -> value(fdnode_ffi:position(Fd, {eof, N})).

sync(Fd, Timeout) -> unit(fdnode_ffi:sync(Fd, Timeout)).

set_mode(Fd, Mode) -> unit(fdnode_ffi:set_mode(Fd, Mode)).

controlling_process(Fd, Pid) -> unit(fdnode_ffi:controlling_process(Fd, Pid)).

%% FdInfo(fd, owner, controller, mode, state, offset)
info(Fd) ->
    case fdnode_ffi:info(Fd) of
        {ok, #{} = M} ->
            {ok, {fd_info, maps:get(fd, M, -1), maps:get(owner, M, undefined),
                  maps:get(controller, M, undefined), mode(maps:get(mode, M, passive)),
                  state(maps:get(state, M, open)), maps:get(offset, M, 0)}};
        Other ->
            value(Other)
    end.

%% Stats(open_fds, fds_by_node, pending_ring_ops, bytes_read, bytes_written,
%%       active_fds, uptime_ms, heap_used)
stats(Node) ->
    case fdnode_ffi:stats(Node) of
        {ok, #{} = M} ->
            ByNode = [{atom_to_binary(N, utf8), C}
                      || {N, C} <- lists:sort(maps:to_list(maps:get(fds_by_node, M, #{})))],
            {ok, {stats, maps:get(open_fds, M, 0), ByNode, maps:get(pending_ring_ops, M, 0),
                  maps:get(bytes_read, M, 0), maps:get(bytes_written, M, 0),
                  maps:get(active_fds, M, 0), maps:get(uptime_ms, M, 0),
                  maps:get(heap_used, M, 0)}};
        Other -> value(Other)
    end.

shutdown(Node) -> unit(fdnode_ffi:shutdown(Node)).

%% Exit(status, output)
await_exit(Node, Timeout) ->
    case fdnode_ffi:await_exit(Node, Timeout) of
        {ok, Status, Lines} -> {ok, {exit, Status, Lines}};
        {error, _} -> {error, nil}
    end.

%% on_progress gets -1 for an unknown total.
copy(Src, Dst, Chunk, OnProgress, Timeout) ->
    Report = fun(Done, undefined) -> OnProgress(Done, -1);
                (Done, Total) -> OnProgress(Done, Total)
             end,
    value(fdnode_ffi:copy(Src, Dst, #{chunk => Chunk, on_progress => Report}, Timeout)).

fd_node(Fd) ->
    {ok, Node} = fdnode_ffi:handle_node(Fd),
    Node.

%% Waits for one active-delivery or completion message; `{error, nil}' when
%% none arrives within `Timeout' ms.
receive_message(Timeout) ->
    receive
        {fdnode, Fd, Data} when is_binary(Data) -> {ok, {received, Fd, Data}};
        {fdnode_closed, Fd} -> {ok, {input_closed, Fd}};
        {fdnode_error, Fd, Reason} -> {ok, {read_failed, Fd, to_error(Reason)}};
        {fdnode_passive, Fd} -> {ok, {went_passive, Fd}};
        {fdnode_completion, OpId, Result} -> {ok, {completed, OpId, unit(Result)}}
    after Timeout ->
        {error, nil}
    end.

coerce(X) -> X.

%% ---------------------------------------------------------------- converters

unit(ok) -> {ok, nil};
unit({ok, _}) -> {ok, nil};
unit({error, R}) -> {error, to_error(R)};
unit(Other) -> {error, {unknown, text(Other)}}.

value({ok, V}) -> {ok, V};
value(ok) -> {ok, nil};
value({error, R}) -> {error, to_error(R)};
value(Other) -> {error, {unknown, text(Other)}}.

data({ok, Bin}) when is_binary(Bin) -> {ok, {data, Bin}};
data(eof) -> {ok, eof};
data(Other) -> value(Other).

%% @doc An fdnode_ffi reason as a Gleam FdError.
to_error(R) when is_atom(R) ->
    case lists:member(R, ?POSIX) of
        true -> R;
        false ->
            case R of
                closed -> closed;
                not_owner -> not_owner;
                invalid_handle -> invalid_handle;
                badarg -> badarg;
                timeout -> timeout;
                nodedown -> node_down;
                shutting_down -> shutting_down;
                _ -> {unknown, atom_to_binary(R, utf8)}
            end
    end;
to_error(R) ->
    {unknown, text(R)}.

mode(M) ->
    case lower(M) of
        <<"active">> -> active;
        <<"active_once">> -> active_once;
        _ -> passive
    end.

state(S) ->
    case lower(S) of
        <<"closing">> -> closing_state;
        <<"closed">> -> closed_state;
        _ -> open_state
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
