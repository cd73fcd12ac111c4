%% @doc Adapter of the Gleam module `fdnode/node' (start options, lifecycle,
%% statistics) over {@link fdnode_ffi}. Converting only.
-module(fdnode_node_ffi).

-export([start/1, stop/2, shutdown/2, await_exit/2, connect/2, os_pid/1, from_string/1,
         to_string/1, stats/2, heap_used/3]).

-import(fdnode_gleam_ffi, [unit/1, value/1, text/1]).

%% StartOptions(jar, java, name, roots, ready_timeout, args, jvm_args, link,
%%              log, local_name); "" means "not given".
start({start_options, Jar, Java, Name, Roots, ReadyTimeout, Args, JvmArgs, Link, Log,
       LocalName}) ->
    Given = [{K, V} || {K, V} <- [{jar, Jar}, {java, Java}, {name, Name},
                                  {local_name, LocalName}], V =/= <<>>],
    Opts = maps:from_list(
             Given
             ++ [{roots, Roots} || Roots =/= []]
             ++ [{jvm_args, As} || {ok, As} <- [JvmArgs]]
             ++ [{args, Args}, {link, Link}, {log, Log}, {ready_timeout, ReadyTimeout}]),
    case fdnode_ffi:start(Opts) of
        {ok, Node} -> {ok, Node};
        {error, Reason} -> {error, start_error(Reason)}
    end.

%% StartError
start_error(not_distributed) -> {not_distributed, <<"distribution is off">>};
start_error({cannot_distribute, Why}) -> {not_distributed, text(Why)};
start_error(epmd_unreachable) -> epmd_unreachable;
start_error(no_jar) -> no_jar;
start_error({jar_not_found, J}) -> {jar_not_found, text(J)};
start_error(java_not_found) -> java_not_found;
start_error(no_root) -> no_root;
start_error({root_not_found, R}) -> {root_not_found, text(R)};
start_error({name_taken, N}) -> {name_taken, text(N)};
start_error({java_exited, S, Out}) -> {java_exited, S, text(Out)};
start_error({ready_timeout, Out}) -> {ready_timeout, text(Out)};
start_error(nodedown) -> unreachable;
start_error(timeout) -> unreachable;
start_error({cannot_spawn, Java, Why}) -> {cannot_spawn, text(io_lib:format("~ts: ~p", [Java, Why]))}.

stop(Node, Timeout) -> unit(fdnode_ffi:stop(Node, Timeout)).

shutdown(Node, Timeout) -> unit(fdnode_ffi:shutdown(Node, Timeout)).

%% Exit(status, output)
await_exit(Node, Timeout) ->
    case fdnode_ffi:await_exit(Node, Timeout) of
        {ok, Status, Lines} -> {ok, {exit, Status, Lines}};
        {error, no_status} -> {error, not_started};
        Other -> value(Other)
    end.

connect(Node, Timeout) -> unit(fdnode_ffi:connect(Node, Timeout)).

os_pid(Node) ->
    case fdnode_ffi:os_pid(Node) of
        {ok, P} when is_integer(P) -> {ok, P};
        {ok, _} -> {error, not_started};
        Other -> value(Other)
    end.

from_string(S) -> binary_to_atom(S, utf8).

to_string(N) -> atom_to_binary(N, utf8).

%% Stats(open_fds, fds_by_node, pending_ring_ops, bytes_read, bytes_written,
%%       active_fds, uptime_ms, heap_used, busy_workers, queued_calls)
stats(Node, Timeout) ->
    case fdnode_ffi:stats(Node, Timeout) of
        {ok, #{} = M} ->
            ByNode = [{atom_to_binary(N, utf8), C}
                      || {N, C} <- lists:sort(maps:to_list(maps:get(fds_by_node, M, #{})))],
            {ok, {stats, maps:get(open_fds, M, 0), ByNode, maps:get(pending_ring_ops, M, 0),
                  maps:get(bytes_read, M, 0), maps:get(bytes_written, M, 0),
                  maps:get(active_fds, M, 0), maps:get(uptime_ms, M, 0),
                  maps:get(heap_used, M, 0), maps:get(busy_workers, M, 0),
                  maps:get(queued_calls, M, 0)}};
        Other -> value(Other)
    end.

heap_used(Node, AfterGc, Timeout) ->
    Options = case AfterGc of
                  true -> [gc];
                  false -> []
              end,
    case fdnode_ffi:stats_with(Node, Options, Timeout) of
        {ok, #{heap_used := Bytes}} when is_integer(Bytes) -> {ok, Bytes};
        {ok, _} -> {error, {unknown, <<"no heap_used in stats">>}};
        Other -> value(Other)
    end.
