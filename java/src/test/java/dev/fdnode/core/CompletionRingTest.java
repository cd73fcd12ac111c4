package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
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
  void opsCompleteWithTheRunnersResult() throws Exception {
    try (CompletionRing ring =
        new CompletionRing(op -> op instanceof IoOp.Read ? new byte[] {1} : null, 4, 2)) {
      FdInner f = fake();
      Recorder rec = new Recorder();
      long r = ring.submit(new IoOp.Read(f, 1), rec);
      long s = ring.submit(new IoOp.Fsync(f), rec);
      waitFor(() -> rec.total.get() == 2);
      assertArrayEquals(new byte[] {1}, (byte[]) rec.byId.get(r).get(0).value());
      assertEquals(Completion.OK, rec.byId.get(s).get(0).value());
      assertEquals(0, ring.pendingCount());
      assertEquals(1, f.refCount(), "the ring released what it retained");
      f.closeQuietly();
    }
  }

  @Test
  void errorsAreCompletionsNotExceptions() throws Exception {
    try (CompletionRing ring =
        new CompletionRing(
            op -> {
              if (op instanceof IoOp.Write) {
                throw new FdException("enospc");
              }
              throw new IllegalStateException("bug");
            },
            4,
            1)) {
      FdInner f = fake();
      Recorder rec = new Recorder();
      long w = ring.submit(new IoOp.Write(f, new byte[1]), rec);
      long p = ring.submit(new IoOp.Pread(f, 0, 1), rec);
      waitFor(() -> rec.total.get() == 2);
      assertEquals("enospc", rec.byId.get(w).get(0).error().reason());
      assertEquals("eio", rec.byId.get(p).get(0).error().reason());
      f.closeQuietly();
    }
  }

  @Test
  void fullRingIsEagain() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    try (CompletionRing ring =
        new CompletionRing(
            op -> {
              started.countDown();
              await(release);
              return null;
            },
            3,
            1)) {
      FdInner f = fake();
      Recorder rec = new Recorder();
      for (int i = 0; i < 3; i++) {
        ring.submit(new IoOp.Fsync(f), rec);
      }
      assertTrue(started.await(5, TimeUnit.SECONDS));
      assertEquals(3, ring.pendingCount(), "a running op still counts");
      FdException e = assertThrows(FdException.class, () -> ring.submit(new IoOp.Fsync(f), rec));
      assertEquals("eagain", e.reason());
      assertEquals(3, ring.pendingCount());
      assertEquals(4, f.refCount(), "a rejected submit holds no reference");
      release.countDown();
      waitFor(() -> rec.total.get() == 3);
      ring.submit(new IoOp.Fsync(f), rec); // room again
      waitFor(() -> rec.total.get() == 4);
      f.closeQuietly();
    }
  }

  @Test
  void closeGoesClosingAtSubmitAndClosedAtCompletion() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (CompletionRing ring =
        new CompletionRing(
            op -> {
              await(release);
              return null;
            },
            8,
            1)) {
      FdInner blocker = fake();
      FdInner f = fake();
      Recorder rec = new Recorder();
      ring.submit(new IoOp.Fsync(blocker), rec); // keeps the single worker busy
      long id = ring.submit(new IoOp.Close(f), rec);
      assertEquals(FdState.CLOSING, f.state());
      assertEquals("closed", assertThrows(FdException.class, f::use).reason());
      assertEquals(0, closer.count(f.rawFd()), "the OS close happens on the worker");
      assertEquals(
          "closed",
          assertThrows(FdException.class, () -> ring.submit(new IoOp.Close(f), rec)).reason(),
          "never submitted twice");
      assertFalse(f.close());
      release.countDown();
      waitFor(() -> rec.total.get() == 2);
      Completion c = rec.byId.get(id).get(0);
      assertTrue(c.ok());
      assertEquals(FdState.CLOSED, f.state());
      assertEquals(1, closer.count(f.rawFd()));
      f.release(); // the owner's reference: no second close
      assertEquals(1, closer.count(f.rawFd()));
      blocker.closeQuietly();
    }
  }

  @Test
  void ringCloseWaitsForOtherInFlightOps() throws Exception {
    try (CompletionRing ring = new CompletionRing(op -> null, 8, 1)) {
      FdInner f = fake();
      Recorder rec = new Recorder();
      FdInner.Use busy = f.use();
      ring.submit(new IoOp.Close(f), rec);
      Thread.sleep(30);
      assertEquals(0, rec.total.get(), "no completion while another op runs");
      assertEquals(FdState.CLOSING, f.state());
      busy.close();
      waitFor(() -> rec.total.get() == 1);
      assertEquals(FdState.CLOSED, f.state());
      assertEquals(1, closer.count(f.rawFd()));
    }
  }

  @Test
  void shutdownWithPendingOpsLosesNone() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletionRing ring =
        new CompletionRing(
            op -> {
              started.countDown();
              try {
                release.await(100, TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                throw new FdException("eintr");
              }
              return null;
            },
            64,
            1);
    Recorder rec = new Recorder();
    List<Long> ids = new ArrayList<>();
    List<FdInner> closing = new ArrayList<>();
    FdInner shared = fake();
    for (int i = 0; i < 40; i++) {
      if (i % 4 == 0) {
        FdInner f = fake();
        closing.add(f);
        ids.add(ring.submit(new IoOp.Close(f), rec));
      } else {
        ids.add(ring.submit(new IoOp.Pwrite(shared, i, new byte[] {1}), rec));
      }
    }
    assertTrue(started.await(5, TimeUnit.SECONDS));
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
    assertTrue(cancelled > 0, "queued ops were cancelled");
    for (FdInner f : closing) {
      assertEquals(FdState.CLOSED, f.state(), "queued closes are still carried out");
      assertEquals(1, closer.count(f.rawFd()));
    }
    assertEquals(1, shared.refCount());
    assertEquals(
        "closed",
        assertThrows(FdException.class, () -> ring.submit(new IoOp.Fsync(shared), rec)).reason());
    assertEquals(List.of(), ring.shutdown(), "idempotent");
    shared.closeQuietly();
  }

  @Test
  void concurrentSubmitAndShutdownLoseNothing() throws Exception {
    for (int round = 0; round < 20; round++) {
      CompletionRing ring = new CompletionRing(op -> null, 32, 2);
      FdInner f = fake();
      Recorder rec = new Recorder();
      AtomicInteger accepted = new AtomicInteger();
      List<Thread> submitters = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        Thread th =
            new Thread(
                () -> {
                  for (int k = 0; k < 200; k++) {
                    try {
                      ring.submit(new IoOp.Fsync(f), rec);
                      accepted.incrementAndGet();
                    } catch (FdException e) {
                      assertTrue(
                          e.reason().equals("eagain") || e.reason().equals("closed"), e.reason());
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
      assertEquals(1, f.refCount());
      f.closeQuietly();
    }
  }

  @Test
  void withoutListenerCompletionsArePolled() throws Exception {
    try (CompletionRing ring = new CompletionRing(op -> null, 4, 1)) {
      FdInner f = fake();
      long id = ring.submit(new IoOp.Fsync(f), null);
      waitFor(() -> ring.pendingCount() == 0);
      Completion c = ring.poll();
      assertNotNull(c);
      assertEquals(id, c.opId());
      assertNull(ring.poll());
      f.closeQuietly();
    }
  }

  @Test
  void aThrowingListenerDoesNotStopTheRing() throws Exception {
    try (CompletionRing ring = new CompletionRing(op -> null, 4, 1)) {
      FdInner f = fake();
      ring.submit(
          new IoOp.Fsync(f),
          c -> {
            throw new IllegalStateException("listener bug");
          });
      Recorder rec = new Recorder();
      ring.submit(new IoOp.Fsync(f), rec);
      waitFor(() -> rec.total.get() == 1);
      f.closeQuietly();
    }
  }

  @Test
  void completionHoldsExactlyOneOfValueAndError() {
    FdInner f = fake();
    IoOp op = new IoOp.Fsync(f);
    assertThrows(IllegalArgumentException.class, () -> new Completion(1, op, null, null));
    assertThrows(
        IllegalArgumentException.class, () -> new Completion(1, op, "ok", new FdException("eio")));
    f.closeQuietly();
  }

  static void await(CountDownLatch l) throws FdException {
    try {
      l.await();
    } catch (InterruptedException e) {
      throw new FdException("eintr");
    }
  }

  static void waitFor(java.util.function.BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("condition not reached in 5s");
      }
      Thread.sleep(1);
    }
  }
}
