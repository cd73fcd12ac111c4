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
 * Outgoing connections (to epmd, to peers for replies) are JInterface's plain sockets. With an
 * {@link IntakeGate}, every distribution connection's reads wait at it.
 */
public final class BoundTransportFactory extends OtpSocketTransportFactory {
  private final InetAddress listen;
  private final IntakeGate gate; // null: no gate

  public BoundTransportFactory(InetAddress listen) {
    this(listen, null);
  }

  BoundTransportFactory(InetAddress listen, IntakeGate gate) {
    this.listen = listen;
    this.gate = gate;
  }

  @Override
  public OtpTransport createTransport(String host, int port) throws IOException {
    return gate == null ? super.createTransport(host, port) : new GatedTransport(host, port, gate);
  }

  @Override
  public OtpTransport createTransport(InetAddress addr, int port) throws IOException {
    return createTransport(addr.getHostAddress(), port);
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
    return new Server(s, gate);
  }

  private static final class Server implements OtpServerTransport {
    private final ServerSocket socket;
    private final IntakeGate gate;

    Server(ServerSocket socket, IntakeGate gate) {
      this.socket = socket;
      this.gate = gate;
    }

    @Override
    public int getLocalPort() {
      return socket.getLocalPort();
    }

    @Override
    public OtpTransport accept() throws IOException {
      Socket s = socket.accept();
      s.setTcpNoDelay(true);
      return gate == null ? new OtpSocketTransport(s) : new GatedTransport(s, gate);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
