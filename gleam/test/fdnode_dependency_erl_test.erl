%% @doc fdnode as a user's dependency, built the way each user would build it
%% and run on a BEAM that is not distributed, with neither FDNODE_JAR nor a
%% jar option, so the Java node's jar can only come from fdnode's priv dir:
%%
%% <ul>
%% <li>a throwaway rebar3 project (Debian's rebar3) with this checkout's
%%     gleam/ as a checkout dependency (`_checkouts/fdnode'), calling
%%     `fdnode_ffi';</li>
%% <li>a throwaway Mix project (Debian's Elixir; `MIX_REBAR3' is Debian's
%%     rebar3, no Hex) with `{:fdnode, path: ..., manager: :rebar3}', calling
%%     `:fdnode_ffi';</li>
%% <li>the Gleam application gleam/test_apps/uses_fdnode, with fdnode as a
%%     path dependency, built by tools/gleam/build-app.mjs into the layout of
%%     a native `gleam build'.</li>
%% </ul>
%%
%% Each one opens, writes, preads and closes a file (the test reads it back
%% from disk), says whether its BEAM was distributed before and after
%% `start', and prints the jar its JVM runs, which must be this checkout's
%% gleam/priv/fdnode.jar as the build laid it out for that project.
-module(fdnode_dependency_erl_test).
-include_lib("eunit/include/eunit.hrl").

-define(BUILD_TIMEOUT, 150000).
-define(RUN_TIMEOUT, 60000).

rebar3_project_test() ->
    Dir = project_dir("rebar3"),
    write(Dir, "rebar.config", "{erl_opts, [debug_info]}.\n{deps, [fdnode]}.\n"),
    write(Dir, "src/dep_check.app.src",
          "{application, dep_check, [{description, \"uses fdnode\"}, {vsn, \"0.1.0\"},\n"
          " {applications, [kernel, stdlib, fdnode]}, {registered, []}, {modules, []}]}.\n"),
    write(Dir, "src/dep_check.erl", erlang_project_module()),
    ok = filelib:ensure_dir(filename:join([Dir, "_checkouts", "x"])),
    ok = file:make_symlink(filename:join(checkout(), "gleam"),
                           filename:join([Dir, "_checkouts", "fdnode"])),
    build(Dir, executable("rebar3"), ["compile"], []),
    Ebins = filelib:wildcard(filename:join(Dir, "_build/default/*/*/ebin")),
    Out = run(Dir, executable("erl"),
              ["-noshell" | lists:append([["-pa", E] || E <- Ebins])]
              ++ ["-eval", "dep_check:main(), halt()."], []),
    check(Dir, Out, "_build/default/checkouts/fdnode/priv/fdnode.jar",
          "from_rebar3.txt", <<"hello from rebar3">>).

mix_project_test() ->
    Dir = project_dir("mix"),
    write(Dir, "mix.exs",
          ["defmodule DepCheck.MixProject do\n"
           "  use Mix.Project\n\n"
           "  def project do\n"
           "    [app: :dep_check, version: \"0.1.0\", elixir: \"~> 1.14\",\n"
           "     deps: [{:fdnode, path: ", io_lib:format("~p", [filename:join(checkout(), "gleam")]),
           ", manager: :rebar3}]]\n"
           "  end\n\n"
           "  def application, do: [extra_applications: [:logger]]\n"
           "end\n"]),
    write(Dir, "lib/dep_check.ex", elixir_project_module()),
    Env = [{"MIX_HOME", filename:join(Dir, "home/.mix")},
           {"MIX_REBAR3", executable("rebar3")}, {"HEX_OFFLINE", "1"}, {"MIX_ENV", "dev"}],
    build(Dir, executable("mix"), ["compile"], Env),
    Out = run(Dir, executable("mix"), ["run", "--no-compile", "-e", "DepCheck.main()"], Env),
    check(Dir, Out, "_build/dev/lib/fdnode/priv/fdnode.jar",
          "from_elixir.txt", <<"hello from Elixir">>).

gleam_application_test() ->
    Dir = project_dir("gleam"),
    App = filename:join([checkout(), "gleam", "test_apps", "uses_fdnode"]),
    Build = filename:join(Dir, "build/dev/erlang"),
    build(Dir, executable("node"),
          [filename:join([checkout(), "tools", "gleam", "build-app.mjs"]), App, Build], []),
    Ebins = filelib:wildcard(filename:join(Build, "*/ebin")),
    Out = run(Dir, executable("erl"),
              ["-noshell" | lists:append([["-pa", E] || E <- Ebins])]
              ++ ["-eval", "uses_fdnode:main(), halt()."], []),
    check(Dir, Out, "build/dev/erlang/fdnode/priv/fdnode.jar",
          "from_gleam.txt", <<"hello from a Gleam app">>).

%% ---------------------------------------------------------------- the projects' code

erlang_project_module() ->
    "-module(dep_check).\n"
    "-export([main/0]).\n\n"
    "main() ->\n"
    "    Root = os:getenv(\"FDNODE_ROOTS\"),\n"
    "    io:format(\"distributed before start: ~s~n\", [yes(node() =/= nonode@nohost)]),\n"
    "    {ok, Node} = fdnode_ffi:start(#{roots => [Root]}),\n"
    "    io:format(\"distributed after start: ~s~n\", [yes(node() =/= nonode@nohost)]),\n"
    "    {ok, Fd} = fdnode_ffi:open(Node, filename:join(Root, \"from_rebar3.txt\"),\n"
    "                               [create, read, write]),\n"
    "    ok = fdnode_ffi:write(Fd, <<\"hello from rebar3\">>),\n"
    "    {ok, <<\"rebar3\">>} = fdnode_ffi:pread(Fd, 11, 6),\n"
    "    ok = fdnode_ffi:close(Fd),\n"
    "    {ok, OsPid} = fdnode_ffi:os_pid(Node),\n"
    "    {ok, Cmdline} = file:read_file(\"/proc/\" ++ integer_to_list(OsPid) ++ \"/cmdline\"),\n"
    "    [_, Jar | _] = lists:dropwhile(fun(A) -> A =/= <<\"-jar\">> end,\n"
    "                                   binary:split(Cmdline, <<0>>, [global])),\n"
    "    io:format(\"jar: ~s~n\", [Jar]),\n"
    "    ok = fdnode_ffi:stop(Node),\n"
    "    io:format(\"done~n\").\n\n"
    "yes(true) -> \"yes\";\n"
    "yes(false) -> \"no\".\n".

elixir_project_module() ->
    "defmodule DepCheck do\n"
    "  def main do\n"
    "    root = System.fetch_env!(\"FDNODE_ROOTS\")\n"
    "    IO.puts(\"distributed before start: #{yes(node() != :nonode@nohost)}\")\n"
    "    {:ok, n} = :fdnode_ffi.start(%{roots: [root]})\n"
    "    IO.puts(\"distributed after start: #{yes(node() != :nonode@nohost)}\")\n"
    "    {:ok, fd} = :fdnode_ffi.open(n, Path.join(root, \"from_elixir.txt\"), [:create, :read, :write])\n"
    "    :ok = :fdnode_ffi.write(fd, \"hello from Elixir\")\n"
    "    {:ok, \"Elixir\"} = :fdnode_ffi.pread(fd, 11, 6)\n"
    "    :ok = :fdnode_ffi.close(fd)\n"
    "    {:ok, os_pid} = :fdnode_ffi.os_pid(n)\n"
    "    [_, jar | _] =\n"
    "      File.read!(\"/proc/#{os_pid}/cmdline\")\n"
    "      |> String.split(<<0>>)\n"
    "      |> Enum.drop_while(&(&1 != \"-jar\"))\n"
    "    IO.puts(\"jar: #{jar}\")\n"
    "    :ok = :fdnode_ffi.stop(n)\n"
    "    IO.puts(\"done\")\n"
    "  end\n\n"
    "  defp yes(true), do: \"yes\"\n"
    "  defp yes(false), do: \"no\"\n"
    "end\n".

%% ---------------------------------------------------------------- helpers

%% The checkout under test (scripts/gleam-test.sh sets FDNODE_CHECKOUT).
checkout() ->
    case os:getenv("FDNODE_CHECKOUT") of
        false -> filename:absname("..");   % native `gleam test' runs in gleam/
        Dir -> Dir
    end.

%% A fresh directory (in the run's scratch directory, removed with it) with
%% a home of its own, so the build tools' caches start empty, and a data
%% directory, the Java node's root.
project_dir(Kind) ->
    Dir = binary_to_list(fdnode_test_ffi:fresh_path(list_to_binary(Kind ++ "_project"))),
    [ok = filelib:ensure_dir(filename:join([Dir, Sub, "x"])) || Sub <- ["home", "data"]],
    Dir.

write(Dir, File, Text) ->
    Path = filename:join(Dir, File),
    ok = filelib:ensure_dir(Path),
    ok = file:write_file(Path, Text).

executable(Name) ->
    case os:find_executable(Name) of
        false -> erlang:error({not_installed, Name, "scripts/deps.sh installs it"});
        Path -> Path
    end.

env(Dir, Extra) ->
    [{"HOME", filename:join(Dir, "home")}, {"LC_ALL", "C.UTF-8"},
     {"FDNODE_JAR", false}, {"FDNODE_ROOTS", filename:join(Dir, "data")} | Extra].

build(Dir, Exe, Args, Extra) ->
    {Status, Out} = fdnode_test_ffi:run_program(
                      Exe, Args, #{env => env(Dir, Extra), cd => Dir, timeout => ?BUILD_TIMEOUT}),
    Status =:= 0 orelse erlang:error({build_failed, Exe, Args, Status, Out}).

run(Dir, Exe, Args, Extra) ->
    {Status, Out} = fdnode_test_ffi:run_program(
                      Exe, Args, #{env => env(Dir, Extra), cd => Dir, timeout => ?RUN_TIMEOUT}),
    Status =:= 0 orelse erlang:error({run_failed, Exe, Args, Status, Out}),
    Out.

%% What every project must have printed and written. The jar it ran is the
%% path its build laid out, and that is the checkout's gleam/priv/fdnode.jar.
check(Dir, Out, JarPath, DataFile, Written) ->
    Lines = [L || L <- binary:split(Out, <<"\n">>, [global])],
    Jar = list_to_binary(filename:join(Dir, JarPath)),
    Seen = [L || L <- Lines, lists:member(L, [<<"distributed before start: no">>,
                                              <<"distributed after start: yes">>,
                                              <<"jar: ", Jar/binary>>, <<"done">>])],
    ?assertEqual({[<<"distributed before start: no">>, <<"distributed after start: yes">>,
                   <<"jar: ", Jar/binary>>, <<"done">>], Out},
                 {Seen, Out}),
    {ok, #{} = Used} = inode(Jar),
    {ok, Built} = inode(filename:join([checkout(), "gleam", "priv", "fdnode.jar"])),
    ?assertEqual(Built, Used),
    ?assertEqual({ok, Written}, file:read_file(filename:join([Dir, "data", DataFile]))).

inode(Path) ->
    case file:read_file_info(Path) of
        {ok, Info} -> {ok, #{inode => element(11, Info), major => element(9, Info)}};
        {error, _} = E -> E
    end.
