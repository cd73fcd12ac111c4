package dev.fdnode.active;

import static org.junit.jupiter.api.Assertions.*;

import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdLeakCheck;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.Opened;
import dev.fdnode.core.Pid;
import dev.fdnode.core.Posix;
import dev.fdnode.core.ReceiveMode;
import dev.fdnode.poll.Poller;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A readiness event is only a hint: by the time a reader thread runs it, a passive read may have
 * taken the input it announced (the controller flipped to passive, read, and flipped back while the
 * event waited for a thread). The delivery must then wait for epoll again, never report the empty
 * read as an error nor block a reader thread on it. Real FIFOs and pipes; the poller's events are
 * held by the test so the event can be made stale on purpose.
 */
class ActiveStaleReadinessTest {
  private static final Pid ALICE = new Pid("a@host", 1, 0, 1);

  record Sent(Pid to, ActiveEvent event) {}

  @TempDir Path dir;

  private final LinkedBlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
  private final Posix posix = new Posix();
  private final ActiveModeSwitchTest.ManualExecutor events =
      new ActiveModeSwitchTest.ManualExecutor();
  private Map<Integer, String> fdsBefore;
  private ExecutorService readers;
  private Poller poller;
  private Descriptors descriptors;
  private ActiveDelivery active;

  @BeforeEach
  void start() throws Exception {
    fdsBefore = FdLeakCheck.openFds();
    readers = Executors.newFixedThreadPool(2); // as many as the node has
    poller = new Poller("stale-test", events);
    descriptors = new Descriptors(posix, 64);
    active =
        new ActiveDelivery(
            descriptors,
            poller,
            readers,
            (to, h, e) -> sent.add(new Sent(to, ActiveModeSwitchTest.kept(e))),
            4096);
  }

  @AfterEach
  void stop() throws Exception {
    active.close();
    descriptors.close(); // also ends a read a stale event left waiting (old behaviour)
    poller.close();
    readers.shutdown();
    assertTrue(readers.awaitTermination(5, TimeUnit.SECONDS));
    assertEquals(Map.of(), FdLeakCheck.leaks(fdsBefore, FdLeakCheck.openFds()), "leaked");
  }

  /** [read end, write end] of a FIFO whose read end is non-blocking, as open(..., [nonblock]). */
  private Opened[] nonBlockingFifo() throws Exception {
    Path p = dir.resolve("fifo");
    posix.mkfifo(p.toString(), 0600);
    Opened r = descriptors.open(p.toString(), OpenOptions.readOnly().withNonblock(), ALICE);
    Opened w = descriptors.open(p.toString(), OpenOptions.writeNew(), ALICE);
    return new Opened[] {r, w};
  }

  /**
   * Active, input comes, epoll's event waits for a thread; meanwhile the controller goes passive,
   * reads that input, and goes back to {@code mode}. Returns the event, now stale.
   */
  private Runnable staleEvent(Opened r, Opened w, ReceiveMode mode) throws Exception {
    active.setMode(r.handle(), r.inner(), mode);
    descriptors.write(w.inner(), bytes("A"));
    Runnable event = events.next();
    active.setMode(r.handle(), r.inner(), ReceiveMode.PASSIVE);
    assertArrayEquals(bytes("A"), descriptors.read(r.inner(), 100), "the passive read took it");
    active.setMode(r.handle(), r.inner(), mode);
    return event;
  }

  private void staleEventOnANonBlockingFifoWaitsForEpollAgain(ReceiveMode mode) throws Exception {
    Opened[] fifo = nonBlockingFifo();
    staleEvent(fifo[0], fifo[1], mode).run(); // reads nothing: EAGAIN
    assertNull(sent.poll(), "finding nothing is neither an error nor end of input");
    assertEquals(mode, fifo[0].inner().mode());
    descriptors.write(fifo[1].inner(), bytes("B"));
    Runnable next = events.tasks.poll(2, TimeUnit.SECONDS);
    assertNotNull(next, "input after the stale event was never reported: delivery stalled");
    next.run();
    assertEquals("B", data(next()));
  }

  @Test
  void aStaleEventOnANonBlockingFifoInActiveWaitsForEpollAgain() throws Exception {
    staleEventOnANonBlockingFifoWaitsForEpollAgain(ReceiveMode.ACTIVE);
    assertNull(sent.poll(200, TimeUnit.MILLISECONDS));
  }

  @Test
  void aStaleEventOnANonBlockingFifoInActiveOnceWaitsForEpollAgain() throws Exception {
    staleEventOnANonBlockingFifoWaitsForEpollAgain(ReceiveMode.ACTIVE_ONCE);
    assertInstanceOf(ActiveEvent.Passive.class, next().event());
  }

  /**
   * On blocking pipes the stale event used to wait for input on its reader thread, for as long as
   * the writer stayed idle: two such pipes held both reader threads, and no other descriptor got
   * anything. Now it returns at once and a third pipe is delivered.
   */
  @Test
  void staleEventsOnIdlePipesHoldNoReaderThread() throws Exception {
    Opened[] a = descriptors.pipe(ALICE);
    Opened[] b = descriptors.pipe(ALICE);
    Opened[] c = descriptors.pipe(ALICE);
    readers.execute(staleEvent(a[0], a[1], ReceiveMode.ACTIVE));
    readers.execute(staleEvent(b[0], b[1], ReceiveMode.ACTIVE));
    active.setMode(c[0].handle(), c[0].inner(), ReceiveMode.ACTIVE);
    descriptors.write(c[1].inner(), bytes("C"));
    readers.execute(events.next());
    Sent s = sent.poll(2, TimeUnit.SECONDS);
    assertNotNull(s, "the reader threads are held by stale events: nothing else is delivered");
    assertEquals("C", data(s));
    // The idle pipes are still watched: their next input comes as usual.
    descriptors.write(a[1].inner(), bytes("a"));
    readers.execute(events.next());
    assertEquals("a", data(next()));
    assertNull(sent.poll(200, TimeUnit.MILLISECONDS));
  }

  private Sent next() throws InterruptedException {
    Sent s = sent.poll(10, TimeUnit.SECONDS);
    assertNotNull(s, "no event within 10 s");
    return s;
  }

  private static String data(Sent s) {
    return new String(
        assertInstanceOf(ActiveEvent.Data.class, s.event()).bytes(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
