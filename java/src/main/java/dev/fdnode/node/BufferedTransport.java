package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpTransport;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * A distribution socket with buffered streams: JInterface reads a frame as a 4-byte length and then
 * the body, and writes a message as a header and a payload, each a syscall on a bare socket. With
 * buffers a frame in costs one read and a message out one write.
 *
 * <p>Flush rule: bytes leave the buffer when JInterface calls {@code flush()}, which it does once a
 * whole frame has been written (the end of {@code AbstractConnection.do_send}, the tick answer, and
 * every handshake packet via {@code OtpOutputStream.writeToAndFlush}), and when a write does not
 * fit in the buffer. Nothing JInterface sends is left waiting for later traffic; {@code
 * BufferedTransportTest} holds JInterface to that.
 */
final class BufferedTransport implements OtpTransport {
  /** Larger than a typical reply, small beside the 256 KiB active chunks, which bypass it. */
  static final int BUFFER = 64 * 1024;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  BufferedTransport(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream(), BUFFER);
    this.out = new BufferedOutputStream(socket.getOutputStream(), BUFFER);
  }

  @Override
  public InputStream getInputStream() {
    return in;
  }

  @Override
  public OutputStream getOutputStream() {
    return out;
  }

  /** Closes the socket; every whole frame was flushed when it was written. */
  @Override
  public void close() throws IOException {
    socket.close();
  }
}
