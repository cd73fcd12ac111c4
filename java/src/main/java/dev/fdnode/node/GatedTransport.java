package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpSocketTransport;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;

/** JInterface's socket transport whose reads wait at the node's {@link IntakeGate}. */
final class GatedTransport extends OtpSocketTransport {
  private final IntakeGate gate;
  private InputStream in; // guarded by this

  GatedTransport(Socket socket, IntakeGate gate) {
    super(socket);
    this.gate = gate;
  }

  GatedTransport(String host, int port, IntakeGate gate) throws IOException {
    super(host, port);
    this.gate = gate;
  }

  @Override
  public synchronized InputStream getInputStream() throws IOException {
    if (in == null) {
      in =
          new FilterInputStream(super.getInputStream()) {
            @Override
            public int read() throws IOException {
              gate.awaitRoom();
              return super.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
              gate.awaitRoom();
              return super.read(b, off, len);
            }
          };
    }
    return in;
  }
}
