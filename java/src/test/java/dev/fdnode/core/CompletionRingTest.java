package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import dev.fdnode.testing.Await;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FdLeakCheck.class)
class CompletionRingTest {
  static final Pid A = new Pid("a@host", 1, 0, 1);

  final FdInnerTest.CountingCloser closer = new FdInnerTest.CountingCloser();
  int nextFd = 500;

  FdInner fake() {
    return new FdInner(nextFd, nextFd++, A, FileType.REGULAR, false, closer);
  }

  /** Records every completion per op id, to prove none is lost or doubled. */
  static final class Recorder implements java.util.function.Consumer<Completion> {
    final Map<Long, List<Completion>> byId = new ConcurrentHashMap<>();
    final AtomicInteger total = new AtomicInteger();

    @Override
    public void accept(Completion c) {
      byId.computeIfAbsent(c.opId(), k -> java.util.Collections.synchronizedList(new ArrayList<>()))
          .add(c);
      total.incrementAndGet();
    }
  }

  @Test
  void fullRingIsEagain() throws Exception {
    try (CompletionRing ring = new CompletionRing(3, 1)) {
      Recorder rec = new Recorder();
      List<FdInner.Use> busy = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        FdInner f = fake();
        busy.add(f.use()); // the Close stays pending until this ends
        ring.submit(new IoOp.Close(f), rec);
      }
      assertEquals(3, ring.pendingCount(), "a running op still counts");
      FdInner f = fake();
      FdException e = assertThrows(FdException.class, () -> ring.submit(new IoOp.Close(f), rec));
      assertEquals("eagain", e.reason());
      assertEquals(3, ring.pendingCount());
      assertEquals(1, f.refCount(), "a rejected submit holds no reference");
      busy.forEach(FdInner.Use::close);
      Await.until("3 completion(s)", () -> rec.total.get() == 3);
      ring.submit(new IoOp.Close(f), rec); // room again
      Await.until("4 completion(s)", () -> rec.total.get() == 4);
    }
  }

  @Test
  void closeGoesClosingAtSubmitAndClosedAtCompletion() throws Exception {
    try (CompletionRing ring = new CompletionRing(8, 1)) {
      FdInner f = fake();
      Recorder rec = new Recorder();
      FdInner.Use busy = f.use(); // an operation still running keeps the OS close back
      long id = ring.submit(new IoOp.Close(f), rec);
      assertEquals(FdState.CLOSING, f.state());
      assertEquals("closed", assertThrows(FdException.class, f::use).reason());
      assertEquals(0, closer.count(f.rawFd()), "the OS close waits for the running op");
      assertEquals(
          "closed",
          assertThrows(FdException.class, () -> ring.submit(new IoOp.Close(f), rec)).reason(),
          "never submitted twice");
      assertFalse(f.close());
      busy.close();
      Await.until("1 completion(s)", () -> rec.total.get() == 1);
      Completion c = rec.byId.get(id).get(0);
      assertTrue(c.ok());
      assertEquals(FdState.CLOSED, f.state());
      assertEquals(1, closer.count(f.rawFd()));
      f.release(); // the owner's reference: no second close
      assertEquals(1, closer.count(f.rawFd()));
    }
  }

  @Test
  void ringCloseWaitsForOtherInFlightOps() throws Exception {
    try (CompletionRing ring = new CompletionRing(8, 1)) {
      FdInner f = fake();
      Recorder rec = new Recorder();
      FdInner.Use busy = f.use();
      long id = ring.submit(new IoOp.Close(f), rec);
      // The one worker takes ops in order: once a later op completes, it has carried this one out.
      long later = ring.submit(new IoOp.Close(fake()), rec);
      Await.until("the later close", () -> rec.byId.containsKey(later));
      assertNull(rec.byId.get(id), "no completion while another op runs");
      assertEquals(FdState.CLOSING, f.state());
      assertEquals(0, closer.count(f.rawFd()));
      busy.close();
      Await.until("2 completion(s)", () -> rec.total.get() == 2);
      assertTrue(rec.byId.get(id).get(0).ok());
      assertEquals(FdState.CLOSED, f.state());
      assertEquals(1, closer.count(f.rawFd()));
    }
  }

  @Test
  void shutdownWithPendingOpsLosesNone() throws Exception {
    CompletionRing ring = new CompletionRing(64, 1);
    Recorder rec = new Recorder();
    List<Long> ids = new ArrayList<>();
    List<FdInner> closing = new ArrayList<>();
    List<FdInner.Use> busy = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      FdInner f = fake();
      if (i % 4 == 0) {
        closing.add(f);
      } else {
        busy.add(f.use()); // still running at shutdown: its Close cannot finish
      }
      ids.add(ring.submit(new IoOp.Close(f), rec));
    }
    List<Completion> during = ring.shutdown();
    assertFalse(during.isEmpty());
    assertEquals(0, ring.pendingCount());
    assertEquals(40, rec.total.get(), "every op completed or cancelled");
    for (long id : ids) {
      assertEquals(1, rec.byId.get(id).size(), "exactly one completion for op " + id);
    }
    long cancelled =
        rec.byId.values().stream()
            .map(l -> l.get(0))
            .filter(c -> !c.ok() && c.error().reason().equals("cancelled"))
            .count();
    assertTrue(cancelled > 0, "closes stuck behind a running op were cancelled");
    for (FdInner f : closing) {
      assertEquals(FdState.CLOSED, f.state(), "queued closes are still carried out");
      assertEquals(1, closer.count(f.rawFd()));
    }
    FdInner shared = fake();
    assertEquals(
        "closed",
        assertThrows(FdException.class, () -> ring.submit(new IoOp.Close(shared), rec)).reason());
    assertEquals(1, shared.refCount());
    assertEquals(List.of(), ring.shutdown(), "idempotent");
    busy.forEach(FdInner.Use::close); // the cancelled closes now happen, in this thread
    assertEquals(40, rec.total.get(), "a close finishing after its cancellation is not reported");
    for (long id : ids) {
      assertEquals(1, rec.byId.get(id).size(), "still one completion for op " + id);
    }
    assertEquals(0, ring.pendingCount(), "and not uncounted twice");
    shared.closeQuietly();
  }

  @Test
  void concurrentSubmitAndShutdownLoseNothing() throws Exception {
    for (int round = 0; round < 20; round++) {
      CompletionRing ring = new CompletionRing(32, 2);
      Recorder rec = new Recorder();
      AtomicInteger accepted = new AtomicInteger();
      List<Thread> submitters = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        Thread th =
            new Thread(
                () -> {
                  for (int k = 0; k < 200; k++) {
                    FdInner f = fake();
                    try {
                      ring.submit(new IoOp.Close(f), rec);
                      accepted.incrementAndGet();
                    } catch (FdException e) {
                      assertTrue(
                          e.reason().equals("eagain") || e.reason().equals("closed"), e.reason());
                      assertEquals(1, f.refCount());
                      f.closeQuietly();
                    }
                  }
                });
        th.start();
        submitters.add(th);
      }
      Thread.sleep(1);
      ring.shutdown();
      for (Thread th : submitters) {
        th.join();
      }
      assertEquals(accepted.get(), rec.total.get());
      assertTrue(rec.byId.values().stream().allMatch(l -> l.size() == 1));
    }
  }

  @Test
  void anOpWithoutListenerIsRefusedBeforeItStarts() throws Exception {
    try (CompletionRing ring = new CompletionRing(4, 1)) {
      FdInner f = fake();
      assertThrows(NullPointerException.class, () -> ring.submit(new IoOp.Close(f), null));
      assertEquals(FdState.OPEN, f.state(), "nobody would hear of its close");
      assertEquals(0, ring.pendingCount());
      f.closeQuietly();
    }
  }

  @Test
  void aThrowingListenerDoesNotStopTheRing() throws Exception {
    try (CompletionRing ring = new CompletionRing(4, 1)) {
      ring.submit(
          new IoOp.Close(fake()),
          c -> {
            throw new IllegalStateException("listener bug");
          });
      Recorder rec = new Recorder();
      ring.submit(new IoOp.Close(fake()), rec);
      Await.until("1 completion(s)", () -> rec.total.get() == 1);
    }
  }

  @Test
  void completionHoldsExactlyOneOfValueAndError() {
    FdInner f = fake();
    IoOp op = new IoOp.Close(f);
    assertThrows(IllegalArgumentException.class, () -> new Completion(1, op, null, null));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Completion(1, op, "ok", new FdException(Reason.EIO)));
    f.closeQuietly();
  }

  /**
   * Shutdown interrupted while a worker is still inside an OS close: it stops waiting, completes
   * the op once (cancelled) and leaves the interrupt set for its caller.
   */
  @Test
  void anInterruptedShutdownCancelsOnceAndKeepsTheInterrupt() throws Exception {
    java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    FdCloser slow =
        fd -> {
          entered.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    CompletionRing ring = new CompletionRing(8, 1);
    Recorder rec = new Recorder();
    FdInner f = new FdInner(nextFd, nextFd++, A, FileType.REGULAR, false, slow);
    long id = ring.submit(new IoOp.Close(f), rec);
    assertTrue(entered.await(10, TimeUnit.SECONDS), "the worker is in the OS close");
    Thread.currentThread().interrupt();
    List<Completion> during;
    boolean interruptKept;
    try {
      during = ring.shutdown();
    } finally {
      interruptKept = Thread.interrupted();
    }
    assertTrue(interruptKept, "the caller's interrupt is not swallowed");
    assertEquals(1, during.size());
    assertEquals(id, during.get(0).opId());
    assertEquals("cancelled", during.get(0).error().reason());
    release.countDown();
    assertTrue(f.awaitClosed(10, TimeUnit.SECONDS));
    assertEquals(1, rec.total.get(), "the late end of the close is not a second completion");
    assertEquals(0, ring.pendingCount());
  }
}
