%% @doc Owns one Java fdnode process, started as an Erlang port.
%%
%% The JVM is started with `--exit-on-stdin-eof', so it exits when the port
%% closes: when this process stops, when the process it is linked to dies, or
%% when the whole BEAM dies (even on `kill -9'). There is never an orphan JVM.
%%
%% Not used directly: see {@link fdnode_ffi:start/1} and
%% {@link fdnode_ffi:stop/1}. One launcher per Java node, registered locally
%% under a name derived from the node name.
-module(fdnode_launcher).
-behaviour(gen_server).

-export([start/1, stop/2, whereis_node/1, os_pid/1, output/1, await_exit/2]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2]).

-define(KEEP_LINES, 200).

-record(st, {
    port :: port() | undefined,
    node :: atom(),
    os_pid :: integer() | undefined,
    lines = [] :: [binary()],          % most recent first, at most ?KEEP_LINES
    partial = <<>> :: binary(),
    log = false :: boolean(),
    stopping = [] :: [gen_server:from()],
    exit_waiters = [] :: [gen_server:from()]
}).

%% @doc Starts a launcher (not linked) and waits for `fdnode ready <node>'.
%% Returns `{ok, Node, LauncherPid}' or `{error, Reason}'.
-spec start(map()) -> {ok, node(), pid()} | {error, term()}.
start(Opts) ->
    Ref = make_ref(),
    case gen_server:start(?MODULE, Opts#{starter => {self(), Ref}}, []) of
        {ok, Pid} ->
            {ok, Node} = gen_server:call(Pid, node, infinity),
            {ok, Node, Pid};
        ignore ->
            %% init failed and told us why (no crash report for an ordinary
            %% start failure).
            receive {Ref, Reason} -> {error, Reason} end;
        {error, _} = E ->
            E
    end.

%% @doc Stops the Java node owned by the launcher for `Node' and waits (at most
%% `Timeout' ms, then kills the JVM) until the JVM has exited.
-spec stop(node(), timeout()) -> ok | {error, not_started}.
stop(Node, Timeout) ->
    case whereis_node(Node) of
        undefined ->
            {error, not_started};
        Pid ->
            MRef = erlang:monitor(process, Pid),
            try gen_server:call(Pid, {stop, Timeout}, infinity) of
                ok -> ok
            catch
                exit:_ -> ok
            end,
            receive
                {'DOWN', MRef, process, Pid, _} -> ok
            end
    end.

%% @doc The launcher process for `Node', or `undefined'.
-spec whereis_node(node()) -> pid() | undefined.
whereis_node(Node) ->
    erlang:whereis(reg_name(Node)).

%% @doc The OS pid of the JVM for `Node' (started by this BEAM).
-spec os_pid(node()) -> {ok, integer()} | {error, not_started}.
os_pid(Node) ->
    call_launcher(Node, os_pid).

%% @doc The last lines the JVM printed (stdout and stderr), oldest first.
-spec output(node()) -> {ok, [binary()]} | {error, not_started}.
output(Node) ->
    call_launcher(Node, output).

call_launcher(Node, Req) ->
    case whereis_node(Node) of
        undefined ->
            {error, not_started};
        Pid ->
            try
                gen_server:call(Pid, Req, infinity)
            catch
                exit:_ -> {error, not_started}
            end
    end.

%% @doc Waits until the JVM for `Node' exits: `{ok, Status, LastLines}'.
-spec await_exit(node(), timeout()) ->
          {ok, integer(), [binary()]} | {error, timeout | not_started | no_status}.
await_exit(Node, Timeout) ->
    case whereis_node(Node) of
        undefined ->
            {error, not_started};
        Pid ->
            try
                gen_server:call(Pid, await_exit, Timeout)
            catch
                exit:{timeout, _} -> {error, timeout};
                exit:_ -> {error, not_started}
            end
    end.

reg_name(Node) ->
    list_to_atom("fdnode_launcher$" ++ atom_to_list(Node)).

%% ---------------------------------------------------------------- gen_server

init(#{starter := {Starter, Ref}} = Opts) ->
    case init_port(Opts) of
        {ok, _} = Ok ->
            Ok;
        {stop, Reason} ->
            Starter ! {Ref, Reason},
            ignore
    end.

init_port(Opts) ->
    process_flag(trap_exit, true),
    Java = maps:get(java, Opts),
    Args = maps:get(args, Opts),
    Deadline = erlang:monotonic_time(millisecond) + maps:get(ready_timeout, Opts),
    try
        open_port({spawn_executable, Java},
                  [{args, Args}, exit_status, use_stdio, stderr_to_stdout,
                   binary, {line, 4096}, hide])
    of
        Port ->
            OsPid = case erlang:port_info(Port, os_pid) of
                        {os_pid, P} -> P;
                        _ -> undefined
                    end,
            St = #st{port = Port, os_pid = OsPid, node = undefined,
                     log = maps:get(log, Opts, false)},
            wait_ready(St, Deadline)
    catch
        error:Reason ->
            {stop, {cannot_spawn, Java, Reason}}
    end.

wait_ready(#st{port = Port} = St, Deadline) ->
    Left = max(0, Deadline - erlang:monotonic_time(millisecond)),
    receive
        {Port, {data, Data}} ->
            St1 = add_output(Data, St),
            case ready_node(St1) of
                {ok, Node} ->
                    try register(reg_name(Node), self()) of
                        true -> {ok, St1#st{node = Node}}
                    catch
                        error:badarg ->
                            kill_jvm(St1),
                            {stop, {already_started, Node}}
                    end;
                none ->
                    wait_ready(St1, Deadline)
            end;
        {Port, {exit_status, Status}} ->
            St1 = drain(St),
            {stop, {java_exited, Status, output_text(St1)}}
    after Left ->
        St1 = drain(St),
        kill_jvm(St1),
        {stop, {ready_timeout, output_text(St1)}}
    end.

ready_node(#st{lines = [Last | _]}) ->
    case string:trim(Last, trailing) of
        <<"fdnode ready ", Name/binary>> -> {ok, binary_to_atom(string:trim(Name), utf8)};
        _ -> none
    end;
ready_node(_) ->
    none.

handle_call(node, _From, St) ->
    {reply, {ok, St#st.node}, St};
handle_call(os_pid, _From, St) ->
    {reply, {ok, St#st.os_pid}, St};
handle_call(output, _From, St) ->
    {reply, {ok, lists:reverse(St#st.lines)}, St};
handle_call({stop, Timeout}, From, #st{port = Port, node = Node} = St) ->
    %% Closing the port closes the JVM's stdin, which is its shutdown signal
    %% (--exit-on-stdin-eof). Then wait for the JVM to exit.
    case erlang:port_info(Port) of
        undefined ->
            {stop, normal, ok, St};
        _ ->
            TRef = erlang:start_timer(Timeout, self(), stop_timeout),
            %% Closing the port is stdin EOF. After port_close no exit_status
            %% arrives, so wait for the distribution connection to drop instead.
            erlang:monitor_node(Node, true),
            catch port_close(Port),
            {noreply, St#st{stopping = [{From, TRef} | St#st.stopping]}}
    end;
handle_call(await_exit, From, St) ->
    {noreply, St#st{exit_waiters = [From | St#st.exit_waiters]}};
handle_call(_, _From, St) ->
    {reply, {error, badarg}, St}.

handle_cast(_, St) ->
    {noreply, St}.

handle_info({Port, {data, Data}}, #st{port = Port} = St) ->
    {noreply, add_output(Data, St)};
handle_info({Port, {exit_status, Status}}, #st{port = Port} = St0) ->
    St = drain(St0),
    case St#st.stopping of
        [] when Status =/= 0 ->
            logger:warning("fdnode: Java node ~p exited with status ~p; last output:~n~ts",
                           [St#st.node, Status, output_text(St)]);
        _ ->
            ok
    end,
    Lines = lists:reverse(St#st.lines),
    [gen_server:reply(W, {ok, Status, Lines}) || W <- St#st.exit_waiters],
    %% `normal', so a process linked to the launcher survives a JVM crash.
    reply_stopping(St),
    {stop, normal, St#st{port = undefined}};
handle_info({nodedown, Node}, #st{node = Node, stopping = [_ | _]} = St) ->
    reply_stopping(St),
    {stop, normal, St};
handle_info({timeout, _TRef, stop_timeout}, St) ->
    kill_jvm(St),
    reply_stopping(St),
    {stop, normal, St};
handle_info({'EXIT', Port, _}, #st{port = Port} = St) ->
    %% The port went away without an exit status (closed by us).
    case St#st.stopping of
        [] -> {stop, normal, St#st{port = undefined}};
        _ -> {noreply, St}
    end;
handle_info({'EXIT', _From, Reason}, St) ->
    %% The process we are linked to died: close the port (JVM gets stdin EOF).
    {stop, Reason, St};
handle_info(_, St) ->
    {noreply, St}.

terminate(_Reason, #st{port = Port, node = Node} = St) when is_port(Port) ->
    %% Stopped by a supervisor or by the death of the linked caller: close the
    %% JVM's stdin and wait (at most 10 s, then kill) until its node has gone,
    %% so that a restarted launcher can take the same node name.
    case erlang:port_info(Port) of
        undefined ->
            ok;
        _ when is_atom(Node), Node =/= undefined ->
            erlang:monitor_node(Node, true),
            catch port_close(Port),
            receive
                {nodedown, Node} -> ok
            after 10000 ->
                kill_jvm(St)
            end,
            reply_stopping(St);
        _ ->
            catch port_close(Port),
            reply_stopping(St)
    end,
    ok;
terminate(_, _) ->
    ok.

%% ---------------------------------------------------------------- helpers

reply_stopping(#st{stopping = Waiting, exit_waiters = ExitWaiters}) ->
    [begin erlang:cancel_timer(T), gen_server:reply(From, ok) end || {From, T} <- Waiting],
    %% Stopped by closing the port: the exit status is not seen.
    [gen_server:reply(W, {error, no_status}) || W <- ExitWaiters],
    ok.

kill_jvm(#st{os_pid = OsPid, port = Port}) ->
    catch port_close(Port),
    case OsPid of
        P when is_integer(P) -> os:cmd("kill -9 " ++ integer_to_list(P) ++ " 2>/dev/null");
        _ -> ok
    end,
    ok.

add_output({eol, Chunk}, #st{partial = Part, lines = Lines, log = Log} = St) ->
    Line = <<Part/binary, Chunk/binary>>,
    Log andalso io:format(standard_error, "[fdnode] ~ts~n", [Line]),
    St#st{partial = <<>>, lines = lists:sublist([Line | Lines], ?KEEP_LINES)};
add_output({noeol, Chunk}, #st{partial = Part} = St) ->
    St#st{partial = <<Part/binary, Chunk/binary>>}.

drain(#st{port = Port} = St) ->
    receive
        {Port, {data, Data}} -> drain(add_output(Data, St))
    after 0 ->
        St
    end.

output_text(#st{lines = Lines}) ->
    iolist_to_binary(lists:join(<<"\n">>, lists:reverse(lists:sublist(Lines, 40)))).
