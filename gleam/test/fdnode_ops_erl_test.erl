%% @doc No orphan JVMs: a whole BEAM killed with SIGKILL, and a Java node
%% under an OTP supervisor (restart, then stop).
-module(fdnode_ops_erl_test).

-include_lib("eunit/include/eunit.hrl").

-export([init/1]).

%% A separate `erl' starts a Java node through fdnode_ffi:start/1; we kill -9
%% that whole BEAM (no code of it runs again) and the JVM must go by itself:
%% its stdin (a pipe from the dead BEAM) reaches EOF.
kill_9_of_the_beam_leaves_no_jvm_test() ->
    {_Port, BeamOsPid, JvmOsPid} = Victim = fdnode_ops_test_ffi:spawn_beam_with_node(),
    ?assertNot(fdnode_ops_test_ffi:os_process_gone(JvmOsPid)),
    ?assertMatch({ok, 137}, fdnode_ops_test_ffi:kill_beam(Victim)),
    ?assert(fdnode_ops_test_ffi:os_process_gone(BeamOsPid)),
    ?assert(fdnode_ops_test_ffi:wait_os_process_gone(JvmOsPid, 20000)).

%% A supervisor runs the node from a child spec: when the JVM dies it starts
%% a new one under the same name; when the supervisor stops, the JVM exits
%% before the supervisor is gone.
supervised_node_restarts_and_stops_with_its_supervisor_test() ->
    process_flag(trap_exit, true),
    Name = "fdnode_sup_" ++ integer_to_list(erlang:unique_integer([positive])),
    Spec = fdnode_ffi:child_spec(#{name => Name, roots => [fdnode_test_ffi:root()],
                                   ready_timeout => 60000}),
    ?assertMatch(#{id := {fdnode, Name}, start := {fdnode_ffi, start_link, [_]}}, Spec),
    {ok, Sup} = supervisor:start_link(sup_callback(), {#{strategy => one_for_one,
                                                         intensity => 5, period => 60},
                                                       [Spec]}),
    [{_, Launcher1, worker, _}] = supervisor:which_children(Sup),
    Node = list_to_atom(Name ++ "@" ++ lists:last(string:split(atom_to_list(node()), "@"))),
    ?assertEqual(ok, fdnode_ffi:ping(Node, 5000)),
    {ok, Jvm1} = fdnode_ffi:os_pid(Node),

    %% The JVM crashes: the launcher exits, the supervisor starts a new node.
    MRef = erlang:monitor(process, Launcher1),
    os:cmd("kill -9 " ++ integer_to_list(Jvm1)),
    receive {'DOWN', MRef, process, Launcher1, _} -> ok after 30000 -> error(no_down) end,
    ?assert(fdnode_test_ffi:wait_until(
              fun() ->
                      case supervisor:which_children(Sup) of
                          [{_, P, worker, _}] when is_pid(P), P =/= Launcher1 -> true;
                          _ -> false
                      end
              end, 60000)),
    ?assertEqual(ok, fdnode_ffi:ping(Node, 5000)),
    {ok, Jvm2} = fdnode_ffi:os_pid(Node),
    ?assertNotEqual(Jvm1, Jvm2),

    %% Stopping the supervisor stops the JVM: the launcher waits for it.
    SMRef = erlang:monitor(process, Sup),
    unlink(Sup),
    exit(Sup, shutdown),
    receive {'DOWN', SMRef, process, Sup, _} -> ok after 30000 -> error(sup_not_down) end,
    ?assertEqual(undefined, fdnode_launcher:whereis_node(Node)),
    ?assert(fdnode_ops_test_ffi:wait_os_process_gone(Jvm2, 5000)).

%% A supervisor callback module is needed; this one takes its flags and
%% children from the start argument.
sup_callback() -> fdnode_ops_erl_test.

init({Flags, Children}) -> {ok, {Flags, Children}}.
