%% @doc The few BEAM primitives the demo (`fdnode_demo') needs that Gleam has
%% no syntax for without a standard library: environment, spawn, send and
%% receive. No logic.
-module(fdnode_demo_ffi).

-export([getenv/1, spawn/1, send/2, receive_any/1, print/1, to_text/1]).

getenv(Name) ->
    case os:getenv(binary_to_list(Name)) of
        false -> {error, nil};
        V -> {ok, unicode:characters_to_binary(V)}
    end.

spawn(F) -> erlang:spawn(fun() -> F() end).

send(Pid, Msg) -> Pid ! Msg, nil.

%% Any message, or {error, nil} after Timeout ms.
receive_any(Timeout) ->
    receive
        M -> {ok, M}
    after Timeout ->
        {error, nil}
    end.

print(Line) ->
    io:put_chars([Line, $\n]),
    nil.

to_text(Bin) ->
    case unicode:characters_to_binary(Bin) of
        B when is_binary(B) -> {ok, string:trim(B, trailing, "\n")};
        _ -> {error, nil}
    end.
