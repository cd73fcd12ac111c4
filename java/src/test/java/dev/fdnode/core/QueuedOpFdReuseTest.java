package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A queued ring op holds its {@link FdInner}, never a bare fd number: when the descriptor is closed
 * while the op waits and the kernel hands the same number to a new file, the op must fail with
 * {@code closed}, not write into the new file.
 */
class QueuedOpFdReuseTest {
  private static final Pid OWNER = new Pid("t@host", 1, 0, 1);

  @Test
  void closeAndFdReuseCannotRedirectAQueuedWrite(@TempDir Path dir) throws Exception {
    Posix posix = new Posix();
    try (Descriptors d = new Descriptors(posix, 64, 16, 1, Duration.ofMillis(200))) {
      // Keep the single ring worker busy in a blocking pipe read.
      Opened[] pipe = d.pipe(OWNER);
      CompletableFuture<Completion> blocker = new CompletableFuture<>();
      d.ring().submit(new IoOp.Read(pipe[0].inner(), 16), blocker::complete);

      Opened a =
          d.open(
              dir.resolve("a").toString(),
              new OpenOptions(false, true, false, true, false, false, false, 0644),
              OWNER);
      int aNumber = a.inner().rawFd();
      CompletableFuture<Completion> queued = new CompletableFuture<>();
      d.ring().submit(new IoOp.Write(a.inner(), "for a".getBytes()), queued::complete);

      d.close(a.inner()); // the queued write holds no Use: the OS close happens now
      Opened b =
          d.open(
              dir.resolve("b").toString(),
              new OpenOptions(false, true, false, true, false, false, false, 0644),
              OWNER);
      assertEquals(aNumber, b.inner().rawFd(), "the kernel reused the number (lowest free)");

      d.write(pipe[1].inner(), "go".getBytes()); // release the worker
      assertNotNull(blocker.get(5, TimeUnit.SECONDS));
      Completion c = queued.get(5, TimeUnit.SECONDS);
      assertNotNull(c.error(), "the write on the closed descriptor failed");
      assertEquals("closed", c.error().reason());
      assertEquals(
          0, Files.size(dir.resolve("b")), "nothing reached the file that took the number");
      assertEquals(0, Files.size(dir.resolve("a")));
      assertTrue(b.inner().isOpen());
    }
  }
}
