%% @doc Hostile input to the Java node's `fdnode' mailbox, from a plain Erlang
%% process that speaks the wire protocol directly (no fdnode_ffi checks in
%% between): every request shape wrong in every way gets a clear error reply
%% where a reply is possible, garbage gets none, and the node keeps serving
%% (a ping after every batch). Then a generated, property-style run: thousands
%% of random terms, raw garbage and mutated valid requests, from a seeded
%% `rand' generator (the seed is printed and part of every failure; rerun one
%% with FDNODE_FUZZ_SEED="{A,B,C}").
-module(fdnode_hostile_erl_test).
-include_lib("eunit/include/eunit.hrl").

-export([gen_term/1]).

-define(REPLY_TIMEOUT, 10000).

%% ---------------------------------------------------------------- raw calls

%% One raw call; its one reply (or `no_reply').
raw(Node, Req) ->
    raw(Node, self(), Req).

raw(Node, Caller, Req) ->
    Ref = make_ref(),
    erlang:send({fdnode, Node}, {'$fdnode_call', self(), Ref, Caller, Req}),
    await(Ref).

await(Ref) ->
    receive {'$fdnode_reply', Ref, R} -> R after ?REPLY_TIMEOUT -> no_reply end.

alive(Node) ->
    ?assertEqual(pong, raw(Node, ping)).

%% Replies nobody asked for.
stray_replies() ->
    {messages, Ms} = process_info(self(), messages),
    [M || M <- Ms, element(1, M) =:= '$fdnode_reply'].

root() -> binary_to_list(fdnode_test_ffi:root()).

path(Name) -> list_to_binary(filename:join(root(), Name)).

fresh(Prefix) -> fdnode_test_ffi:fresh_path(Prefix).

%% ---------------------------------------------------------------- table

%% {Label, Request, Expected}: Expected is a result or a fun(Result) -> bool().
cases(Node, H, Closed, Other) ->
    {fdnode_fd, _, Id, Tok} = H,
    Root = list_to_binary(root()),
    Big = 1 bsl 70,
    [%% wrong arity
     {ping_arity, {ping, x}, {error, badarg}},
     {open_arity0, {open}, {error, badarg}},
     {open_arity1, {open, path("x")}, {error, badarg}},
     {open_arity4, {open, path("x"), [], extra}, {error, badarg}},
     {read_arity, {read, H}, {error, badarg}},
     {pread_arity, {pread, H, 0}, {error, badarg}},
     {pwrite_arity, {pwrite, H, 0}, {error, badarg}},
     {close_arity, {close}, {error, badarg}},
     {close_arity3, {close, H, H}, {error, badarg}},
     {copy_arity, {copy, H, H}, {error, badarg}},
     {stats_arity, {stats, [], []}, {error, badarg}},
     {empty_tuple, {}, {error, badarg}},
     %% wrong types
     {unknown_op, {frobnicate, H}, {error, badarg}},
     {tag_not_atom, {"open", path("x"), []}, {error, badarg}},
     {request_int, 42, {error, badarg}},
     {request_list, [ping], {error, badarg}},
     {request_binary, <<"ping">>, {error, badarg}},
     {unknown_atom, frobnicate, {error, badarg}},
     {path_list, {open, "/tmp/x", []}, {error, badarg}},
     {path_int, {open, 42, []}, {error, badarg}},
     {path_atom, {open, '/tmp/x', []}, {error, badarg}},
     {options_atom, {open, path("hello.txt"), read}, {error, badarg}},
     {options_improper, {open, path("hello.txt"), [read | write]}, {error, badarg}},
     {option_unknown, {open, path("hello.txt"), [bogus]}, {error, badarg}},
     {option_mode_type, {open, path("x"), [{mode, "644"}]}, {error, badarg}},
     {option_mode_neg, {open, fresh(<<"m">>), [create, write, {mode, -1}]}, {error, einval}},
     {option_mode_huge, {open, fresh(<<"m">>), [create, write, {mode, Big}]}, {error, einval}},
     {size_atom, {read, H, many}, {error, badarg}},
     {size_float, {read, H, 1.0}, {error, badarg}},
     {size_negative, {read, H, -1}, {error, einval}},
     {size_huge_capped, {pread, H, 0, Big}, fun({ok, <<"hello", _/binary>>}) -> true; (_) -> false end},
     {offset_negative, {pread, H, -1, 1}, {error, einval}},
     {offset_huge, {pread, H, 1 bsl 64, 1}, {error, einval}},
     {pwrite_offset_negative, {pwrite, H, -5, <<"x">>}, {error, einval}},
     {write_not_iodata, {write, H, 42}, {error, badarg}},
     {write_bad_byte, {write, H, [<<"a">>, 1000]}, {error, badarg}},
     {write_atom, {write, H, hello}, {error, badarg}},
     {position_bad, {position, H, {nowhere, 1}}, {error, badarg}},
     {position_float, {position, H, 1.5}, {error, badarg}},
     {set_mode_bad, {set_mode, H, sideways}, {error, badarg}},
     {cp_not_pid, {controlling_process, H, self_ish}, {error, badarg}},
     {copy_chunk_zero, {copy, H, H, 0}, {error, einval}},
     {copy_chunk_type, {copy, H, H, big}, {error, badarg}},
     {stats_bad_option, {stats, [everything]}, {error, badarg}},
     {stats_not_list, {stats, gc}, {error, badarg}},
     %% paths
     {relative, {open, <<"hello.txt">>, []}, {error, einval}},
     {empty_path, {open, <<>>, []}, {error, einval}},
     {nul_byte, {open, <<Root/binary, "/hello.txt", 0, "x">>, []}, {error, einval}},
     {nul_only, {open, <<0>>, []}, {error, einval}},
     {not_utf8, {open, <<Root/binary, "/", 255, 254>>, []}, {error, einval}},
     {dotdot_escape, {open, <<Root/binary, "/../../etc/passwd">>, []}, {error, eacces}},
     {dotdot_deep, {open, <<Root/binary, "/a/b/../../../etc/passwd">>, []}, {error, eacces}},
     {outside, {open, <<"/etc/passwd">>, []}, {error, eacces}},
     {outside_create, {open, <<"/tmp/fdnode_hostile_never">>, [create, write]}, {error, eacces}},
     {symlink_escape, {open, path("hostile_link_passwd"), []}, {error, eacces}},
     {symlink_dir_escape, {open, path("hostile_link_etc/passwd"), []}, {error, eacces}},
     {symlink_dangling_create, {open, path("hostile_link_dangling"), [create, write]}, {error, eacces}},
     {path_too_long, {open, <<Root/binary, "/", (binary:copy(<<"a">>, 5000))/binary>>, []},
      {error, enametoolong}},
     {component_too_long, {open, <<Root/binary, "/", (binary:copy(<<"a">>, 300))/binary>>, []},
      {error, enametoolong}},
     {root_dir_ok, {open, Root, [read]}, fun({ok, D}) -> ok =:= raw(Node, {close, D}); (_) -> false end},
     %% handles
     {forged_token, {read, {fdnode_fd, Node, Id, (Tok + 1) band 16#FFFFFFFFFFFFFFFF}, 1},
      {error, invalid_handle}},
     {forged_id, {read, {fdnode_fd, Node, Id + 1000000, Tok}, 1}, {error, invalid_handle}},
     {id_zero, {read, {fdnode_fd, Node, 0, Tok}, 1}, {error, invalid_handle}},
     {id_negative, {read, {fdnode_fd, Node, -1, Tok}, 1}, {error, invalid_handle}},
     {token_negative, {read, {fdnode_fd, Node, Id, -1}, 1}, {error, invalid_handle}},
     {token_too_big, {read, {fdnode_fd, Node, Id, 1 bsl 64}, 1}, {error, invalid_handle}},
     {stale, {read, Closed, 1}, {error, closed}},
     {stale_close, {close, Closed}, {error, closed}},
     {other_node_handle, {read, Other, 1}, {error, invalid_handle}},
     {unknown_node_handle, {read, {fdnode_fd, 'nobody@nowhere', Id, Tok}, 1}, {error, invalid_handle}},
     {node_as_string, {read, {fdnode_fd, atom_to_list(Node), Id, Tok}, 1}, {error, badarg}},
     {handle_arity, {read, {fdnode_fd, Node, Id}, 1}, {error, badarg}},
     {handle_tag, {read, {fd, Node, Id, Tok}, 1}, {error, badarg}},
     {handle_float_id, {read, {fdnode_fd, Node, 1.0, Tok}, 1}, {error, badarg}},
     %% still fine after all that
     {deep_iodata, {pwrite, H, 0, deep_iolist(1000)}, {error, badarg}},
     {real_read, {pread, H, 0, 5}, {ok, <<"hello">>}}].

deep_iolist(0) -> <<"x">>;
deep_iolist(N) -> [deep_iolist(N - 1)].

setup_links() ->
    Links = [{"hostile_link_passwd", "/etc/passwd"},
             {"hostile_link_etc", "/etc"},
             {"hostile_link_dangling", "/tmp/fdnode_hostile_dangling_target"}],
    [begin
         P = filename:join(root(), L),
         _ = file:delete(P),
         ok = file:make_symlink(T, P)
     end || {L, T} <- Links],
    ok.

hostile_requests_get_clear_errors_test() ->
    Node = fdnode_test_ffi:start_private_node(),
    Shared = fdnode_test_ffi:shared_node(),
    setup_links(),
    {ok, H} = fdnode_ffi:open(Node, path("hello.txt"), [read]),
    {ok, C} = fdnode_ffi:open(Node, path("hello.txt"), [read]),
    ok = fdnode_ffi:close(C),
    {ok, Other} = fdnode_ffi:open(Shared, path("hello.txt"), [read]),
    Failures = lists:filtermap(
                 fun({Label, Req, Want}) ->
                         Got = raw(Node, Req),
                         Ok = case is_function(Want) of
                                  true -> Want(Got);
                                  false -> Got =:= Want
                              end,
                         alive(Node),
                         case Ok of
                             true -> false;
                             false -> {true, {Label, {expected, Want}, {got, Got}}}
                         end
                 end, cases(Node, H, C, Other)),
    ?assertEqual([], Failures),
    ?assertNot(filelib:is_file("/tmp/fdnode_hostile_never")),
    ?assertNot(filelib:is_file("/tmp/fdnode_hostile_dangling_target")),
    ok = fdnode_ffi:close(Other),
    ?assertEqual(ok, fdnode_ffi:stop(Node)).

%% Envelopes: a call with a usable ReplyTo and Ref gets badarg; anything else
%% is dropped without a reply; none of it stops the node.
hostile_envelopes_test() ->
    Node = fdnode_test_ffi:shared_node(),
    Dest = {fdnode, Node},
    Me = self(),
    Refused = [{'$fdnode_call', Me, make_ref()},
               {'$fdnode_call', Me, make_ref(), Me},
               {'$fdnode_call', Me, make_ref(), not_a_pid, ping},
               {'$fdnode_call', Me, make_ref(), Me, ping, extra},
               {'$fdnode_call', Me, {not_a_ref}, "caller", ping}],
    [begin
         erlang:send(Dest, M),
         Ref = element(3, M),
         ?assertEqual({error, badarg}, await(Ref))
     end || M <- Refused],
    Garbage = [hello, 42, <<"bytes">>, [], "string", {}, {'$fdnode_call'},
               {'$fdnode_call', not_a_pid, make_ref(), Me, ping},
               {'$fdnode_reply', make_ref(), ok},
               {'$fdnode_owner_down', Me},
               {'$fdnode_owner_down', not_a_pid, Me},
               #{'$fdnode_call' => Me}, 3.14, make_ref(), Me,
               binary:copy(<<"x">>, 16 * 1024 * 1024),
               lists:duplicate(100000, {a, [b]}),
               deep(2000), deep(100000)],
    [erlang:send(Dest, G) || G <- Garbage],
    %% a call whose request is nested too deeply to decode: dropped like garbage
    erlang:send(Dest, {'$fdnode_call', Me, make_ref(), Me, {write, x, deep(100000)}}),
    alive(Node),
    ?assertEqual([], stray_replies()).

deep(0) -> leaf;
deep(N) -> {deep, [deep(N - 1)]}.

%% A 16 MiB write and a huge read size: served, capped, no harm.
huge_sizes_test() ->
    Node = fdnode_test_ffi:shared_node(),
    {ok, H} = fdnode_ffi:open(Node, fresh(<<"huge">>), [read, write, create]),
    Data = crypto:strong_rand_bytes(16 * 1024 * 1024),
    ?assertEqual(ok, raw(Node, {write, H, Data})),
    {ok, Got} = raw(Node, {pread, H, 0, 1 bsl 62}),
    ?assertEqual(8 * 1024 * 1024, byte_size(Got)),
    ?assertEqual(binary:part(Data, 0, byte_size(Got)), Got),
    ?assertEqual(ok, raw(Node, {close, H})),
    alive(Node).

%% ---------------------------------------------------------------- generated

%% Request tags the generator may use. `shutdown' is left out (it is a valid
%% request that stops the node), and so is `tcp_connect' (a random host name
%% would wait for DNS).
tags() ->
    [ping, pipe, stats, open, close, close_async, read, write, pread, pwrite,
     position, sync, set_mode, controlling_process, info, copy, frobnicate].

atoms() ->
    [ok, error, undefined, true, false, read, write, create, append, exclusive,
     truncate, nonblock, mode, bof, cur, eof, passive, active, active_once, gc,
     fdnode_fd, '', 'ünïcode', nonode@nohost, node() | tags()].

forbidden(shutdown) -> true;
forbidden(T) when is_tuple(T), tuple_size(T) > 0 ->
    element(1, T) =:= shutdown orelse element(1, T) =:= tcp_connect;
forbidden(_) -> false.

pick(L) -> lists:nth(rand:uniform(length(L)), L).

%% A random term of at most depth D.
gen_term(D) when D =< 0 -> gen_leaf();
gen_term(D) ->
    case rand:uniform(10) of
        N when N =< 5 -> gen_leaf();
        6 -> [gen_term(D - 1) || _ <- lists:seq(1, rand:uniform(4) - 1)];
        7 -> list_to_tuple([gen_term(D - 1) || _ <- lists:seq(1, rand:uniform(5) - 1)]);
        8 -> maps:from_list([{gen_leaf(), gen_term(D - 1)} || _ <- lists:seq(1, rand:uniform(3) - 1)]);
        9 -> [gen_leaf() | gen_leaf()];
        10 -> list_to_tuple([pick(tags()) | [gen_term(D - 1) || _ <- lists:seq(1, rand:uniform(4) - 1)]])
    end.

gen_leaf() ->
    case rand:uniform(14) of
        1 -> rand:uniform(21) - 11;
        2 -> pick([-1, 0, 1 bsl 31, 1 bsl 32, 1 bsl 63, (1 bsl 64) - 1, 1 bsl 64, 1 bsl 200,
                   -(1 bsl 63), -(1 bsl 64), 8 * 1024 * 1024, 8 * 1024 * 1024 + 1]);
        3 -> rand:uniform() * 1.0e6 - 5.0e5;
        4 -> pick(atoms());
        5 -> crypto:strong_rand_bytes(rand:uniform(20) - 1);
        6 -> gen_path();
        7 -> self();
        8 -> make_ref();
        9 -> [];
        10 -> "a string";
        11 -> <<0>>;
        12 -> pick([<<255>>, <<16#C0, 16#80>>, <<"/">>, <<"..">>, <<"/..">>]);
        13 -> {fdnode_fd, pick([node(), nonode@nohost, 'x@y']), rand:uniform(100), rand:uniform(1 bsl 64) - 1};
        14 -> {mode, gen_leaf_simple()}
    end.

gen_leaf_simple() -> pick([-1, 0, 8#644, 8#7777, 8#10000, x, 1.5]).

gen_path() ->
    Root = list_to_binary(root()),
    pick([<<Root/binary, "/hello.txt">>,
          <<Root/binary, "/fuzz_", (integer_to_binary(rand:uniform(50)))/binary>>,
          <<Root/binary, "/../fuzz_escape">>,
          <<Root/binary, "/hostile_link_passwd">>,
          <<Root/binary, "/hostile_link_etc/passwd">>,
          <<Root/binary, "/nodir/x">>,
          <<Root/binary, "/hello.txt", 0>>,
          <<"relative">>, <<"/etc/passwd">>, <<"/proc/self/environ">>, <<"//">>,
          <<Root/binary>>]).

%% Valid requests to mutate: real handles of this node (regular files only, so
%% no read can block), real paths.
templates(H1, H2) ->
    Root = list_to_binary(root()),
    [ping, {ping}, {pipe}, {stats}, {stats, [gc]},
     {open, <<Root/binary, "/hello.txt">>, [read]},
     {open, <<Root/binary, "/fuzz_new">>, [create, write, {mode, 8#600}]},
     {close, H2}, {close_async, H2}, {read, H1, 3}, {write, H2, <<"w">>},
     {pread, H1, 0, 5}, {pwrite, H2, 3, <<"pw">>}, {position, H1, {cur, 1}},
     {position, H2, bof}, {sync, H2}, {set_mode, H1, passive},
     {controlling_process, H1, self()}, {info, H1}, {copy, H1, H2, 16}].

mutate(T) when is_atom(T) ->
    case rand:uniform(3) of
        1 -> pick(tags());
        2 -> {T, gen_term(2)};
        3 -> gen_term(2)
    end;
mutate({}) ->
    {gen_leaf()};
mutate(T) when is_tuple(T) ->
    L = tuple_to_list(T),
    N = length(L),
    case rand:uniform(8) of
        1 -> setelement(rand:uniform(N), T, gen_term(2));               % one argument wrong
        2 -> list_to_tuple(lists:droplast(L));                           % one too few
        3 -> list_to_tuple(L ++ [gen_term(1)]);                          % one too many
        4 -> setelement(1, T, pick(tags()));                             % another request's shape
        5 -> L;                                                          % a list, not a tuple
        6 -> list_to_tuple([mutate_arg(A) || A <- L]);                   % every handle/int bent
        7 -> setelement(rand:uniform(N), T, gen_leaf());
        8 -> mutate(mutate(T))
    end;
mutate(T) ->
    T.

mutate_arg({fdnode_fd, N, Id, Tok}) ->
    pick([{fdnode_fd, N, Id, (Tok + 1) band 16#FFFFFFFFFFFFFFFF}, {fdnode_fd, N, Id + 7, Tok},
          {fdnode_fd, 'other@host', Id, Tok}, {fdnode_fd, N, -Id, Tok}, {fdnode_fd, N, Id},
          {fdnode_fd, N, Id, Tok}]);
mutate_arg(I) when is_integer(I) -> pick([-I, -1, I bsl 64, I + 1, 1 bsl 63]);
mutate_arg(B) when is_binary(B) -> pick([<<B/binary, 0>>, <<B/binary, "/..">>, binary_to_list(B), B]);
mutate_arg(X) -> X.

%% One generated message and whether a reply must come: {Msg, Ref | none}.
gen_message(Templates) ->
    Me = self(),
    case rand:uniform(10) of
        N when N =< 3 ->
            %% raw garbage, sometimes dressed up like a call without a usable ReplyTo
            G = case rand:uniform(3) of
                    1 -> gen_term(4);
                    2 -> list_to_tuple(['$fdnode_call', gen_leaf() | [gen_term(1) || _ <- lists:seq(1, rand:uniform(4))]]);
                    3 -> {'$fdnode_owner_down', gen_leaf(), gen_leaf()}
                end,
            case G of
                %% a pid as ReplyTo (and 3+ elements) makes it an answerable call
                _ when tuple_size(G) >= 3, element(1, G) =:= '$fdnode_call', is_pid(element(2, G)) ->
                    {setelement(2, G, gen_leaf_simple()), none};
                {'$fdnode_owner_down', _, _} -> {{'$fdnode_owner_down', gen_leaf_simple(), G}, none};
                _ -> {G, none}
            end;
        N when N =< 8 ->
            Ref = make_ref(),
            Req = case rand:uniform(4) of
                      1 -> gen_term(3);
                      _ -> mutate(pick(Templates))
                  end,
            case forbidden(Req) of
                true -> {{'$fdnode_call', Me, Ref, Me, ping}, Ref};
                false -> {{'$fdnode_call', Me, Ref, Me, Req}, Ref}
            end;
        9 ->
            %% a call from a stranger: the caller is some other (dead or alive) pid
            Ref = make_ref(),
            Req = mutate(pick(Templates)),
            Caller = pick([spawn(fun() -> ok end), whereis(init), Me]),
            case forbidden(Req) of
                true -> {{'$fdnode_call', Me, Ref, Caller, ping}, Ref};
                false -> {{'$fdnode_call', Me, Ref, Caller, Req}, Ref}
            end;
        10 ->
            %% a broken envelope with a usable ReplyTo: refused, still answered
            Ref = make_ref(),
            pick([{{'$fdnode_call', Me, Ref}, Ref},
                  {{'$fdnode_call', Me, Ref, gen_leaf(), gen_term(1), gen_term(1)}, Ref},
                  {{'$fdnode_call', Me, Ref, pick([x, 1, <<>>]), ping}, Ref}])
    end.

valid_result(pong) -> true;
valid_result(ok) -> true;
valid_result(eof) -> true;
valid_result({ok, _}) -> true;
valid_result({error, internal_error}) -> false;
valid_result({error, R}) -> is_atom(R);
valid_result(_) -> false.

seed() ->
    case os:getenv("FDNODE_FUZZ_SEED") of
        false -> {erlang:phash2(make_ref()), erlang:unique_integer([positive]), os:system_time()};
        S ->
            {ok, Tokens, _} = erl_scan:string(S ++ "."),
            {ok, Seed} = erl_parse:parse_term(Tokens),
            Seed
    end.

-define(FUZZ_MESSAGES, 10000).
-define(BATCH, 100).

generated_hostile_input_property_test() ->
    Seed = seed(),
    rand:seed(exsss, Seed),
    io:format(user, "~nfdnode fuzz: seed ~p (rerun with FDNODE_FUZZ_SEED=\"~p\")~n", [Seed, Seed]),
    Node = fdnode_test_ffi:start_private_node(),
    setup_links(),
    {ok, H1} = fdnode_ffi:open(Node, path("hello.txt"), [read]),
    {ok, H2} = fdnode_ffi:open(Node, fresh(<<"fuzz_target">>), [read, write, create]),
    Templates = templates(H1, H2),
    Stats = fuzz(Node, Templates, ?FUZZ_MESSAGES div ?BATCH, Seed, #{replies => 0, garbage => 0, errors => #{}}),
    io:format(user, "fdnode fuzz: ~b messages, ~b replies, ~b without reply; error replies ~p~n",
              [?FUZZ_MESSAGES, maps:get(replies, Stats), maps:get(garbage, Stats),
               maps:get(errors, Stats)]),
    alive(Node),
    ?assertEqual([], stray_replies()),
    ?assertNot(filelib:is_file(filename:join(filename:dirname(root()), "fuzz_escape"))),
    flush_all(),
    ?assertEqual(ok, fdnode_ffi:stop(Node)).

fuzz(_Node, _Templates, 0, _Seed, Stats) ->
    Stats;
fuzz(Node, Templates, Batches, Seed, Stats) ->
    Msgs = [gen_message(Templates) || _ <- lists:seq(1, ?BATCH)],
    Dest = {fdnode, Node},
    [erlang:send(Dest, M) || {M, _} <- Msgs],
    Stats1 = lists:foldl(
               fun({_M, none}, S) ->
                       S#{garbage := maps:get(garbage, S) + 1};
                  ({M, Ref}, S) ->
                       case await(Ref) of
                           no_reply ->
                               erlang:error({no_reply, {seed, Seed}, {message, M}});
                           R ->
                               valid_result(R) orelse erlang:error({bad_reply, {seed, Seed}, {message, M}, {reply, R}}),
                               Errs = maps:get(errors, S),
                               Errs1 = case R of
                                           {error, E} -> maps:update_with(E, fun(X) -> X + 1 end, 1, Errs);
                                           _ -> Errs
                                       end,
                               S#{replies := maps:get(replies, S) + 1, errors := Errs1}
                       end
               end, Stats, Msgs),
    case raw(Node, ping) of
        pong -> ok;
        Other -> erlang:error({node_stopped_serving, {seed, Seed}, Other, {batch, Msgs}})
    end,
    %% no second reply for any of this batch
    Dups = [R || {_, R} <- Msgs, R =/= none,
                 receive {'$fdnode_reply', R, _} -> true after 0 -> false end],
    Dups =:= [] orelse erlang:error({duplicate_replies, {seed, Seed}, Dups}),
    fuzz(Node, Templates, Batches - 1, Seed, Stats1).

%% Active-mode data, completions and the like that mutated requests caused.
flush_all() ->
    receive _ -> flush_all() after 0 -> ok end.
