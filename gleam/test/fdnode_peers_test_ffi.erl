%% @doc Peer BEAM nodes for the multi-node tests: started with the `peer'
%% module under unique names, with this node's cookie and (unless asked not
%% to) fdnode's code path; killed with SIGKILL of their OS process.
-module(fdnode_peers_test_ffi).

-export([start/1, start/2, kill/1, stop/1]).

-type peer() :: #{node := node(), os_pid := string(), peer := pid()}.

%% @equiv start(Prefix, #{})
-spec start(string()) -> peer().
start(Prefix) -> start(Prefix, #{}).

%% Options: `code => false' starts it without fdnode's code (a node that
%% cannot host a watcher).
-spec start(string(), map()) -> peer().
start(Prefix, Opts) ->
    Name = list_to_atom(Prefix ++ "_" ++ os:getpid() ++ "_"
                        ++ integer_to_list(erlang:unique_integer([positive]))),
    Code = case maps:get(code, Opts, true) of
               true -> ["-pa", filename:dirname(code:which(fdnode_ffi))];
               false -> []
           end,
    {ok, Peer, Node} = peer:start(#{name => Name, wait_boot => 60000,
                                    args => ["-setcookie", atom_to_list(erlang:get_cookie())
                                             | Code]}),
    #{node => Node, os_pid => erpc:call(Node, os, getpid, []), peer => Peer}.

%% SIGKILL of the peer's OS process; returns once this node saw it go.
-spec kill(peer()) -> ok.
kill(#{node := Node, os_pid := OsPid}) ->
    true = erlang:monitor_node(Node, true),
    "" = os:cmd("kill -9 " ++ OsPid),
    receive {nodedown, Node} -> ok after 30000 -> error({still_up, Node}) end.

-spec stop(peer()) -> ok.
stop(#{peer := Peer}) ->
    catch peer:stop(Peer),
    ok.
