%% @doc The little the test application needs from Erlang (it has no
%% gleam_stdlib): printing, the environment, and the jar a JVM runs.
-module(uses_fdnode_ffi).
-export([print/1, env/1, this_node/0, jar_of/1]).

print(Line) ->
    io:put_chars([Line, $\n]),
    nil.

env(Name) ->
    case os:getenv(binary_to_list(Name)) of
        false -> erlang:error({unset, Name});
        Value -> unicode:characters_to_binary(Value)
    end.

this_node() -> atom_to_binary(node(), utf8).

%% The argument after -jar on the JVM's command line.
jar_of(OsPid) ->
    {ok, Cmdline} = file:read_file("/proc/" ++ integer_to_list(OsPid) ++ "/cmdline"),
    [_, Jar | _] = lists:dropwhile(fun(A) -> A =/= <<"-jar">> end,
                                   binary:split(Cmdline, <<0>>, [global])),
    Jar.
