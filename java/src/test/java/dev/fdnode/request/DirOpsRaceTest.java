package dev.fdnode.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.fdnode.core.FdException;
import dev.fdnode.fs.FileOps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path check and the directory/metadata operation are two steps. A thread flips {@code root/d}
 * between a real directory inside the root and a symlink to a directory outside, as fast as it can,
 * while {@link PathOps} (the code behind {@code file_info}, {@code list_dir}, {@code make_dir},
 * {@code delete_file}, {@code delete_dir}, {@code rename}) runs on paths under {@code root/d}.
 * Nothing outside may ever be statted, listed, created, deleted or renamed: the sentinels there
 * survive unchanged and no entry appears. Each test is bounded by {@link #ITERATIONS} and {@link
 * #BUDGET_NANOS}.
 */
class DirOpsRaceTest {
  private static final int ITERATIONS = 3_000;
  private static final long BUDGET_NANOS = 700_000_000L;
  private static final String OUTSIDE_TEXT = "SECRET-OUTSIDE-CONTENT";

  @TempDir Path tmp;
  private Path root;
  private Path outside;
  private Path dir;
  private Path realDir;
  private PathOps ops;
  private Set<String> outsideBefore;

  /** What one iteration did: the operation worked inside, or was refused / found nothing. */
  enum Outcome {
    DONE,
    REFUSED
  }

  interface Step {
    Outcome run(int i) throws Exception;
  }

  @BeforeEach
  void setUp() throws Exception {
    Path base = tmp.toRealPath();
    root = Files.createDirectories(base.resolve("root"));
    outside = Files.createDirectories(base.resolve("outside"));
    for (String name : List.of("victim", "src", "f", "secret-name")) {
      Files.writeString(outside.resolve(name), OUTSIDE_TEXT);
    }
    Files.createDirectories(outside.resolve("emptydir"));
    outsideBefore = listing(outside);
    dir = Files.createDirectories(root.resolve("d"));
    realDir = root.resolve(".d.real");
    refill(dir);
    ops = new PathOps(new PathPolicy(List.of(root)));
  }

  /** The entries the operations find inside when the directory is real. */
  private static void refill(Path d) throws Exception {
    for (String name : List.of("victim", "src", "f")) {
      if (!Files.exists(d.resolve(name))) Files.writeString(d.resolve(name), "inside");
    }
    Files.createDirectories(d.resolve("emptydir"));
  }

  @Test
  void deleteFileNeverDeletesOutside() throws Exception {
    race(
        "delete_file",
        i -> {
          ops.deleteFile(dir.resolve("victim").toString());
          return Outcome.DONE;
        });
  }

  @Test
  void deleteDirNeverDeletesOutside() throws Exception {
    race(
        "delete_dir",
        i -> {
          try {
            ops.makeDir(
                dir.resolve("emptydir").toString(),
                0755); // (itself race-free) so there is one to delete
          } catch (FdException e) {
            // exists already, or refused
          }
          ops.deleteDir(dir.resolve("emptydir").toString());
          return Outcome.DONE;
        });
  }

  @Test
  void makeDirNeverCreatesOutside() throws Exception {
    race(
        "make_dir",
        i -> {
          ops.makeDir(dir.resolve("new" + i).toString(), 0755);
          return Outcome.DONE;
        });
  }

  @Test
  void renameNeverMovesOutsideEntries() throws Exception {
    // From the flipped directory into the root, and from the root into it.
    race(
        "rename",
        i -> {
          Path keep = root.resolve("keep");
          if (!Files.exists(keep)) Files.writeString(keep, "inside");
          Outcome out = Outcome.REFUSED;
          try {
            ops.rename(dir.resolve("src").toString(), root.resolve("moved" + i).toString());
            out = Outcome.DONE;
          } catch (FdException e) {
            // refused or not there: fine
          }
          ops.rename(keep.toString(), dir.resolve("in" + i).toString());
          return out;
        });
  }

  @Test
  void fileInfoNeverStatsOutside() throws Exception {
    race(
        "file_info",
        i -> {
          FileOps.Info info = ops.fileInfo(dir.resolve("f").toString());
          if (info.size() != "inside".length() || !info.type().equals("regular")) {
            fail("iteration " + i + " statted something outside the root: " + info);
          }
          return Outcome.DONE;
        });
  }

  @Test
  void listDirNeverListsOutside() throws Exception {
    race(
        "list_dir",
        i -> {
          List<String> names = ops.listDir(dir.toString());
          if (names.contains("secret-name"))
            fail("iteration " + i + " listed the outside directory: " + names);
          return Outcome.DONE;
        });
  }

  private void race(String what, Step step) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger flips = new AtomicInteger();
    Thread flipper =
        new Thread(
            () -> {
              while (!stop.get()) {
                try {
                  // d is a real directory (refilled), then a symlink to outside/, and back
                  Files.move(dir, realDir, StandardCopyOption.ATOMIC_MOVE);
                  Files.createSymbolicLink(dir, outside);
                  Files.delete(dir);
                  Files.move(realDir, dir, StandardCopyOption.ATOMIC_MOVE);
                  // Only this thread changes d, so it is the real directory now: refill it
                  // (which also leaves it real for a moment, so operations succeed too).
                  refill(dir);
                  flips.incrementAndGet();
                  LockSupport.parkNanos(50_000);
                } catch (Exception e) {
                  // a move can fail while an operation holds nothing: keep flipping
                }
              }
            },
            "flipper");
    flipper.start();
    int done = 0, refused = 0, iterations = 0;
    Map<String, Integer> why = new TreeMap<>();
    long deadline = System.nanoTime() + BUDGET_NANOS;
    try {
      for (int i = 0; i < ITERATIONS && System.nanoTime() < deadline; i++) {
        iterations++;
        try {
          if (step.run(i) == Outcome.DONE) done++;
          else refused++;
        } catch (FdException e) { // the path check, or RootedOpen + *at call
          refused++;
          why.merge(e.reason(), 1, Integer::sum);
        }
        assertOutsideUntouched(what, i);
      }
    } finally {
      stop.set(true);
      flipper.join();
    }
    assertOutsideUntouched(what, iterations);
    System.out.printf(
        "%s race under a flipping directory: %d done inside, %d refused/absent %s, %d flips, 0 escaped%n",
        what, done, refused, why, flips.get());
    assertEquals(iterations, done + refused);
    assertTrue(done > 0, what + " never succeeded inside: the race did not exercise it");
    assertTrue(flips.get() > 0, what + ": the directory was never flipped");
  }

  private void assertOutsideUntouched(String what, int i) throws Exception {
    Set<String> now = listing(outside);
    if (!now.equals(outsideBefore)) {
      fail(
          what
              + " iteration "
              + i
              + " changed the directory outside the root: "
              + outsideBefore
              + " -> "
              + now);
    }
    for (String name : List.of("victim", "src", "f", "secret-name")) {
      assertEquals(
          OUTSIDE_TEXT, Files.readString(outside.resolve(name)), what + ": outside/" + name);
    }
    assertTrue(Files.isDirectory(outside.resolve("emptydir")), what + ": outside/emptydir");
  }

  private static Set<String> listing(Path d) throws Exception {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }
  }
}
