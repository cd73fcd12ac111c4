package dev.fdnode.distribution;

import com.ericsson.otp.erlang.OtpServerTransport;
import com.ericsson.otp.erlang.OtpTransport;
import com.ericsson.otp.erlang.OtpTransportFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * JInterface's transport factory with the distribution listen socket bound to one address ({@code
 * 127.0.0.1} by default) instead of every interface, which is what {@code OtpNode} does on its own.
 * Every connection, accepted or outgoing (to epmd, to peers for replies), is a {@link
 * BufferedTransport}.
 */
public final class BoundTransportFactory implements OtpTransportFactory {
  private final InetAddress listen;

  public BoundTransportFactory(InetAddress listen) {
    this.listen = listen;
  }

  public InetAddress listenAddress() {
    return listen;
  }

  @Override
  public OtpTransport createTransport(String host, int port) throws IOException {
    // null is loopback, as for new Socket(host, port): JInterface reaches epmd that way.
    return connect(new InetSocketAddress(InetAddress.getByName(host), port));
  }

  @Override
  public OtpTransport createTransport(InetAddress addr, int port) throws IOException {
    return connect(new InetSocketAddress(addr, port));
  }

  private OtpTransport connect(InetSocketAddress to) throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(to);
      return new BufferedTransport(s);
    } catch (IOException e) {
      s.close();
      throw e;
    }
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
      try {
        s.setTcpNoDelay(true);
        return new BufferedTransport(s);
      } catch (IOException e) {
        s.close();
        throw e;
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
