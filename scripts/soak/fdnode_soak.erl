%% @doc The soak run behind `make soak' (scripts/soak.sh): epochs of load on
%% one Java node with fault injection, checked after every epoch.
%%
%% Load epochs: FDNODE_SOAK_CALLERS raw-protocol callers
%% (fdnode_load_erl_test:run_load/3: per-caller sequence refs, so a lost or
%% doubled reply fails the run) while, at the same time, owners are killed
%% mid-read (processes that open a file and a pipe through fdnode_ffi and
%% block reading the pipe) and garbage is injected (random terms and broken
%% envelopes, fdnode_hostile_erl_test's generator, then a ping). Afterwards
%% the node must have 0 descriptors open, /proc/<jvm>/fd must hold no file
%% under the root and no pipe that was not there before, and the retained
%% heap is recorded.
%%
%% Every 4th epoch is a kill epoch: callers loop through fdnode_ffi, the JVM
%% is killed with SIGKILL mid-load, every caller must get `nodedown' (none may
%% time out) and stay alive, and the node is restarted under the same name.
-module(fdnode_soak).
-export([main/0]).

-define(KILL_EVERY, 4).

env_int(Name, Default) ->
    case os:getenv(Name) of
        false -> Default;
        V -> list_to_integer(V)
    end.

now_ms() -> erlang:monotonic_time(millisecond).

log(Fmt, Args) -> io:format("soak: " ++ Fmt ++ "~n", Args).

main() ->
    try run() of
        ok -> halt(0)
    catch
        C:E:St ->
            log("FAILED: ~p:~p~n~p", [C, E, St]),
            halt(1)
    end.

run() ->
    Total = env_int("FDNODE_SOAK_SECONDS", 600),
    Epoch = env_int("FDNODE_SOAK_EPOCH", 15),
    Callers = env_int("FDNODE_SOAK_CALLERS", 64),
    Seed = case os:getenv("FDNODE_SOAK_SEED") of
               false -> {erlang:phash2(make_ref()), erlang:unique_integer([positive]), os:system_time()};
               S -> {ok, T, _} = erl_scan:string(S ++ "."), {ok, Sd} = erl_parse:parse_term(T), Sd
           end,
    rand:seed(exsss, Seed),
    log("seed ~p (FDNODE_SOAK_SEED=\"~p\" to rerun)", [Seed, Seed]),
    Root = os:getenv("FDNODE_ROOT"),
    Name = "fdnode_soak_" ++ os:getpid(),
    Node = start(Name, Root),
    Deadline = now_ms() + Total * 1000,
    St0 = #{node => Node, name => Name, root => Root, callers => Callers,
            epoch_ms => Epoch * 1000, epochs => 0, calls => 0, owner_kills => 0,
            garbage => 0, garbage_replies => 0, restarts => 0, kill_calls => 0,
            heap => [], base_pipes => base_pipes(Node), started => now_ms()},
    St = loop(St0, Deadline),
    #{node := N} = St,
    ok = fdnode_ffi:stop(N),
    summary(St),
    ok.

start(Name, Root) ->
    {ok, Node} = fdnode_ffi:start(#{name => Name, roots => [Root], link => false,
                                    ready_timeout => 60000}),
    Node.

jvm(Node) ->
    {ok, P} = fdnode_ffi:os_pid(Node),
    P.

%% The JVM's descriptors that the soak could have left behind, by target:
%% files under the root it opens, and pipes that were not there at the base
%% (the JVM opens and closes descriptors of its own at any time, jars, /proc
%% files and sockets among them, so a total count would move by itself).
soak_fds(OsPid, Root, BasePipes) ->
    Dir = "/proc/" ++ integer_to_list(OsPid) ++ "/fd",
    {ok, Names} = file:list_dir(Dir),
    Targets = [T || N <- Names, {ok, T} <- [file:read_link_all(filename:join(Dir, N))]],
    [T || T <- Targets,
          lists:prefix(Root ++ "/", T) orelse
              (lists:prefix("pipe:", T) andalso not lists:member(T, BasePipes))].

%% The pipes the JVM has before any load (its stdin from the launcher among them).
base_pipes(Node) ->
    OsPid = jvm(Node),
    Dir = "/proc/" ++ integer_to_list(OsPid) ++ "/fd",
    {ok, Names} = file:list_dir(Dir),
    [T || N <- Names, {ok, T} <- [file:read_link_all(filename:join(Dir, N))],
          lists:prefix("pipe:", T)].

loop(#{epochs := E} = St, Deadline) ->
    case now_ms() >= Deadline of
        true -> St;
        false ->
            Left = Deadline - now_ms(),
            St1 = case (E + 1) rem ?KILL_EVERY of
                      0 -> kill_epoch(St);
                      _ -> load_epoch(St, min(maps:get(epoch_ms, St), max(1000, Left)))
                  end,
            loop(St1#{epochs := E + 1}, Deadline)
    end.

%% ---------------------------------------------------------------- load epoch

load_epoch(#{node := Node, root := Root, callers := N} = St, Ms) ->
    Self = self(),
    Stop = make_ref(),
    Killer = spawn_link(fun() -> owner_killer(Node, Root, Self, Stop, 0) end),
    Garbler = spawn_link(fun() -> garbler(Node, Self, Stop, 0, 0) end),
    #{calls := Calls} = fdnode_load_erl_test:run_load(Node, Root, #{callers => N, millis => Ms}),
    Killer ! Stop,
    Garbler ! Stop,
    Kills = receive {Stop, kills, K} -> K after 30000 -> error(owner_killer_stuck) end,
    {G, GR} = receive {Stop, garbage, G0, GR0} -> {G0, GR0} after 30000 -> error(garbler_stuck) end,
    %% every owner is dead: its descriptors close (the watcher tells the node)
    Jvm = jvm(Node),
    BasePipes = maps:get(base_pipes, St),
    Clean = wait_until(fun() ->
                               {ok, #{open_fds := O}} = fdnode_ffi:stats(Node),
                               O =:= 0 andalso soak_fds(Jvm, Root, BasePipes) =:= []
                       end, 5000),
    {ok, #{open_fds := Open, heap_used := Heap}} = fdnode_ffi:stats_with(Node, [gc], 30000),
    Left = soak_fds(Jvm, Root, BasePipes),
    log("epoch ~b: load ~b calls, ~b owners killed mid-read, ~b garbage messages "
        "(~b answered badarg); open_fds ~b, soak descriptors left in /proc ~b, heap ~.1f MiB",
        [maps:get(epochs, St) + 1, Calls, Kills, G, GR, Open, length(Left), Heap / 1048576]),
    Clean orelse error({leak, #{open_fds => Open, proc_fds => Left}}),
    St#{calls := maps:get(calls, St) + Calls,
        owner_kills := maps:get(owner_kills, St) + Kills,
        garbage := maps:get(garbage, St) + G,
        garbage_replies := maps:get(garbage_replies, St) + GR,
        heap := [Heap | maps:get(heap, St)]}.

%% Owners that open a file and a pipe, block reading the pipe, and are killed
%% after a random few milliseconds.
owner_killer(Node, Root, Parent, Stop, N) ->
    receive
        Stop -> Parent ! {Stop, kills, N}
    after 0 ->
        Me = self(),
        {Owner, M} = spawn_monitor(
                       fun() ->
                               {ok, _F} = fdnode_ffi:open(Node, list_to_binary(filename:join(Root, "hello.txt")),
                                                          [read]),
                               {ok, {R, _W}} = fdnode_ffi:pipe(Node),
                               Me ! {opened, self()},
                               fdnode_ffi:read(R, 10, 60000)
                       end),
        receive
            {opened, Owner} -> ok;
            {'DOWN', M, process, Owner, Why} -> error({owner_failed, Why})
        after 30000 -> error(owner_stuck)
        end,
        receive after rand:uniform(20) -> ok end,
        exit(Owner, kill),
        receive {'DOWN', M, process, Owner, _} -> ok end,
        owner_killer(Node, Root, Parent, Stop, N + 1)
    end.

%% Garbage in batches of 20, each batch followed by a ping that must answer.
garbler(Node, Parent, Stop, N, Replies) ->
    receive
        Stop -> Parent ! {Stop, garbage, N, Replies}
    after 0 ->
        Dest = {fdnode, Node},
        Me = self(),
        Refs = lists:append(
                 [case rand:uniform(4) of
                      1 ->
                          R = make_ref(),
                          erlang:send(Dest, {'$fdnode_call', Me, R, fdnode_hostile_erl_test:gen_term(1)}),
                          [R];
                      2 ->
                          R = make_ref(),
                          erlang:send(Dest, {'$fdnode_call', Me, R, Me,
                                             {fdnode_hostile_erl_test:gen_term(1), fdnode_hostile_erl_test:gen_term(2)}}),
                          [R];
                      _ ->
                          erlang:send(Dest, garbage_term()),
                          []
                  end || _ <- lists:seq(1, 20)]),
        Got = [receive {'$fdnode_reply', R, Res} -> Res after 15000 -> error({lost_reply_to_garbage, R}) end
               || R <- Refs],
        PingRef = make_ref(),
        erlang:send(Dest, {'$fdnode_call', Me, PingRef, Me, ping}),
        receive {'$fdnode_reply', PingRef, pong} -> ok after 15000 -> error(node_deaf_after_garbage) end,
        receive after 5 -> ok end,
        garbler(Node, Parent, Stop, N + 20, Replies + length([x || {error, badarg} <- Got]))
    end.

%% Random garbage that is not a call (never '$fdnode_call' with a pid).
garbage_term() ->
    case fdnode_hostile_erl_test:gen_term(4) of
        T when is_tuple(T), tuple_size(T) > 0, element(1, T) =:= '$fdnode_call' -> {not_a_call, T};
        T when is_tuple(T), tuple_size(T) > 0, element(1, T) =:= '$fdnode_owner_down' -> {not_a_call, T};
        T -> T
    end.

%% ---------------------------------------------------------------- kill epoch

kill_epoch(#{node := Node, name := Name, root := Root, callers := N} = St) ->
    Self = self(),
    {ok, F} = fdnode_ffi:open(Node, list_to_binary(filename:join(Root, "hello.txt")), [read]),
    %% the leak check sees what the soak opens (else it would pass by not looking)
    [_ | _] = soak_fds(jvm(Node), Root, maps:get(base_pipes, St)),
    Callers = [spawn(fun() -> Self ! {killed_caller, self(), kill_caller(F, 0)} end)
               || _ <- lists:seq(1, N div 2)],
    receive after maps:get(epoch_ms, St) div 3 -> ok end,
    T0 = now_ms(),
    os:cmd("kill -9 " ++ integer_to_list(jvm(Node))),
    Results = [receive {killed_caller, P, R} -> R after 15000 -> {lost, P} end || P <- Callers],
    Took = now_ms() - T0,
    Lost = [R || R <- Results, not is_integer(R)],
    Lost =:= [] orelse error({callers_without_nodedown, Lost}),
    Calls = lists:sum(Results),
    %% the launcher reports the JVM's exit before a node of the same name can start
    {ok, 137, _} = fdnode_ffi:await_exit(Node, 15000),
    Node2 = start(Name, Root),
    Node2 =:= Node orelse error({restarted_under_another_name, Node2}),
    ok = fdnode_ffi:ping(Node),
    {error, invalid_handle} = fdnode_ffi:pread(F, 0, 1),
    log("epoch ~b: Java node killed under ~b callers (~b calls before): all got nodedown within ~b ms; "
        "restarted, serving",
        [maps:get(epochs, St) + 1, length(Callers), Calls, Took]),
    St#{restarts := maps:get(restarts, St) + 1, kill_calls := maps:get(kill_calls, St) + Calls,
        base_pipes := base_pipes(Node)}.

%% Calls until nodedown; returns how many succeeded. A timeout is a lost reply.
kill_caller(F, N) ->
    case fdnode_ffi:pread(F, 0, 5, 10000) of
        {ok, <<"hello">>} -> kill_caller(F, N + 1);
        {error, nodedown} -> N;
        Other -> {unexpected, Other}
    end.

%% ---------------------------------------------------------------- summary

summary(#{epochs := E, calls := C, owner_kills := K, garbage := G, garbage_replies := GR,
          restarts := R, kill_calls := KC, heap := Heap, started := T0}) ->
    Secs = (now_ms() - T0) / 1000,
    %% Heap holds the newest figure first
    {First, Last} = case Heap of [] -> {0, 0}; [H | _] -> {lists:last(Heap), H} end,
    log("~n== soak summary ==~n"
        "  duration            ~.1f s, ~b epochs~n"
        "  load calls          ~b (~b/s), lost 0, duplicated 0~n"
        "  calls before kills  ~b, every caller got nodedown~n"
        "  owners killed       ~b mid-read, all their fds closed~n"
        "  garbage messages    ~b (~b broken calls answered), node kept serving~n"
        "  Java node restarts  ~b (kill -9)~n"
        "  leaked fds          0 (open_fds 0, and no file under the root nor new pipe in /proc/<jvm>/fd, after every load epoch)~n"
        "  retained heap       ~.1f MiB after the first load epoch, ~.1f MiB after the last",
        [Secs, E, C, round(C / max(Secs, 1)), KC, K, G, GR, R, First / 1048576, Last / 1048576]),
    Last =< First + 64 * 1048576 orelse error({heap_grew, First, Last}),
    ok.

wait_until(Pred, Ms) ->
    Deadline = now_ms() + Ms,
    wait_loop(Pred, Deadline).

wait_loop(Pred, Deadline) ->
    case Pred() of
        true -> true;
        false ->
            case now_ms() >= Deadline of
                true -> false;
                false -> receive after 20 -> ok end, wait_loop(Pred, Deadline)
            end
    end.
