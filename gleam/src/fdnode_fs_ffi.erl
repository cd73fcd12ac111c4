%% @doc Adapter of the Gleam module `fdnode/fs' over {@link fdnode_ffi}.
-module(fdnode_fs_ffi).

-export([file_info/3, fd_file_info/2, list_dir/3, make_dir/3, delete_file/3, delete_dir/3,
         rename/4]).

-import(fdnode_gleam_ffi, [value/1]).

%% FileInfo(size, kind, mode, mtime); kind: regular | directory | symlink | device | other
file_info(Node, Path, Timeout) -> info(fdnode_ffi:file_info(Node, Path, Timeout)).

fd_file_info(Fd, Timeout) -> info(fdnode_ffi:file_info(Fd, Timeout)).

info({ok, #{size := S, type := T, mode := M, mtime := Mt}}) -> {ok, {file_info, S, T, M, Mt}};
info(Other) -> value(Other).

list_dir(Node, Path, Timeout) -> value(fdnode_ffi:list_dir(Node, Path, Timeout)).

make_dir(Node, Path, Timeout) -> value(fdnode_ffi:make_dir(Node, Path, Timeout)).

delete_file(Node, Path, Timeout) -> value(fdnode_ffi:delete_file(Node, Path, Timeout)).

delete_dir(Node, Path, Timeout) -> value(fdnode_ffi:delete_dir(Node, Path, Timeout)).

rename(Node, From, To, Timeout) -> value(fdnode_ffi:rename(Node, From, To, Timeout)).
