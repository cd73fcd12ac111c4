%% @doc `fdnode_ffi:copy/4' on real descriptors, where the kernel does the
%% copy: file to file (copy_file_range), file to a TCP socket (sendfile),
%% pipe to file and file to pipe (splice); the fallback to read/write where
%% the kernel refuses (a file on another filesystem: EXDEV; a /proc file
%% whose size says 0); progress; and a copy waiting on an idle pipe stopped
%% by a shutdown.
-module(fdnode_copy_erl_test).

-include_lib("eunit/include/eunit.hrl").
-include_lib("kernel/include/file.hrl").

%% ---------------------------------------------------------------- helpers

file_with(Prefix, Bytes) ->
    Path = fdnode_test_ffi:fresh_path(Prefix),
    ok = file:write_file(Path, Bytes),
    Path.

%% on_progress that records each report in the caller's mailbox.
recorder() ->
    Self = self(),
    fun(Done, Total) -> Self ! {copy_progress, Done, Total} end.

reports() ->
    receive {copy_progress, D, T} -> [{D, T} | reports()] after 0 -> [] end.

%% Each report adds at most one chunk and carries the same total; the last
%% one is what was copied.
assert_steps(Reports, Copied, Chunk, Total) ->
    ?assertNotEqual([], Reports),
    lists:foldl(fun({D, T}, Last) ->
                        ?assertEqual(Total, T),
                        ?assert(D > Last andalso D - Last =< Chunk),
                        D
                end, 0, Reports),
    ?assertEqual(Copied, element(1, lists:last(Reports))).

read_to_eof(Fd, Acc) ->
    case fdnode_ffi:read(Fd, 65536, 10000) of
        {ok, B} -> read_to_eof(Fd, [Acc, B]);
        eof -> iolist_to_binary(Acc)
    end.

%% ---------------------------------------------------------------- the ways

file_to_file_from_the_offsets_test() ->
    Node = fdnode_test_ffi:shared_node(),
    Content = crypto:strong_rand_bytes(3 bsl 20),
    {ok, Src} = fdnode_ffi:open(Node, file_with(<<"cp_src">>, Content), [read]),
    DstPath = file_with(<<"cp_dst">>, <<"0123456789">>),
    {ok, Dst} = fdnode_ffi:open(Node, DstPath, [write]),
    {ok, 1000} = fdnode_ffi:position(Src, 1000),
    {ok, 4} = fdnode_ffi:position(Dst, 4),
    Left = byte_size(Content) - 1000,

    ?assertEqual({ok, Left},
                 fdnode_ffi:copy(Src, Dst, #{chunk => 1 bsl 20, on_progress => recorder()}, 10000)),

    assert_steps(reports(), Left, 1 bsl 20, Left),
    <<_:1000/binary, Tail/binary>> = Content,
    ?assertEqual({ok, <<"0123", Tail/binary>>}, file:read_file(DstPath)),
    %% Both sequential offsets moved on: the source is at its end, the
    %% destination's next write lands after the copy.
    ?assertEqual(eof, fdnode_ffi:read(Src, 10)),
    ok = fdnode_ffi:write(Dst, <<"!">>),
    ?assertEqual({ok, 4 + Left + 1}, file_size(DstPath)),
    ok = fdnode_ffi:close(Src),
    ok = fdnode_ffi:close(Dst).

file_to_tcp_socket_test() ->
    Node = fdnode_test_ffi:shared_node(),
    Content = crypto:strong_rand_bytes(4 bsl 20),
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(L),
    {ok, Sock} = fdnode_ffi:tcp_connect(Node, <<"127.0.0.1">>, Port),
    {ok, Peer} = gen_tcp:accept(L, 5000),
    Self = self(),
    Receiver = spawn_link(fun() -> Self ! {received, self(), recv_all(Peer, [])} end),
    ok = gen_tcp:controlling_process(Peer, Receiver),
    {ok, Src} = fdnode_ffi:open(Node, file_with(<<"cp_sock">>, Content), [read]),

    ?assertEqual({ok, byte_size(Content)},
                 fdnode_ffi:copy(Src, Sock, #{chunk => 256 bsl 10, on_progress => recorder()}, 10000)),
    ok = fdnode_ffi:close(Sock), % the peer sees end of input

    Got = receive {received, Receiver, B} -> B after 30000 -> error(receive_timeout) end,
    ?assertEqual(Content, Got),
    assert_steps(reports(), byte_size(Content), 256 bsl 10, byte_size(Content)),
    ok = fdnode_ffi:close(Src),
    gen_tcp:close(L).

recv_all(S, Acc) ->
    case gen_tcp:recv(S, 0, 30000) of
        {ok, B} -> recv_all(S, [Acc, B]);
        {error, closed} -> iolist_to_binary(Acc)
    end.

pipe_to_file_test() ->
    Node = fdnode_test_ffi:shared_node(),
    Content = crypto:strong_rand_bytes(1 bsl 20), % more than a pipe holds
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    DstPath = fdnode_test_ffi:fresh_path(<<"cp_from_pipe">>),
    {ok, Dst} = fdnode_ffi:open(Node, DstPath, [write, create]),
    Self = self(),
    %% The copy runs in another process while this one writes the pipe.
    Copier = spawn_link(fun() ->
                                R1 = fdnode_ffi:copy(R, Dst, #{chunk => 100000, on_progress => recorder()}, 10000),
                                Self ! {copied, self(), R1, reports()}
                        end),
    ok = fdnode_ffi:write(W, Content, 10000),
    ok = fdnode_ffi:close(W),

    {Result, Reports} = receive {copied, Copier, Res, Rep} -> {Res, Rep} after 30000 -> error(copy_timeout) end,
    ?assertEqual({ok, byte_size(Content)}, Result),
    assert_steps(Reports, byte_size(Content), 100000, undefined),
    ?assertEqual({ok, Content}, file:read_file(DstPath)),
    ok = fdnode_ffi:close(R),
    ok = fdnode_ffi:close(Dst).

file_to_pipe_test() ->
    Node = fdnode_test_ffi:shared_node(),
    Content = crypto:strong_rand_bytes(1 bsl 20),
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    {ok, Src} = fdnode_ffi:open(Node, file_with(<<"cp_to_pipe">>, Content), [read]),
    Self = self(),
    Copier = spawn_link(fun() ->
                                R1 = fdnode_ffi:copy(Src, W, #{chunk => 1 bsl 20, on_progress => recorder()}, 10000),
                                ok = fdnode_ffi:close(W),
                                Self ! {copied, self(), R1, reports()}
                        end),

    Got = read_to_eof(R, []),

    {Result, Reports} = receive {copied, Copier, Res, Rep} -> {Res, Rep} after 30000 -> error(copy_timeout) end,
    ?assertEqual({ok, byte_size(Content)}, Result),
    ?assertEqual(Content, Got),
    assert_steps(Reports, byte_size(Content), 1 bsl 20, byte_size(Content)),
    ok = fdnode_ffi:close(R),
    ok = fdnode_ffi:close(Src).

%% ---------------------------------------------------------------- fallbacks

%% A node of its own with two more roots: a directory on /dev/shm (tmpfs,
%% another filesystem than the test root's: copy_file_range says EXDEV) and
%% /proc (files whose size says 0). It logs at debug level, where each copy
%% says which way it went.
fallback_node_test_() ->
    Shm = "/dev/shm/fdnode_copy_" ++ os:getpid() ++ "_" ++ integer_to_list(erlang:unique_integer([positive])),
    {setup,
     fun() ->
             ok = file:make_dir(Shm),
             {ok, Node} = fdnode_ffi:start(#{roots => [fdnode_test_ffi:root(), Shm, "/proc"],
                                             args => ["--log-level", "debug"],
                                             ready_timeout => 60000}),
             Node
     end,
     fun(Node) ->
             fdnode_ffi:stop(Node),
             os:cmd("rm -rf " ++ Shm)
     end,
     fun(Node) ->
             {timeout, 60,
              [fun() -> across_filesystems_is_read_write(Node, Shm) end,
               fun() -> proc_file_is_read_to_its_end(Node) end]}
     end}.

across_filesystems_is_read_write(Node, Shm) ->
    case same_filesystem(fdnode_test_ffi:root(), Shm) of
        true ->
            io:format(user, "skipped: /dev/shm is on the test root's filesystem~n", []);
        false ->
            Content = crypto:strong_rand_bytes(300000),
            {ok, Src} = fdnode_ffi:open(Node, file_with(<<"cp_xdev">>, Content), [read]),
            DstPath = filename:join(Shm, "dst"),
            {ok, Dst} = fdnode_ffi:open(Node, list_to_binary(DstPath), [write, create]),
            ?assertEqual({ok, 300000},
                         fdnode_ffi:copy(Src, Dst, #{chunk => 65536, on_progress => recorder()}, 10000)),
            assert_steps(reports(), 300000, 65536, 300000),
            ?assertEqual({ok, Content}, file:read_file(DstPath)),
            ?assert(logged(Node, <<"copy_file_range refused">>)),
            ?assert(logged(Node, <<"byte(s) ", (id(Src))/binary, " -> ", (id(Dst))/binary, " (READ_WRITE)">>)),
            ok = fdnode_ffi:close(Src),
            ok = fdnode_ffi:close(Dst)
    end.

proc_file_is_read_to_its_end(Node) ->
    {ok, Want} = file:read_file("/proc/version"),
    ?assertMatch({ok, #{size := 0}}, fdnode_ffi:file_info(Node, <<"/proc/version">>)),
    {ok, Src} = fdnode_ffi:open(Node, <<"/proc/version">>, [read]),
    DstPath = fdnode_test_ffi:fresh_path(<<"cp_proc">>),
    {ok, Dst} = fdnode_ffi:open(Node, DstPath, [write, create]),
    ?assertEqual({ok, byte_size(Want)}, fdnode_ffi:copy(Src, Dst, #{chunk => 4096}, 10000)),
    ?assertEqual({ok, Want}, file:read_file(DstPath)),
    ?assert(logged(Node, <<"byte(s) ", (id(Src))/binary, " -> ", (id(Dst))/binary, " (READ_WRITE)">>)),
    ok = fdnode_ffi:close(Src),
    ok = fdnode_ffi:close(Dst).

same_filesystem(A, B) ->
    {ok, #file_info{major_device = DA}} = file:read_file_info(A),
    {ok, #file_info{major_device = DB}} = file:read_file_info(B),
    DA =:= DB.

%% The node's own id of a handle, as its log lines name it.
id({fdnode_fd, _, Id, _}) -> integer_to_binary(Id).

%% The log line comes on the node's stderr, the reply on the distribution
%% connection: the line may arrive a little after the reply.
logged(Node, Needle) ->
    fdnode_test_ffi:wait_until(
      fun() ->
              {ok, Lines} = fdnode_ffi:output(Node),
              lists:any(fun(L) -> binary:match(L, Needle) =/= nomatch end, Lines)
      end, 5000).

file_size(Path) ->
    case file:read_file_info(Path) of
        {ok, #file_info{size = Size}} -> {ok, Size};
        E -> E
    end.

%% ---------------------------------------------------------------- cancellation

%% A copy waiting on an idle pipe stops when the node shuts down, within the
%% node's wait slice, instead of holding the shutdown until its drain gives
%% up (10 s): it answers shutting_down, having copied what came before.
shutdown_stops_a_copy_waiting_on_an_idle_pipe_test_() ->
    {timeout, 60, fun shutdown_stops_a_waiting_copy/0}.

shutdown_stops_a_waiting_copy() ->
    {ok, Node} = fdnode_ffi:start(#{roots => [fdnode_test_ffi:root()], ready_timeout => 60000}),
    {ok, JvmPid} = fdnode_ffi:os_pid(Node),
    {ok, {R, W}} = fdnode_ffi:pipe(Node),
    DstPath = fdnode_test_ffi:fresh_path(<<"cp_cancel">>),
    {ok, Dst} = fdnode_ffi:open(Node, DstPath, [write, create]),
    ok = fdnode_ffi:write(W, <<"first">>),
    Self = self(),
    Copier = spawn_link(fun() ->
                                Report = fun(Done, _) -> Self ! {stepped, Done} end,
                                Self ! {copied, self(), fdnode_ffi:copy(R, Dst, #{chunk => 4096, on_progress => Report}, 30000)}
                        end),
    receive {stepped, 5} -> ok after 10000 -> error(no_first_step) end,

    ?assertEqual(ok, fdnode_ffi:shutdown(Node)),

    %% Well before the drain's 10 s would have cut it off.
    ?assertEqual({error, shutting_down},
                 receive {copied, Copier, Res} -> Res after 8000 -> still_waiting end),
    ?assertEqual({ok, <<"first">>}, file:read_file(DstPath)),
    ?assert(fdnode_ops_test_ffi:wait_os_process_gone(JvmPid, 20000)),
    fdnode_ffi:stop(Node).
