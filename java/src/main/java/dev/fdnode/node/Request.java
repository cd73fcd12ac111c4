package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangPid;
import dev.fdnode.core.Handle;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.ReceiveMode;

/** One decoded request, the last element of a {@code '$fdnode_call'}. See docs/protocol.md. */
public sealed interface Request {

  record Ping() implements Request {}

  /** {@code path} is the caller's path, not yet checked against {@link PathPolicy}. */
  record Open(String path, OpenOptions options) implements Request {}

  record Pipe() implements Request {}

  /** {@code {tcp_connect, Host, Port, TimeoutMs}}: a connected TCP socket, owned by the caller. */
  record TcpConnect(String host, int port, long timeoutMs) implements Request {}

  record Close(Handle handle) implements Request {}

  record CloseAsync(Handle handle) implements Request {}

  record Read(Handle handle, int size) implements Request {}

  record Write(Handle handle, byte[] data) implements Request {}

  record Pread(Handle handle, long offset, int size) implements Request {}

  record Pwrite(Handle handle, long offset, byte[] data) implements Request {}

  /** {@code whence} is one of the SEEK_* values below. */
  record Position(Handle handle, long offset, int whence) implements Request {}

  record Sync(Handle handle) implements Request {}

  record SetMode(Handle handle, ReceiveMode mode) implements Request {}

  record ControllingProcess(Handle handle, OtpErlangPid newController) implements Request {}

  record Info(Handle handle) implements Request {}

  /** {@code gc}: run a full GC first, so {@code heap_used} is what is retained. */
  record Stats(boolean gc) implements Request {
    public Stats() {
      this(false);
    }
  }

  record Shutdown() implements Request {}

  /**
   * Copies {@code src} (from its offset to end of input) to {@code dst} in chunks of {@code chunk}
   * bytes.
   */
  record Copy(Handle src, Handle dst, int chunk) implements Request {}

  // ---- sockets and files (see docs/protocol.md "Sockets" and "Files"); the Dispatcher hands these
  // to NetFileCalls

  /** Requests served by {@link NetFileCalls}. */
  sealed interface NetFile extends Request {}

  /** A TCP/UDP socket's bind and option settings; null / -1 where not given. */
  record SocketOptions(
      String ip,
      boolean inet6,
      int backlog,
      Boolean reuseaddr,
      Boolean nodelay,
      Boolean keepalive,
      int sndbuf,
      int recbuf) {
    public static final SocketOptions NONE =
        new SocketOptions(null, false, -1, null, null, null, -1, -1);
  }

  /**
   * {@code {tcp_connect, Host, Port, TimeoutMs, Options}}: as TcpConnect, then the options are set.
   */
  record TcpConnectWith(String host, int port, long timeoutMs, SocketOptions options)
      implements NetFile {}

  record TcpListen(int port, SocketOptions options) implements NetFile {}

  record Accept(Handle listener, long timeoutMs) implements NetFile {}

  record Send(Handle handle, byte[] data) implements NetFile {}

  record Recv(Handle handle, int size, long timeoutMs) implements NetFile {}

  record UdpOpen(int port, SocketOptions options) implements NetFile {}

  record SendTo(Handle handle, String host, int port, byte[] data) implements NetFile {}

  record RecvFrom(Handle handle, long timeoutMs) implements NetFile {}

  /** {@code active} is null when not set; the rest as in SocketOptions. */
  record SetOpts(Handle handle, SocketOptions options, ReceiveMode active) implements NetFile {}

  record GetOpts(Handle handle, java.util.List<String> names) implements NetFile {}

  record Peername(Handle handle) implements NetFile {}

  record Sockname(Handle handle) implements NetFile {}

  /** Exactly one of {@code path} and {@code handle} is non-null. */
  record FileInfo(String path, Handle handle) implements NetFile {}

  record ListDir(String path) implements NetFile {}

  record MakeDir(String path) implements NetFile {}

  record DeleteFile(String path) implements NetFile {}

  record DeleteDir(String path) implements NetFile {}

  record Rename(String from, String to) implements NetFile {}

  int SEEK_SET = 0;
  int SEEK_CUR = 1;
  int SEEK_END = 2;
}
