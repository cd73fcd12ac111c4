package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jnr.constants.platform.OpenFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The libc calls JNR-POSIX lacks ({@link Native}), on a real pipe. */
@ExtendWith(FdLeakCheck.class)
class NativeTest {
  private static final int F_GETFL = 3;
  private static final int O_NONBLOCK = OpenFlags.O_NONBLOCK.intValue();

  private final Posix posix = new Posix();
  private int[] pipe;

  @BeforeEach
  void open() throws Exception {
    pipe = posix.pipe();
  }

  @AfterEach
  void close() {
    Native.closeQuietly(pipe[0]);
    Native.closeQuietly(pipe[1]);
  }

  private static int flags(int fd) {
    return Native.LIBC.fcntl(fd, F_GETFL, 0);
  }

  @Test
  void setBlockingSetsAndClearsOnlyNonBlock() throws Exception {
    int before = flags(pipe[0]);
    assertEquals(0, before & O_NONBLOCK, "a new pipe blocks");
    Native.setBlocking(pipe[0], false);
    assertEquals(before | O_NONBLOCK, flags(pipe[0]));
    Native.setBlocking(pipe[0], false); // already so: unchanged
    assertEquals(before | O_NONBLOCK, flags(pipe[0]));
    Native.setBlocking(pipe[0], true);
    assertEquals(before, flags(pipe[0]));
    Native.setBlocking(pipe[0], true);
    assertEquals(before, flags(pipe[0]));
    assertEquals(0, flags(pipe[1]) & O_NONBLOCK, "the other end is untouched");
  }

  @Test
  void setBlockingOnAClosedDescriptorIsEbadf() throws Exception {
    int[] other = posix.pipe();
    int fd = other[0];
    posix.close(other[1]);
    posix.close(fd);
    FdException e = assertThrows(FdException.class, () -> Native.setBlocking(fd, false));
    assertEquals("ebadf", e.reason());
  }

  @Test
  void closeQuietlyClosesAndIgnoresNoDescriptor() throws Exception {
    int[] other = posix.pipe();
    Native.closeQuietly(other[0]);
    Native.closeQuietly(other[1]);
    assertEquals(-1, flags(other[0]), "closed");
    assertEquals(-1, flags(other[1]), "closed");
    Native.closeQuietly(-1); // nothing to close, nothing thrown
    assertTrue(flags(pipe[0]) >= 0, "others stay open");
  }

  @Test
  void pollSaysWhetherInputIsWaiting() throws Exception {
    assertFalse(Native.poll(pipe[0], Native.POLLIN, 0), "empty pipe");
    assertTrue(Native.poll(pipe[1], Native.POLLOUT, 0), "room to write");
    posix.write(pipe[1], new byte[] {1}, 0, 1);
    assertTrue(Native.poll(pipe[0], Native.POLLIN, 0), "a byte waits");
    assertFalse(Native.poll(pipe[1], Native.POLLIN, 0), "nothing to read on the write end");
  }
}
