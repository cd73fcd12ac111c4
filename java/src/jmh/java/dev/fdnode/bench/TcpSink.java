package dev.fdnode.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A TCP receiver for the copy benchmarks: takes one connection at a time on loopback, reads it to
 * end of input into one direct buffer (the bytes never reach the heap) and prints {@code got N} on
 * stdout. Its reads are as cheap as reads get, so the sender is what a run measures.
 *
 * <p>Usage: {@code java -cp fdnode.jar dev.fdnode.bench.TcpSink}; prints {@code sink ready PORT},
 * exits when stdin closes.
 */
public final class TcpSink {
  private TcpSink() {}

  public static void main(String[] args) throws IOException {
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      System.out.println("sink ready " + server.socket().getLocalPort());
      System.out.flush();
      ExitOnStdinEof.start();
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
      while (true) {
        try (SocketChannel c = server.accept()) {
          long got = 0;
          int n;
          while ((n = c.read(buf.clear())) >= 0) {
            got += n;
          }
          System.out.println("got " + got);
          System.out.flush();
        }
      }
    }
  }
}
