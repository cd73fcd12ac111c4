%% @doc A cluster, as users who outgrow one machine run it: two Java nodes
%% (standing for two hosts) and three BEAM nodes on loopback; on every BEAM,
%% workers use both Java nodes at once (a file: pwrite then pread of a
%% counter; a pipe: write then read it). Mid-load one BEAM and one Java node
%% are killed with SIGKILL. Then:
%% <ul>
%% <li>the survivors' descriptors on the surviving Java node keep working
%%     (every worker there completes more checked rounds);</li>
%% <li>calls to the dead Java node answer `{error, nodedown}' promptly (no
%%     caller waits out its timeout) and no BEAM process dies;</li>
%% <li>the dead BEAM's descriptors on the surviving Java node are closed;</li>
%% <li>nothing leaks: once the survivors stop, /proc/<jvm>/fd holds no
%%     descriptor to any file of the test and the node reports 0 open.</li>
%% </ul>
-module(fdnode_cluster_erl_test).
-include_lib("eunit/include/eunit.hrl").

-define(PER_PAIR, 3).          % workers per (BEAM, Java node)
-define(WAIT, 30000).
%% Every worker call's timeout: a call in flight to the dead Java node must
%% come back nodedown before it (the OS closes the connection at the kill;
%% a loaded machine can take seconds to tear a process down).
-define(TIMEOUT, 15000).
-define(PROMPT, 3000).         % a later call to the dead Java node answers within this

two_java_nodes_three_beams_kill_one_of_each_mid_load_test_() ->
    {timeout, 200, fun cluster/0}.

cluster() ->
    J1 = fdnode_test_ffi:start_private_node(),
    J2 = fdnode_test_ffi:start_private_node(),
    {ok, J2Os} = fdnode_ffi:os_pid(J2),
    Beams = [fdnode_peers_test_ffi:start("fdnode_cluster_b" ++ integer_to_list(I))
             || I <- lists:seq(1, 3)],
    [_, _, Victim] = Beams,
    #{node := VictimNode} = Victim,
    Self = self(),
    %% Workers: {Pid, BeamNode, JavaNode, Path}
    Workers = [begin
                   Path = fdnode_test_ffi:fresh_path(<<"cluster">>),
                   Pid = spawn(BN, fun() -> worker(Self, J, Path) end),
                   erlang:monitor(process, Pid),
                   {Pid, BN, J, Path}
               end || #{node := BN} <- Beams, J <- [J1, J2], _ <- lists:seq(1, ?PER_PAIR)],
    [receive {ready, P} -> ok after ?WAIT -> error({not_ready, P, BN, J}) end
     || {P, BN, J, _} <- Workers],
    Paths = [Path || {_, _, _, Path} <- Workers],
    %% every file is open on its Java node
    ?assertEqual([], [W || {_, _, J, Path} = W <- Workers, J =:= J1,
                           not fdnode_test_ffi:has_fd_to(J1, Path)]),
    {ok, #{fds_by_node := ByNode}} = fdnode_ffi:stats(J1),
    ?assertEqual(?PER_PAIR * 3, maps:get(VictimNode, ByNode)),   % a file and a pipe each

    %% mid-load: one BEAM and one Java node die
    T0 = now_ms(),
    ok = fdnode_peers_test_ffi:kill(Victim),
    TNodedown = now_ms() - T0,
    KilledAt = os:system_time(millisecond),
    fdnode_test_ffi:kill_jvm(J2),
    Survivors = [W || {_, BN, _, _} = W <- Workers, BN =/= VictimNode],
    Dead = [W || {_, BN, _, _} = W <- Workers, BN =:= VictimNode],
    [P ! {after_kill, T0} || {P, _, _, _} <- Survivors],

    %% the dead BEAM's workers are gone, and so are its descriptors on J1
    [receive {'DOWN', _, process, P, noconnection} -> ok after ?WAIT -> error({victim_alive, P}) end
     || {P, _, _, _} <- Dead],
    TDeadDown = now_ms() - T0,
    VictimPaths = [Path || {_, _, J, Path} <- Dead, J =:= J1],
    ClosedVictim = fdnode_test_ffi:wait_until(
                     fun() -> [] =:= [P || P <- VictimPaths, fdnode_test_ffi:has_fd_to(J1, P)] end,
                     15000),
    TVictim = now_ms() - T0,
    io:format(user, "~ncluster: victim nodedown here ~b ms, its workers DOWN ~b ms, its fds closed ~b ms "
              "after the kill~n", [TNodedown, TDeadDown, TVictim]),
    ?assert(ClosedVictim),

    %% survivors: on J1 they keep working, on J2 every call answers nodedown promptly
    Reports = [receive {report, P, R} -> {P, J, R} after ?WAIT -> error({no_report, P, J}) end
               || {P, _, J, _} <- Survivors],
    J1Rounds = [N || {_, J, {rounds_after_kill, N}} <- Reports, J =:= J1],
    J2Probes = lists:append([Ps || {_, J, {nodedown, _, Ps}} <- Reports, J =:= J2]),
    %% how long after the kill each J2 worker's call in flight came back
    %% (OS clock: the same on every node of this host)
    Noticed = [At - KilledAt || {_, J, {nodedown, At, _}} <- Reports, J =:= J2],
    Failures = [X || {_, J, Rep} = X <- Reports,
                     not (J =:= J1 andalso element(1, Rep) =:= rounds_after_kill),
                     not (J =:= J2 andalso element(1, Rep) =:= nodedown)],
    ?assertEqual([], Failures),
    ?assertEqual(length(Survivors) div 2, length(J1Rounds)),
    SlowestDown = lists:max([Ms || {_, Ms} <- J2Probes]),
    ?assertEqual([], [P || {R, _} = P <- J2Probes, R =/= {error, nodedown}]),
    ?assert(SlowestDown =< ?PROMPT),
    ?assertEqual(length(Survivors) div 2, length(Noticed)),
    ?assert(lists:max(Noticed) < ?TIMEOUT),
    %% no survivor died
    ?assertEqual([], [M || {'DOWN', _, process, _, _} = M <- mailbox()]),
    ?assert(lists:all(fun({P, BN, _, _}) -> erpc:call(BN, erlang, is_process_alive, [P]) end,
                      Survivors)),

    %% stop: the survivors close what they have on J1 and exit
    [P ! stop || {P, _, _, _} <- Survivors],
    [receive {'DOWN', _, process, P, normal} -> ok after ?WAIT -> error({not_stopped, P}) end
     || {P, _, _, _} <- Survivors],
    ?assertEqual([], [P || P <- Paths, fdnode_test_ffi:has_fd_to(J1, P)]),
    {ok, #{open_fds := Open}} = fdnode_ffi:stats(J1),
    ?assertEqual(0, Open),
    ?assertNot(fdnode_test_ffi:os_process_alive(J2Os)),   % dead, even if not reaped yet
    io:format(user, "~ncluster: 2 Java nodes x 3 BEAMs x ~b workers; one of each killed: "
              "the dead BEAM's ~b fds on the live Java node closed ~b ms after the kill; "
              "~b survivors on it went on (each ~b more checked rounds); "
              "calls in flight to the dead Java node answered nodedown ~b ms after the kill "
              "at most, ~b later calls all nodedown, slowest ~b ms; 0 fds left~n",
              [?PER_PAIR, length(VictimPaths) * 3, TVictim, length(J1Rounds), lists:min(J1Rounds),
               lists:max(Noticed), length(J2Probes), SlowestDown]),
    [fdnode_peers_test_ffi:stop(B) || B <- Beams -- [Victim]],
    ?assertEqual(ok, fdnode_ffi:stop(J1)).

%% A worker on a peer BEAM: a file and a pipe on Java node J, used in checked
%% rounds until told to stop. After `after_kill' it reports either the rounds
%% it completed since (20 at least; its Java node lives) or, once its Java
%% node is gone, ten more timed calls (all must be nodedown).
worker(Test, J, Path) ->
    {ok, F} = fdnode_ffi:open(J, Path, [create, read, write], ?TIMEOUT),
    {ok, {R, W}} = fdnode_ffi:pipe(J, ?TIMEOUT),
    Fds = {F, R, W},
    ok = rounds(Fds, 1, 20),
    Test ! {ready, self()},
    loop(Test, J, Fds, 21, undefined).

loop(Test, J, Fds, I, Since) ->
    receive
        {after_kill, _} when Since =:= undefined -> loop(Test, J, Fds, I, I);
        stop -> finish(Fds)
    after 0 ->
        case round(Fds, I) of
            ok when Since =/= undefined, I - Since =:= 20 ->
                Test ! {report, self(), {rounds_after_kill, I - Since}},
                loop(Test, J, Fds, I + 1, Since);
            ok ->
                loop(Test, J, Fds, I + 1, Since);
            {error, nodedown} ->
                At = os:system_time(millisecond),
                Probes = [timed(fun() -> round(Fds, I) end) || _ <- lists:seq(1, 5)]
                    ++ [timed(fun() -> fdnode_ffi:ping(J, ?TIMEOUT) end) || _ <- lists:seq(1, 5)],
                Test ! {report, self(), {nodedown, At, Probes}},
                receive stop -> ok end;
            Other ->
                Test ! {report, self(), {failed, I, Other}},
                receive stop -> ok end
        end
    end.

rounds(_, I, N) when I > N -> ok;
rounds(Fds, I, N) ->
    ok = round(Fds, I),
    rounds(Fds, I + 1, N).

%% One checked round; the first call that fails gives the result.
round({F, R, W}, I) ->
    Bin = <<I:32>>,
    steps([fun() -> fdnode_ffi:pwrite(F, 0, Bin, ?TIMEOUT) end,
           fun() -> expect({ok, Bin}, fdnode_ffi:pread(F, 0, 4, ?TIMEOUT)) end,
           fun() -> fdnode_ffi:write(W, Bin, ?TIMEOUT) end,
           fun() -> expect({ok, Bin}, fdnode_ffi:read(R, 4, ?TIMEOUT)) end]).

steps([]) -> ok;
steps([S | Rest]) ->
    case S() of
        ok -> steps(Rest);
        Other -> Other
    end.

expect(Want, Want) -> ok;
expect(_, {error, _} = E) -> E;
expect(Want, Got) -> {wrong, Want, Got}.

timed(F) ->
    T0 = now_ms(),
    R = F(),
    {R, now_ms() - T0}.

finish({F, R, W}) ->
    [ok = fdnode_ffi:close(H, ?TIMEOUT) || H <- [F, R, W]],
    ok.

now_ms() -> erlang:monotonic_time(millisecond).

mailbox() ->
    {messages, Ms} = process_info(self(), messages),
    Ms.
