package dev.fdnode.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.fdnode.core.FdException;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.Posix;
import dev.fdnode.core.RootedOpen;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The path check and the open are two steps; a thread flips a path between a file inside the root
 * and a symlink to a file outside, as fast as it can, while the open path (PathPolicy.resolve, then
 * RootedOpen) runs thousands of times. No open may ever yield a descriptor of the outside file.
 */
class SymlinkRaceTest {
  private static final int ITERATIONS = 5_000;
  private final Posix posix = new Posix();
  private final RootedOpen rooted = new RootedOpen();

  @TempDir Path tmp;

  @Test
  void lastComponentFlippedToSymlinkNeverEscapes() throws Exception {
    Path base = tmp.toRealPath();
    Path root = Files.createDirectories(base.resolve("root"));
    Path outside = Files.createDirectories(base.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "SECRET");
    Path target = root.resolve("f");
    Files.writeString(target, "inside");
    race(
        root,
        target.toString(),
        () -> {
          // f becomes a symlink to outside/secret, then a file inside again
          Path link = root.resolve(".f.link");
          Files.deleteIfExists(link);
          Files.createSymbolicLink(link, outside.resolve("secret"));
          Files.move(
              link, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          Path file = root.resolve(".f.file");
          Files.writeString(file, "inside");
          Files.move(
              file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        });
  }

  @Test
  void directoryFlippedToSymlinkNeverEscapes() throws Exception {
    Path base = tmp.toRealPath();
    Path root = Files.createDirectories(base.resolve("root"));
    Path outside = Files.createDirectories(base.resolve("outside"));
    Files.writeString(outside.resolve("f"), "SECRET");
    Path dir = root.resolve("d");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("f"), "inside");
    Path realDir = root.resolve(".d.real");
    race(
        root,
        dir.resolve("f").toString(),
        () -> {
          // d is a real directory, then a symlink to outside/, and back
          Files.move(dir, realDir, StandardCopyOption.ATOMIC_MOVE);
          Files.createSymbolicLink(dir, outside);
          Files.delete(dir);
          Files.move(realDir, dir, StandardCopyOption.ATOMIC_MOVE);
        });
  }

  interface Flip {
    void run() throws Exception;
  }

  private void race(Path root, String path, Flip flip) throws Exception {
    PathPolicy policy = new PathPolicy(List.of(root));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger started = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    AtomicInteger reachedInside = new AtomicInteger();
    Thread flipper =
        new Thread(
            () -> {
              while (!stop.get()) {
                try {
                  flip.run();
                } catch (Exception e) {
                  // a concurrent open holding nothing can make a move fail: keep flipping
                }
                // Each flip ends with the path inside the root again. Until one open has reached
                // the inside file, an open that starts after a flip runs undisturbed: a loaded
                // machine may otherwise schedule every open into a flip. Then they race freely.
                int before = started.get();
                while (!stop.get() && reachedInside.get() == 0 && finished.get() <= before) {
                  Thread.onSpinWait();
                }
              }
            },
            "flipper");
    flipper.start();
    int opened = 0, refused = 0;
    try {
      OpenOptions ro = new OpenOptions(true, false, false, false, false, false, false, 0644);
      for (int i = 0; i < ITERATIONS; i++, finished.incrementAndGet()) {
        started.incrementAndGet();
        int fd;
        try {
          Path resolved = policy.resolve(path);
          fd = rooted.open(policy.rootOf(resolved), resolved, ro);
        } catch (FdException e) {
          refused++;
          continue;
        }
        try {
          byte[] buf = new byte[16];
          int n = posix.read(fd, buf, 0, buf.length);
          String got = new String(buf, 0, Math.max(n, 0), StandardCharsets.UTF_8);
          if (!got.equals("inside"))
            fail("iteration " + i + " opened a file outside the root: " + got);
          opened++;
          reachedInside.incrementAndGet();
        } finally {
          posix.close(fd);
        }
      }
    } finally {
      stop.set(true);
      flipper.join();
    }
    System.out.printf(
        "symlink race on %s: %d opened inside, %d refused, 0 escaped%n", path, opened, refused);
    assertEquals(ITERATIONS, opened + refused);
    assertTrue(opened > 0, "the inside file was never opened");
  }
}
