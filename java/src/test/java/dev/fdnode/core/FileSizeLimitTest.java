package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.RLimit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes to a regular file that the kernel takes only in part: under a file size limit
 * (RLIMIT_FSIZE) a write crossing it is cut at the limit, and the next one fails with EFBIG (the
 * JVM ignores the SIGXFSZ that comes with it). The continuation after the partial write must start
 * right after the bytes taken, with the rest of the data, and the offset must count what landed.
 */
@ExtendWith(FdLeakCheck.class)
class FileSizeLimitTest {
  private static final Pid A = new Pid("a@host", 1, 0, 1);
  private static final POSIX POSIX = POSIXFactory.getNativePOSIX();
  private static final int RLIMIT_FSIZE = 1;
  private static final int LIMIT = 1000;

  @TempDir Path dir;
  private Descriptors d;

  @BeforeEach
  void setUp() {
    d = new Descriptors(new Posix(), 8, 4, 1, Duration.ofSeconds(2));
  }

  @AfterEach
  void tearDown() {
    d.close();
  }

  private static byte[] data(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + (i >> 8));
    }
    return b;
  }

  /** Runs {@code call} under a file size limit of {@link #LIMIT} bytes; returns its failure. */
  private static FdException failsUnderTheLimit(Executable call) {
    RLimit saved = POSIX.getrlimit(RLIMIT_FSIZE);
    assertEquals(0, POSIX.setrlimit(RLIMIT_FSIZE, LIMIT, saved.rlimMax()));
    try {
      return assertThrows(FdException.class, call);
    } finally {
      assertEquals(0, POSIX.setrlimit(RLIMIT_FSIZE, saved.rlimCur(), saved.rlimMax()));
    }
  }

  @Test
  void aSequentialWriteCutAtTheLimitKeepsWhatLandedAndItsOffset() throws Exception {
    Path p = dir.resolve("seq");
    FdInner f = d.open(p.toString(), OpenOptions.readWrite(), A).inner();
    byte[] first = data(600);
    d.write(f, first);
    byte[] more = data(900);
    assertEquals("efbig", failsUnderTheLimit(() -> d.write(f, more)).reason());
    byte[] expected = new byte[LIMIT];
    System.arraycopy(first, 0, expected, 0, 600);
    System.arraycopy(more, 0, expected, 600, 400);
    assertArrayEquals(expected, Files.readAllBytes(p));
    assertEquals(LIMIT, f.offset(), "the offset counts the bytes that landed, no more");
    assertEquals(LIMIT, d.stats().bytesWritten());
  }

  @Test
  void anAppendCutAtTheLimitLeavesTheOffsetAtTheEnd() throws Exception {
    Path p = dir.resolve("append");
    byte[] first = data(600);
    Files.write(p, first);
    FdInner f = d.open(p.toString(), OpenOptions.readWrite().withAppend(), A).inner();
    byte[] more = data(900);
    assertEquals("efbig", failsUnderTheLimit(() -> d.write(f, more)).reason());
    byte[] expected = new byte[LIMIT];
    System.arraycopy(first, 0, expected, 0, 600);
    System.arraycopy(more, 0, expected, 600, 400);
    assertArrayEquals(expected, Files.readAllBytes(p));
    assertEquals(LIMIT, f.offset());
    assertEquals(400, d.stats().bytesWritten());
  }

  @Test
  void aPositionedWriteCutAtTheLimitGoesOnRightAfterTheBytesTaken() throws Exception {
    Path p = dir.resolve("pwrite");
    FdInner f = d.open(p.toString(), OpenOptions.readWrite(), A).inner();
    byte[] piece = data(1000);
    assertEquals("efbig", failsUnderTheLimit(() -> d.pwrite(f, 600, piece)).reason());
    byte[] got = Files.readAllBytes(p);
    assertEquals(LIMIT, got.length);
    assertArrayEquals(new byte[600], Arrays.copyOf(got, 600), "nothing written before 600");
    assertArrayEquals(Arrays.copyOf(piece, 400), Arrays.copyOfRange(got, 600, LIMIT));
    assertEquals(0, f.offset(), "a positioned write leaves the offset alone");
    assertEquals(400, d.stats().bytesWritten());
  }
}
