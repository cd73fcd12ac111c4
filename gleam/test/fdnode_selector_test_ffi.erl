%% @doc What a gleam_erlang selector does, by hand (the suite has no hex
%% dependencies): take the next message of any shape, as `select_other' /
%% `selecting_anything' hand it to a decoder; spawn a process whose pid is
%% typed as a foreign `Pid' (as gleam_erlang's is); send raw terms.
-module(fdnode_selector_test_ffi).

-export([receive_any/1, spawn_process/1, send/2, command/1, stop_request/1,
         decode_command/1, foreign_terms/0, await_seen/1, fdnode_shaped/2]).

%% The next message, whatever it is: {ok, Term} | {error, nil}.
receive_any(Timeout) ->
    receive M -> {ok, M} after Timeout -> {error, nil} end.

spawn_process(F) -> spawn(fun() -> F() end).

send(Pid, Term) -> Pid ! Term, nil.

%% The actor's own message shapes, as a gleam_erlang Subject would tag them.
command(Text) -> {command, Text}.
stop_request(ReplyTo) -> {stop, ReplyTo}.

%% Command(text) = {command, Text}; Stop(reply_to) = {stop, Pid}
decode_command({command, Text}) when is_binary(Text) -> {ok, {command, Text}};
decode_command({stop, Pid}) when is_pid(Pid) -> {ok, {stop, Pid}};
decode_command(_) -> {error, nil}.

%% Terms that look like fdnode messages but are not.
foreign_terms() ->
    [{fdnode, not_a_handle, <<"x">>}, {fdnode_closed, {fdnode_fd, n, 0, 1}},
     {fdnode_completion, not_an_id, ok}, {fdnode, {fdnode_fd, n, 1, 1}, not_binary},
     {other, 1}, 42, <<"fdnode">>, self()].

%% The actor's answer: the Gleam record Seen.
await_seen(Timeout) ->
    receive {seen, _, _, _, _, _} = S -> {ok, S} after Timeout -> {error, nil} end.

fdnode_shaped(<<"data">>, Fd) -> {fdnode, Fd, <<"x">>};
fdnode_shaped(<<"closed">>, Fd) -> {fdnode_closed, Fd};
fdnode_shaped(<<"error">>, Fd) -> {fdnode_error, Fd, econnreset};
fdnode_shaped(<<"passive">>, Fd) -> {fdnode_passive, Fd};
fdnode_shaped(<<"completion">>, _) -> {fdnode_completion, 7, {error, ebadf}}.
