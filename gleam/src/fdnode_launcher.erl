%% @doc Owns one Java fdnode process, started as an Erlang port, and knows
%% how to launch it: the options of {@link fdnode_ffi:start/1} become a java
%% command line here, and nowhere else.
%%
%% The JVM is started with `--exit-on-stdin-eof', so it exits when the port
%% closes: when this process stops, when the process it is linked to dies, or
%% when the whole BEAM dies (even on `kill -9'). There is never an orphan JVM.
%% The cookie goes to the JVM in its environment (`FDNODE_COOKIE'), never on
%% its command line, which every local user can read.
%%
%% Not used directly: see {@link fdnode_ffi:start/1} and
%% {@link fdnode_ffi:stop/1}. One launcher per Java node, registered locally
%% under a name derived from the node name.
-module(fdnode_launcher).
-behaviour(gen_server).

-export([start/1, stop/2, whereis_node/1, os_pid/1, output/1, await_exit/2,
         default_jvm_args/1]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2]).

-define(KEEP_LINES, 200).

%% The JVM flags every launch uses unless the `jvm_args' option replaces them:
%% a small, quickly started JVM (the node does little computing of its own).
%% Tune them here and only here; `make bench' measures them (docs/benchmarks.md,
%% "JVM"): idle RSS 103 -> 63 MiB with these and the archive; C1 alone was as
%% fast or faster than C1+C2 under the bench load; -Xms8m keeps start-up
%% garbage off fresh pages. Active delivery reads into reused buffers, so the
%% serial collector keeps a 64 MiB stream's heap growth to a few MiB.
%% -Xmx160m: the node's live data is small and bounded (intake gate, worker
%% queue, one chunk per active fd), but with the default maximum (a quarter
%% of RAM) the heap swells under a flood: 200,000 raw pings took RSS to
%% ~295 MiB; ~160 MiB with this cap, under the 256 MiB the node promises.
-define(JVM_ARGS, ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                   "-XX:ReservedCodeCacheSize=16m", "-Xms8m", "-Xmx160m"]).
%% A class-data archive next to the jar, used when present (`make build'
%% may produce one): the JVM starts faster with it.
-define(CDS_ARCHIVE, "fdnode.jsa").

-type start_error() ::
        not_distributed | {cannot_distribute, term()} | epmd_unreachable
      | no_jar | {jar_not_found, string()} | java_not_found
      | no_root | {root_not_found, string()}
      | {name_taken, node() | string()}
      | {java_exited, integer(), binary()} | {ready_timeout, binary()}
      | {cannot_spawn, string(), term()} | nodedown | timeout.
-export_type([start_error/0]).

-record(st, {
    port :: port() | undefined,
    node :: atom(),
    os_pid :: integer() | undefined,
    lines = [] :: [binary()],          % most recent first, at most ?KEEP_LINES
    partial = <<>> :: binary(),
    log = false :: boolean(),
    stopping = [] :: [{gen_server:from(), reference()}],
    exit_waiters = [] :: [gen_server:from()]
}).

%% @doc Checks the options, then makes this BEAM distributed if needed,
%% starts a launcher (not linked) and waits for `fdnode ready <node>'. `Opts'
%% are those of {@link fdnode_ffi:start/1}. Returns `{ok, Node, LauncherPid}'.
%% A start refused for its options changes nothing: this BEAM is made
%% distributed (and epmd started) only once every option has passed.
-spec start(map()) -> {ok, node(), pid()} | {error, start_error()}.
start(Opts) ->
    case check_options(Opts) of
        {ok, Checked} ->
            case ensure_distributed(Opts) of
                ok -> start_launcher(launch_options(Checked, Opts));
                {error, _} = E -> E
            end;
        {error, _} = E ->
            E
    end.

start_launcher(LOpts) ->
    Ref = make_ref(),
    case gen_server:start(?MODULE, LOpts#{starter => {self(), Ref}}, []) of
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

%% @doc The JVM flags used when `jvm_args' is not given, for the jar `Jar'.
-spec default_jvm_args(file:filename()) -> [string()].
default_jvm_args(Jar) ->
    Archive = filename:join(filename:dirname(filename:absname(Jar)), ?CDS_ARCHIVE),
    ?JVM_ARGS ++ ["-XX:SharedArchiveFile=" ++ Archive || filelib:is_regular(Archive)].

%% A BEAM started without -sname/-name (a plain `gleam run') becomes a
%% short-named node here (check_options/1 has refused `distribute => false').
%% epmd is started if it is not running, as `erl -sname' would.
ensure_distributed(Opts) ->
    case node() of
        nonode@nohost ->
            Name = case maps:find(local_name, Opts) of
                       {ok, N} -> list_to_atom(to_list(N));
                       error -> list_to_atom("fdnode_client_" ++ os:getpid() ++ "_"
                                             ++ integer_to_list(erlang:unique_integer([positive])))
                   end,
            case net_kernel:start([Name, shortnames]) of
                {ok, _} ->
                    ok;
                {error, {already_started, _}} ->
                    ok;
                {error, _} ->
                    start_epmd(),
                    case net_kernel:start([Name, shortnames]) of
                        {ok, _} -> ok;
                        {error, {already_started, _}} -> ok;
                        {error, Why} -> distribution_error(Name, Why)
                    end
            end;
        _ ->
            ok
    end.

start_epmd() ->
    case os:find_executable("epmd") of
        false -> ok;
        Epmd -> os:cmd(Epmd ++ " -daemon")
    end.

distribution_error(Name, Why) ->
    case erl_epmd:names() of
        {error, _} ->
            {error, epmd_unreachable};
        {ok, Names} ->
            Short = hd(string:split(atom_to_list(Name), "@")),
            case lists:keymember(Short, 1, Names) of
                true -> {error, {name_taken, Name}};
                false -> {error, {cannot_distribute, Why}}
            end
    end.

%% Everything `start' can refuse before touching this BEAM: distribution
%% switched off, the jar, java and the roots. Conversions of the options
%% happen here too, so a badly typed one fails before anything changes.
check_options(Opts) ->
    Java = case maps:find(java, Opts) of
               {ok, J} -> os:find_executable(to_list(J));
               error -> os:find_executable("java")
           end,
    Jar = case maps:find(jar, Opts) of
              {ok, Path} -> to_list(Path);
              error ->
                  case os:getenv("FDNODE_JAR") of
                      false -> priv_jar();
                      Env -> Env
                  end
          end,
    Roots = case {maps:find(roots, Opts), maps:find(root, Opts), os:getenv("FDNODE_ROOTS")} of
                {{ok, Rs}, _, _} -> [to_list(R) || R <- Rs];
                {error, {ok, R}, _} -> [to_list(R)];
                {error, error, false} -> [];
                {error, error, Env2} -> string:lexemes(Env2, ":")
            end,
    Name = case maps:find(name, Opts) of
               {ok, N} -> to_list(N);
               error -> "fdnode_" ++ os:getpid() ++ "_"
                            ++ integer_to_list(erlang:unique_integer([positive]))
           end,
    JvmArgs = case maps:find(jvm_args, Opts) of
                  {ok, As} -> {ok, [to_list(A) || A <- As]};
                  error -> error
              end,
    Args = [to_list(A) || A <- maps:get(args, Opts, [])],
    Cookie = case maps:find(cookie, Opts) of
                 {ok, C} -> {ok, to_list(C)};
                 error -> error
             end,
    Missing = [R || R <- Roots, not filelib:is_dir(R)],
    Undistributable = node() =:= nonode@nohost andalso maps:get(distribute, Opts, true) =:= false,
    if
        Undistributable -> {error, not_distributed};
        Jar =:= false -> {error, no_jar};
        Java =:= false -> {error, java_not_found};
        true ->
            case {filelib:is_regular(Jar), Roots, Missing} of
                {false, _, _} -> {error, {jar_not_found, Jar}};
                {true, [], _} -> {error, no_root};
                {true, _, [Dir | _]} -> {error, {root_not_found, Dir}};
                {true, _, []} ->
                    {ok, #{java => Java, jar => Jar, roots => Roots, name => Name,
                           jvm_args => JvmArgs, args => Args, cookie => Cookie}}
            end
    end.

%% The jar `mvn package' puts into fdnode's priv dir: the Gleam package's
%% priv/, which a Gleam, rebar3 or Mix build makes the application's.
%% `false' when fdnode's code is not laid out as an application.
priv_jar() ->
    case code:priv_dir(fdnode) of
        {error, _} -> false;
        Dir -> filename:join(Dir, "fdnode.jar")
    end.

%% The command line, once this BEAM is distributed (its name decides short or
%% long names; its cookie is the default).
launch_options(#{java := Java, jar := Jar, roots := Roots, name := Name, args := Extra} = C,
               Opts) ->
    LongNames = case string:split(atom_to_list(node()), "@") of
                    [_, Host] -> lists:member($., Host);
                    _ -> false
                end,
    JvmArgs = case maps:get(jvm_args, C) of
                  {ok, As} -> As;
                  error -> default_jvm_args(Jar)
              end,
    Cookie = case maps:get(cookie, C) of
                 {ok, Given} -> Given;
                 error -> atom_to_list(erlang:get_cookie())
             end,
    Args = JvmArgs ++ ["-jar", filename:absname(Jar), "--name", Name]
        ++ lists:append([["--root", filename:absname(R)] || R <- Roots])
        ++ [A || LongNames, A <- ["--longnames"]]
        ++ Extra
        ++ ["--exit-on-stdin-eof"],
    #{java => Java, args => Args,
      env => [{"FDNODE_COOKIE", Cookie}],
      ready_timeout => maps:get(ready_timeout, Opts, 30000),
      log => maps:get(log, Opts, false)}.

to_list(A) when is_atom(A) -> atom_to_list(A);
to_list(B) when is_binary(B) -> unicode:characters_to_list(B);
to_list(L) when is_list(L) -> L.

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
-spec os_pid(node()) -> {ok, integer() | undefined} | {error, not_started}.
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
                  [{args, Args}, {env, maps:get(env, Opts)}, exit_status, use_stdio,
                   stderr_to_stdout,
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
                            {stop, {name_taken, Node}}
                    end;
                none ->
                    wait_ready(St1, Deadline)
            end;
        {Port, {exit_status, Status}} ->
            St1 = drain(St),
            {stop, exit_reason(Status, output_text(St1))}
    after Left ->
        St1 = drain(St),
        kill_jvm(St1),
        {stop, {ready_timeout, output_text(St1)}}
    end.

%% The Java node's own start failures (docs: README, "Running the node
%% standalone") as typed reasons; anything else keeps its output.
exit_reason(Status, Output) ->
    case {binary:match(Output, <<" is already in use">>),
          binary:match(Output, [<<"epmd not reachable">>, <<"is epmd running">>])} of
        {nomatch, nomatch} -> {java_exited, Status, Output};
        {nomatch, _} -> epmd_unreachable;
        {_, _} -> {name_taken, taken_name(Output)}
    end.

taken_name(Output) ->
    case re:run(Output, "node name (\\S+) is already in use", [{capture, [1], list}]) of
        {match, [Name]} -> list_to_atom(Name);
        nomatch -> undefined
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
