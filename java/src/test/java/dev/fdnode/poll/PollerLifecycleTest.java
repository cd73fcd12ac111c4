package dev.fdnode.poll;

import static org.junit.jupiter.api.Assertions.*;

import dev.fdnode.core.FdLeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jnr.constants.platform.OpenFlags;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registrations after cancel, forget and close, closing twice, and a burst of more ready
 * descriptors than one epoll_wait returns, on real pipes.
 */
class PollerLifecycleTest {
  private static final POSIX POSIX = POSIXFactory.getNativePOSIX();
  private static final int EEXIST = 17;
  private static final int EBADF = 9;

  private ExecutorService handlers;
  private Map<Integer, String> fdsBefore;
  private final List<Integer> opened = new ArrayList<>();

  @BeforeEach
  void start() {
    fdsBefore = FdLeakCheck.openFds();
    handlers = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (int fd : opened) {
      POSIX.close(fd);
    }
    handlers.shutdown();
    assertTrue(handlers.awaitTermination(5, TimeUnit.SECONDS));
    assertEquals(Map.of(), FdLeakCheck.leaks(fdsBefore, FdLeakCheck.openFds()), "leaked");
  }

  private int[] pipe() {
    int[] fds = new int[2];
    assertEquals(0, POSIX.pipe(fds));
    opened.add(fds[0]);
    opened.add(fds[1]);
    return fds;
  }

  private static void write(int fd, String s) {
    assertEquals(s.length(), POSIX.write(fd, s.getBytes(), s.length()));
  }

  @Test
  void cancelRemovesTheKernelEntrySoTheFdCanBeRegisteredAgain() throws Exception {
    int[] p = pipe();
    LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    try (Poller poller = new Poller("lifecycle", handlers)) {
      Poller.Registration first = poller.register(p[0], () -> events.add("first"));
      first.cancel();
      first.rearm(); // after cancel: nothing to arm, and no error
      Poller.Registration second = poller.register(p[0], () -> events.add("second"));
      assertEquals(1, poller.size());
      write(p[1], "x");
      assertEquals("second", events.poll(5, TimeUnit.SECONDS));
      second.cancel();
      assertEquals(0, poller.size());
    }
  }

  /** A second cancel of an old registration must not remove a newer one of the same fd. */
  @Test
  void cancellingTwiceLeavesALaterRegistrationOfTheSameFdWatched() throws Exception {
    int[] p = pipe();
    LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    try (Poller poller = new Poller("lifecycle", handlers)) {
      Poller.Registration old = poller.register(p[0], () -> events.add("old"));
      old.cancel();
      Poller.Registration current = poller.register(p[0], () -> events.add("current"));
      old.cancel(); // stale: must not name the fd to epoll again
      assertEquals(1, poller.size());
      write(p[1], "x");
      assertEquals("current", events.poll(5, TimeUnit.SECONDS));
      current.cancel();
    }
  }

  /**
   * An interrupt does not cut close's wait for the selector short (closing the eventfd under a
   * selector that has not seen the wake-up would leave it in epoll_wait for good), and the caller
   * still finds its interrupt set afterwards.
   */
  @Test
  void anInterruptedCloseStillWaitsForTheSelectorAndKeepsTheInterrupt() throws Exception {
    java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.Executor stuck =
        r -> {
          entered.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    int[] p = pipe();
    Poller poller = new Poller("lifecycle-interrupted", stuck);
    poller.register(p[0], () -> {});
    write(p[1], "x");
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    java.util.concurrent.atomic.AtomicBoolean interruptKept =
        new java.util.concurrent.atomic.AtomicBoolean();
    Thread closer =
        new Thread(
            () -> {
              Thread.currentThread().interrupt();
              poller.close();
              interruptKept.set(Thread.interrupted());
            });
    closer.start();
    closer.join(300);
    assertTrue(closer.isAlive(), "the interrupt ended close's wait for the selector");
    release.countDown();
    closer.join(10_000);
    assertFalse(closer.isAlive());
    assertTrue(interruptKept.get(), "the caller's interrupt is not swallowed");
    assertFalse(selectorAlive("lifecycle-interrupted"));
  }

  @Test
  void forgetLeavesTheKernelEntryForTheCloseToRemove() throws Exception {
    int[] p = pipe();
    LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    try (Poller poller = new Poller("lifecycle", handlers)) {
      Poller.Registration r = poller.register(p[0], () -> events.add("forgotten"));
      r.forget();
      r.forget();
      assertEquals(0, poller.size());
      PollException e = assertThrows(PollException.class, () -> poller.register(p[0], () -> {}));
      assertEquals(EEXIST, e.errno(), "epoll still has it: forget did not touch the kernel");
      assertFalse(e.notPollable());
      r.rearm(); // forgotten: no-op
      r.cancel(); // forgotten: no-op, in particular no DEL
      write(p[1], "x");
      int[] probe = pipe();
      poller.register(probe[0], () -> events.add("probe"));
      write(probe[1], "p");
      assertEquals("probe", events.poll(5, TimeUnit.SECONDS), "a forgotten fd gets no events");
      assertNull(events.poll(100, TimeUnit.MILLISECONDS));
    }
  }

  @Test
  void aBadDescriptorIsAnErrnoNotNotPollable() throws Exception {
    try (Poller poller = new Poller("lifecycle", handlers)) {
      int[] p = pipe();
      POSIX.close(p[0]); // a number nobody holds now
      opened.remove((Integer) p[0]);
      PollException e = assertThrows(PollException.class, () -> poller.register(p[0], () -> {}));
      assertEquals(EBADF, e.errno());
      assertEquals("ebadf", e.reason(), "named as every other POSIX failure");
      assertFalse(e.notPollable());
      assertTrue(e.getMessage().contains("epoll_ctl"));
      assertEquals(0, poller.size());
    }
  }

  @Test
  void aClosedPollerRefusesRegistrationsEvenWhenItsNumbersAreReused() throws Exception {
    int[] p = pipe();
    Poller old = new Poller("lifecycle-old", handlers);
    old.close();
    LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    try (Poller fresh = new Poller("lifecycle-new", handlers)) {
      int[] probe = pipe();
      fresh.register(probe[0], () -> events.add("probe"));
      assertThrows(PollException.class, () -> old.register(p[0], () -> events.add("old")));
      assertEquals(0, old.size());
      write(p[1], "x");
      write(probe[1], "p");
      assertEquals("probe", events.poll(5, TimeUnit.SECONDS));
      assertNull(events.poll(100, TimeUnit.MILLISECONDS), "nothing reached another poller");
    }
  }

  @Test
  void closeIsIdempotentAndNeverClosesNumbersReusedSince() throws Exception {
    Set<Integer> before = FdLeakCheck.openFds().keySet();
    Poller poller = new Poller("lifecycle", handlers);
    Set<Integer> own = new java.util.HashSet<>(FdLeakCheck.openFds().keySet());
    own.removeAll(before);
    poller.close();
    int[] p = pipe(); // likely takes the numbers the poller just freed
    poller.close();
    write(p[1], "still");
    byte[] buf = new byte[8];
    assertEquals(5, POSIX.read(p[0], buf, 8), "the second close touched nothing");
    for (int fd : own) {
      assertTrue(
          fd == p[0] || fd == p[1] || !FdLeakCheck.isOpen(fd), "poller fd " + fd + " closed");
    }
  }

  @Test
  void closeReturnsAfterTheSelectorThreadHasStopped() throws Exception {
    Poller poller = new Poller("lifecycle-thread", handlers);
    assertTrue(selectorAlive("lifecycle-thread"));
    poller.close();
    assertFalse(selectorAlive("lifecycle-thread"));
  }

  @Test
  void aBurstLargerThanOneWaitReachesEveryHandlerOnce() throws Exception {
    int n = 100; // more than one epoll_wait batch
    Map<Integer, Integer> calls = new ConcurrentHashMap<>();
    LinkedBlockingQueue<Integer> done = new LinkedBlockingQueue<>();
    List<int[]> pipes = new ArrayList<>();
    try (Poller poller = new Poller("lifecycle", handlers)) {
      for (int i = 0; i < n; i++) {
        int[] p = pipe();
        pipes.add(p);
        int id = i;
        poller.register(
            p[0],
            () -> {
              calls.merge(id, 1, Integer::sum);
              done.add(id);
            });
      }
      for (int[] p : pipes) {
        write(p[1], "x");
      }
      for (int i = 0; i < n; i++) {
        assertNotNull(done.poll(10, TimeUnit.SECONDS), "only " + i + " handlers ran");
      }
      assertNull(done.poll(100, TimeUnit.MILLISECONDS), "one-shot: no second event");
      assertEquals(n, calls.size());
      assertTrue(calls.values().stream().allMatch(c -> c == 1));
    }
  }

  @Test
  void growPipeAndAvailable(@TempDir Path dir) throws Exception {
    int[] p = pipe();
    assertTrue(Poller.growPipe(p[1], 1 << 16) >= 1 << 16);
    assertEquals(4096, Poller.growPipe(p[1], 4096));
    write(p[1], "abc");
    assertEquals(3, Poller.available(p[0]));
    Path file = Files.writeString(dir.resolve("f"), "x");
    int fd = POSIX.open(file.toString(), OpenFlags.O_RDONLY.intValue(), 0);
    opened.add(fd);
    assertEquals(-1, Poller.growPipe(fd, 4096), "not a pipe");
  }

  private static boolean selectorAlive(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }

  /**
   * close() must not free the epoll descriptor while the selector thread may still use it: with the
   * thread held inside a handler dispatch, close waits for it.
   */
  @Test
  void closeWaitsForASelectorStuckInDispatch() throws Exception {
    java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.Executor stuck =
        r -> {
          entered.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    int[] p = pipe();
    Poller poller = new Poller("lifecycle-stuck", stuck);
    poller.register(p[0], () -> {});
    write(p[1], "x");
    assertTrue(entered.await(10, TimeUnit.SECONDS));
    java.util.concurrent.CompletableFuture<Void> closing =
        java.util.concurrent.CompletableFuture.runAsync(poller::close);
    assertThrows(
        java.util.concurrent.TimeoutException.class,
        () -> closing.get(300, TimeUnit.MILLISECONDS),
        "close returned while the selector thread was still running");
    release.countDown();
    closing.get(10, TimeUnit.SECONDS);
    assertFalse(selectorAlive("lifecycle-stuck"));
    assertEquals(0, poller.size(), "registrations dropped");
  }

  @Test
  void theSelectorThreadIsADaemon() throws Exception {
    try (Poller poller = new Poller("lifecycle-daemon", handlers)) {
      assertTrue(
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> t.getName().equals("lifecycle-daemon"))
              .allMatch(Thread::isDaemon));
    }
  }

  /** A registration outliving its poller must not touch whatever reuses the poller's number. */
  @Test
  void cancelAfterThePollerClosedTouchesNothing() throws Exception {
    int[] p = pipe();
    LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    Poller old = new Poller("lifecycle-old", handlers);
    Poller.Registration stale = old.register(p[0], () -> events.add("old"));
    old.close();
    try (Poller fresh = new Poller("lifecycle-new", handlers)) {
      fresh.register(p[0], () -> events.add("fresh"));
      stale.cancel();
      write(p[1], "x");
      assertEquals("fresh", events.poll(5, TimeUnit.SECONDS));
    }
  }
}
