%% @doc Erlang API of fdnode: file descriptors owned by a Java C-node.
%%
%% Usable from plain `erl'; the Gleam modules' adapters (`fdnode_*_ffi') call
%% it too. The module
%% is thin: it builds the wire terms of `docs/protocol.md', sends them, and
%% hands back what the Java node answers. The Java node decides every error
%% except these, added here:
%%
%% <ul>
%% <li>`{error, badarg}': a term that is not a handle
%%     `{fdnode_fd, Node, Id, Token}', or data that is not iodata, or a path
%%     that is not chardata. Nothing is sent.</li>
%% <li>`{error, timeout}': no answer within the timeout (default 5000 ms,
%%     application env `fdnode'/`default_timeout').</li>
%% <li>`{error, nodedown}': the Java node is unreachable, or its connection
%%     dropped during the call.</li>
%% <li>`{error, no_watcher}': a `controlling_process' to a pid on a BEAM
%%     node whose watcher cannot adopt it (no fdnode code there, or
%%     unreachable); control does not move. The Java node gives the same
%%     answer to any call that would make a process an owner (open, pipe,
%%     sockets) when that process's node's `fdnode_watcher' does not prove
%%     itself within 2 s; nothing is opened.</li>
%% </ul>
%%
%% Every call goes through {@link fdnode_call:call/4} (timeout, node-down
%% and abandon rules); the process that opens a descriptor owns it and
%% {@link fdnode_watcher} reports its death to the Java node; the Java node
%% is launched by {@link fdnode_launcher}. No process is ever linked to the
%% Java node: a JVM crash cannot kill a user process.
-module(fdnode_ffi).

%% Lifecycle
-export([start/0, start/1, start_link/1, child_spec/1, stop/1, stop/2, connect/1,
         connect/2, os_pid/1, output/1, ping/1, ping/2, shutdown/1, shutdown/2,
         await_exit/2, stats/1, stats/2, stats_with/3]).
%% Descriptors (files, pipes; what every kind shares)
-export([open/3, open/4, close/1, close/2, close_async/1, close_async/2,
         read/2, read/3, write/2, write/3, pread/2, pread/3, pread/4, pwrite/2,
         pwrite/3, pwrite/4,
         position/2, position/3, sync/1, sync/2, set_mode/2, set_mode/3,
         controlling_process/2, controlling_process/3, info/1, info/2,
         pipe/1, pipe/2, copy/3, copy/4]).
%% Sockets
-export([tcp_listen/3, tcp_listen/4, accept/2, tcp_connect/3, tcp_connect/4, tcp_connect/5,
         send/2, send/3, recv/3, udp_open/3, udp_open/4, send_to/4, send_to/5, recv_from/2,
         setopts/2, setopts/3, getopts/2, getopts/3, peername/1, peername/2,
         sockname/1, sockname/2, port/1, port/2]).
%% Files by path
-export([file_info/1, file_info/2, file_info/3, list_dir/2, list_dir/3, make_dir/2,
         make_dir/3, delete_file/2, delete_file/3, delete_dir/2, delete_dir/3,
         rename/3, rename/4]).
%% Building blocks
-export([call/2, call/3, is_handle/1, handle_node/1, default_timeout/0]).

-type handle() :: {fdnode_fd, node(), pos_integer(), non_neg_integer()}.
%% Why a call failed: `{error, Reason}'. The Java node answers with one list
%% of reasons (dev.fdnode.core.Reason; its ReasonListTest holds these two
%% types, Gleam's FdError and fdnode_gleam_ffi:to_error/1 to it): the errnos
%% of the calls it makes, and its own. This side adds `timeout', `nodedown',
%% `badarg' and `no_watcher' (see above), which the Java node uses too.
-type reason() :: posix() | fdnode_reason() | unnamed_errno().
-type posix() :: eacces | eaddrinuse | eaddrnotavail | eafnosupport | eagain |
                 ebadf | ebusy | econnaborted | econnrefused | econnreset | edquot |
                 eexist | efault | efbig | ehostunreach | eintr | einval | eio |
                 eisdir | eloop | emfile | emlink | emsgsize | enametoolong |
                 enetdown | enetunreach | enfile | enobufs | enodev | enoent |
                 enomem | enoprotoopt | enospc | enotconn | enotdir | enotempty |
                 enotsock | enotsup | enxio | eoverflow | eperm | epipe | erofs |
                 espipe | estale | etimedout | etxtbsy | exdev.
-type fdnode_reason() :: nxdomain | closed | not_owner | invalid_handle | badarg |
                         timeout | shutting_down | nodedown | no_watcher |
                         cancelled | internal_error.
%% `errno_<N>': an errno the list does not name, by its number.
-type unnamed_errno() :: atom().
-type location() :: integer() | {bof | cur | eof, integer()} | bof | cur | eof.
%% A range of a batched pread, as in file:pread/2: `{Offset, Size}'.
-type range() :: {non_neg_integer(), non_neg_integer()}.
%% A piece of a batched pwrite, as in file:pwrite/2: `{Offset, Data}'.
-type piece() :: {non_neg_integer(), iodata()}.
-type mode() :: passive | active | active_once | {active, -32768..32767}.
-export_type([handle/0, reason/0, posix/0, fdnode_reason/0, location/0, range/0, piece/0, mode/0]).

%% ================================================================ lifecycle

%% @equiv start(#{})
-spec start() -> {ok, node()} | {error, fdnode_launcher:start_error()}.
start() ->
    start(#{}).

%% @doc Starts a Java node as a port of a local launcher process and waits for
%% its `fdnode ready <node>' line, then connects to it. A BEAM that is not
%% distributed (started without `-sname'/`-name', as by `gleam run') first
%% becomes a short-named node itself, but only once every option has been
%% checked: a start refused for its options leaves this BEAM as it was.
%%
%% Options (map or proplist), all optional:
%% <ul>
%% <li>`jar': path of fdnode.jar (default env `FDNODE_JAR', else `fdnode.jar'
%%     in the `fdnode' application's priv dir, where the build puts it).</li>
%% <li>`java': the java executable (default `java' from PATH).</li>
%% <li>`jvm_args': JVM flags, replacing {@link fdnode_launcher:default_jvm_args/1}.</li>
%% <li>`name': node name, `"x"' or `"x@host"' (default a unique
%%     `fdnode_<ospid>_<n>').</li>
%% <li>`cookie': default this node's cookie. Handed to the JVM in its
%%     environment (`FDNODE_COOKIE'), never on its command line.</li>
%% <li>`roots' (list) or `root': directories the Java node may open files
%%     under (default env `FDNODE_ROOTS', colon-separated; made absolute).</li>
%% <li>`args': extra node arguments (for example `["--max-fds", "64"]').</li>
%% <li>`ready_timeout': ms to wait for the ready line (default 30000).</li>
%% <li>`link': tie the node's life to the caller (default true): the launcher
%%     is linked to the caller and stops the node when the caller exits, for
%%     any reason. The launcher is local; if the JVM dies it exits `normal',
%%     so the caller survives. With `false' the node runs until
%%     {@link stop/1} or until this BEAM node stops.</li>
%% <li>`log': echo the JVM's output to standard_error (default false).</li>
%% <li>`distribute': make this BEAM distributed if it is not (default true;
%%     with `false' such a start is `{error, not_distributed}').</li>
%% <li>`local_name': this BEAM's short name when `start' distributes it
%%     (default a unique `fdnode_client_<ospid>_<n>').</li>
%% </ul>
%% Returns `{ok, Node}' or `{error, Reason}' with `Reason' one of
%% `not_distributed', `epmd_unreachable', `{cannot_distribute, Why}',
%% `no_jar', `{jar_not_found, Jar}', `java_not_found', `no_root',
%% `{root_not_found, Dir}', `{name_taken, Node}', `{java_exited, Status,
%% Output}', `{ready_timeout, Output}', `{cannot_spawn, Java, Why}',
%% `nodedown', `timeout'.
-spec start(map() | proplists:proplist()) ->
          {ok, node()} | {error, fdnode_launcher:start_error()}.
start(Opts) when is_list(Opts) ->
    start(maps:from_list(proplists:unfold(Opts)));
start(Opts) when is_map(Opts) ->
    case fdnode_launcher:start(Opts) of
        {ok, Node, Pid} ->
            case connect(Node, maps:get(ready_timeout, Opts, 30000)) of
                ok ->
                    maps:get(link, Opts, true) andalso link(Pid),
                    {ok, Node};
                {error, _} = E ->
                    fdnode_launcher:stop(Node, 5000),
                    E
            end;
        {error, _} = E ->
            E
    end.

%% @doc For a supervisor: starts a Java node like {@link start/1} and returns
%% `{ok, LauncherPid}', the launcher linked to the caller (the supervisor).
%% When the supervisor stops the child, the launcher closes the JVM's stdin
%% and waits until the node has gone (killing the JVM after 10 s). Give a
%% `name' so a restarted node keeps it. The `link' option is ignored.
-spec start_link(map() | proplists:proplist()) -> {ok, pid()} | {error, term()}.
start_link(Opts) when is_list(Opts) ->
    start_link(maps:from_list(proplists:unfold(Opts)));
start_link(Opts) when is_map(Opts) ->
    case start(Opts#{link => true}) of
        {ok, Node} -> {ok, fdnode_launcher:whereis_node(Node)};
        {error, _} = E -> E
    end.

%% @doc A supervisor child spec for {@link start_link/1}: id `{fdnode, Name}',
%% permanent, 15 s shutdown (the launcher waits up to 10 s for the JVM).
-spec child_spec(map() | proplists:proplist()) -> supervisor:child_spec().
child_spec(Opts) when is_list(Opts) ->
    child_spec(maps:from_list(proplists:unfold(Opts)));
child_spec(Opts) when is_map(Opts) ->
    #{id => {fdnode, maps:get(name, Opts, undefined)},
      start => {?MODULE, start_link, [Opts]},
      restart => permanent,
      shutdown => 15000,
      type => worker,
      modules => [?MODULE, fdnode_launcher]}.

%% @equiv shutdown(Node, default_timeout())
-spec shutdown(node()) -> ok | {error, reason()}.
shutdown(Node) -> shutdown(Node, default_timeout()).

%% @doc Asks a Java node (started here or operator-run) to stop: it answers
%% `ok', then takes no new calls, finishes or fails the calls in flight, closes
%% every descriptor and exits with status 0.
-spec shutdown(node(), timeout()) -> ok | {error, reason()}.
shutdown(Node, Timeout) when is_atom(Node) -> call(Node, {shutdown}, Timeout);
shutdown(_, _) -> {error, badarg}.

%% @doc Waits until the JVM of a node started by {@link start/1} exits:
%% `{ok, ExitStatus, LastOutputLines}'; `{error, timeout}', or
%% `{error, not_started}' for a node this BEAM did not start (or that is gone).
-spec await_exit(node(), timeout()) ->
          {ok, integer(), [binary()]} | {error, timeout | not_started | no_status}.
await_exit(Node, Timeout) ->
    fdnode_launcher:await_exit(Node, Timeout).

%% @equiv stop(Node, 10000)
-spec stop(node()) -> ok | {error, not_started}.
stop(Node) ->
    stop(Node, 10000).

%% @doc Stops a Java node started by {@link start/1} on this BEAM node: closes
%% the port (the JVM's stdin, its shutdown signal) and waits until the JVM has
%% gone, killing it after `Timeout' ms. `{error, not_started}' for a node this
%% BEAM did not start.
-spec stop(node(), timeout()) -> ok | {error, not_started}.
stop(Node, Timeout) when is_atom(Node) ->
    fdnode_launcher:stop(Node, Timeout).

%% @doc The OS pid of the JVM of a node started by {@link start/1}.
-spec os_pid(node()) -> {ok, integer() | undefined} | {error, not_started}.
os_pid(Node) ->
    fdnode_launcher:os_pid(Node).

%% @doc The last lines a node started by {@link start/1} printed.
-spec output(node()) -> {ok, [binary()]} | {error, not_started}.
output(Node) ->
    fdnode_launcher:output(Node).

%% @equiv connect(Node, default_timeout())
-spec connect(node()) -> ok | {error, nodedown | timeout | badarg}.
connect(Node) ->
    connect(Node, default_timeout()).

%% @doc Connects to an already running (for example operator-run) Java node
%% and checks it answers. `ok' or `{error, nodedown}'.
-spec connect(node(), timeout()) -> ok | {error, nodedown | timeout}.
connect(Node, Timeout) when is_atom(Node) ->
    case net_kernel:connect_node(Node) of
        true ->
            case ping(Node, Timeout) of
                ok -> ok;
                {error, timeout} -> {error, timeout};
                {error, _} -> {error, nodedown}
            end;
        _ ->
            {error, nodedown}
    end;
connect(_, _) ->
    {error, badarg}.

%% @equiv ping(Node, default_timeout())
-spec ping(node()) -> ok | {error, reason()}.
ping(Node) ->
    ping(Node, default_timeout()).

%% @doc `ok' when the `fdnode' mailbox on `Node' answers `ping'.
-spec ping(node(), timeout()) -> ok | {error, reason()}.
ping(Node, Timeout) when is_atom(Node) ->
    case call(Node, ping, Timeout) of
        pong -> ok;
        {error, _} = E -> E;
        _ -> {error, badarg}
    end;
ping(_, _) ->
    {error, badarg}.

%% ================================================================ descriptors

%% @equiv open(Node, Path, Options, default_timeout())
-spec open(node(), unicode:chardata(), list()) -> {ok, handle()} | {error, reason()}.
open(Node, Path, Options) -> open(Node, Path, Options, default_timeout()).

%% @doc Opens `Path' (chardata) on `Node'; the caller becomes owner and
%% controlling process. `Options': `read', `write', `append', `create',
%% `exclusive', `truncate', `nonblock', `{mode, Int}'.
-spec open(node(), unicode:chardata(), list(), timeout()) -> {ok, handle()} | {error, reason()}.
open(Node, Path, Options, Timeout) when is_atom(Node), is_list(Options) ->
    case to_binary_path(Path) of
        {ok, Bin} -> call(Node, {open, Bin, Options}, Timeout);
        error -> {error, badarg}
    end;
open(_, _, _, _) ->
    {error, badarg}.

%% @equiv pipe(Node, default_timeout())
-spec pipe(node()) -> {ok, {handle(), handle()}} | {error, reason()}.
pipe(Node) -> pipe(Node, default_timeout()).

%% @doc Creates a pipe on `Node': `{ok, {ReadHandle, WriteHandle}}', both owned
%% by the caller.
-spec pipe(node(), timeout()) -> {ok, {handle(), handle()}} | {error, reason()}.
pipe(Node, Timeout) when is_atom(Node) -> call(Node, {pipe}, Timeout);
pipe(_, _) -> {error, badarg}.

%% @equiv tcp_connect(Node, Host, Port, default_timeout())
-spec tcp_connect(node(), unicode:chardata(), 1..65535) -> {ok, handle()} | {error, reason()}.
tcp_connect(Node, Host, Port) -> tcp_connect(Node, Host, Port, default_timeout()).

%% @doc Connects a TCP socket on `Node' to `Host' (chardata: a name or an IPv4
%% or IPv6 literal) and `Port': `{ok, Handle}', owned and controlled by the
%% caller, usable with read/write/set_mode/close like any descriptor. The
%% connect itself gives up after `Timeout' ms (`{error, timeout}', as
%% `gen_tcp:connect/4'); the call waits a little longer for that answer.
%% Other errors: `econnrefused', `enetunreach', `ehostunreach', `etimedout'
%% (the kernel's), `nxdomain', `einval' (port not in 1..65535).
-spec tcp_connect(node(), unicode:chardata(), 1..65535, non_neg_integer()) ->
          {ok, handle()} | {error, reason()}.
tcp_connect(Node, Host, Port, Timeout)
  when is_atom(Node), is_integer(Port), is_integer(Timeout), Timeout >= 0 ->
    case to_binary_path(Host) of
        {ok, Bin} -> call(Node, {tcp_connect, Bin, Port, Timeout}, Timeout + 2000);
        error -> {error, badarg}
    end;
tcp_connect(_, _, _, _) ->
    {error, badarg}.

%% @equiv close(Fd, default_timeout())
-spec close(handle()) -> ok | {error, reason()}.
close(Fd) -> close(Fd, default_timeout()).

%% @doc Closes a descriptor; the OS close is done when `ok' returns.
-spec close(handle(), timeout()) -> ok | {error, reason()}.
close(Fd, Timeout) -> fd_call(Fd, fun(H) -> {close, H} end, Timeout).

%% @equiv close_async(Fd, default_timeout())
-spec close_async(handle()) -> {ok, integer()} | {error, reason()}.
close_async(Fd) -> close_async(Fd, default_timeout()).

%% @doc Starts closing a descriptor: `{ok, OpId}'; the caller later receives
%% `{fdnode_completion, OpId, Result}'.
-spec close_async(handle(), timeout()) -> {ok, integer()} | {error, reason()}.
close_async(Fd, Timeout) -> fd_call(Fd, fun(H) -> {close_async, H} end, Timeout).

%% @equiv read(Fd, Size, default_timeout())
-spec read(handle(), non_neg_integer()) -> {ok, binary()} | eof | {error, reason()}.
read(Fd, Size) -> read(Fd, Size, default_timeout()).

%% @doc Reads up to `Size' bytes at the handle's offset (passive mode only):
%% `{ok, Binary}', `eof' or `{error, Reason}'. With a packet option
%% (`{packet, 1 | 2 | 4 | line}', see {@link setopts/3}) one whole packet,
%% and `Size' must be 0 (`einval' otherwise, as for `gen_tcp:recv/2').
-spec read(handle(), non_neg_integer(), timeout()) -> {ok, binary()} | eof | {error, reason()}.
read(Fd, Size, Timeout) when is_integer(Size) -> fd_call(Fd, fun(H) -> {read, H, Size} end, Timeout);
read(_, _, _) -> {error, badarg}.

%% @equiv write(Fd, Data, default_timeout())
-spec write(handle(), iodata()) -> ok | {error, reason()}.
write(Fd, Data) -> write(Fd, Data, default_timeout()).

%% @doc Writes all of `Data' (iodata) at the handle's offset. With
%% `{packet, 1 | 2 | 4}' set, its length header goes first, as
%% `gen_tcp:send/2' puts it (`emsgsize' if the header cannot state the length).
-spec write(handle(), iodata(), timeout()) -> ok | {error, reason()}.
write(Fd, Data, Timeout) ->
    case to_binary(Data) of
        {ok, Bin} -> fd_call(Fd, fun(H) -> {write, H, Bin} end, Timeout);
        error -> {error, badarg}
    end.

%% @equiv pread(Fd, Ranges, default_timeout())
-spec pread(handle(), [range()]) -> {ok, [binary() | eof]} | {error, reason()}.
pread(Fd, Ranges) -> pread(Fd, Ranges, default_timeout()).

%% @doc `pread(Fd, Ranges, Timeout)' reads several ranges in one call, as
%% `file:pread/2' does: `{ok, [Data | eof]}', one entry per `{Offset, Size}'
%% in order. Each `Data' is `Size' bytes, fewer only where the range crosses
%% end of file; a range starting at or beyond it is `eof'; `[]' gives
%% `{ok, []}'. All or nothing: any error (`espipe' for a pipe or socket,
%% `closed', an OS error) fails the whole call. At most 1024 ranges and
%% 8 MiB in all, else `{error, einval}' (a batch is refused, not cut short);
%% a negative offset or size is `einval', a list of anything but
%% `{Integer, Integer}' is `badarg'. The handle's offset is not moved.
%%
%% `pread(Fd, Offset, Size)' is {@link pread/4} with the default timeout.
-spec pread(handle(), [range()], timeout()) -> {ok, [binary() | eof]} | {error, reason()};
           (handle(), non_neg_integer(), non_neg_integer()) ->
          {ok, binary()} | eof | {error, reason()}.
pread(Fd, Ranges, Timeout) when is_list(Ranges) ->
    fd_call(Fd, fun(H) -> {pread_many, H, Ranges} end, Timeout);
pread(Fd, Offset, Size) -> pread(Fd, Offset, Size, default_timeout()).

%% @doc Reads up to `Size' bytes at `Offset' without moving the handle's offset.
-spec pread(handle(), non_neg_integer(), non_neg_integer(), timeout()) ->
          {ok, binary()} | eof | {error, reason()}.
pread(Fd, Offset, Size, Timeout) when is_integer(Offset), is_integer(Size) ->
    fd_call(Fd, fun(H) -> {pread, H, Offset, Size} end, Timeout);
pread(_, _, _, _) ->
    {error, badarg}.

%% @equiv pwrite(Fd, Pieces, default_timeout())
-spec pwrite(handle(), [piece()]) -> ok | {error, reason()}.
pwrite(Fd, Pieces) -> pwrite(Fd, Pieces, default_timeout()).

%% @doc `pwrite(Fd, Pieces, Timeout)' writes several pieces in one call, as
%% `file:pwrite/2' does: each `{Offset, Data}' in full (partial writes
%% continued), in list order, so a later piece overwrites an earlier one
%% where they overlap. The handle's offset is not moved. Limits and argument
%% errors as for {@link pread/3}, all found before the first byte is written
%% (data that is not iodata is `badarg' and nothing is sent). An OS error
%% (`enospc', `efbig', ...) stops the batch with `{error, Reason}': the pieces
%% before the failing one are written, the rest are not; positioned writes
%% can simply be repeated.
%%
%% `pwrite(Fd, Offset, Data)' is {@link pwrite/4} with the default timeout.
-spec pwrite(handle(), [piece()], timeout()) -> ok | {error, reason()};
            (handle(), non_neg_integer(), iodata()) -> ok | {error, reason()}.
pwrite(Fd, Pieces, Timeout) when is_list(Pieces) ->
    case pieces(Pieces, []) of
        {ok, Bins} -> fd_call(Fd, fun(H) -> {pwrite_many, H, Bins} end, Timeout);
        error -> {error, badarg}
    end;
pwrite(Fd, Offset, Data) -> pwrite(Fd, Offset, Data, default_timeout()).

%% @doc Writes all of `Data' at `Offset' without moving the handle's offset.
-spec pwrite(handle(), non_neg_integer(), iodata(), timeout()) -> ok | {error, reason()}.
pwrite(Fd, Offset, Data, Timeout) when is_integer(Offset) ->
    case to_binary(Data) of
        {ok, Bin} -> fd_call(Fd, fun(H) -> {pwrite, H, Offset, Bin} end, Timeout);
        error -> {error, badarg}
    end;
pwrite(_, _, _, _) ->
    {error, badarg}.

%% @equiv position(Fd, Location, default_timeout())
-spec position(handle(), location()) -> {ok, non_neg_integer()} | {error, reason()}.
position(Fd, Location) -> position(Fd, Location, default_timeout()).

%% @doc Moves the handle's offset: `Location' is `Int', `{bof, Int}',
%% `{cur, Int}', `{eof, Int}', `bof', `cur' or `eof'. `{ok, NewOffset}'.
-spec position(handle(), location(), timeout()) -> {ok, non_neg_integer()} | {error, reason()}.
position(Fd, Location, Timeout) -> fd_call(Fd, fun(H) -> {position, H, Location} end, Timeout).

%% @equiv sync(Fd, default_timeout())
-spec sync(handle()) -> ok | {error, reason()}.
sync(Fd) -> sync(Fd, default_timeout()).

%% @doc fsync(2).
-spec sync(handle(), timeout()) -> ok | {error, reason()}.
sync(Fd, Timeout) -> fd_call(Fd, fun(H) -> {sync, H} end, Timeout).

%% @equiv set_mode(Fd, Mode, default_timeout())
-spec set_mode(handle(), mode()) -> ok | {error, reason()}.
set_mode(Fd, Mode) -> set_mode(Fd, Mode, default_timeout()).

%% @doc `passive', `active', `active_once' or `{active, N}'; controlling
%% process only. In active modes the controlling process receives
%% `{fdnode, Fd, Data}', `{fdnode_closed, Fd}', `{fdnode_error, Fd, Reason}',
%% `{fdnode_passive, Fd}'. `{active, N}' is as in `inet:setopts/2': N more
%% messages, then passive with `{fdnode_passive, Fd}'; setting it again adds
%% N to the messages left (a total above 32767 is `einval'; 0 or less turns
%% the descriptor passive at once and sends `{fdnode_passive, Fd}').
%% `setopts(Fd, [{active, N}])' does the same.
-spec set_mode(handle(), mode(), timeout()) -> ok | {error, reason()}.
set_mode(Fd, Mode, Timeout) -> fd_call(Fd, fun(H) -> {set_mode, H, Mode} end, Timeout).

%% @equiv controlling_process(Fd, Pid, default_timeout())
-spec controlling_process(handle(), pid()) -> ok | {error, reason()}.
controlling_process(Fd, Pid) -> controlling_process(Fd, Pid, default_timeout()).

%% @doc Moves control and ownership to `Pid' (caller must be the controlling
%% process, else `{error, not_owner}'), as `gen_tcp:controlling_process/2'
%% does: the messages of `Fd' already in the caller's mailbox (`{fdnode, Fd,
%% Data}', `{fdnode_udp, ...}', `{fdnode_closed, Fd}', `{fdnode_error, Fd,
%% Reason}', `{fdnode_passive, Fd}') move to `Pid', in order and before
%% anything delivered later, and the mode (with the count of `{active, N}')
%% stays what it was; other messages stay. So `set_mode(Fd, active)' then
%% `controlling_process(Fd, Pid)' loses nothing ({@link fdnode_handover}).
%% For a `Pid' on another BEAM node, that node's {@link fdnode_watcher}
%% adopts it first (started there if needed), so its death closes the
%% descriptor whatever happens to this node; `{error, no_watcher}' (control
%% does not move, nothing moves) when it cannot.
-spec controlling_process(handle(), pid(), timeout()) -> ok | {error, reason()}.
controlling_process(Fd, Pid, Timeout) when is_pid(Pid) ->
    case is_handle(Fd) of
        true -> fdnode_handover:controlling_process(Fd, Pid, Timeout);
        false -> {error, badarg}
    end;
controlling_process(_, _, _) ->
    {error, badarg}.

%% @equiv info(Fd, default_timeout())
-spec info(handle()) -> {ok, map()} | {error, reason()}.
info(Fd) -> info(Fd, default_timeout()).

%% @doc `{ok, #{fd, owner, controller, mode, state, offset}}'.
-spec info(handle(), timeout()) -> {ok, map()} | {error, reason()}.
info(Fd, Timeout) -> fd_call(Fd, fun(H) -> {info, H} end, Timeout).

%% @equiv stats(Node, default_timeout())
-spec stats(node()) -> {ok, map()} | {error, reason()}.
stats(Node) -> stats(Node, default_timeout()).

%% @doc The node's counters: `{ok, #{open_fds := N, ...}}', with the keys
%% docs/protocol.md lists (descriptors, bytes, uptime, heap, and the worker
%% pool's `busy_workers' and `queued_calls').
-spec stats(node(), timeout()) -> {ok, map()} | {error, reason()}.
stats(Node, Timeout) when is_atom(Node) -> call(Node, {stats}, Timeout);
stats(_, _) -> {error, badarg}.

%% @doc `{stats, Options}': as {@link stats/2}; with `[gc]' the Java node runs
%% a full garbage collection first, so `heap_used' (bytes) is what it retains.
-spec stats_with(node(), [gc], timeout()) -> {ok, map()} | {error, reason()}.
stats_with(Node, Options, Timeout) when is_atom(Node), is_list(Options) ->
    call(Node, {stats, Options}, Timeout);
stats_with(_, _, _) -> {error, badarg}.

%% @equiv copy(Src, Dst, Opts, default_timeout())
-spec copy(handle(), handle(), map()) -> {ok, non_neg_integer()} | {error, reason()}.
copy(Src, Dst, Opts) -> copy(Src, Dst, Opts, default_timeout()).

%% @doc Copies `Src' from its offset to end of input into `Dst' (both
%% handles of the same Java node; both offsets advance) and returns
%% `{ok, BytesCopied}'. Options (map): `chunk' (bytes per read/write, default
%% 65536, at most 8 MiB), `on_progress' (`fun(Done, Total)', called after
%% every chunk in the caller's process; `Total' is `undefined' for a pipe).
%% `Timeout' bounds the time without progress, not the whole copy.
-spec copy(handle(), handle(), map(), timeout()) -> {ok, non_neg_integer()} | {error, reason()}.
copy(Src, Dst, Opts, Timeout) when is_map(Opts) ->
    Chunk = maps:get(chunk, Opts, 65536),
    OnProgress = maps:get(on_progress, Opts, fun(_, _) -> ok end),
    case {is_handle(Src), is_handle(Dst), is_integer(Chunk), is_function(OnProgress, 2)} of
        {true, true, true, true} ->
            fdnode_call:call(element(2, Src), {copy, Src, Dst, Chunk}, Timeout, OnProgress);
        _ ->
            {error, badarg}
    end;
copy(_, _, _, _) ->
    {error, badarg}.

%% ================================================================ sockets

%% Calls that wait on the Java node for `Timeout' ms get this much more for the
%% answer, so their own `timeout' comes back rather than the call's.
-define(GRACE, 2000).

%% @equiv tcp_listen(Node, Port, Options, default_timeout())
-spec tcp_listen(node(), 0..65535, list()) -> {ok, handle()} | {error, reason()}.
tcp_listen(Node, Port, Options) -> tcp_listen(Node, Port, Options, default_timeout()).

%% @doc A listening TCP socket on `Node', owned by the caller. `Port' 0 picks
%% a free one (see {@link port/1}). Options: `{ip, Address}' (default any
%% address: `{0,0,0,0}', or `::' with `inet6'), `inet6', `{backlog, N}'
%% (default 128), `{reuseaddr, Bool}' (default true), and the socket options
%% of {@link setopts/2}. `Address' is an inet tuple, a string/binary literal or
%% name, `any' or `loopback'.
-spec tcp_listen(node(), 0..65535, list(), timeout()) -> {ok, handle()} | {error, reason()}.
tcp_listen(Node, Port, Options, Timeout) when is_atom(Node), is_integer(Port), is_list(Options) ->
    call(Node, {tcp_listen, Port, addresses(Options)}, Timeout);
tcp_listen(_, _, _, _) -> {error, badarg}.

%% @doc Waits up to `Timeout' ms for a connection on `Listener': `{ok, Socket}',
%% owned and controlled by the caller, or `{error, timeout}'. If the caller
%% has given up by the time a connection is accepted, it is closed again.
-spec accept(handle(), non_neg_integer()) -> {ok, handle()} | {error, reason()}.
accept(Listener, Timeout) when is_integer(Timeout), Timeout >= 0 ->
    fd_call(Listener, fun(H) -> {accept, H, Timeout} end, Timeout + ?GRACE);
accept(_, _) -> {error, badarg}.

%% @doc {@link tcp_connect/4} with socket options (`nodelay', `keepalive',
%% `sndbuf', `recbuf', `reuseaddr'), set once connected.
-spec tcp_connect(node(), unicode:chardata(), 1..65535, list(), non_neg_integer()) ->
          {ok, handle()} | {error, reason()}.
tcp_connect(Node, Host, Port, Options, Timeout)
  when is_atom(Node), is_integer(Port), is_list(Options), is_integer(Timeout), Timeout >= 0 ->
    case to_binary_path(Host) of
        {ok, H} -> call(Node, {tcp_connect, H, Port, Timeout, Options}, Timeout + ?GRACE);
        error -> {error, badarg}
    end;
tcp_connect(_, _, _, _, _) -> {error, badarg}.

%% @equiv send(Fd, Data, default_timeout())
-spec send(handle(), iodata()) -> ok | {error, reason()}.
send(Fd, Data) -> send(Fd, Data, default_timeout()).

%% @doc Sends all of `Data' on a connected socket (send(2) with MSG_NOSIGNAL,
%% partial sends continued). A peer that has gone is `{error, closed}'. With
%% `{packet, 1 | 2 | 4}' the length header goes first, as with `gen_tcp:send/2'.
-spec send(handle(), iodata(), timeout()) -> ok | {error, reason()}.
send(Fd, Data, Timeout) ->
    case to_binary(Data) of
        {ok, Bin} -> fd_call(Fd, fun(H) -> {send, H, Bin} end, Timeout);
        error -> {error, badarg}
    end.

%% @doc Passive receive: waits up to `Timeout' ms for input, then returns up
%% to `Len' bytes (0: whatever is there, up to 64 KiB). `{ok, Bin}', `eof', or
%% `{error, timeout}'. Works on sockets, pipes and FIFOs in passive mode.
%% With a packet option, one whole packet within `Timeout' (`Len' must be 0):
%% what came of a packet before a timeout is kept for the next receive, a
%% length header over `packet_size' is `{error, emsgsize}' (see {@link setopts/3}).
-spec recv(handle(), non_neg_integer(), non_neg_integer()) -> {ok, binary()} | eof | {error, reason()}.
recv(Fd, Len, Timeout) when is_integer(Len), is_integer(Timeout), Timeout >= 0 ->
    fd_call(Fd, fun(H) -> {recv, H, Len, Timeout} end, Timeout + ?GRACE);
recv(_, _, _) -> {error, badarg}.

%% @equiv udp_open(Node, Port, Options, default_timeout())
-spec udp_open(node(), 0..65535, list()) -> {ok, handle()} | {error, reason()}.
udp_open(Node, Port, Options) -> udp_open(Node, Port, Options, default_timeout()).

%% @doc A UDP socket bound to `Port' (0: any) on `Node', owned by the caller.
%% Options: `{ip, Address}', `inet6', `{reuseaddr, Bool}' (default false),
%% `sndbuf', `recbuf'. In an active mode the controlling process receives
%% `{fdnode_udp, Fd, Ip, Port, Data}'.
-spec udp_open(node(), 0..65535, list(), timeout()) -> {ok, handle()} | {error, reason()}.
udp_open(Node, Port, Options, Timeout) when is_atom(Node), is_integer(Port), is_list(Options) ->
    call(Node, {udp_open, Port, addresses(Options)}, Timeout);
udp_open(_, _, _, _) -> {error, badarg}.

%% @equiv send_to(Fd, Address, Port, Data, default_timeout())
-spec send_to(handle(), term(), 1..65535, iodata()) -> ok | {error, reason()}.
send_to(Fd, Address, Port, Data) -> send_to(Fd, Address, Port, Data, default_timeout()).

%% @doc Sends one datagram to `Address' (inet tuple, string or binary) and `Port'.
-spec send_to(handle(), term(), 1..65535, iodata(), timeout()) -> ok | {error, reason()}.
send_to(Fd, Address, Port, Data, Timeout) when is_integer(Port) ->
    case {to_binary(Data), address(Address)} of
        {{ok, Bin}, {ok, A}} -> fd_call(Fd, fun(H) -> {send_to, H, A, Port, Bin} end, Timeout);
        _ -> {error, badarg}
    end;
send_to(_, _, _, _, _) -> {error, badarg}.

%% @doc Waits up to `Timeout' ms for one datagram (passive mode):
%% `{ok, {Ip, Port, Data}}' with the sender's inet tuple (IPv4 or IPv6).
-spec recv_from(handle(), non_neg_integer()) ->
          {ok, {inet:ip_address(), inet:port_number(), binary()}} | {error, reason()}.
recv_from(Fd, Timeout) when is_integer(Timeout), Timeout >= 0 ->
    fd_call(Fd, fun(H) -> {recv_from, H, Timeout} end, Timeout + ?GRACE);
recv_from(_, _) -> {error, badarg}.

%% @equiv setopts(Fd, Options, default_timeout())
-spec setopts(handle(), list()) -> ok | {error, reason()}.
setopts(Fd, Options) -> setopts(Fd, Options, default_timeout()).

%% @doc Sets socket options: `{nodelay, Bool}', `{keepalive, Bool}',
%% `{reuseaddr, Bool}', `{sndbuf, N}', `{recbuf, N}', `{active, true | false | once}'
%% (as {@link set_mode/2}: controlling process only).
%%
%% Packet options, as `inet:setopts/2' has them, for pipes, FIFOs,
%% character devices and TCP sockets (a listener passes them to the sockets
%% it accepts; a file, directory or UDP socket is `einval'):
%% `{packet, raw | 0 | 1 | 2 | 4 | line}' and `{packet_size, N}' (N >= 0,
%% 0: no limit). Every `{fdnode, Fd, Data}' message and every `read'/`recv'
%% is then one packet: with 1, 2 or 4 its body without the big-endian
%% length header; with `line' one line with its `\n', a line longer than
%% `packet_size' (64 KiB when 0) coming in pieces of that size. A header
%% stating more than `packet_size' (64 MiB when 0) is `{error, emsgsize}'
%% for a read, `{fdnode_error, Fd, emsgsize}' in an active mode; the bytes
%% stay (set `{packet, raw}' to read them). Input that ends mid-packet drops
%% the partial packet (`eof' / `{fdnode_closed, Fd}'). Bytes read ahead of a
%% packet boundary belong to the descriptor: nothing is lost or split by a
%% mode switch or `controlling_process'.
%%
%% ```
%% ok = fdnode_ffi:setopts(Fd, [{packet, line}, {packet_size, 1024}]),
%% {ok, <<"first line\n">>} = fdnode_ffi:recv(Fd, 0, 5000).
%% '''
-spec setopts(handle(), list(), timeout()) -> ok | {error, reason()}.
setopts(Fd, Options, Timeout) when is_list(Options) ->
    fd_call(Fd, fun(H) -> {setopts, H, Options} end, Timeout);
setopts(_, _, _) -> {error, badarg}.

%% @equiv getopts(Fd, Names, default_timeout())
-spec getopts(handle(), [atom()]) -> {ok, list()} | {error, reason()}.
getopts(Fd, Names) -> getopts(Fd, Names, default_timeout()).

%% @doc `{ok, [{Name, Value}]}' for the names of {@link setopts/3}
%% (`packet' is `raw', `line' or 1, 2, 4; `packet_size' an integer).
-spec getopts(handle(), [atom()], timeout()) -> {ok, list()} | {error, reason()}.
getopts(Fd, Names, Timeout) when is_list(Names) ->
    fd_call(Fd, fun(H) -> {getopts, H, Names} end, Timeout);
getopts(_, _, _) -> {error, badarg}.

%% @equiv peername(Fd, default_timeout())
-spec peername(handle()) ->
          {ok, {inet:ip_address(), inet:port_number()}} | {error, reason()}.
peername(Fd) -> peername(Fd, default_timeout()).

%% @doc `{ok, {Ip, Port}}' of the connected peer.
-spec peername(handle(), timeout()) ->
          {ok, {inet:ip_address(), inet:port_number()}} | {error, reason()}.
peername(Fd, Timeout) -> fd_call(Fd, fun(H) -> {peername, H} end, Timeout).

%% @equiv sockname(Fd, default_timeout())
-spec sockname(handle()) ->
          {ok, {inet:ip_address(), inet:port_number()}} | {error, reason()}.
sockname(Fd) -> sockname(Fd, default_timeout()).

%% @doc `{ok, {Ip, Port}}' the socket is bound to.
-spec sockname(handle(), timeout()) ->
          {ok, {inet:ip_address(), inet:port_number()}} | {error, reason()}.
sockname(Fd, Timeout) -> fd_call(Fd, fun(H) -> {sockname, H} end, Timeout).

%% @equiv port(Fd, default_timeout())
-spec port(handle()) -> {ok, inet:port_number()} | {error, reason()}.
port(Fd) -> port(Fd, default_timeout()).

%% @doc `{ok, LocalPort}'.
-spec port(handle(), timeout()) -> {ok, inet:port_number()} | {error, reason()}.
port(Fd, Timeout) ->
    case sockname(Fd, Timeout) of
        {ok, {_, Port}} -> {ok, Port};
        Other -> Other
    end.

addresses(Options) ->
    [case O of
         {ip, A} -> case address(A) of
                        {ok, B} -> {ip, B};
                        error -> O
                    end;
         _ -> O
     end || O <- Options].

address(A) when is_tuple(A); is_atom(A) -> {ok, A};
address(A) -> case to_binary_path(A) of
                  {ok, B} -> {ok, B};
                  error -> error
              end.

%% ================================================================ files

-type file_info() :: #{size := non_neg_integer(),
                       type := regular | directory | symlink | device | other,
                       mode := non_neg_integer(), mtime := integer()}.

%% @doc `{ok, #{size, type, mode, mtime}}' of an open descriptor (fstat).
-spec file_info(handle()) -> {ok, file_info()} | {error, reason()}.
file_info(Fd) -> file_info(Fd, default_timeout()).

%% @doc `file_info(Fd, Timeout)': fstat of a descriptor, or
%% `file_info(Node, Path)': {@link file_info/3} with the default timeout.
-spec file_info(handle(), timeout()) -> {ok, file_info()} | {error, reason()};
               (node(), unicode:chardata()) -> {ok, file_info()} | {error, reason()}.
file_info(Node, Path) when is_atom(Node) -> file_info(Node, Path, default_timeout());
file_info(Fd, Timeout) -> fd_call(Fd, fun(H) -> {file_info, H} end, Timeout).

%% @doc `{ok, #{size, type, mode, mtime}}' of `Path' under the node's roots
%% (lstat: a symlink is `symlink'). `type' is `regular', `directory',
%% `symlink', `device' or `other'; `mode' the permission bits; `mtime' POSIX
%% seconds.
-spec file_info(node(), unicode:chardata(), timeout()) -> {ok, file_info()} | {error, reason()}.
file_info(Node, Path, Timeout) -> path_call(Node, file_info, Path, Timeout).

-spec list_dir(node(), unicode:chardata()) -> {ok, [binary()]} | {error, reason()}.
list_dir(Node, Path) -> list_dir(Node, Path, default_timeout()).

%% @doc `{ok, [Name :: binary()]}', sorted, without `.' and `..'.
-spec list_dir(node(), unicode:chardata(), timeout()) -> {ok, [binary()]} | {error, reason()}.
list_dir(Node, Path, Timeout) -> path_call(Node, list_dir, Path, Timeout).

-spec make_dir(node(), unicode:chardata()) -> ok | {error, reason()}.
make_dir(Node, Path) -> make_dir(Node, Path, default_timeout()).

%% @doc mkdir with mode 8#755 (less the umask).
-spec make_dir(node(), unicode:chardata(), timeout()) -> ok | {error, reason()}.
make_dir(Node, Path, Timeout) -> path_call(Node, make_dir, Path, Timeout).

-spec delete_file(node(), unicode:chardata()) -> ok | {error, reason()}.
delete_file(Node, Path) -> delete_file(Node, Path, default_timeout()).

%% @doc unlink: a directory is `eisdir'; a symlink is removed, not its target.
-spec delete_file(node(), unicode:chardata(), timeout()) -> ok | {error, reason()}.
delete_file(Node, Path, Timeout) -> path_call(Node, delete_file, Path, Timeout).

-spec delete_dir(node(), unicode:chardata()) -> ok | {error, reason()}.
delete_dir(Node, Path) -> delete_dir(Node, Path, default_timeout()).

%% @doc rmdir: the directory must be empty.
-spec delete_dir(node(), unicode:chardata(), timeout()) -> ok | {error, reason()}.
delete_dir(Node, Path, Timeout) -> path_call(Node, delete_dir, Path, Timeout).

-spec rename(node(), unicode:chardata(), unicode:chardata()) -> ok | {error, reason()}.
rename(Node, From, To) -> rename(Node, From, To, default_timeout()).

%% @doc rename(2), both paths under the node's roots.
-spec rename(node(), unicode:chardata(), unicode:chardata(), timeout()) -> ok | {error, reason()}.
rename(Node, From, To, Timeout) when is_atom(Node) ->
    case {to_binary_path(From), to_binary_path(To)} of
        {{ok, F}, {ok, T}} -> call(Node, {rename, F, T}, Timeout);
        _ -> {error, badarg}
    end;
rename(_, _, _, _) -> {error, badarg}.

path_call(Node, Op, Path, Timeout) when is_atom(Node) ->
    case to_binary_path(Path) of
        {ok, Bin} -> call(Node, {Op, Bin}, Timeout);
        error -> {error, badarg}
    end;
path_call(_, _, _, _) -> {error, badarg}.

%% ================================================================ building blocks

%% @doc True for a term of handle shape `{fdnode_fd, Node, Id, Token}'.
-spec is_handle(term()) -> boolean().
is_handle({fdnode_fd, Node, Id, Token}) ->
    is_atom(Node) andalso is_integer(Id) andalso Id > 0
        andalso is_integer(Token) andalso Token >= 0;
is_handle(_) ->
    false.

%% @doc The Java node a handle belongs to.
-spec handle_node(handle()) -> {ok, node()} | {error, badarg}.
handle_node(Fd) ->
    case is_handle(Fd) of
        true -> {ok, element(2, Fd)};
        false -> {error, badarg}
    end.

%% @doc Application env `fdnode'/`default_timeout', else 5000 ms.
-spec default_timeout() -> timeout().
default_timeout() ->
    case application:get_env(fdnode, default_timeout) of
        {ok, T} when is_integer(T), T >= 0; T =:= infinity -> T;
        _ -> 5000
    end.

fd_call(Fd, Build, Timeout) ->
    case is_handle(Fd) of
        true -> call(element(2, Fd), Build(Fd), Timeout);
        false -> {error, badarg}
    end.

to_binary(Data) ->
    try iolist_to_binary(Data) of
        Bin -> {ok, Bin}
    catch
        error:_ -> error
    end.

%% The data of each piece as one binary; offsets are the Java node's to check.
pieces([{Offset, Data} | Rest], Acc) ->
    case to_binary(Data) of
        {ok, Bin} -> pieces(Rest, [{Offset, Bin} | Acc]);
        error -> error
    end;
pieces([], Acc) -> {ok, lists:reverse(Acc)};
pieces(_, _) -> error.

to_binary_path(Path) ->
    try unicode:characters_to_binary(Path) of
        Bin when is_binary(Bin) -> {ok, Bin};
        _ -> error
    catch
        error:_ -> error
    end.

%% @equiv call(Node, Request, default_timeout())
-spec call(node(), tuple() | atom()) -> term().
call(Node, Request) -> call(Node, Request, default_timeout()).

%% @doc Sends one raw protocol request (docs/protocol.md) for the calling
%% process: the Java node's raw answer, `{error, timeout}' or
%% `{error, nodedown}'. See {@link fdnode_call:call/4}.
-spec call(node(), tuple() | atom(), timeout()) -> term().
call(Node, Request, Timeout) -> fdnode_call:call(Node, Request, Timeout).
