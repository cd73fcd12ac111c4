%% @doc The owner watcher: one per BEAM node, registered `fdnode_watcher',
%% started on demand and linked to nobody (no user process can take it down,
%% and it takes no user process down). It monitors every process that owns
%% descriptors and, when one dies, sends `{'$fdnode_owner_down', Watcher,
%% Owner}' to every Java node that owner got a descriptor from; the Java node
%% then closes them.
%%
%% An owner is always watched by the watcher of its own BEAM node, so that
%% its death is reported whatever happens to the node that gave it the
%% descriptor: {@link adopt/3} sets that up on another node before control
%% moves there (`controlling_process' to a remote pid).
%%
%% The Java node itself also asks for an owner to be watched before the owner
%% gets anything from it: it sends `{'$fdnode_watch', JavaNode, Owner}' to
%% this registered name (once per owner), whatever the client that made the
%% call. A process already dead gives an immediate `DOWN' (`noproc'), which
%% is reported like any other death. A BEAM node that does not run this
%% watcher gets `{error, no_watcher}' for every call that would make one of
%% its processes an owner.
%%
%% The Java node trusts a report only from the process registered as
%% `fdnode_watcher' on the owner's own node: it sends
%% `{'$fdnode_watcher_challenge', JavaMailbox, Nonce}' to that registered name
%% and the watcher proves itself by sending `{'$fdnode_watcher_proof', Nonce}'
%% back to `{fdnode, JavaNode}' (a send to the registered name, so the Java
%% node sees the sender's pid).
-module(fdnode_watcher).
-behaviour(gen_server).

-export([watch/2, adopt/3, adopt_here/2, ensure_started/0, owners/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

-define(NAME, ?MODULE).

%% @doc Registers `Owner' as owning descriptors on `Node': when `Owner' dies
%% the watcher of `Owner''s node tells `Node'. Starts the local watcher if
%% needed; a remote owner's watcher must already run (see {@link adopt/3}).
%% Asynchronous: the monitor is set up before any later message from this
%% process is handled.
-spec watch(pid(), node()) -> ok.
watch(Owner, Node) when is_pid(Owner), is_atom(Node), node(Owner) =:= node() ->
    gen_server:cast(ensure_started(), {watch, Owner, Node});
watch(Owner, Node) when is_pid(Owner), is_atom(Node) ->
    gen_server:cast({?NAME, node(Owner)}, {watch, Owner, Node}).

%% @doc Makes the watcher on `Owner''s node watch `Owner' for the Java node
%% `Node' before `Owner' gets a descriptor from `Node': the watcher there is
%% started if needed, and that BEAM node connects to `Node' (so its death,
%% too, closes what its processes own). `ok' at once for a local owner (the
%% call proxy registers it). `{error, no_watcher}' when the owner's node is
%% unreachable or does not have fdnode's code; `{error, timeout}' when it
%% does not answer within `Timeout'.
-spec adopt(pid(), node(), timeout()) -> ok | {error, no_watcher | timeout}.
adopt(Owner, _Node, _Timeout) when node(Owner) =:= node() ->
    ok;
adopt(Owner, Node, Timeout) ->
    try erpc:call(node(Owner), ?MODULE, adopt_here, [Owner, Node], Timeout) of
        ok -> ok;
        {error, _} = E -> E
    catch
        error:{erpc, timeout} -> {error, timeout};
        _:_ -> {error, no_watcher}   % noconnection, undef (no fdnode there), a crash
    end.

%% @private Runs on the owner's node (by {@link adopt/3}).
-spec adopt_here(pid(), node()) -> ok | {error, no_watcher}.
adopt_here(Owner, Node) ->
    case Node =:= node() orelse net_kernel:connect_node(Node) of
        true -> gen_server:call(ensure_started(), {watch, Owner, Node}, infinity);
        _ -> {error, no_watcher}   % this node cannot reach the Java node
    end.

%% @doc The watcher's pid, started (unlinked) if not running.
-spec ensure_started() -> pid().
ensure_started() ->
    case whereis(?NAME) of
        undefined ->
            case gen_server:start({local, ?NAME}, ?MODULE, [], []) of
                {ok, Pid} -> Pid;
                {error, {already_started, Pid}} -> Pid
            end;
        Pid ->
            Pid
    end.

%% @doc Every watched owner and the Java nodes it has descriptors on.
-spec owners() -> #{pid() => [node()]}.
owners() ->
    gen_server:call(ensure_started(), owners, infinity).

%% Owners: #{Owner => {MonitorRef, #{Node => true}}}
init([]) ->
    %% Started by an rpc from another node, it would otherwise keep that
    %% node's group leader (and its I/O) after the rpc.
    is_pid(whereis(user)) andalso group_leader(whereis(user), self()),
    {ok, #{}}.

handle_call(owners, _From, Owners) ->
    {reply, maps:map(fun(_, {_, Nodes}) -> maps:keys(Nodes) end, Owners), Owners};
handle_call({watch, Owner, Node}, _From, Owners) ->
    {noreply, Owners1} = handle_cast({watch, Owner, Node}, Owners),
    {reply, ok, Owners1};
handle_call(_, _From, Owners) ->
    {reply, {error, badarg}, Owners}.

handle_cast({watch, Owner, Node}, Owners) ->
    case Owners of
        #{Owner := {MRef, Nodes}} ->
            {noreply, Owners#{Owner := {MRef, Nodes#{Node => true}}}};
        _ ->
            MRef = erlang:monitor(process, Owner),
            {noreply, Owners#{Owner => {MRef, #{Node => true}}}}
    end;
handle_cast(_, Owners) ->
    {noreply, Owners}.

handle_info({'DOWN', MRef, process, Owner, _}, Owners) ->
    case maps:take(Owner, Owners) of
        {{MRef, Nodes}, Rest} ->
            [catch erlang:send({fdnode, N}, {'$fdnode_owner_down', self(), Owner}, [noconnect])
             || N <- maps:keys(Nodes)],
            {noreply, Rest};
        _ ->
            {noreply, Owners}
    end;
handle_info({'$fdnode_watch', Node, Owner}, Owners)
  when is_atom(Node), is_pid(Owner), node(Owner) =:= node() ->
    handle_cast({watch, Owner, Node}, Owners);
handle_info({'$fdnode_watcher_challenge', Java, Nonce}, Owners)
  when is_pid(Java), is_integer(Nonce) ->
    catch erlang:send({fdnode, node(Java)}, {'$fdnode_watcher_proof', Nonce}, [noconnect]),
    {noreply, Owners};
handle_info(_, Owners) ->
    {noreply, Owners}.
