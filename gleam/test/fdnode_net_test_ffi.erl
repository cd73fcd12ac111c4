%% @doc Helpers for fdnode_net_test and fdnode_files_test: gen_tcp clients
%% and peers, symlinks, JVM liveness.
-module(fdnode_net_test_ffi).

-export([reset_client/1, streaming_peer/1, await_peer/2, make_symlink/2, write_file/2,
         drain_active/2]).

%% Connects to 127.0.0.1:Port and closes with an RST (linger 0).
reset_client(Port) ->
    {ok, S} = gen_tcp:connect({127, 0, 0, 1}, Port, [binary, {active, false}], 5000),
    ok = inet:setopts(S, [{linger, {true, 0}}]),
    ok = gen_tcp:close(S),
    nil.

%% A gen_tcp listener that accepts one connection, sends Payload and closes:
%% returns {Pid, Port}.
streaming_peer(Payload) ->
    Self = self(),
    Pid = spawn(fun() ->
                        {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {ip, {127, 0, 0, 1}}]),
                        {ok, Port} = inet:port(L),
                        Self ! {peer_port, self(), Port},
                        {ok, S} = gen_tcp:accept(L, 30000),
                        ok = gen_tcp:send(S, Payload),
                        ok = gen_tcp:close(S),
                        gen_tcp:close(L),
                        Self ! {peer_done, self()}
                end),
    receive {peer_port, Pid, P} -> {Pid, P}
    after 10000 -> erlang:error(peer_timeout)
    end.

await_peer(Pid, Timeout) ->
    receive {peer_done, Pid} -> true
    after Timeout -> false
    end.

make_symlink(Target, Link) ->
    ok = file:make_symlink(Target, Link),
    nil.

write_file(Path, Data) ->
    ok = file:write_file(Path, Data),
    nil.

%% After set_mode(Fd, passive) returned, every chunk sent in active mode is
%% already in the mailbox (same connection, sent before the reply): take them.
drain_active(Fd, Acc) ->
    receive
        {fdnode, Fd, Data} -> drain_active(Fd, <<Acc/binary, Data/binary>>)
    after 0 -> Acc
    end.
