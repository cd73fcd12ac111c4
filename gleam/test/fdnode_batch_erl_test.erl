%% @doc Batched positioned I/O from Erlang (fdnode_ffi:pread/2,3 and
%% pwrite/2,3 with lists), against the real Java node and real files in the
%% test root, compared with what OTP's own file module does on the same file.
-module(fdnode_batch_erl_test).
-include_lib("eunit/include/eunit.hrl").

%% A file with known content, opened read+write by the calling process.
file_with(Content) ->
    Path = fdnode_test_ffi:fresh_path("batch"),
    ok = file:write_file(Path, Content),
    {ok, Fd} = fdnode_ffi:open(fdnode_test_ffi:shared_node(), Path, [read, write]),
    {Path, Fd}.

done(Path, Fd) ->
    ok = fdnode_ffi:close(Fd),
    Node = fdnode_test_ffi:shared_node(),
    ?assertNot(fdnode_test_ffi:has_fd_to(Node, Path)),
    ok = file:delete(Path).

pread_list_answers_as_file_pread_2_test() ->
    Content = list_to_binary([integer_to_list(N) || N <- lists:seq(1, 2000)]),
    {Path, Fd} = file_with(Content),
    Size = byte_size(Content),
    Ranges = [{0, 10}, {100, 4096}, {Size - 3, 10}, {Size, 5}, {Size + 100, 1}, {7, 0},
              {3, 3}, {3, 3}],
    {ok, Ours} = fdnode_ffi:pread(Fd, Ranges),
    {ok, Raw} = file:open(Path, [read, raw, binary]),
    {ok, Theirs} = file:pread(Raw, Ranges),
    ok = file:close(Raw),
    %% One difference, as with the single pread: a zero-size range is <<>>,
    %% where OTP's file module says eof even inside the file.
    ?assertEqual([eof], [lists:nth(6, Theirs)]),
    ?assertEqual(lists:sublist(Theirs, 5) ++ [<<>>] ++ lists:nthtail(6, Theirs), Ours),
    ?assertMatch([<<_:10/binary>>, <<_:4096/binary>>, <<_:3/binary>>, eof, eof, <<>>,
                  <<"456">>, <<"456">>], Ours),
    ?assertEqual({ok, []}, fdnode_ffi:pread(Fd, [], 5000)),
    ?assertEqual({ok, 0}, fdnode_ffi:position(Fd, cur)),
    %% the single-range arities still mean what they did
    ?assertEqual({ok, <<"456">>}, fdnode_ffi:pread(Fd, 3, 3)),
    done(Path, Fd).

pwrite_list_writes_every_piece_in_order_test() ->
    {Path, Fd} = file_with(<<"..........">>),
    ?assertEqual(ok, fdnode_ffi:pwrite(Fd, [{0, <<"ab">>}, {8, [$y, <<"z">>]}, {12, "far"},
                                            {1, <<"B">>}, {5, <<>>}])),
    ?assertEqual({ok, <<"aB......yz", 0, 0, "far">>}, file:read_file(Path)),
    ?assertEqual({ok, 0}, fdnode_ffi:position(Fd, cur)),
    ?assertEqual(ok, fdnode_ffi:pwrite(Fd, [], 5000)),
    ?assertEqual(ok, fdnode_ffi:pwrite(Fd, 2, <<"C">>)),
    ?assertEqual({ok, [<<"aBC">>]}, fdnode_ffi:pread(Fd, [{0, 3}])),
    done(Path, Fd).

hostile_shapes_get_clear_errors_test() ->
    {Path, Fd} = file_with(<<"abc">>),
    Big = 8 * 1024 * 1024,
    %% shapes: badarg
    ?assertEqual({error, badarg}, fdnode_ffi:pread(Fd, not_a_list)),
    ?assertEqual({error, badarg}, fdnode_ffi:pread(Fd, [{0, 1} | tail])),
    ?assertEqual({error, badarg}, fdnode_ffi:pread(Fd, [{0, 1, 2}])),
    ?assertEqual({error, badarg}, fdnode_ffi:pread(Fd, [0, 1])),
    ?assertEqual({error, badarg}, fdnode_ffi:pread(Fd, [{0, <<"1">>}])),
    ?assertEqual({error, badarg}, fdnode_ffi:pread(not_a_handle, [{0, 1}])),
    ?assertEqual({error, badarg}, fdnode_ffi:pwrite(Fd, not_a_list)),
    ?assertEqual({error, badarg}, fdnode_ffi:pwrite(Fd, [{0, not_iodata}])),
    ?assertEqual({error, badarg}, fdnode_ffi:pwrite(Fd, [{0, <<"x">>} | tail])),
    ?assertEqual({error, badarg}, fdnode_ffi:pwrite(Fd, [{zero, <<"x">>}])),
    %% values: einval, and nothing written
    ?assertEqual({error, einval}, fdnode_ffi:pread(Fd, [{-1, 1}])),
    ?assertEqual({error, einval}, fdnode_ffi:pread(Fd, [{0, -1}])),
    ?assertEqual({error, einval}, fdnode_ffi:pread(Fd, [{1 bsl 70, 1}])),
    ?assertEqual({error, einval}, fdnode_ffi:pread(Fd, [{0, 1 bsl 62}])),
    ?assertEqual({error, einval}, fdnode_ffi:pread(Fd, [{0, Big}, {0, 1}])),
    ?assertEqual({error, einval}, fdnode_ffi:pread(Fd, lists:duplicate(1025, {0, 1}))),
    ?assertEqual({error, einval}, fdnode_ffi:pwrite(Fd, [{0, <<"x">>}, {-1, <<"y">>}])),
    ?assertEqual({error, einval},
                 fdnode_ffi:pwrite(Fd, [{0, binary:copy(<<"x">>, Big)}, {0, <<"y">>}])),
    ?assertEqual({error, einval}, fdnode_ffi:pwrite(Fd, lists:duplicate(1025, {0, <<>>}))),
    ?assertEqual({ok, <<"abc">>}, file:read_file(Path)),
    %% at the limits: accepted
    {ok, Many} = fdnode_ffi:pread(Fd, lists:duplicate(1024, {1, Big div 1024})),
    ?assertEqual(lists:duplicate(1024, <<"bc">>), Many),
    %% handles
    ?assertEqual({error, invalid_handle}, fdnode_ffi:pread(fdnode_test_ffi:forge_token(Fd), [])),
    ?assertEqual({error, invalid_handle},
                 fdnode_ffi:pwrite(fdnode_test_ffi:forge_id(Fd), [{0, <<"x">>}])),
    done(Path, Fd),
    ?assertEqual({error, closed}, fdnode_ffi:pread(Fd, [{0, 1}])),
    ?assertEqual({error, closed}, fdnode_ffi:pwrite(Fd, [{0, <<"x">>}])).

pipes_have_no_offsets_test() ->
    {ok, {R, W}} = fdnode_ffi:pipe(fdnode_test_ffi:shared_node()),
    ?assertEqual({error, espipe}, fdnode_ffi:pread(R, [{0, 1}])),
    ?assertEqual({error, espipe}, fdnode_ffi:pwrite(W, [{0, <<"x">>}])),
    %% the pipe is untouched: what goes in still comes out
    ok = fdnode_ffi:write(W, <<"still">>),
    ?assertEqual({ok, <<"still">>}, fdnode_ffi:read(R, 100)),
    ok = fdnode_ffi:close(R),
    ok = fdnode_ffi:close(W).

%% A large batch with a short timeout: the caller gets timeout, and the late
%% reply never lands in its mailbox.
timeout_keeps_the_mailbox_clean_test() ->
    {Path, Fd} = file_with(binary:copy(<<"0123456789abcdef">>, 65536)),
    Ranges = [{N * 1024, 8192} || N <- lists:seq(0, 1023)],
    case fdnode_ffi:pread(Fd, Ranges, 0) of
        {error, timeout} -> ok;
        {ok, L} -> ?assertEqual(1024, length(L))
    end,
    {ok, L2} = fdnode_ffi:pread(Fd, Ranges, 10000),
    ?assertEqual(1024, length(L2)),
    ?assertEqual(<<"[]">>, fdnode_test_ffi:mailbox()),
    done(Path, Fd).
