package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import dev.fdnode.testing.Await;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Edges of the POSIX layer and the facade: buffer ranges, close-on-exec, device types, fsync,
 * limits, traffic counters, and the safety net that closes a descriptor nobody closed.
 */
@ExtendWith(FdLeakCheck.class)
class PosixEdgeTest {
  static final Pid A = new Pid("a@host", 1, 0, 1);

  final Posix posix = new Posix();

  @TempDir Path dir;

  static String reason(Executable call) {
    return assertThrows(FdException.class, call).reason();
  }

  @Test
  void bufferRangesAreCheckedBeforeTheCall() throws Exception {
    int[] p = posix.pipe();
    try {
      byte[] buf = new byte[4];
      assertEquals(0, posix.write(p[1], buf, 4, 0), "an empty range at the end is fine");
      assertEquals(4, posix.write(p[1], buf, 0, 4), "the whole buffer");
      assertEquals("einval", reason(() -> posix.write(p[1], buf, 1, 4)));
      assertEquals("einval", reason(() -> posix.write(p[1], buf, -1, 1)));
      assertEquals("einval", reason(() -> posix.write(p[1], buf, 0, -1)));
      assertEquals("einval", reason(() -> posix.write(p[1], null, 0, 0)));
      assertEquals("einval", reason(() -> posix.read(p[0], buf, 3, 2)));
      assertEquals(4, posix.read(p[0], buf, 0, 4));
    } finally {
      posix.close(p[0]);
      posix.close(p[1]);
    }
    Path f = Files.writeString(dir.resolve("r"), "0123456789");
    int fd = posix.open(f.toString(), OpenOptions.readWrite());
    try {
      byte[] buf = new byte[4];
      assertEquals("einval", reason(() -> posix.pread(fd, buf, 2, 3, 0)));
      assertEquals("einval", reason(() -> posix.pwrite(fd, buf, 2, 3, 0)));
      assertEquals("einval", reason(() -> posix.pread(fd, buf, 0, 1, -1)));
      assertEquals("einval", reason(() -> posix.pwrite(fd, buf, 0, 1, -1)));
      assertEquals(2, posix.pread(fd, buf, 2, 2, 8));
      assertEquals('8', buf[2]);
      assertEquals(2, posix.pwrite(fd, buf, 2, 2, 0));
      assertEquals("8923456789", Files.readString(f));
    } finally {
      posix.close(fd);
    }
  }

  @Test
  void pathsWithNulAreEinvalWhereverTheNulIs() {
    assertEquals("einval", reason(() -> posix.open("\0" + dir, OpenOptions.readOnly())));
    assertEquals("einval", reason(() -> posix.open(dir + "/a\0b", OpenOptions.readOnly())));
  }

  @Test
  void closeOnExecIsSetOnWhatWeCreateAndReportedTruthfully() throws Exception {
    int[] p = posix.pipe();
    assertTrue(posix.isCloexec(p[0]));
    assertTrue(posix.isCloexec(p[1]));
    posix.close(p[0]);
    posix.close(p[1]);
    POSIX raw = POSIXFactory.getNativePOSIX();
    int[] plain = new int[2];
    assertEquals(0, raw.pipe(plain)); // pipe(2) itself sets no flag
    try {
      assertFalse(posix.isCloexec(plain[0]));
    } finally {
      raw.close(plain[0]);
      raw.close(plain[1]);
    }
    assertEquals("ebadf", reason(() -> posix.isCloexec(plain[0])));
  }

  @Test
  void failedCallsAreTypedErrorsNotRetriedForever() throws Exception {
    Path f = Files.writeString(dir.resolve("ro"), "x");
    int ro = posix.open(f.toString(), OpenOptions.readOnly());
    int[] p = posix.pipe();
    try {
      assertEquals("ebadf", reason(() -> posix.pwrite(ro, new byte[1], 0, 1, 0)));
      assertEquals("einval", reason(() -> posix.fsync(p[0])), "a pipe cannot be synced");
      posix.fsync(ro);
    } finally {
      posix.close(ro);
      posix.close(p[0]);
      posix.close(p[1]);
    }
    assertEquals("ebadf", reason(() -> posix.fsync(ro)));
  }

  @Test
  void devicesAndSocketsHaveTheirTypes() throws Exception {
    int nul = posix.open("/dev/null", OpenOptions.readOnly());
    try {
      assertEquals(FileType.CHAR_DEVICE, posix.fstat(nul).type());
    } finally {
      posix.close(nul);
    }
    if (Files.exists(Path.of("/dev/loop0"))) {
      int loop = posix.open("/dev/loop0", OpenOptions.readOnly());
      try {
        assertEquals(FileType.BLOCK_DEVICE, posix.fstat(loop).type());
      } finally {
        posix.close(loop);
      }
    }
    assertEquals(
        EnumSet.of(FileType.REGULAR, FileType.BLOCK_DEVICE),
        EnumSet.copyOf(Arrays.stream(FileType.values()).filter(FileType::seekable).toList()));
  }

  @Test
  void syncEmptyReadsTrafficAndTheTable() throws Exception {
    try (Descriptors d = new Descriptors(posix, 4, 2, 1, Duration.ofSeconds(2))) {
      Opened o = d.open(dir.resolve("s").toString(), OpenOptions.readWrite().withCreate(), A);
      d.write(o.inner(), new byte[] {1, 2, 3});
      d.sync(o.inner());
      assertEquals(0, d.pread(o.inner(), 0, 0).length, "asking for nothing gives nothing");
      assertNull(d.pread(o.inner(), 3, 1), "end of input");
      Opened[] pipe = d.pipe(A);
      assertEquals("einval", reason(() -> d.sync(pipe[0].inner())));
      assertEquals(3, d.table().size());
      d.countTraffic(10, 20);
      assertEquals(10, d.stats().bytesRead());
      assertEquals(23, d.stats().bytesWritten());
      d.close(pipe[0].inner());
      assertEquals("closed", reason(() -> d.sync(pipe[0].inner())));
      assertEquals(2, d.table().size());
    }
  }

  @Test
  void aRingNeedsRoomForOneOp() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Descriptors(posix, 4, 0, 1, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> new Descriptors(posix, 0));
  }

  @Test
  void handleIdsStartAtOne() {
    HandleTable t = new HandleTable();
    FdInner zero = new FdInner(0, 5, A, FileType.REGULAR, false, fd -> {});
    assertThrows(IllegalArgumentException.class, () -> t.register(zero));
    zero.closeQuietly();
    FdInner one = new FdInner(t.reserveId(), 5, A, FileType.REGULAR, false, fd -> {});
    assertEquals(1, one.id());
    t.register(one);
    assertTrue(one.toString().contains("OPEN(uses=0, refs=1)"), one.toString());
    one.closeQuietly();
  }

  /** The safety net: an FdInner dropped while open has its descriptor closed by the cleaner. */
  @Test
  void anUnreachableOpenDescriptorIsClosedByTheCleaner() throws Exception {
    Path f = Files.writeString(dir.resolve("dropped"), "x");
    int fd = posix.open(f.toString(), OpenOptions.readOnly());
    WeakReference<FdInner> ref = dropped(fd);
    Await.until(
        Duration.ofSeconds(20),
        () -> "the cleaner to close fd " + fd,
        () -> {
          System.gc(); // nothing else makes an unreachable object's cleaner run
          return !f.toString().equals(FdLeakCheck.openFds().get(fd));
        });
    assertNull(ref.get());
  }

  private WeakReference<FdInner> dropped(int fd) {
    return new WeakReference<>(new FdInner(1, fd, A, FileType.REGULAR, false, posix::close));
  }
}
