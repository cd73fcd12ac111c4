%% @doc The owner watcher: one per BEAM node, registered `fdnode_watcher',
%% started on demand and linked to nobody (no user process can take it down,
%% and it takes no user process down). It monitors every process that owns
%% descriptors and, when one dies, sends `{'$fdnode_owner_down', Watcher,
%% Owner}' to every Java node that owner got a descriptor from; the Java node
%% then closes them.
%%
%% The Java node trusts a report only from the process registered as
%% `fdnode_watcher' on the owner's own node: it sends
%% `{'$fdnode_watcher_challenge', JavaMailbox, Nonce}' to that registered name
%% and the watcher proves itself by sending `{'$fdnode_watcher_proof', Nonce}'
%% back to `{fdnode, JavaNode}' (a send to the registered name, so the Java
%% node sees the sender's pid).
-module(fdnode_watcher).
-behaviour(gen_server).

-export([watch/2, ensure_started/0, owners/0]).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).

-define(NAME, ?MODULE).

%% @doc Registers `Owner' as owning descriptors on `Node': when `Owner' dies
%% the watcher tells `Node'. Starts the watcher if needed. Asynchronous: the
%% monitor is set up before any later message from this process is handled.
-spec watch(pid(), node()) -> ok.
watch(Owner, Node) when is_pid(Owner), is_atom(Node) ->
    gen_server:cast(ensure_started(), {watch, Owner, Node}).

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
    {ok, #{}}.

handle_call(owners, _From, Owners) ->
    {reply, maps:map(fun(_, {_, Nodes}) -> maps:keys(Nodes) end, Owners), Owners};
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
handle_info({'$fdnode_watcher_challenge', Java, Nonce}, Owners)
  when is_pid(Java), is_integer(Nonce) ->
    catch erlang:send({fdnode, node(Java)}, {'$fdnode_watcher_proof', Nonce}, [noconnect]),
    {noreply, Owners};
handle_info(_, Owners) ->
    {noreply, Owners}.
