package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The smallest and largest values each bound accepts, and what lies just past them. */
@ExtendWith(FdLeakCheck.class)
class LimitsAndBoundsTest {
  static final Pid A = new Pid("a@host", 1, 0, 1);

  final Posix posix = new Posix();

  @TempDir Path dir;

  static String reason(Executable call) {
    return assertThrows(FdException.class, call).reason();
  }

  @Test
  void oneDescriptorAndARingOfOneAreEnough() throws Exception {
    try (Descriptors d = new Descriptors(posix, 1, 1, 1, Duration.ofSeconds(2))) {
      FdInner f = d.open(dir.resolve("one").toString(), OpenOptions.writeNew(), A).inner();
      assertEquals("emfile", reason(() -> d.pipe(A)));
      List<Completion> done = new CopyOnWriteArrayList<>();
      d.closeAsync(f, done::add);
      assertTrue(f.awaitClosed(5, TimeUnit.SECONDS));
      d.open(dir.resolve("two").toString(), OpenOptions.writeNew(), A);
    }
    for (int workers : new int[] {0, 3}) {
      assertThrows(
          IllegalArgumentException.class,
          () -> new Descriptors(posix, 4, 4, workers, Duration.ofSeconds(1)),
          workers + " workers");
    }
  }

  /** Shutdown returns once its workers have stopped, and they never keep the JVM alive. */
  @Test
  void ringWorkersAreDaemonsAndGoneAfterShutdown() throws Exception {
    Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
    Descriptors d = new Descriptors(posix, 4, 4, 2, Duration.ofSeconds(1));
    Set<Thread> ours = new HashSet<>(Thread.getAllStackTraces().keySet());
    ours.removeAll(before);
    ours.removeIf(t -> !t.getName().startsWith("fdnode-ring-"));
    assertEquals(2, ours.size());
    assertTrue(ours.stream().allMatch(Thread::isDaemon));
    d.ring().shutdown();
    assertTrue(ours.stream().noneMatch(Thread::isAlive), "shutdown waited for the workers");
    assertEquals(List.of(), d.ring().shutdown(), "idempotent");
    FdInner f = d.open(dir.resolve("late").toString(), OpenOptions.writeNew(), A).inner();
    assertEquals("closed", reason(() -> d.closeAsync(f, c -> {})));
    assertEquals(FdState.OPEN, f.state(), "a refused close did not start");
    assertEquals(0, d.ring().pendingCount());
    d.close();
    assertEquals(FdState.CLOSED, f.state());
  }

  @Test
  void positionsAndSizesAtTheirEdges() throws Exception {
    try (Descriptors d = new Descriptors(posix, 4, 4, 1, Duration.ofSeconds(1))) {
      Path p = dir.resolve("edges");
      FdInner f = d.open(p.toString(), OpenOptions.readWrite(), A).inner();
      d.pwrite(f, 0, new byte[] {'a', 'b', 'c'});
      assertEquals("abc", Files.readString(p), "position 0 is a position");
      assertEquals(3, d.stats().bytesWritten());
      assertEquals("einval", reason(() -> d.pwrite(f, -1, new byte[] {1})));
      assertEquals("einval", reason(() -> d.pread(f, 0, -1)));
      assertEquals("einval", reason(() -> d.pread(f, -1, 1)));
      d.pwrite(f, 3, new byte[0]);
      assertEquals(3, Files.size(p), "writing nothing writes nothing");
      assertEquals(0, posix.pwrite(f.rawFd(), new byte[1], 0, 0, 0));
      assertEquals(0, posix.write(f.rawFd(), new byte[1], 1, 0));
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> new FdInner(1, -1, A, FileType.REGULAR, false, fd -> {}));
    FdInner zero = new FdInner(1, 0, A, FileType.REGULAR, false, fd -> {});
    assertEquals(0, zero.rawFd(), "descriptor 0 is a descriptor");
    zero.closeQuietly();
  }

  @Test
  void statsCountOnlyDescriptorsStillOpen() throws Exception {
    try (Descriptors d = new Descriptors(posix, 4, 4, 1, Duration.ofSeconds(1))) {
      FdInner a = d.open(dir.resolve("a").toString(), OpenOptions.writeNew(), A).inner();
      FdInner b = d.open(dir.resolve("b").toString(), OpenOptions.writeNew(), A).inner();
      FdInner.Use busy = b.use();
      d.closeAsync(b, c -> {});
      assertEquals(FdState.CLOSING, b.state());
      assertEquals(Map.of("a@host", 1), d.stats().fdsByNode(), "a closing fd is not counted");
      busy.close();
      assertTrue(b.awaitClosed(5, TimeUnit.SECONDS));
      assertEquals(FdState.OPEN, a.state());
    }
  }

  @Test
  void whatTheRootedWalkOpensIsCloseOnExec() throws Exception {
    Path root = dir.toRealPath();
    Files.createDirectories(root.resolve("x/y"));
    RootedOpen rooted = new RootedOpen();
    try (RootedOpen.Dir top = rooted.openDir(root, root);
        RootedOpen.Dir deep = rooted.openDir(root, root.resolve("x/y"))) {
      assertTrue(posix.isCloexec(top.fd()));
      assertTrue(posix.isCloexec(deep.fd()));
      int listing = RootedOpen.reopenForReading(deep);
      assertTrue(posix.isCloexec(listing));
      assertEquals(FileType.DIRECTORY, posix.fstat(listing).type());
      assertEquals(List.of(), AtCalls.readDir(listing));
    }
    int file = rooted.open(root, root.resolve("x/f"), OpenOptions.writeNew());
    assertTrue(posix.isCloexec(file));
    posix.close(file);
  }

  @Test
  void aSymlinkItselfHasItsTypeAndAnUnknownModeIsOther() throws Exception {
    Path link = Files.createSymbolicLink(dir.resolve("ln"), Path.of("nowhere"));
    int oPath = 010000000;
    int fd =
        Native.LIBC.openat(
            -100, // AT_FDCWD
            link.toString(),
            oPath
                | jnr.constants.platform.OpenFlags.O_NOFOLLOW.intValue()
                | jnr.constants.platform.OpenFlags.O_CLOEXEC.intValue(),
            0);
    assertTrue(fd >= 0, "O_PATH | O_NOFOLLOW opens the link itself");
    try {
      assertEquals(FileType.SYMLINK, posix.fstat(fd).type());
    } finally {
      posix.close(fd);
    }
    assertEquals(FileType.OTHER, Posix.typeOf(0));
  }
}
