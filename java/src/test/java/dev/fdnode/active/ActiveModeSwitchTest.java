package dev.fdnode.active;

import static org.junit.jupiter.api.Assertions.*;

import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.FdLeakCheck;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.Opened;
import dev.fdnode.core.Pid;
import dev.fdnode.core.Posix;
import dev.fdnode.core.ReceiveMode;
import dev.fdnode.net.Sockets;
import dev.fdnode.poll.Poller;
import dev.fdnode.testing.Await;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mode switches racing with reads, datagrams, failures and forgetting, on real FIFOs, directories
 * and UDP sockets. The poller's handlers run on an executor the test drives, and the delivery's
 * read can be held just before it reads ({@link HeldRead}), so a switch can come while a read is in
 * flight.
 */
class ActiveModeSwitchTest {
  private static final Pid ALICE = new Pid("a@host", 1, 0, 1);
  private static final Pid BOB = new Pid("a@host", 2, 0, 1);

  /** Queues tasks until the test runs them. */
  static final class ManualExecutor implements Executor {
    final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();

    @Override
    public void execute(Runnable r) {
      tasks.add(r);
    }

    Runnable next() throws InterruptedException {
      Runnable r = tasks.poll(10, TimeUnit.SECONDS);
      assertNotNull(r, "no readiness event within 10 s");
      return r;
    }
  }

  /**
   * The delivery's real read, which the test can hold once: the next read then stops just before
   * reading until released, in flight as far as the delivery is concerned.
   */
  static final class HeldRead implements ActiveDelivery.ChunkRead {
    private final Descriptors descriptors;
    private volatile boolean holdNext;
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    HeldRead(Descriptors descriptors) {
      this.descriptors = descriptors;
    }

    @Override
    public int read(FdInner inner, byte[] buffer, int length) throws FdException {
      if (holdNext) {
        holdNext = false;
        held.countDown();
        try {
          released.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return descriptors.readIntoNow(inner, buffer, length);
    }

    void holdNext() {
      holdNext = true;
    }

    void awaitHeld() throws InterruptedException {
      assertTrue(held.await(10, TimeUnit.SECONDS), "the read never started");
    }

    void release() {
      released.countDown();
    }
  }

  record Sent(Pid to, ActiveEvent event) {}

  @TempDir Path dir;

  private final LinkedBlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
  private final Posix posix = new Posix();
  private final ManualExecutor handlers = new ManualExecutor();
  private Map<Integer, String> fdsBefore;
  private ExecutorService readers;
  private Poller poller;
  private Descriptors descriptors;
  private ActiveDelivery active;
  private HeldRead reads;

  @BeforeEach
  void start() throws Exception {
    fdsBefore = FdLeakCheck.openFds();
    readers = Executors.newFixedThreadPool(2);
    poller = new Poller("switch-test", handlers);
    descriptors = new Descriptors(posix, 64);
    reads = new HeldRead(descriptors);
    active =
        new ActiveDelivery(
            descriptors,
            poller,
            readers,
            (to, h, e) -> sent.add(new Sent(to, kept(e))),
            4096,
            reads);
  }

  @AfterEach
  void stop() throws Exception {
    active.close();
    descriptors.close();
    poller.close();
    readers.shutdown();
    assertTrue(readers.awaitTermination(5, TimeUnit.SECONDS));
    assertEquals(Map.of(), FdLeakCheck.leaks(fdsBefore, FdLeakCheck.openFds()), "leaked");
    assertNull(sent.poll(), "no event beyond those the test expected");
  }

  /** A FIFO with a managed blocking reader and writer. */
  private record Fifo(Opened reader, Opened writer) {}

  private Fifo fifo() throws Exception {
    Path p = dir.resolve("fifo");
    posix.mkfifo(p.toString(), 0600);
    // Blocking opens of a FIFO wait for the other end: a passing reader lets the writer open.
    int passing = posix.open(p.toString(), OpenOptions.readOnly().withNonblock());
    Opened w = descriptors.open(p.toString(), OpenOptions.writeNew(), ALICE);
    Opened r = descriptors.open(p.toString(), OpenOptions.readOnly(), ALICE);
    posix.close(passing);
    return new Fifo(r, w);
  }

  /**
   * Active, epoll reports input, the delivery's read is held just before it reads, and the test
   * switches to passive meanwhile. What that read then gets is kept.
   */
  private Thread readCaughtByAPassiveSwitch(Fifo f) throws Exception {
    Thread reading = heldRead(f, bytes("B"));
    active.setMode(f.reader().handle(), f.reader().inner(), ReceiveMode.PASSIVE);
    reads.release();
    reading.join(10_000);
    assertFalse(reading.isAlive());
    assertNull(sent.poll(), "nothing is pushed to a passive descriptor");
    return reading;
  }

  /** Active, {@code input} written, and the delivery's read of it held in flight. */
  private Thread heldRead(Fifo f, byte[] input) throws Exception {
    reads.holdNext();
    active.setMode(f.reader().handle(), f.reader().inner(), ReceiveMode.ACTIVE);
    descriptors.write(f.writer().inner(), input);
    Thread reading = new Thread(handlers.next(), "delivery-read");
    reading.start();
    reads.awaitHeld();
    return reading;
  }

  @Test
  void bytesReadDuringASwitchToPassiveAreHandedToTheNextRead() throws Exception {
    Fifo f = fifo();
    readCaughtByAPassiveSwitch(f);
    assertArrayEquals(bytes("B"), active.takePending(f.reader().inner()));
    assertNull(active.takePending(f.reader().inner()), "handed back once");
    assertEquals(ReceiveMode.PASSIVE, f.reader().inner().mode());
  }

  @Test
  void bytesKeptFromAPassiveSwitchComeFirstWhenActiveAgain() throws Exception {
    Fifo f = fifo();
    readCaughtByAPassiveSwitch(f);
    descriptors.write(f.writer().inner(), bytes("C"));
    active.setMode(f.reader().handle(), f.reader().inner(), ReceiveMode.ACTIVE);
    assertEquals("B", data(next()));
    handlers.next().run(); // epoll again: the input that came meanwhile
    assertEquals("C", data(next()));
    assertEquals(1, descriptors.stats().activeModeFds());
  }

  @Test
  void keptBytesSatisfyActiveOnceWithoutAnotherRead() throws Exception {
    Fifo f = fifo();
    readCaughtByAPassiveSwitch(f);
    descriptors.write(f.writer().inner(), bytes("C"));
    active.setMode(f.reader().handle(), f.reader().inner(), ReceiveMode.ACTIVE_ONCE);
    assertEquals("B", data(next()));
    assertInstanceOf(ActiveEvent.Passive.class, next().event());
    assertEquals(ReceiveMode.PASSIVE, f.reader().inner().mode());
    assertEquals(0, descriptors.stats().activeModeFds());
    assertNull(handlers.tasks.poll(200, TimeUnit.MILLISECONDS), "not armed again");
    assertEquals("C", new String(descriptors.read(f.reader().inner(), 10), StandardCharsets.UTF_8));
  }

  @Test
  void aReadFailureIsSentToTheController() throws Exception {
    Opened d = descriptors.open(dir.toString(), OpenOptions.readOnly(), ALICE);
    d.inner().setController(BOB);
    active.setMode(d.handle(), d.inner(), ReceiveMode.ACTIVE); // epoll refuses a directory
    Sent s = next();
    assertEquals(BOB, s.to());
    assertEquals("eisdir", assertInstanceOf(ActiveEvent.Error.class, s.event()).reason());
  }

  @Test
  void closingAnActiveDescriptorStopsWatchingItSilently() throws Exception {
    Fifo f = fifo();
    active.setMode(f.reader().handle(), f.reader().inner(), ReceiveMode.ACTIVE);
    assertEquals(1, poller.size());
    descriptors.close(f.reader().inner());
    assertEquals(0, poller.size());
    assertEquals(0, descriptors.stats().activeModeFds());
    assertNull(active.takePending(f.reader().inner()));
    active.forget(f.reader().inner()); // again: nothing to do
  }

  /** Forgetting an open descriptor removes its epoll entry, so it can be watched afresh. */
  @Test
  void aForgottenDescriptorCanBeWatchedAgain() throws Exception {
    Fifo f = fifo();
    active.setMode(f.reader().handle(), f.reader().inner(), ReceiveMode.ACTIVE);
    active.forget(f.reader().inner());
    assertEquals(0, poller.size());
    descriptors.write(f.writer().inner(), bytes("again"));
    active.setMode(f.reader().handle(), f.reader().inner(), ReceiveMode.ACTIVE);
    handlers.next().run();
    assertEquals("again", data(next()));
  }

  @Test
  void transferAndTakeOnAnUnwatchedDescriptor() throws Exception {
    Fifo f = fifo();
    active.transfer(f.reader().inner(), BOB);
    assertEquals(BOB, f.reader().inner().owner());
    assertEquals(BOB, f.reader().inner().controller());
    assertNull(active.takePending(f.reader().inner()));
    assertNull(active.takePendingDatagram(f.reader().inner()));
    assertEquals(0, descriptors.stats().activeModeFds());
  }

  @Test
  void datagramsArriveWithTheirSenderAndActiveOnceStopsAfterOne() throws Exception {
    Sockets sockets = new Sockets();
    Opened u = descriptors.openWith(() -> sockets.udpOpen("127.0.0.1", 0, false, false), ALICE);
    FdInner sender =
        descriptors.openWith(() -> sockets.udpOpen("127.0.0.1", 0, false, false), ALICE).inner();
    int port = sockets.sockname(u.inner()).getPort();
    int from = sockets.sockname(sender).getPort();
    active.setMode(u.handle(), u.inner(), ReceiveMode.ACTIVE);
    assertEquals(1, descriptors.stats().activeModeFds());
    sockets.sendTo(sender, "127.0.0.1", port, bytes("one"));
    handlers.next().run();
    ActiveEvent.Datagram first = assertInstanceOf(ActiveEvent.Datagram.class, next().event());
    assertEquals("one", new String(first.data(), StandardCharsets.UTF_8));
    assertEquals(InetAddress.getByName("127.0.0.1"), first.from());
    assertEquals(from, first.port());

    sockets.sendTo(sender, "127.0.0.1", port, bytes("two"));
    handlers.next().run(); // re-armed after the first
    assertEquals("two", new String(datagram(next()).data(), StandardCharsets.UTF_8));

    active.setMode(u.handle(), u.inner(), ReceiveMode.ACTIVE_ONCE);
    sockets.sendTo(sender, "127.0.0.1", port, bytes("three"));
    sockets.sendTo(sender, "127.0.0.1", port, bytes("four"));
    handlers.next().run();
    assertEquals("three", new String(datagram(next()).data(), StandardCharsets.UTF_8));
    assertInstanceOf(ActiveEvent.Passive.class, next().event());
    assertNull(handlers.tasks.poll(200, TimeUnit.MILLISECONDS), "passive: not armed again");
    assertEquals(3 + 3 + 5, descriptors.stats().bytesRead(), "delivered bytes are counted");
    assertEquals(
        "four", new String(sockets.recvFrom(u.inner(), 2000).data(), StandardCharsets.UTF_8));
  }

  private static String data(Sent s) {
    return new String(
        assertInstanceOf(ActiveEvent.Data.class, s.event()).bytes(), StandardCharsets.UTF_8);
  }

  private static ActiveEvent.Datagram datagram(Sent s) {
    return assertInstanceOf(ActiveEvent.Datagram.class, s.event());
  }

  private Sent next() throws InterruptedException {
    Sent s = sent.poll(10, TimeUnit.SECONDS);
    assertNotNull(s, "no event within 10 s");
    return s;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** One readiness event reads what is waiting, up to a bound, then yields to other fds. */
  @Test
  void oneReadinessEventMovesABurstOfAtMostSixteenChunks() throws Exception {
    Opened[] pipe = descriptors.pipe(ALICE);
    active.setMode(pipe[0].handle(), pipe[0].inner(), ReceiveMode.ACTIVE);
    descriptors.write(pipe[1].inner(), new byte[3 * 4096]);
    handlers.next().run();
    for (int i = 0; i < 3; i++) {
      assertEquals(4096, assertInstanceOf(ActiveEvent.Data.class, next().event()).bytes().length);
    }
    assertNull(handlers.tasks.poll(200, TimeUnit.MILLISECONDS), "all three in one event");

    descriptors.write(pipe[1].inner(), new byte[20 * 4096]); // fits: the pipe was grown
    handlers.next().run();
    for (int i = 0; i < 16; i++) {
      assertInstanceOf(ActiveEvent.Data.class, next().event());
    }
    assertNull(sent.poll(200, TimeUnit.MILLISECONDS), "sixteen, then back to epoll");
    handlers.next().run(); // the rest is still waiting: epoll reports it at once
    for (int i = 0; i < 4; i++) {
      assertInstanceOf(ActiveEvent.Data.class, next().event());
    }
    assertEquals(0, Poller.available(pipe[0].inner().rawFd()));
  }

  @Test
  void activeOnceLeavesTheRestOfABurstInTheKernel() throws Exception {
    Opened[] pipe = descriptors.pipe(ALICE);
    descriptors.write(pipe[1].inner(), new byte[2 * 4096]);
    active.setMode(pipe[0].handle(), pipe[0].inner(), ReceiveMode.ACTIVE_ONCE);
    handlers.next().run();
    assertEquals(4096, assertInstanceOf(ActiveEvent.Data.class, next().event()).bytes().length);
    assertInstanceOf(ActiveEvent.Passive.class, next().event());
    assertNull(active.takePending(pipe[0].inner()), "nothing read past the one message");
    assertEquals(4096, Poller.available(pipe[0].inner().rawFd()));
  }

  @Test
  void aReadinessEventThatFindsTheFdPassiveOrForgottenReadsNothing() throws Exception {
    Opened[] pipe = descriptors.pipe(ALICE);
    active.setMode(pipe[0].handle(), pipe[0].inner(), ReceiveMode.ACTIVE);
    descriptors.write(pipe[1].inner(), bytes("x"));
    Runnable ready = handlers.next();
    active.setMode(pipe[0].handle(), pipe[0].inner(), ReceiveMode.PASSIVE);
    ready.run();
    assertNull(active.takePending(pipe[0].inner()));
    assertEquals(1, Poller.available(pipe[0].inner().rawFd()), "still in the kernel");

    active.setMode(pipe[0].handle(), pipe[0].inner(), ReceiveMode.ACTIVE);
    Runnable again = handlers.next();
    active.forget(pipe[0].inner());
    again.run();
    assertEquals(1, Poller.available(pipe[0].inner().rawFd()), "a forgotten fd is not read");
  }

  @Test
  void passiveOnAnUnwatchedFdWatchesNothing() throws Exception {
    Opened[] pipe = descriptors.pipe(ALICE);
    descriptors.write(pipe[1].inner(), bytes("x"));
    active.setMode(pipe[0].handle(), pipe[0].inner(), ReceiveMode.PASSIVE);
    assertEquals(0, poller.size());
    assertNull(handlers.tasks.poll(200, TimeUnit.MILLISECONDS));
    assertEquals(ReceiveMode.PASSIVE, pipe[0].inner().mode());
  }

  @Test
  void goingActiveGrowsAPipeForBursts() throws Exception {
    Opened[] pipe = descriptors.pipe(ALICE);
    assertEquals(65536, pipeSize(pipe[0].inner().rawFd()), "Linux's default");
    active.setMode(pipe[0].handle(), pipe[0].inner(), ReceiveMode.ACTIVE);
    assertEquals(1 << 20, pipeSize(pipe[0].inner().rawFd()));
  }

  @Test
  void closingTheDeliveryStopsWatchingEverything() throws Exception {
    Opened[] a = descriptors.pipe(ALICE);
    Opened[] b = descriptors.pipe(ALICE);
    active.setMode(a[0].handle(), a[0].inner(), ReceiveMode.ACTIVE);
    active.setMode(b[0].handle(), b[0].inner(), ReceiveMode.ACTIVE);
    assertEquals(2, poller.size());
    active.close();
    assertEquals(0, poller.size());
  }

  @Test
  void aLargeFileIsReadByWorkersPastOneBurst() throws Exception {
    byte[] payload = new byte[40 * 4096 + 123];
    new java.util.Random(7).nextBytes(payload);
    Path file = java.nio.file.Files.write(dir.resolve("big"), payload);
    Opened f = descriptors.open(file.toString(), OpenOptions.readOnly(), ALICE);
    active.setMode(f.handle(), f.inner(), ReceiveMode.ACTIVE);
    java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
    Sent s;
    while ((s = next()).event() instanceof ActiveEvent.Data d) {
      got.write(d.bytes());
    }
    assertInstanceOf(ActiveEvent.Closed.class, s.event());
    assertArrayEquals(payload, got.toByteArray());
  }

  @Test
  void aStreamSocketGetsDataNotDatagrams() throws Exception {
    Sockets sockets = new Sockets();
    FdInner listener =
        descriptors.openWith(() -> sockets.listen("127.0.0.1", 0, 4, true, false), ALICE).inner();
    int port = sockets.sockname(listener).getPort();
    FdInner client =
        descriptors.openWith(() -> sockets.connect("127.0.0.1", port, 5000), ALICE).inner();
    Opened server = descriptors.openWith(() -> sockets.accept(listener, 5000), ALICE);
    active.setMode(server.handle(), server.inner(), ReceiveMode.ACTIVE);
    sockets.send(client, bytes("tcp"));
    handlers.next().run();
    assertEquals("tcp", data(next()));
  }

  /** F_GETPIPE_SZ, which JNR-POSIX does not name. */
  public interface PipeLib {
    int fcntl(int fd, int cmd, int arg);
  }

  private static final PipeLib PIPE_LIB = jnr.ffi.LibraryLoader.create(PipeLib.class).load("c");

  private static int pipeSize(int fd) {
    return PIPE_LIB.fcntl(fd, 1032, 0);
  }

  /** A read that ends after its descriptor was forgotten delivers nothing and keeps nothing. */
  @Test
  void aReadEndingAfterForgetIsDropped() throws Exception {
    Fifo f = fifo();
    Thread reading = heldRead(f, bytes("B"));
    active.forget(f.reader().inner());
    reads.release();
    reading.join(10_000);
    assertFalse(reading.isAlive());
    assertNull(sent.poll(), "a forgotten descriptor gets no events");
    assertNull(active.takePending(f.reader().inner()));
  }

  /**
   * A passive read that comes while the active read is still under way waits for it: its bytes are
   * the next ones, and reading past them would hand the input out of order. An interrupt does not
   * end that wait early, and is still set afterwards.
   */
  @Test
  void aPassiveReadWaitsForTheReadInFlightAndKeepsItsInterrupt() throws Exception {
    Fifo f = fifo();
    FdInner reader = f.reader().inner();
    Thread reading = heldRead(f, bytes("B"));
    active.setMode(f.reader().handle(), reader, ReceiveMode.PASSIVE);
    java.util.concurrent.atomic.AtomicReference<byte[]> taken =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean interruptKept =
        new java.util.concurrent.atomic.AtomicBoolean();
    Thread taker =
        new Thread(
            () -> {
              Thread.currentThread().interrupt();
              taken.set(active.takePending(reader));
              interruptKept.set(Thread.interrupted());
            },
            "passive-read");
    taker.start();
    awaitWaitingOrDone(taker);
    reads.release(); // the read in flight gets "B"
    taker.join(10_000);
    reading.join(10_000);
    assertFalse(taker.isAlive());
    assertFalse(reading.isAlive());
    assertArrayEquals(bytes("B"), taken.get(), "waited for the read in flight");
    assertTrue(interruptKept.get(), "the interrupt is kept for the caller");
    assertNull(sent.poll(), "nothing is pushed to a passive descriptor");
  }

  /** A read that ends after its descriptor was forgotten stops there: the rest stays unread. */
  @Test
  void aReadEndingAfterForgetLeavesTheRestInTheKernel() throws Exception {
    Fifo f = fifo();
    FdInner reader = f.reader().inner();
    Thread reading = heldRead(f, new byte[4096 + 1000]); // one chunk, and more
    active.forget(reader);
    reads.release();
    reading.join(10_000);
    assertFalse(reading.isAlive());
    assertNull(sent.poll(), "a forgotten descriptor gets no events");
    assertEquals(1000, Poller.available(reader.rawFd()), "no read past the one in flight");
  }

  /** A readiness event whose datagram another read took re-arms without a word. */
  @Test
  void aDatagramTakenByAnotherReadReArmsSilently() throws Exception {
    Sockets sockets = new Sockets();
    Opened u = descriptors.openWith(() -> sockets.udpOpen("127.0.0.1", 0, false, false), ALICE);
    FdInner sender =
        descriptors.openWith(() -> sockets.udpOpen("127.0.0.1", 0, false, false), ALICE).inner();
    int port = sockets.sockname(u.inner()).getPort();
    active.setMode(u.handle(), u.inner(), ReceiveMode.ACTIVE);
    sockets.sendTo(sender, "127.0.0.1", port, bytes("taken"));
    Runnable ready = handlers.next();
    assertEquals(
        "taken", new String(sockets.recvFrom(u.inner(), 2000).data(), StandardCharsets.UTF_8));
    ready.run(); // finds nothing waiting
    assertNull(sent.poll(), "no end of input, no error: nothing happened");
    sockets.sendTo(sender, "127.0.0.1", port, bytes("next"));
    handlers.next().run(); // armed again
    assertEquals("next", new String(datagram(next()).data(), StandardCharsets.UTF_8));
  }

  /** Polled: a thread's waiting shows only in its state. */
  private static void awaitWaitingOrDone(Thread t) throws InterruptedException {
    Await.until(
        "the passive read to wait or return",
        () ->
            t.getState() == Thread.State.TIMED_WAITING || t.getState() == Thread.State.TERMINATED);
  }

  /** A datagram read that finds its socket closing says nothing: closing is not an error. */
  @Test
  void aDatagramReadOnAClosingSocketIsSilent() throws Exception {
    Sockets sockets = new Sockets();
    Opened u = descriptors.openWith(() -> sockets.udpOpen("127.0.0.1", 0, false, false), ALICE);
    FdInner sender =
        descriptors.openWith(() -> sockets.udpOpen("127.0.0.1", 0, false, false), ALICE).inner();
    active.setMode(u.handle(), u.inner(), ReceiveMode.ACTIVE);
    sockets.sendTo(sender, "127.0.0.1", sockets.sockname(u.inner()).getPort(), bytes("late"));
    Runnable ready = handlers.next();
    FdInner.Use busy = u.inner().use(); // keeps the OS close (and so the forget) pending
    assertTrue(u.inner().close());
    ready.run();
    assertNull(sent.poll(), "no error for a descriptor that is closing");
    busy.close();
    assertTrue(u.inner().awaitClosed(5, TimeUnit.SECONDS));
    assertEquals(0, poller.size());
  }

  /** A regular file is always ready: one worker task reads on until the end, not a chunk a task. */
  @Test
  void aWorkerTaskReadsAFileOnWithoutRequeueing() throws Exception {
    ManualExecutor manualReaders = new ManualExecutor();
    ActiveDelivery byHand =
        new ActiveDelivery(
            descriptors,
            poller,
            manualReaders,
            (to, h, e) -> sent.add(new Sent(to, kept(e))),
            4096);
    Path file = java.nio.file.Files.write(dir.resolve("three"), new byte[3 * 4096]);
    Opened f = descriptors.open(file.toString(), OpenOptions.readOnly(), ALICE);
    byHand.setMode(f.handle(), f.inner(), ReceiveMode.ACTIVE);
    manualReaders.next().run();
    for (int i = 0; i < 3; i++) {
      assertEquals(4096, assertInstanceOf(ActiveEvent.Data.class, next().event()).bytes().length);
    }
    assertInstanceOf(ActiveEvent.Closed.class, next().event());
    assertNull(manualReaders.tasks.poll(), "nothing left for another task");
    byHand.close();
  }

  /** If the poller can no longer watch the fd, the controller hears it instead of silence. */
  @Test
  void aFailedRearmIsReportedToTheController() throws Exception {
    Opened[] pipe = descriptors.pipe(ALICE);
    active.setMode(pipe[0].handle(), pipe[0].inner(), ReceiveMode.ACTIVE);
    descriptors.write(pipe[1].inner(), bytes("x"));
    Runnable ready = handlers.next();
    poller.close(); // e.g. the node shutting down
    ready.run();
    assertEquals("x", data(next()));
    String reason = assertInstanceOf(ActiveEvent.Error.class, next().event()).reason();
    assertEquals("ebadf", reason, "epoll_ctl on the closed poller, named as a POSIX error");
  }

  /** A chunk's buffer is only lent for the send: keep a copy, as the sink contract says. */
  static ActiveEvent kept(ActiveEvent e) {
    return e instanceof ActiveEvent.Data d ? new ActiveEvent.Data(d.bytes()) : e;
  }
}
