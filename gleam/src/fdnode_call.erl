%% @doc One request to a Java node, with its timeout, its node-down path and
%% its abandon rule. Every fdnode call goes through {@link call/4}; nothing
%% else sends `'$fdnode_call''.
%%
%% == How a call works ==
%% A call that gives its caller nothing to own (read, write, info, close,
%% ...) is sent by the caller itself: `{'$fdnode_call', Alias, Alias, Caller,
%% Request}' to `{fdnode, Node}', where `Alias' is a monitor of that name
%% made with `{alias, demonitor}'. The Java node answers through the alias.
%% The monitor fires when the connection to the Java node drops or cannot be
%% made (JInterface ignores the monitor itself): that is the node-down path.
%% On timeout the caller removes the monitor, which deactivates the alias, so
%% the runtime drops a reply that comes later: it never reaches the caller's
%% mailbox. It then sends `{'$fdnode_cancel', Alias}', so a call waiting on
%% the Java node (a read on an empty FIFO) ends there too.
%%
%% A call whose success makes the caller an owner (`open', `pipe',
%% `tcp_connect', `tcp_listen', `accept', `udp_open', `controlling_process',
%% `hand_over') goes through a short-lived proxy (spawn_monitor) instead, because a
%% success nobody receives must be undone: the proxy watches the Java node
%% (a node monitor), sends `{'$fdnode_call', Proxy, Ref, Caller, Request}'
%% and passes the reply back. On timeout the caller abandons the proxy and
%% waits for its acknowledgement or death, so a late reply never reaches the
%% caller's mailbox. An abandoned proxy that still receives a successful open
%% closes the new descriptors again, so a timed-out open or accept leaks
%% nothing; an abandoned `open' is also cancelled on the Java node
%% (`{'$fdnode_cancel', Ref}' from the proxy), so a FIFO open waiting there
%% for its other end ends at once.
%%
%% Progress messages (`{fdnode_progress, Ref, Done, Total}', sent by a
%% `copy') restart the caller's timeout and go to its `on_progress' function.
%%
%% The local {@link fdnode_watcher} is started before an owning call is
%% sent: the Java node has the owner's node's watcher prove itself and watch
%% the owner before the call runs (else `{error, no_watcher}'). The proxy
%% also registers the owner with it before it hands back a successful
%% `open'/`pipe'/`controlling_process'/`hand_over' result; a monitor on an
%% already-dead process fires at once, so an owner that dies during the call still gets
%% its descriptors closed. A `controlling_process' (or `hand_over') to a pid
%% on another BEAM node first has that node's watcher adopt the pid
%% ({@link fdnode_watcher:adopt/3}); if it cannot, the call answers
%% `{error, no_watcher}' and control does not move.
-module(fdnode_call).

-export([call/3, call/4, call_as/4]).
%% Internal
-export([proxy_init/4]).

-type progress() :: fun((non_neg_integer(), non_neg_integer() | undefined) -> term())
                  | undefined.
-export_type([progress/0]).

%% @equiv call(Node, Request, Timeout, undefined)
-spec call(node(), tuple() | atom(), timeout()) -> term().
call(Node, Request, Timeout) ->
    call(Node, Request, Timeout, undefined).

%% @doc Sends one raw protocol request to `{fdnode, Node}' for the calling
%% process and returns the raw result, `{error, timeout}' or
%% `{error, nodedown}'. `Timeout' bounds the wait for the answer, or for the
%% next progress message when there are any. No validation: everything else
%% is the Java node's answer.
-spec call(node(), tuple() | atom(), timeout(), progress()) -> term().
call(Node, Request, Timeout, OnProgress) when is_atom(Node) ->
    case owning(Request) of
        false -> direct(Node, self(), Request, Timeout, OnProgress);
        true -> proxied(Node, Request, Timeout, OnProgress)
    end;
call(_, _, _, _) ->
    {error, badarg}.

%% @doc As {@link call/3}, made for `Caller' (the protocol's `Caller'
%% field): a request that gives nothing to own, which the Java node checks
%% as if `Caller' had sent it. For the mode a hand-over restores for the new
%% controller ({@link fdnode_handover}).
-spec call_as(node(), pid(), tuple(), timeout()) -> term().
call_as(Node, Caller, Request, Timeout) when is_atom(Node), is_pid(Caller) ->
    false = owning(Request),
    direct(Node, Caller, Request, Timeout, undefined).

proxied(Node, Request, Timeout, OnProgress) ->
    Start = erlang:monotonic_time(millisecond),
    case adopt(Node, Request, Timeout) of
        ok ->
            Ref = make_ref(),
            {Proxy, MRef} = spawn_monitor(?MODULE, proxy_init, [Node, Ref, self(), Request]),
            wait(Proxy, MRef, Ref, remaining(Timeout, Start), OnProgress);
        {error, _} = E ->
            E
    end.

%% Control moving to a process on another BEAM node: that node's watcher must
%% watch it before it owns anything, or the move does not happen. For a local
%% owner the local watcher must run before the call: the Java node has it
%% prove itself and watch the owner first (else `{error, no_watcher}').
adopt(Node, {controlling_process, _, Pid}, Timeout) when is_pid(Pid), node(Pid) =/= node() ->
    fdnode_watcher:adopt(Pid, Node, Timeout);
adopt(Node, {hand_over, _, Pid}, Timeout) when is_pid(Pid), node(Pid) =/= node() ->
    fdnode_watcher:adopt(Pid, Node, Timeout);
adopt(_, _, _) ->
    fdnode_watcher:ensure_started(),
    ok.

%% The caller's own call, answered through the alias of its monitor.
direct(Node, Caller, Request, Timeout, OnProgress) ->
    Alias = erlang:monitor(process, {fdnode, Node}, [{alias, demonitor}]),
    try
        erlang:send({fdnode, Node}, {'$fdnode_call', Alias, Alias, Caller, Request})
    catch
        error:_ -> ok   % not distributed: the monitor reports noconnection
    end,
    direct_wait(Node, Alias, Timeout, OnProgress).

direct_wait(Node, Alias, Timeout, OnProgress) ->
    receive
        {'$fdnode_reply', Alias, Result} ->
            erlang:demonitor(Alias, [flush]),
            Result;
        {fdnode_progress, Alias, Done, Total} ->
            is_function(OnProgress, 2) andalso OnProgress(Done, Total),
            direct_wait(Node, Alias, Timeout, OnProgress);
        {'DOWN', Alias, process, _, _} ->
            flush_progress(Alias),
            {error, nodedown}
    after Timeout ->
        %% From here on the runtime drops what comes through the alias.
        erlang:demonitor(Alias, [flush]),
        catch erlang:send({fdnode, Node}, {'$fdnode_cancel', Alias}, [noconnect]),
        receive
            {'$fdnode_reply', Alias, Result} ->
                %% It arrived just before the alias went: a real result.
                flush_progress(Alias),
                Result
        after 0 ->
            flush_progress(Alias),
            {error, timeout}
        end
    end.

remaining(infinity, _) -> infinity;
remaining(Timeout, Start) -> max(0, Timeout - (erlang:monotonic_time(millisecond) - Start)).

wait(Proxy, MRef, Ref, Timeout, OnProgress) ->
    receive
        {fdnode_progress, Ref, Done, Total} ->
            is_function(OnProgress, 2) andalso OnProgress(Done, Total),
            wait(Proxy, MRef, Ref, Timeout, OnProgress);
        {Ref, Result} ->
            erlang:demonitor(MRef, [flush]),
            Result;
        {'DOWN', MRef, process, Proxy, _} ->
            %% The proxy only dies like this if killed from outside.
            {error, nodedown}
    after Timeout ->
        Proxy ! {abandon, Ref},
        receive
            {Ref, Result} ->
                %% It answered just before it saw the abandon: a real result.
                erlang:demonitor(MRef, [flush]),
                flush_progress(Ref),
                Result;
            {abandoned, Ref} ->
                erlang:demonitor(MRef, [flush]),
                flush_progress(Ref),
                {error, timeout};
            {'DOWN', MRef, process, Proxy, _} ->
                flush_progress(Ref),
                {error, timeout}
        end
    end.

flush_progress(Ref) ->
    receive
        {fdnode_progress, Ref, _, _} -> flush_progress(Ref)
    after 0 ->
        ok
    end.

%% @private The proxy of an owning call (only those come here): monitors the
%% caller, whose death leaves the proxy to register or undo the result, and
%% the Java node.
proxy_init(Node, Ref, Caller, Request) ->
    CMon = erlang:monitor(process, Caller),
    NMon = watch_node(Node),
    try
        erlang:send({fdnode, Node}, {'$fdnode_call', self(), Ref, Caller, Request})
    catch
        error:_ -> ok   % not distributed: the monitor reports noconnection/noproc
    end,
    proxy_wait(Node, Ref, Caller, Request, CMon, NMon, attached).

proxy_wait(Node, Ref, Caller, Request, CMon, NMon, Attached) ->
    receive
        {'$fdnode_reply', Ref, Result} ->
            register_owner(Node, Caller, Request, Result),
            case Attached of
                attached -> Caller ! {Ref, Result};
                detached -> undo(Node, Caller, Request, Result)
            end;
        {fdnode_progress, Ref, _, _} = Progress ->
            Attached =:= attached andalso (Caller ! Progress),
            proxy_wait(Node, Ref, Caller, Request, CMon, NMon, Attached);
        {'DOWN', NMon, process, _, _} ->
            Attached =:= attached andalso (Caller ! {Ref, {error, nodedown}}),
            ok;
        {nodedown, Node} ->
            Attached =:= attached andalso (Caller ! {Ref, {error, nodedown}}),
            ok;
        {abandon, Ref} ->
            Caller ! {abandoned, Ref},
            detach(Node, Ref, Caller, Request, CMon, NMon, Attached);
        {'DOWN', CMon, process, _, _} ->
            %% The caller died. An owning request still has to register its
            %% result with the watcher (which then reports the dead owner).
            detach(Node, Ref, Caller, Request, CMon, NMon, Attached)
    end.

%% Nobody wants the result any more. An open still waiting on the Java node
%% (a FIFO without its other end) is cancelled there; the proxy waits for the
%% answer all the same, to register the owner or close what was made.
detach(Node, Ref, Caller, Request, CMon, NMon, Attached) ->
    Attached =:= attached andalso element(1, Request) =:= open
        andalso (catch erlang:send({fdnode, Node}, {'$fdnode_cancel', Ref}, [noconnect])),
    proxy_wait(Node, Ref, Caller, Request, CMon, NMon, detached).

%% How the proxy learns that the Java node is gone. A process monitor on a
%% remote name costs two more distribution messages per call (monitor and
%% demonitor), and the Java node ignores them anyway; a node monitor is local
%% and fires when the connection drops or cannot be made. The local node (the
%% fake mailbox of the tests) keeps the process monitor: no connection to lose.
watch_node(Node) when Node =:= node() ->
    erlang:monitor(process, {fdnode, Node});
watch_node(Node) ->
    case is_alive() of
        true -> erlang:monitor_node(Node, true);
        false -> self() ! {nodedown, Node}
    end,
    {nodedown, Node}.

%% Requests whose `{ok, Handle}' is a new descriptor owned by the caller.
opens(Request) ->
    is_tuple(Request) andalso tuple_size(Request) > 0
        andalso lists:member(element(1, Request), [open, tcp_connect, tcp_listen, accept, udp_open]).

owning({pipe}) -> true;
owning({controlling_process, _, _}) -> true;
owning({hand_over, _, _}) -> true;
owning(Request) -> opens(Request).

register_owner(Node, Caller, {pipe}, {ok, _}) -> fdnode_watcher:watch(Caller, Node);
register_owner(Node, _Caller, {controlling_process, _, Pid}, ok) -> fdnode_watcher:watch(Pid, Node);
register_owner(Node, _Caller, {hand_over, _, Pid}, {ok, _}) -> fdnode_watcher:watch(Pid, Node);
register_owner(Node, Caller, Request, {ok, _}) ->
    opens(Request) andalso fdnode_watcher:watch(Caller, Node),
    ok;
register_owner(_, _, _, _) -> ok.

%% A result nobody will see: close what it opened (fire and forget).
undo(Node, Caller, {pipe}, {ok, {R, W}}) -> send_close(Node, Caller, R), send_close(Node, Caller, W);
undo(Node, Caller, Request, {ok, H}) ->
    opens(Request) andalso send_close(Node, Caller, H),
    ok;
undo(_, _, _, _) -> ok.

send_close(Node, Caller, H) ->
    catch erlang:send({fdnode, Node}, {'$fdnode_call', self(), make_ref(), Caller, {close, H}},
                      [noconnect]),
    ok.
