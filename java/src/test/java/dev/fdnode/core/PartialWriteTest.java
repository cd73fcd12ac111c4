package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A write the kernel takes only in parts must still deliver every byte once, in order. A socket
 * with a tiny send buffer and a send timeout gives real partial writes: send(2) returns what it
 * managed when the timeout ends its wait for room, and the reader here drains slowly. Whether a
 * given send is cut short depends on timing; the bytes that arrive never may.
 */
@ExtendWith(FdLeakCheck.class)
class PartialWriteTest {
  static final Pid A = new Pid("a@host", 1, 0, 1);

  /** The socket calls this test needs (JNR-POSIX has no setsockopt). */
  public interface SocketLib {
    int socketpair(int domain, int type, int protocol, @Out int[] sv);

    int setsockopt(int fd, int level, int name, @In byte[] value, int len);
  }

  static final SocketLib LIB = LibraryLoader.create(SocketLib.class).load("c");
  static final int AF_UNIX = 1;
  static final int SOCK_STREAM = 1;
  static final int SOL_SOCKET = 1;
  static final int SO_SNDBUF = 7;
  static final int SO_SNDTIMEO = 21;

  Descriptors d;

  @BeforeEach
  void setUp() {
    d = new Descriptors(new Posix(), 8, 4, 1, Duration.ofSeconds(2));
  }

  @AfterEach
  void tearDown() {
    d.close();
  }

  @Test
  void aWriteTakenInPartsArrivesWholeAndInOrder() throws Exception {
    int[] sv = new int[2];
    assertEquals(0, LIB.socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    FdInner w = d.openWith(() -> sv[0], A).inner();
    FdInner r = d.openWith(() -> sv[1], A).inner();
    assertEquals(FileType.SOCKET, w.type());
    assertEquals(0, LIB.setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, intValue(4096), 4));
    assertEquals(0, LIB.setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, timeval(0, 2_000), 16));

    byte[] data = new byte[256 << 10];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 7 + (i >> 12));
    }
    CompletableFuture<byte[]> got =
        CompletableFuture.supplyAsync(
            () -> {
              ByteArrayOutputStream out = new ByteArrayOutputStream();
              try {
                while (out.size() < data.length) {
                  // A slow consumer (not synchronisation): the writer's send keeps
                  // running out of room and time, so it returns a part.
                  Thread.sleep(10);
                  out.write(d.read(r, 8192));
                }
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
              return out.toByteArray();
            });
    d.write(w, data);
    assertArrayEquals(data, got.get(30, TimeUnit.SECONDS));
    assertEquals(data.length, d.stats().bytesWritten(), "each byte counted once");
  }

  private static byte[] intValue(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
  }

  private static byte[] timeval(long sec, long usec) {
    return ByteBuffer.allocate(16)
        .order(ByteOrder.nativeOrder())
        .putLong(sec)
        .putLong(usec)
        .array();
  }
}
