package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import dev.fdnode.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Asynchronous closes of real files through the completion ring: one completion each, always. */
@ExtendWith(FdLeakCheck.class)
class RingCloseTest {
  static final Pid A = new Pid("a@host", 1, 0, 1);
  static final Pid B = new Pid("b@host", 2, 0, 1);

  @TempDir Path dir;

  Descriptors d;
  final List<Completion> completions = new CopyOnWriteArrayList<>();
  int files;

  @BeforeEach
  void setUp() {
    d = new Descriptors(new Posix(), 16, 2, 1, Duration.ofSeconds(2));
  }

  @AfterEach
  void tearDown() {
    d.close();
  }

  FdInner open() throws FdException {
    return d.open(dir.resolve("f" + files++).toString(), OpenOptions.writeNew(), A).inner();
  }

  @Test
  void aCloseCancelledAtShutdownIsNotCompletedAgainWhenTheFdCloses() throws Exception {
    FdInner f = open();
    int fd = f.rawFd();
    FdInner.Use busy = f.use(); // an operation still running: the OS close must wait for it
    d.closeAsync(f, completions::add);
    List<Completion> atShutdown = d.ring().shutdown();
    assertEquals(1, atShutdown.size());
    assertEquals("cancelled", atShutdown.get(0).error().reason());
    assertEquals(FdState.CLOSING, f.state());
    busy.close(); // the OS close happens now; the op was already completed
    assertTrue(f.awaitClosed(5, TimeUnit.SECONDS));
    assertEquals(1, completions.size(), "exactly one completion: " + completions);
    assertEquals(0, d.ring().pendingCount());
    assertEquals(0, f.refCount(), "every reference released once, none twice");
    assertNull(f.closeError());
    assertFalse(FdLeakCheck.isOpen(fd) && FdLeakCheck.openFds().get(fd).endsWith("/f0"));
  }

  @Test
  void aFullRingRejectsWithEagainAndLeavesTheDescriptorOpen() throws Exception {
    FdInner a = open();
    FdInner b = open();
    FdInner c = open();
    FdInner.Use busyA = a.use();
    FdInner.Use busyB = b.use();
    d.closeAsync(a, completions::add);
    d.closeAsync(b, completions::add);
    assertEquals(2, d.ring().pendingCount());
    FdException full = assertThrows(FdException.class, () -> d.closeAsync(c, completions::add));
    assertEquals("eagain", full.reason());
    assertEquals(FdState.OPEN, c.state(), "a rejected close did not start");
    assertEquals(1, c.refCount(), "and holds no reference");
    d.write(c, new byte[] {1});
    assertEquals(2, d.ring().pendingCount());

    busyA.close(); // back-pressure: one completes, then there is room
    awaitCompletions(1);
    CompletableFuture<Completion> last = new CompletableFuture<>();
    d.closeAsync(c, last::complete);
    assertTrue(last.get(5, TimeUnit.SECONDS).ok());
    assertEquals(FdState.CLOSED, c.state());
    busyB.close();
    awaitCompletions(2);
    assertTrue(completions.stream().allMatch(Completion::ok));
    assertEquals(0, d.ring().pendingCount());
    assertEquals(0, d.stats().openFds());
  }

  @Test
  void aSecondCloseOfTheSameFdIsClosedAndHoldsNoSlot() throws Exception {
    FdInner f = open();
    FdInner.Use busy = f.use();
    d.closeAsync(f, completions::add);
    assertEquals(
        "closed", assertThrows(FdException.class, () -> d.closeAsync(f, x -> {})).reason());
    assertEquals("closed", assertThrows(FdException.class, () -> d.close(f)).reason());
    assertEquals(1, d.ring().pendingCount());
    assertEquals(2, f.refCount(), "the table's and the ring's, nothing from the rejected close");
    busy.close();
    awaitCompletions(1);
    assertEquals(0, d.ring().pendingCount());
  }

  @Test
  void ownerCleanupSkipsADescriptorThatMovedToAnotherOwner() throws Exception {
    FdInner f = open();
    f.transferTo(B);
    assertFalse(f.closeIfOwnedBy(A), "A no longer owns it");
    assertEquals(FdState.OPEN, f.state());
    assertEquals(0, d.ownerDown(A));
    assertTrue(f.closeIfOwnedBy(B));
    assertEquals(FdState.CLOSED, f.state());
    assertFalse(f.closeIfOwnedBy(B), "closed once");
  }

  private void awaitCompletions(int n) throws InterruptedException {
    Await.until(n + " completion(s)", () -> completions.size() >= n);
  }
}
