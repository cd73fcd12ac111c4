package dev.fdnode.distribution;

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
 * buffers a frame in costs at most one read, and the replies to a burst of frames leave in one
 * write.
 *
 * <p>Flush rule: bytes leave the buffer when JInterface calls {@code flush()}, which it does once a
 * whole frame has been written (the end of {@code AbstractConnection.do_send}, the tick answer, and
 * every handshake packet via {@code OtpOutputStream.writeToAndFlush}), and when a write does not
 * fit in the buffer. One exception: the thread that reads this connection, while frames it has
 * already received wait in the input buffer, leaves its flush for later. It handles those frames
 * without blocking (calls that can block go to other threads) and flushes before it waits for more
 * input, so a reply waits at most for the requests that came with it. Nothing is left waiting for
 * later traffic; {@code BufferedTransportTest} holds JInterface to that.
 */
final class BufferedTransport implements OtpTransport {
  /** Larger than a typical reply, small beside the 256 KiB active chunks, which bypass it. */
  static final int BUFFER = 64 * 1024;

  /**
   * How long the reader spins for input, when it spins at all, before it blocks ({@code
   * beforeRead}).
   */
  private static final long SPIN_NANOS = 50_000;

  private final Socket socket;
  private final Input in;
  private final Output out;

  /** The thread that last read from this connection: its reader, once the handshake is over. */
  private volatile Thread reader;

  BufferedTransport(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new Input(socket.getInputStream());
    this.out = new Output(socket.getOutputStream());
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

  private final class Input extends BufferedInputStream {
    private final SpinOrBlock waits = new SpinOrBlock(); // the reader's alone

    Input(InputStream socket) {
      super(socket, BUFFER);
    }

    @Override
    public synchronized int read() throws IOException {
      long waitStart = beforeRead();
      int b = super.read();
      afterRead(waitStart);
      return b;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
      long waitStart = beforeRead();
      int n = super.read(b, off, len);
      afterRead(waitStart);
      return n;
    }

    /**
     * Before a read that may wait for the peer, what this thread held back goes out. Then, if
     * {@link SpinOrBlock} finds it quicker, it spins a little while the socket is empty. Returns
     * when the wait began, or -1 when frames are buffered and there is no wait.
     */
    private long beforeRead() throws IOException {
      reader = Thread.currentThread();
      if (count - pos > 0) {
        return -1;
      }
      out.flushNow();
      long start = System.nanoTime();
      if (waits.spinNext()) {
        long until = start + SPIN_NANOS;
        while (in.available() == 0 && System.nanoTime() - until < 0) {
          Thread.onSpinWait();
        }
      }
      return start;
    }

    private void afterRead(long waitStart) {
      if (waitStart >= 0) {
        waits.waited(System.nanoTime() - waitStart);
      }
    }

    /** Frames received and not yet taken: their reader has more to do before it waits. */
    boolean hasBuffered() {
      return count - pos > 0; // racy read by the reader thread itself: its own writes
    }
  }

  private final class Output extends BufferedOutputStream {
    Output(OutputStream socket) {
      super(socket, BUFFER);
    }

    @Override
    public synchronized void flush() throws IOException {
      if (Thread.currentThread() == reader && in.hasBuffered()) return; // flushed before it waits
      super.flush();
    }

    synchronized void flushNow() throws IOException {
      super.flush();
    }
  }
}
