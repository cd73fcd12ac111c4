package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpServerTransport;
import com.ericsson.otp.erlang.OtpSocketTransport;
import com.ericsson.otp.erlang.OtpSocketTransportFactory;
import com.ericsson.otp.erlang.OtpTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * JInterface's transport factory with the distribution listen socket bound to one address ({@code
 * 127.0.0.1} by default) instead of every interface, which is what {@code OtpNode} does on its own.
 * Outgoing connections (to epmd, to peers for replies) are JInterface's plain sockets.
 */
public final class BoundTransportFactory extends OtpSocketTransportFactory {
  private final InetAddress listen;

  public BoundTransportFactory(InetAddress listen) {
    this.listen = listen;
  }

  public InetAddress listenAddress() {
    return listen;
  }

  @Override
  public OtpServerTransport createServerTransport(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    try {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(listen, port), 50);
    } catch (IOException e) {
      s.close();
      throw new IOException(
          "cannot listen on " + listen.getHostAddress() + ":" + port + ": " + e.getMessage(), e);
    }
    return new Server(s);
  }

  private static final class Server implements OtpServerTransport {
    private final ServerSocket socket;

    Server(ServerSocket socket) {
      this.socket = socket;
    }

    @Override
    public int getLocalPort() {
      return socket.getLocalPort();
    }

    @Override
    public OtpTransport accept() throws IOException {
      Socket s = socket.accept();
      s.setTcpNoDelay(true);
      return new OtpSocketTransport(s);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
