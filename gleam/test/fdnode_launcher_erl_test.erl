%% @doc The launcher with a real JVM: what reaches the JVM's command line and
%% environment (cookie, JVM flags), typed start errors, and a start from a
%% BEAM that is not distributed (as under `gleam run').
-module(fdnode_launcher_erl_test).
-include_lib("eunit/include/eunit.hrl").
-export([refused_start_child/0]).

%% /proc/<pid>/<file> as a list of NUL-separated strings.
proc_strings(OsPid, File) ->
    {ok, Bin} = file:read_file("/proc/" ++ integer_to_list(OsPid) ++ "/" ++ File),
    [S || S <- binary:split(Bin, <<0>>, [global]), S =/= <<>>].

cookie_goes_in_the_environment_not_the_command_line_test() ->
    Node = fdnode_test_ffi:shared_node(),
    {ok, OsPid} = fdnode_ffi:os_pid(Node),
    Cookie = atom_to_binary(erlang:get_cookie(), utf8),
    Cmdline = proc_strings(OsPid, "cmdline"),
    ?assertEqual(nomatch, binary:match(iolist_to_binary(Cmdline), Cookie)),
    ?assertNot(lists:member(<<"--cookie">>, Cmdline)),
    ?assert(lists:member(<<"FDNODE_COOKIE=", Cookie/binary>>, proc_strings(OsPid, "environ"))),
    %% and the node really runs with that cookie: it answers us
    ?assertEqual(ok, fdnode_ffi:ping(Node)),
    %% the default JVM flags are on the command line, before -jar
    Jar = list_to_binary(filename:absname(os:getenv("FDNODE_JAR"))),
    Defaults = [list_to_binary(A) || A <- fdnode_launcher:default_jvm_args(Jar)],
    ?assertEqual(Defaults, lists:sublist(tl(Cmdline), length(Defaults))),
    ?assert(lists:member(<<"-XX:TieredStopAtLevel=1">>, Defaults)).

jvm_args_replace_the_defaults_test() ->
    {ok, Node} = fdnode_ffi:start(#{roots => [fdnode_test_ffi:root()], ready_timeout => 60000,
                                    jvm_args => ["-Xmx48m", "-Xss512k"]}),
    {ok, OsPid} = fdnode_ffi:os_pid(Node),
    [_Java | Args] = proc_strings(OsPid, "cmdline"),
    ?assertMatch([<<"-Xmx48m">>, <<"-Xss512k">>, <<"-jar">> | _], Args),
    ?assertNot(lists:member(<<"-XX:TieredStopAtLevel=1">>, Args)),
    ?assertEqual(ok, fdnode_ffi:stop(Node)).

typed_start_errors_test() ->
    Missing = filename:join(binary_to_list(fdnode_test_ffi:root()), "no_such_dir"),
    ?assertEqual({error, no_root}, fdnode_ffi:start(#{roots => []})),
    ?assertEqual({error, {root_not_found, Missing}}, fdnode_ffi:start(#{roots => [Missing]})),
    Jar = os:getenv("FDNODE_JAR"),
    ?assertEqual({error, no_jar},
                 with_env("FDNODE_JAR", false, fun() -> fdnode_ffi:start(#{}) end)),
    ?assertEqual({error, no_root},
                 with_env("FDNODE_ROOTS", false, fun() -> fdnode_ffi:start(#{jar => Jar}) end)),
    %% a name another node already holds: the Java node says so, typed here
    Taken = atom_to_list(node()),
    ?assertMatch({error, {name_taken, _}},
                 fdnode_ffi:start(#{name => hd(string:split(Taken, "@")),
                                    ready_timeout => 60000})).

with_env(Name, Value, Fun) ->
    Old = os:getenv(Name),
    case Value of
        false -> os:unsetenv(Name);
        _ -> os:putenv(Name, Value)
    end,
    try Fun()
    after
        case Old of
            false -> os:unsetenv(Name);
            _ -> os:putenv(Name, Old)
        end
    end.

%% A BEAM started without -sname (what `gleam run' does) starts a Java node
%% through the Gleam API: `node.start' makes it distributed first (unless told
%% not to: `distribute => false'). The child prints what it saw.
start_from_a_non_distributed_beam_test() ->
    Erl = os:find_executable("erl"),
    Ebin = filename:dirname(code:which(fdnode_ffi)),
    Code = "nonode@nohost = node(), "
           "{error, not_distributed} = fdnode_ffi:start(#{distribute => false}), "
           "nonode@nohost = node(), "
           "{ok, N} = 'fdnode@node':start('fdnode@node':start_options()), "
           "{ok, nil} = 'fdnode@node':connect(N, 5000), "
           "io:format(\"started ~s ~s~n\", [node(), N]), "
           "{ok, nil} = 'fdnode@node':stop(N, 10000), halt(0).",
    Port = open_port({spawn_executable, Erl},
                     [{args, ["-noshell", "-pa", Ebin, "-eval", Code]},
                      exit_status, use_stdio, stderr_to_stdout, binary, {line, 4096}, hide]),
    {Status, Lines} = collect(Port, []),
    Started = [L || L <- Lines, binary:match(L, <<"started fdnode_client_">>) =/= nomatch],
    ?assertEqual({0, 1}, {Status, length(Started)}).

collect(Port, Acc) ->
    receive
        {Port, {data, {_, Line}}} -> collect(Port, [Line | Acc]);
        {Port, {exit_status, S}} -> {S, lists:reverse(Acc)}
    after 90000 ->
        erlang:error({child_beam_hung, lists:reverse(Acc)})
    end.

%% A start refused for one of its options changes nothing: a BEAM that is
%% not distributed stays so (net_kernel is not started, no epmd is asked).
%% The child runs refused_start_child/0, with fdnode's code laid out as an
%% application whose priv dir has no jar, and FDNODE_JAR unset.
a_refused_start_leaves_the_beam_as_it_was_test() ->
    Lib = binary_to_list(fdnode_test_ffi:fresh_path(<<"lib">>)),
    ok = file:make_dir(Lib),
    ok = file:make_dir(filename:join(Lib, "fdnode")),
    ok = file:make_dir(filename:join([Lib, "fdnode", "priv"])),
    Ebin = filename:absname(filename:dirname(code:which(fdnode_ffi))),
    ok = file:make_symlink(Ebin, filename:join([Lib, "fdnode", "ebin"])),
    {Status, Out} = fdnode_test_ffi:run_program(
                      os:find_executable("erl"),
                      ["-noshell", "-pa", filename:join([Lib, "fdnode", "ebin"]),
                       "-eval", "fdnode_launcher_erl_test:refused_start_child()"],
                      #{env => [{"FDNODE_JAR", false}, {"FDNODE_ROOTS", false},
                                {"JAR_FOR_CHILD", os:getenv("FDNODE_JAR")}],
                        cd => Lib, timeout => 90000}),
    ?assertEqual({0, <<"refused starts checked\n">>}, {Status, Out}).

%% In the child BEAM: each refused start leaves node() at nonode@nohost.
refused_start_child() ->
    Root = code:root_dir(),
    Jar = filename:join(code:priv_dir(fdnode), "fdnode.jar"),
    Refusals =
        [%% no jar option, no FDNODE_JAR: the priv dir's jar, which is missing
         {{jar_not_found, Jar}, #{roots => [Root]}},
         %% a given jar wins over the priv dir
         {{jar_not_found, "/no/such.jar"}, #{jar => "/no/such.jar", roots => [Root]}},
         {java_not_found, #{java => "/no/such/java", roots => [Root]}},
         {{root_not_found, "/no/such/dir"}, #{jar => os:getenv("JAR_FOR_CHILD"),
                                              roots => ["/no/such/dir"]}},
         {not_distributed, #{distribute => false}}],
    Failed = [{Want, Got, node()}
              || {Want, Opts} <- Refusals,
                 Got <- [fdnode_ffi:start(Opts)],
                 Got =/= {error, Want} orelse node() =/= nonode@nohost],
    %% FDNODE_JAR wins over the priv dir too
    os:putenv("FDNODE_JAR", "/env/no.jar"),
    Env = fdnode_ffi:start(#{roots => [Root]}),
    case {Failed, Env, node(), erlang:whereis(net_kernel)} of
        {[], {error, {jar_not_found, "/env/no.jar"}}, nonode@nohost, undefined} ->
            io:put_chars("refused starts checked\n"),
            halt(0);
        Other ->
            io:format("~p~n", [Other]),
            halt(1)
    end.
