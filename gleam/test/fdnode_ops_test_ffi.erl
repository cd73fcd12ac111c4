%% @doc Helpers for the operations tests (fdnode_ops_test, fdnode_ops_erl_test):
%% OS processes started outside the launcher (a second BEAM, an operator-run
%% JVM), signals, /proc, and progress recording.
-module(fdnode_ops_test_ffi).

-export([start_operator_jvm/0, await_port_exit/2, signal/2, fd_kinds/2,
         os_process_gone/1, wait_os_process_gone/2, record_progress/2,
         recorded_progress/0, spawn_beam_with_node/0, kill_beam/1, contains/2]).

%% ---------------------------------------------------------------- OS processes

%% A Java node run like an operator would: `java -jar fdnode.jar --name ...'
%% as a plain OS process (an Erlang port, not the launcher), with its own
%% name, this BEAM's cookie and the test root. `--exit-on-stdin-eof' is only
%% the safety net that stops it if this test crashes. Returns {Port, Node}.
start_operator_jvm() ->
    Java = os:find_executable("java"),
    Jar = os:getenv("FDNODE_JAR"),
    Root = binary_to_list(fdnode_test_ffi:root()),
    Name = "fdnode_operator_" ++ integer_to_list(erlang:unique_integer([positive])),
    Port = open_port({spawn_executable, Java},
                     [{args, ["-jar", Jar, "--name", Name,
                              "--cookie", atom_to_list(erlang:get_cookie()),
                              "--root", Root, "--log-level", "info",
                              "--exit-on-stdin-eof"]},
                      exit_status, use_stdio, stderr_to_stdout, binary, {line, 4096}, hide]),
    case await_line(Port, <<"fdnode ready ">>, deadline(60000), []) of
        {ok, Rest} -> {Port, binary_to_atom(string:trim(Rest), utf8)};
        {error, Why} -> erlang:error({operator_jvm_not_ready, Why})
    end.

%% Waits for the port's process to exit: {ok, Status} or {error, nil}.
await_port_exit(Port, TimeoutMs) ->
    receive
        {Port, {exit_status, S}} -> {ok, S};
        {Port, {data, _}} -> await_port_exit(Port, TimeoutMs)
    after TimeoutMs ->
        {error, nil}
    end.

signal(OsPid, Signal) ->
    os:cmd("kill -" ++ binary_to_list(Signal) ++ " " ++ integer_to_list(OsPid)),
    nil.

%% {Files, PipeEnds}: what the descriptor numbers RawFds of process OsPid
%% point at, from /proc/<pid>/fd/<n> (a number that is not open counts as
%% neither). Both ends of one pipe have the same pipe:[inode] target.
fd_kinds(OsPid, RawFds) ->
    Dir = "/proc/" ++ integer_to_list(OsPid) ++ "/fd/",
    Targets = [T || N <- RawFds, {ok, T} <- [file:read_link_all(Dir ++ integer_to_list(N))]],
    Pipes = [T || "pipe:" ++ _ = T <- Targets],
    {length([T || "/" ++ _ = T <- Targets]),
     case lists:usort(Pipes) of [_] -> length(Pipes); _ -> 0 end}.

%% Gone, or a zombie nobody has reaped yet (it holds no descriptors).
os_process_gone(OsPid) ->
    case file:read_file("/proc/" ++ integer_to_list(OsPid) ++ "/stat") of
        {ok, Stat} ->
            [_, AfterComm] = string:split(Stat, ") ", trailing),
            binary:first(AfterComm) =:= $Z;
        {error, _} ->
            true
    end.

%% The OS sends no event when an unrelated process exits: poll /proc.
wait_os_process_gone(OsPid, TimeoutMs) ->
    fdnode_test_ffi:wait_until(fun() -> os_process_gone(OsPid) end, TimeoutMs).

%% A second BEAM (`erl -sname ...') that starts its own Java node through
%% fdnode_ffi:start/1 and prints both OS pids. Returns
%% {ErlPort, BeamOsPid, JvmOsPid}.
spawn_beam_with_node() ->
    Erl = os:find_executable("erl"),
    Ebin = filename:dirname(code:which(fdnode_ffi)),
    Name = "fdnode_victim_" ++ integer_to_list(erlang:unique_integer([positive])),
    Code = "{ok, N} = fdnode_ffi:start(#{ready_timeout => 60000}), "
           "{ok, P} = fdnode_ffi:os_pid(N), "
           "io:format(\"victim ~s ~b~n\", [os:getpid(), P]), "
           "receive after infinity -> ok end.",
    Port = open_port({spawn_executable, Erl},
                     [{args, ["-noshell", "-sname", Name,
                              "-setcookie", atom_to_list(erlang:get_cookie()),
                              "-pa", Ebin, "-eval", Code]},
                      exit_status, use_stdio, stderr_to_stdout, binary, {line, 4096}, hide]),
    case await_line(Port, <<"victim ">>, deadline(60000), []) of
        {ok, Rest} ->
            [Beam, Jvm] = string:lexemes(string:trim(Rest), " "),
            {Port, binary_to_integer(Beam), binary_to_integer(Jvm)};
        {error, Why} ->
            erlang:error({victim_beam_not_ready, Why})
    end.

%% kill -9 the whole BEAM; waits for its port to report the exit.
kill_beam({Port, BeamOsPid, _Jvm}) ->
    os:cmd("kill -9 " ++ integer_to_list(BeamOsPid)),
    await_port_exit(Port, 30000).

deadline(Ms) -> erlang:monotonic_time(millisecond) + Ms.

await_line(Port, Prefix, Deadline, Seen) ->
    Left = max(0, Deadline - erlang:monotonic_time(millisecond)),
    receive
        {Port, {data, {eol, Line}}} ->
            case string:prefix(Line, Prefix) of
                nomatch -> await_line(Port, Prefix, Deadline, [Line | Seen]);
                Rest -> {ok, Rest}
            end;
        {Port, {data, {noeol, _}}} ->
            await_line(Port, Prefix, Deadline, Seen);
        {Port, {exit_status, S}} ->
            {error, {exited, S, lists:reverse(Seen)}}
    after Left ->
        catch port_close(Port),
        {error, {timeout, lists:reverse(Seen)}}
    end.

%% ---------------------------------------------------------------- progress

record_progress(Done, Total) ->
    self() ! {fdnode_ops_progress, Done, Total},
    nil.

%% Every recorded progress report, in arrival order.
recorded_progress() ->
    receive
        {fdnode_ops_progress, D, T} -> [{D, T} | recorded_progress()]
    after 0 ->
        []
    end.

contains(Haystack, Needle) ->
    binary:match(Haystack, Needle) =/= nomatch.
