%% @doc Security, end to end against a real Java node: a peer with the wrong
%% cookie is refused (pang, and no call gets through); the distribution port
%% listens on 127.0.0.1 unless `--listen' says otherwise; a path flipped
%% between a file in the root and a symlink to a file outside never yields a
%% descriptor of the outside file; a handle with a wrong token never reaches
%% another owner's descriptor.
-module(fdnode_security_erl_test).
-include_lib("eunit/include/eunit.hrl").

root() -> binary_to_list(fdnode_test_ffi:root()).

raw(Node, Req) ->
    Ref = make_ref(),
    erlang:send({fdnode, Node}, {'$fdnode_call', self(), Ref, self(), Req}),
    receive {'$fdnode_reply', Ref, R} -> R after 10000 -> no_reply end.

%% ---------------------------------------------------------------- cookie

wrong_cookie_is_refused_test() ->
    Node = fdnode_test_ffi:shared_node(),
    Target = filename:join(root(), "security_cookie_" ++ integer_to_list(erlang:unique_integer([positive]))),
    Erl = os:find_executable("erl"),
    Code = lists:flatten(io_lib:format(
             "Ping = net_adm:ping('~s'), "
             "Ref = make_ref(), "
             "catch erlang:send({fdnode, '~s'}, {'$fdnode_call', self(), Ref, self(), "
             "{open, <<\"~s\">>, [create, write]}}), "
             "R = receive {'$fdnode_reply', Ref, X} -> X after 1000 -> no_reply end, "
             "io:format(\"result ~~p ~~p~~n\", [Ping, R]), halt().",
             [Node, Node, Target])),
    Name = "fdnode_badcookie_" ++ os:getpid() ++ "_" ++ integer_to_list(erlang:unique_integer([positive])),
    Port = open_port({spawn_executable, Erl},
                     [{args, ["-noshell", "-sname", Name, "-setcookie", "not_the_cookie",
                              "-eval", Code]},
                      exit_status, use_stdio, stderr_to_stdout, binary, {line, 4096}, hide]),
    Lines = collect(Port, []),
    ?assert(lists:member(<<"result pang no_reply">>, Lines)),
    ?assertNot(filelib:is_file(Target)),
    ?assertEqual(ok, fdnode_ffi:ping(Node)).

collect(Port, Acc) ->
    receive
        {Port, {data, {_, L}}} -> collect(Port, [L | Acc]);
        {Port, {exit_status, _}} -> lists:reverse(Acc)
    after 30000 -> error({no_exit, lists:reverse(Acc)})
    end.

%% ---------------------------------------------------------------- listen address

%% LISTEN sockets on Port: local addresses as /proc/net/tcp{,6} spell them
%% (0100007F is 127.0.0.1; 0000000000000000FFFF00000100007F is ::ffff:127.0.0.1).
listening_on(Port) ->
    Hex = lists:flatten(io_lib:format(":~4.16.0B", [Port])),
    lists:append(
      [[lists:sublist(Local, length(Local) - length(Hex))
        || Line <- tl(string:split(Text, "\n", all)),
           [_, Local, _, "0A" | _] <- [string:lexemes(Line, " ")],
           lists:suffix(Hex, Local)]
       || F <- ["/proc/net/tcp", "/proc/net/tcp6"],
          {ok, Bin} <- [file:read_file(F)],
          Text <- [binary_to_list(Bin)]]).

dist_port(Node) ->
    [Name, Host] = string:split(atom_to_list(Node), "@"),
    {port, P, _} = erl_epmd:port_please(Name, Host),
    P.

listens_on_loopback_by_default_test() ->
    Node = fdnode_test_ffi:shared_node(),
    Addrs = listening_on(dist_port(Node)),
    io:format(user, "~nJava node's distribution port listens on ~p~n", [Addrs]),
    ?assertNotEqual([], Addrs),
    ?assert(lists:all(fun(A) -> lists:member(A, ["0100007F", "0000000000000000FFFF00000100007F"]) end,
                      Addrs)).

listen_flag_exposes_when_asked_test() ->
    {ok, Node} = fdnode_ffi:start(#{roots => [root()], args => ["--listen", "0.0.0.0"],
                                    ready_timeout => 60000}),
    Addrs = listening_on(dist_port(Node)),
    ?assert(lists:member("00000000", Addrs) orelse
            lists:member("00000000000000000000000000000000", Addrs)),
    ?assertEqual(ok, fdnode_ffi:ping(Node)),
    ?assertEqual(ok, fdnode_ffi:stop(Node)).

%% ---------------------------------------------------------------- symlink race

-define(RACE_OPENS, 2000).

%% A process flips root/race between a regular file ("inside") and a symlink
%% to a file outside every root ("SECRET"), with atomic renames, as fast as
%% it can, while this process opens root/race over and over. Opens may fail
%% (eacces, enoent); none may return the outside file.
symlink_swapped_after_the_check_never_escapes_test() ->
    Node = fdnode_test_ffi:shared_node(),
    Outside = filename:join("/tmp", "fdnode_secret_" ++ os:getpid() ++ "_"
                            ++ integer_to_list(erlang:unique_integer([positive]))),
    ok = file:write_file(Outside, <<"SECRET">>),
    Dir = filename:join(root(), "race_" ++ integer_to_list(erlang:unique_integer([positive]))),
    ok = file:make_dir(Dir),
    Path = filename:join(Dir, "race"),
    ok = file:write_file(Path, <<"inside">>),
    Flipper = spawn_link(fun() -> flip(Dir, Path, Outside, 0) end),
    {Opened, Refused} = race(Node, list_to_binary(Path), ?RACE_OPENS, 0, 0),
    Flipper ! {stop, self()},
    Flips = receive {flips, N} -> N after 10000 -> error(flipper_stuck) end,
    io:format(user, "~nsymlink race end to end: ~b opens of the inside file, ~b refused, "
              "~b flips, 0 escapes~n", [Opened, Refused, Flips]),
    ?assert(Opened > 0),
    ?assert(Flips > 0),
    file:delete(Outside).

race(_Node, _Path, 0, Opened, Refused) ->
    {Opened, Refused};
race(Node, Path, N, Opened, Refused) ->
    case raw(Node, {open, Path, [read]}) of
        {ok, H} ->
            Got = raw(Node, {pread, H, 0, 16}),
            ok = raw(Node, {close, H}),
            case Got of
                {ok, <<"inside">>} -> race(Node, Path, N - 1, Opened + 1, Refused);
                Other -> erlang:error({escaped_the_root, Other})
            end;
        {error, E} when E =:= eacces; E =:= enoent ->
            race(Node, Path, N - 1, Opened, Refused + 1);
        Other ->
            erlang:error({unexpected, Other})
    end.

flip(Dir, Path, Outside, N) ->
    receive
        {stop, From} -> From ! {flips, N}
    after 0 ->
        File = filename:join(Dir, ".file"),
        Link = filename:join(Dir, ".link"),
        ok = file:write_file(File, <<"inside">>),
        ok = file:rename(File, Path),
        _ = file:delete(Link),
        ok = file:make_symlink(Outside, Link),
        ok = file:rename(Link, Path),
        flip(Dir, Path, Outside, N + 1)
    end.

%% ---------------------------------------------------------------- tokens

%% The owner holds a secret file open. Another process knows the handle's id
%% and node and guesses tokens (random, neighbouring, its own handle's): every
%% guess is invalid_handle, the secret is never read, never closed, never
%% handed over; the owner still reads it.
wrong_token_never_reaches_another_owners_fd_test() ->
    Node = fdnode_test_ffi:shared_node(),
    Secret = fdnode_test_ffi:fresh_path(<<"secret">>),
    ok = file:write_file(Secret, <<"owner's secret">>),
    {ok, {fdnode_fd, N, Id, Tok} = H} = fdnode_ffi:open(Node, Secret, [read, write]),
    Self = self(),
    Attacker = spawn(fun() ->
        {ok, {fdnode_fd, _, _, MyTok} = Mine} =
            fdnode_ffi:open(Node, fdnode_test_ffi:fixture(<<"hello.txt">>), [read]),
        Guesses = [MyTok, (Tok + 1) band 16#FFFFFFFFFFFFFFFF, Tok bxor 1, Tok bxor (1 bsl 63), 0,
                   16#FFFFFFFFFFFFFFFF]
                  ++ [rand:uniform(1 bsl 64) - 1 || _ <- lists:seq(1, 1000)],
        Results = [{G, [fdnode_ffi:pread({fdnode_fd, N, Id, G}, 0, 100),
                        fdnode_ffi:write({fdnode_fd, N, Id, G}, <<"overwritten">>),
                        fdnode_ffi:controlling_process({fdnode_fd, N, Id, G}, self()),
                        fdnode_ffi:set_mode({fdnode_fd, N, Id, G}, active),
                        fdnode_ffi:info({fdnode_fd, N, Id, G}),
                        fdnode_ffi:close({fdnode_fd, N, Id, G})]}
                   || G <- Guesses, G =/= Tok],
        ok = fdnode_ffi:close(Mine),
        Self ! {attack, Results}
    end),
    Results = receive {attack, R} -> R after 60000 -> error(attacker_stuck) end,
    Bad = [{G, Rs} || {G, Rs} <- Results,
                      Rs =/= lists:duplicate(6, {error, invalid_handle})],
    ?assertEqual([], Bad),
    ?assert(length(Results) >= 1000),
    _ = Attacker,
    ?assertEqual({ok, <<"owner's secret">>}, fdnode_ffi:pread(H, 0, 100)),
    {ok, #{owner := Owner}} = fdnode_ffi:info(H),
    ?assertEqual(self(), Owner),
    ?assertEqual(ok, fdnode_ffi:close(H)),
    ?assertEqual({ok, <<"owner's secret">>}, file:read_file(Secret)).
