%% @doc `controlling_process' as `gen_tcp' does it
%% (`inet:tcp_controlling_process'): the messages of the descriptor already
%% in the old controller's mailbox move to the new one, in order and before
%% anything delivered later, and the mode is kept.
%%
%% <ol>
%% <li>`{hand_over, Fd, Pid}' to the Java node: in one step under the
%%   descriptor's control lock it turns passive and passes to `Pid', and
%%   answers the mode it had (`{active, Left}' with its count). Everything
%%   it sent the old controller before is in the caller's mailbox by then
%%   (same connection, in order); a chunk read just then is kept by the
%%   node and delivered first when the mode is set again.</li>
%% <li>The caller takes every `{fdnode, Fd, _}', `{fdnode_udp, Fd, _, _, _}',
%%   `{fdnode_closed, Fd}', `{fdnode_error, Fd, _}' and
%%   `{fdnode_passive, Fd}' from its mailbox, oldest first, and sends them
%%   to `Pid'. For a `Pid' on another BEAM node they are sent from a
%%   process on that node, which answers once they are in `Pid''s mailbox:
%%   two senders are not ordered otherwise.</li>
%% <li>The old mode is set again, for `Pid' (the call's `Caller' is `Pid',
%%   now the controller): what the node sends from then on comes after what
%%   was moved.</li>
%% </ol>
-module(fdnode_handover).

-export([controlling_process/3]).
%% Internal: runs on the new controller's node.
-export([deliver/2]).

-spec controlling_process(fdnode_ffi:handle(), pid(), timeout()) -> ok | {error, term()}.
controlling_process(Fd, Pid, Timeout) when Pid =:= self() ->
    %% Nothing moves; the Java node still checks that the caller controls it.
    fdnode_call:call(element(2, Fd), {controlling_process, Fd, Pid}, Timeout);
controlling_process(Fd, Pid, Timeout) ->
    Start = erlang:monotonic_time(millisecond),
    Node = element(2, Fd), % a handle: fdnode_ffi checked it
    case fdnode_call:call(Node, {hand_over, Fd, Pid}, Timeout) of
        {ok, Mode} ->
            case deliver_to(Pid, take(Fd, []), remaining(Timeout, Start)) of
                ok -> restore(Node, Fd, Pid, Mode, remaining(Timeout, Start));
                {error, _} = E -> E
            end;
        Other ->
            Other % an error: nothing moved
    end.

%% Every active message of Fd in this mailbox, oldest first; the rest stay.
take(Fd, Acc) ->
    receive
        {fdnode, Fd, _} = M -> take(Fd, [M | Acc]);
        {fdnode_udp, Fd, _, _, _} = M -> take(Fd, [M | Acc]);
        {fdnode_closed, Fd} = M -> take(Fd, [M | Acc]);
        {fdnode_error, Fd, _} = M -> take(Fd, [M | Acc]);
        {fdnode_passive, Fd} = M -> take(Fd, [M | Acc])
    after 0 ->
        lists:reverse(Acc)
    end.

deliver_to(_, [], _) ->
    ok;
deliver_to(Pid, Messages, _) when node(Pid) =:= node() ->
    deliver(Pid, Messages);
deliver_to(Pid, Messages, Timeout) ->
    try erpc:call(node(Pid), ?MODULE, deliver, [Pid, Messages], Timeout) of
        ok -> ok
    catch
        error:{exception, undef, _} ->
            %% no fdnode code there (its watcher had adopted Pid, so rare):
            %% sent from here, in order, but not ordered with the node's
            deliver(Pid, Messages);
        error:{erpc, timeout} -> {error, timeout};
        error:{erpc, _} -> {error, nodedown}
    end.

%% @private Sends Messages to Pid, a process of this node: in its mailbox
%% when this returns.
-spec deliver(pid(), [tuple()]) -> ok.
deliver(Pid, Messages) ->
    lists:foreach(fun(M) -> Pid ! M end, Messages).

restore(_, _, _, passive, _) ->
    ok;
restore(Node, Fd, Pid, Mode, Timeout) ->
    fdnode_call:call_as(Node, Pid, {set_mode, Fd, Mode}, Timeout).

remaining(infinity, _) -> infinity;
remaining(Timeout, Start) -> max(0, Timeout - (erlang:monotonic_time(millisecond) - Start)).
