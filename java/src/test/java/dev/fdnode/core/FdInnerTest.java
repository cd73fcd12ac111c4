package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(FdLeakCheck.class)
class FdInnerTest {
  static final Pid OWNER = new Pid("a@host", 1, 0, 1);
  static final Pid OTHER = new Pid("b@host", 2, 0, 1);

  /** Counts OS closes per fd number without touching real descriptors. */
  static final class CountingCloser implements FdCloser {
    final ConcurrentHashMap<Integer, AtomicInteger> closes = new ConcurrentHashMap<>();

    @Override
    public void close(int fd) {
      closes.computeIfAbsent(fd, k -> new AtomicInteger()).incrementAndGet();
    }

    int count(int fd) {
      AtomicInteger n = closes.get(fd);
      return n == null ? 0 : n.get();
    }
  }

  final CountingCloser closer = new CountingCloser();

  FdInner fake(int fd) {
    return new FdInner(7, fd, OWNER, FileType.REGULAR, false, closer);
  }

  @Test
  void roundTripsFdOwnerStateOffsetAndMode() {
    FdInner f = new FdInner(42, 9, OWNER, FileType.FIFO, true, closer);
    assertEquals(42, f.id());
    assertEquals(9, f.rawFd());
    assertEquals(OWNER, f.owner());
    assertEquals(OWNER, f.controller());
    assertEquals(FdState.OPEN, f.state());
    assertEquals(ReceiveMode.PASSIVE, f.mode());
    assertEquals(FileType.FIFO, f.type());
    assertFalse(f.seekable());
    assertTrue(f.append());
    assertEquals(0, f.offset());
    assertEquals(1, f.refCount());

    f.setOffset(100);
    assertEquals(100, f.offset());
    assertEquals(150, f.advance(50));
    assertEquals(150, f.offset());
    f.setMode(ReceiveMode.ACTIVE_ONCE);
    assertEquals(ReceiveMode.ACTIVE_ONCE, f.mode());
    f.setController(OTHER);
    assertEquals(OWNER, f.owner());
    assertEquals(OTHER, f.controller());
    f.transferTo(OTHER);
    assertEquals(OTHER, f.owner());
    assertEquals(OTHER, f.controller());
    assertThrows(IllegalArgumentException.class, () -> f.setOffset(-1));
    assertThrows(IllegalArgumentException.class, () -> f.advance(-1));
    f.closeQuietly();
  }

  @Test
  void advanceSaturatesAtMaxLong() {
    FdInner f = fake(3);
    f.setOffset(Long.MAX_VALUE - 10);
    assertEquals(Long.MAX_VALUE - 5, f.advance(5));
    assertEquals(Long.MAX_VALUE, f.advance(100));
    assertEquals(Long.MAX_VALUE, f.advance(Long.MAX_VALUE));
    assertEquals(Long.MAX_VALUE, f.offset());
    f.closeQuietly();
  }

  @Test
  void closeIsOnceAndUseFailsAfterwards() throws Exception {
    FdInner f = fake(5);
    assertTrue(f.close());
    assertFalse(f.close());
    assertEquals(FdState.CLOSED, f.state());
    assertEquals(1, closer.count(5));
    FdException e = assertThrows(FdException.class, f::use);
    assertEquals("closed", e.reason());
  }

  @Test
  void concurrentCloseHasExactlyOneWinner() throws Exception {
    for (int round = 0; round < 50; round++) {
      FdInner f = fake(100 + round);
      int n = 8;
      CyclicBarrier start = new CyclicBarrier(n);
      AtomicInteger winners = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Thread t =
            new Thread(
                () -> {
                  try {
                    start.await();
                    if (f.close()) {
                      winners.incrementAndGet();
                    }
                  } catch (Exception e) {
                    throw new AssertionError(e);
                  }
                });
        t.start();
        threads.add(t);
      }
      for (Thread t : threads) {
        t.join();
      }
      assertEquals(1, winners.get());
      assertEquals(1, closer.count(100 + round));
      assertEquals(FdState.CLOSED, f.state());
    }
  }

  @Test
  void closeDuringUseDefersOsCloseUntilUseEnds() throws Exception {
    FdInner f = fake(11);
    FdInner.Use u = f.use();
    assertEquals(1, f.inFlight());
    assertTrue(f.close());
    assertEquals(FdState.CLOSING, f.state());
    assertEquals(0, closer.count(11), "OS close must wait for the in-flight op");
    assertEquals("closed", assertThrows(FdException.class, f::use).reason());
    assertEquals(11, u.fd(), "the running op still sees its fd");
    u.close();
    assertEquals(FdState.CLOSED, f.state());
    assertEquals(1, closer.count(11));
    u.close(); // a second end of the same Use is a no-op
    assertEquals(1, closer.count(11));
    assertThrows(IllegalStateException.class, u::fd);
  }

  @Test
  void lastUseToEndPerformsTheClose() throws Exception {
    FdInner f = fake(12);
    FdInner.Use a = f.use();
    FdInner.Use b = f.use();
    f.close();
    a.close();
    assertEquals(FdState.CLOSING, f.state());
    assertEquals(0, closer.count(12));
    b.close();
    assertEquals(FdState.CLOSED, f.state());
    assertEquals(1, closer.count(12));
  }

  @Test
  void closeRacingManyUsesClosesOnceAfterAllEnd() throws Exception {
    for (int round = 0; round < 30; round++) {
      int fd = 1000 + round;
      FdInner f = fake(fd);
      int n = 6;
      CyclicBarrier start = new CyclicBarrier(n + 1);
      AtomicInteger violations = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Thread t =
            new Thread(
                () -> {
                  try {
                    start.await();
                    for (int k = 0; k < 2000; k++) {
                      try (FdInner.Use u = f.use()) {
                        if (closer.count(u.fd()) != 0) {
                          violations.incrementAndGet(); // fd used after its close
                        }
                      } catch (FdException e) {
                        assertEquals("closed", e.reason());
                      }
                    }
                  } catch (Exception e) {
                    throw new AssertionError(e);
                  }
                });
        t.start();
        threads.add(t);
      }
      start.await();
      Thread.yield();
      f.close();
      for (Thread t : threads) {
        t.join();
      }
      assertEquals(0, violations.get());
      assertEquals(1, closer.count(fd));
      assertEquals(FdState.CLOSED, f.state());
    }
  }

  @Test
  void lastReleaseCloses() {
    FdInner f = fake(13);
    f.retain();
    assertEquals(2, f.refCount());
    f.release();
    assertEquals(FdState.OPEN, f.state());
    assertEquals(0, closer.count(13));
    f.release();
    assertEquals(FdState.CLOSED, f.state());
    assertEquals(1, closer.count(13));
    assertThrows(IllegalStateException.class, f::release);
  }

  @Test
  void explicitCloseThenReleaseClosesOnce() throws Exception {
    FdInner f = fake(14);
    f.retain();
    assertTrue(f.close());
    f.release();
    f.release();
    assertEquals(1, closer.count(14));
    assertFalse(f.close());
    assertEquals(1, closer.count(14));
  }

  @Test
  void releaseDuringUseDefersClose() throws Exception {
    FdInner f = fake(15);
    try (FdInner.Use u = f.use()) {
      f.release();
      assertEquals(FdState.CLOSING, f.state());
      assertEquals(0, closer.count(15));
    }
    assertEquals(1, closer.count(15));
  }

  @Test
  void osCloseFailureIsReportedToTheWinner() {
    FdInner f =
        new FdInner(
            1,
            16,
            OWNER,
            FileType.REGULAR,
            false,
            fd -> {
              throw new FdException(Reason.EIO);
            });
    FdException e = assertThrows(FdException.class, f::close);
    assertEquals("eio", e.reason());
    assertEquals(FdState.CLOSED, f.state(), "the number is gone even when close fails");
    assertEquals("eio", f.closeError().reason());
  }

  @Test
  void whenClosedRunsOnceAfterTheOsClose() throws Exception {
    FdInner f = fake(17);
    AtomicInteger calls = new AtomicInteger();
    f.whenClosed(
        () -> {
          assertEquals(1, closer.count(17));
          calls.incrementAndGet();
        });
    FdInner.Use u = f.use();
    f.close();
    assertFalse(f.awaitClosed(10, TimeUnit.MILLISECONDS));
    u.close();
    assertTrue(f.awaitClosed(1, TimeUnit.SECONDS));
    assertEquals(1, calls.get());
    f.whenClosed(calls::incrementAndGet); // late registration runs at once
    assertEquals(2, calls.get());
  }

  @Test
  void lastReleaseClosesARealDescriptor(@TempDir Path dir) throws Exception {
    Posix posix = new Posix();
    Path file = dir.resolve("x");
    int fd = posix.open(file.toString(), OpenOptions.writeNew());
    FdInner f = new FdInner(1, fd, OWNER, FileType.REGULAR, false, posix::close);
    f.retain();
    f.release();
    assertTrue(FdLeakCheck.isOpen(fd));
    assertTrue(FdLeakCheck.openFds().get(fd).endsWith("/x"));
    f.release();
    assertEquals(FdState.CLOSED, f.state());
    String now = FdLeakCheck.openFds().get(fd);
    assertTrue(
        now == null || !now.endsWith("/x"), "fd " + fd + " still points at the file: " + now);
  }

  @Test
  void concurrentRetainReleaseKeepsCountAndClosesOnce() throws Exception {
    FdInner f = fake(18);
    int n = 4;
    CountDownLatch done = new CountDownLatch(n);
    for (int i = 0; i < n; i++) {
      new Thread(
              () -> {
                for (int k = 0; k < 10_000; k++) {
                  f.retain();
                  f.release();
                }
                done.countDown();
              })
          .start();
    }
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertEquals(1, f.refCount());
    assertEquals(0, closer.count(18));
    f.release();
    assertEquals(1, closer.count(18));
  }

  @Test
  void stateWordPacksFieldsIndependently() {
    long w = StateWord.REF_UNIT * 5 + StateWord.USE_UNIT * 3 + StateWord.CLOSING;
    assertEquals(5, StateWord.refs(w));
    assertEquals(3, StateWord.uses(w));
    assertEquals(FdState.CLOSING, StateWord.state(w));
    assertFalse(StateWord.closeDue(w));
    long max =
        StateWord.REF_UNIT * StateWord.MAX_REFS
            + StateWord.USE_UNIT * StateWord.MAX_USES
            + StateWord.CLOSING
            + StateWord.CLOSED;
    assertTrue(max > 0, "word never goes negative");
    assertEquals(StateWord.MAX_REFS, StateWord.refs(max));
    assertEquals(StateWord.MAX_USES, StateWord.uses(max));
  }

  /** Records what a handle table would hear. */
  static final class RecordingRegistry implements FdInner.Registry {
    final List<String> events = new ArrayList<>();

    @Override
    public void ownerChanged(FdInner inner, Pid oldOwner, Pid newOwner) {
      events.add("owner " + name(oldOwner) + " -> " + name(newOwner));
    }

    @Override
    public void closed(FdInner inner, Pid lastOwner) {
      events.add("closed " + name(lastOwner) + " " + inner.state());
    }

    static String name(Pid p) {
      return p == null ? "none" : p.node();
    }
  }

  @Test
  void theRegistryHearsOwnerChangesAndTheCloseOnceBeforeTheCallbacks() throws Exception {
    FdInner f = fake(30);
    RecordingRegistry r = new RecordingRegistry();
    f.whenClosed(() -> r.events.add("callback"));
    assertTrue(f.attach(r));
    f.transferTo(OTHER);
    f.transferTo(OTHER); // same owner: nothing to report
    f.close();
    f.closeQuietly();
    f.transferTo(OWNER); // after the close: no longer reported
    assertEquals(
        List.of(
            "owner none -> a@host", "owner a@host -> b@host", "closed b@host CLOSED", "callback"),
        r.events);
    assertFalse(f.attach(new RecordingRegistry()), "too late once closed");
  }

  @Test
  void aFailingRegistryStillLetsTheCallbacksRun() throws Exception {
    FdInner f = fake(31);
    AtomicInteger calls = new AtomicInteger();
    List<Throwable> reported = new ArrayList<>();
    Thread.UncaughtExceptionHandler before = Thread.currentThread().getUncaughtExceptionHandler();
    Thread.currentThread().setUncaughtExceptionHandler((t, e) -> reported.add(e));
    try {
      f.attach(
          new FdInner.Registry() {
            @Override
            public void ownerChanged(FdInner inner, Pid oldOwner, Pid newOwner) {}

            @Override
            public void closed(FdInner inner, Pid lastOwner) {
              throw new IllegalStateException("table bug");
            }
          });
      f.whenClosed(calls::incrementAndGet);
      f.close();
    } finally {
      Thread.currentThread().setUncaughtExceptionHandler(before);
    }
    assertEquals(1, calls.get());
    assertEquals(1, reported.size());
    assertEquals("table bug", reported.get(0).getMessage());
    assertEquals(1, closer.count(31));
  }

  @Test
  void aFailingCallbackIsReportedAndTheOthersStillRun() throws Exception {
    FdInner f = fake(37);
    List<String> ran = new ArrayList<>();
    List<Throwable> reported = new ArrayList<>();
    Thread.UncaughtExceptionHandler before = Thread.currentThread().getUncaughtExceptionHandler();
    Thread.currentThread().setUncaughtExceptionHandler((t, e) -> reported.add(e));
    try {
      f.whenClosed(() -> ran.add("first"));
      f.whenClosed(
          () -> {
            throw new IllegalStateException("callback bug");
          });
      f.whenClosed(() -> ran.add("third"));
      f.close();
    } finally {
      Thread.currentThread().setUncaughtExceptionHandler(before);
    }
    assertEquals(List.of("first", "third"), ran);
    assertEquals(1, reported.size());
    assertEquals("callback bug", reported.get(0).getMessage());
  }

  @Test
  void thePositionLockIsMadeOnceAndOnlyForItsDescriptor() throws Exception {
    FdInner f = fake(32);
    FdInner g = fake(33);
    Object lock = f.positionLock();
    assertNotNull(lock);
    assertSame(lock, f.positionLock());
    assertNotSame(lock, g.positionLock());
    int n = 4;
    List<Object> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    FdInner h = fake(34);
    CyclicBarrier start = new CyclicBarrier(n);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Thread t =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
                seen.add(h.positionLock());
              });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(n, seen.size());
    for (Object o : seen) {
      assertSame(seen.get(0), o, "racing first uses agree on one lock");
    }
    f.closeQuietly();
    g.closeQuietly();
    h.closeQuietly();
  }

  @Test
  void awaitClosedAnswersAtOnceWhenClosedAndAfterEarlierCallbacksOtherwise() throws Exception {
    FdInner f = fake(35);
    List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
    f.whenClosed(() -> order.add("first"));
    FdInner.Use u = f.use();
    f.close();
    Thread closerThread = new Thread(u::close);
    CountDownLatch waiting = new CountDownLatch(1);
    Thread waiter =
        new Thread(
            () -> {
              try {
                waiting.countDown();
                if (f.awaitClosed(10, TimeUnit.SECONDS)) {
                  order.add("awaited");
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    waiter.start();
    waiting.await();
    while (waiter.getState() != Thread.State.TIMED_WAITING) {
      Thread.onSpinWait(); // until it waits on its latch (either order gives the same result)
    }
    closerThread.start();
    closerThread.join();
    waiter.join();
    assertEquals(List.of("first", "awaited"), order);
    assertTrue(f.awaitClosed(0, TimeUnit.MILLISECONDS), "already closed: no wait at all");
    assertEquals(1, closer.count(35));
  }

  @Test
  void concurrentAdvancesAllCount() throws Exception {
    FdInner f = fake(36);
    int n = 4;
    int each = 10_000;
    CyclicBarrier start = new CyclicBarrier(n);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Thread t =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
                for (int k = 0; k < each; k++) {
                  f.advance(3);
                }
              });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(3L * n * each, f.offset());
    f.closeQuietly();
  }

  @Test
  void anActiveCountIsPositiveAndClearedByAnyOtherMode() {
    FdInner f = fake(601);
    f.setActiveCount(3);
    assertEquals(ReceiveMode.ACTIVE_N, f.mode());
    assertEquals(3, f.activeCount());
    assertThrows(IllegalArgumentException.class, () -> f.setActiveCount(0));
    assertThrows(IllegalArgumentException.class, () -> f.setActiveCount(-1));
    assertEquals(3, f.activeCount(), "a refused count changes nothing");
    f.setMode(ReceiveMode.ACTIVE);
    assertEquals(0, f.activeCount());
  }
}
