package dev.fdnode.active;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.FdLeakCheck;
import dev.fdnode.core.Handle;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.Opened;
import dev.fdnode.core.Pid;
import dev.fdnode.core.Posix;
import dev.fdnode.core.ReceiveMode;
import dev.fdnode.poll.Poller;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Active and active-once delivery from real pipes and files. Leaks are checked by descriptor
 * target, not count (the JVM opens its own descriptors at any time).
 */
@ExtendWith(FdLeakCheck.class)
class ActiveDeliveryTest {
  private static final Pid ALICE = new Pid("a@host", 1, 0, 1);
  private static final Pid BOB = new Pid("a@host", 2, 0, 1);

  /** One event as the sink saw it. */
  record Sent(Pid to, Handle handle, ActiveEvent event) {}

  private final LinkedBlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
  private ExecutorService readers;
  private Poller poller;
  private Descriptors descriptors;
  private ActiveDelivery active;

  @BeforeEach
  void start() throws Exception {
    readers = Executors.newFixedThreadPool(2);
    poller = new Poller("active-test", readers);
    descriptors = new Descriptors(new Posix(), 1024);
    active =
        new ActiveDelivery(
            descriptors,
            poller,
            readers,
            (to, handle, event) -> sent.add(new Sent(to, handle, ActiveModeSwitchTest.kept(event))),
            4096);
  }

  @AfterEach
  void stop() throws Exception {
    shutDown();
    assertNull(sent.poll(), "no event beyond those the test expected");
  }

  private void shutDown() throws Exception {
    active.close();
    descriptors.close();
    poller.close();
    readers.shutdown();
    assertTrue(readers.awaitTermination(5, TimeUnit.SECONDS));
  }

  @Test
  void activeDeliversEveryByteInOrderThenEndOfInput() throws Exception {
    Opened[] pipe = descriptors.pipe(ALICE);
    byte[] payload = randomBytes(300_000);
    Thread writer =
        new Thread(
            () -> {
              try {
                descriptors.write(pipe[1].inner(), payload);
                descriptors.close(pipe[1].inner());
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    active.setMode(pipe[0].handle(), pipe[0].inner(), ReceiveMode.ACTIVE);
    writer.start();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    while (true) {
      Sent s = next();
      assertEquals(ALICE, s.to());
      assertEquals(pipe[0].handle(), s.handle());
      if (s.event() instanceof ActiveEvent.Data d) {
        assertTrue(d.bytes().length <= 4096, "chunks respect the chunk size");
        got.write(d.bytes());
      } else {
        assertInstanceOf(ActiveEvent.Closed.class, s.event());
        break;
      }
    }
    writer.join();
    assertArrayEquals(payload, got.toByteArray());
    descriptors.close(pipe[0].inner());
  }

  @Test
  void activeOnceSendsOneMessageThenGoesPassive() throws Exception {
    Opened[] pipe = descriptors.pipe(ALICE);
    FdInner reader = pipe[0].inner();
    descriptors.write(pipe[1].inner(), "first".getBytes());
    active.setMode(pipe[0].handle(), reader, ReceiveMode.ACTIVE_ONCE);
    assertArrayEquals("first".getBytes(), ((ActiveEvent.Data) next().event()).bytes());
    assertInstanceOf(ActiveEvent.Passive.class, next().event());
    assertEquals(ReceiveMode.PASSIVE, reader.mode());

    // Passive now: new input waits for the next pull.
    descriptors.write(pipe[1].inner(), "second".getBytes());
    assertArrayEquals("second".getBytes(), descriptors.read(reader, 100));
    descriptors.write(pipe[1].inner(), "third".getBytes());
    active.setMode(pipe[0].handle(), reader, ReceiveMode.ACTIVE_ONCE);
    assertArrayEquals("third".getBytes(), ((ActiveEvent.Data) next().event()).bytes());
    assertInstanceOf(ActiveEvent.Passive.class, next().event());
    descriptors.close(pipe[1].inner());
    descriptors.close(reader);
  }

  @Test
  void activeNCountsDownAddsUpAndEndsPassive() throws Exception {
    Opened[] pipe = descriptors.pipe(ALICE);
    FdInner reader = pipe[0].inner();
    Handle h = pipe[0].handle();
    active.addActiveCount(h, reader, 1);
    active.addActiveCount(h, reader, 1); // adds up, as inet does
    assertEquals(ReceiveMode.ACTIVE_N, reader.mode());
    assertEquals(2, reader.activeCount());
    for (String chunk : new String[] {"one", "two"}) {
      descriptors.write(pipe[1].inner(), chunk.getBytes());
      assertArrayEquals(chunk.getBytes(), ((ActiveEvent.Data) next().event()).bytes());
    }
    assertInstanceOf(ActiveEvent.Passive.class, next().event());
    assertEquals(ReceiveMode.PASSIVE, reader.mode());
    assertEquals(0, reader.activeCount());

    // Above 32767 in all: einval, nothing changes; 0 or less: passive at once, and said.
    active.addActiveCount(h, reader, ActiveDelivery.MAX_ACTIVE_COUNT);
    FdException tooMany =
        assertThrows(FdException.class, () -> active.addActiveCount(h, reader, 1));
    assertEquals("einval", tooMany.reason());
    assertEquals(ActiveDelivery.MAX_ACTIVE_COUNT, reader.activeCount());
    active.addActiveCount(h, reader, -ActiveDelivery.MAX_ACTIVE_COUNT);
    assertInstanceOf(ActiveEvent.Passive.class, next().event());
    assertEquals(ReceiveMode.PASSIVE, reader.mode());
    descriptors.close(pipe[1].inner());
    descriptors.close(reader);
  }

  @Test
  void transferMovesDeliveryToTheNewControllerFromTheNextChunk() throws Exception {
    Opened[] pipe = descriptors.pipe(ALICE);
    FdInner reader = pipe[0].inner();
    active.setMode(pipe[0].handle(), reader, ReceiveMode.ACTIVE_ONCE);
    descriptors.write(pipe[1].inner(), "to alice".getBytes());
    assertEquals(ALICE, next().to());
    assertEquals(ALICE, next().to()); // the passive notice
    active.transfer(reader, BOB);
    assertEquals(BOB, reader.owner());
    active.setMode(pipe[0].handle(), reader, ReceiveMode.ACTIVE_ONCE);
    descriptors.write(pipe[1].inner(), "to bob".getBytes());
    Sent s = next();
    assertEquals(BOB, s.to());
    assertArrayEquals("to bob".getBytes(), ((ActiveEvent.Data) s.event()).bytes());
    Sent passive = next();
    assertEquals(BOB, passive.to());
    assertInstanceOf(ActiveEvent.Passive.class, passive.event());
    descriptors.close(pipe[1].inner());
    descriptors.close(reader);
  }

  @Test
  void keptBytesFromAPassiveSwitchAreNotLost() throws Exception {
    Opened[] pipe = descriptors.pipe(ALICE);
    FdInner reader = pipe[0].inner();
    active.setMode(pipe[0].handle(), reader, ReceiveMode.ACTIVE);
    active.setMode(pipe[0].handle(), reader, ReceiveMode.PASSIVE);
    // The read armed by the active switch may or may not fire before the
    // passive switch; either way the bytes must come out exactly once.
    descriptors.write(pipe[1].inner(), "kept".getBytes());
    descriptors.close(pipe[1].inner());
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] chunk;
    while ((chunk = pendingOrRead(reader)) != null) {
      got.write(chunk);
    }
    assertEquals("kept", got.toString());
    assertNull(sent.poll(), "nothing was pushed while passive");
    descriptors.close(reader);
  }

  @Test
  void regularFilesAreDeliveredByWorkersToTheEnd(@TempDir Path dir) throws Exception {
    byte[] payload = randomBytes(20_000);
    Path file = Files.write(dir.resolve("data.bin"), payload);
    Opened f =
        descriptors.open(
            file.toString(),
            new OpenOptions(true, false, false, false, false, false, false, 0644),
            ALICE);
    active.setMode(f.handle(), f.inner(), ReceiveMode.ACTIVE);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    Sent s;
    while ((s = next()).event() instanceof ActiveEvent.Data d) {
      got.write(d.bytes());
    }
    assertInstanceOf(ActiveEvent.Closed.class, s.event());
    assertArrayEquals(payload, got.toByteArray());
    descriptors.close(f.inner());
  }

  @Test
  void ownerExitClosesTheFdAndStopsWatchingIt() throws Exception {
    Opened[] pipe = descriptors.pipe(ALICE);
    // Bob keeps the write end: closing it too would make the read end
    // report end of input, a real event that could race the close.
    pipe[1].inner().transferTo(BOB);
    active.setMode(pipe[0].handle(), pipe[0].inner(), ReceiveMode.ACTIVE);
    assertEquals(1, descriptors.stats().activeModeFds());
    assertEquals(1, descriptors.ownerDown(ALICE));
    assertTrue(pipe[0].inner().awaitClosed(5, TimeUnit.SECONDS));
    assertEquals(0, descriptors.stats().activeModeFds());
    assertEquals(0, poller.size(), "the poller forgot the closed fd");
    descriptors.close(pipe[1].inner());
  }

  @Test
  void activeNNeedsACount() throws Exception {
    Opened[] pipe = descriptors.pipe(ALICE);
    FdException e =
        assertThrows(
            FdException.class,
            () -> active.setMode(pipe[0].handle(), pipe[0].inner(), ReceiveMode.ACTIVE_N));
    assertEquals("einval", e.reason());
    assertEquals(ReceiveMode.PASSIVE, pipe[0].inner().mode());
    assertEquals(0, poller.size(), "nothing is watched");
    descriptors.close(pipe[1].inner());
    descriptors.close(pipe[0].inner());
  }

  /** A set_mode that looked the descriptor up just before it was closed leaves nothing behind. */
  @Test
  void activatingADescriptorClosedMeanwhileWatchesNothing() throws Exception {
    Opened[] pipe = descriptors.pipe(ALICE);
    descriptors.close(pipe[0].inner());
    active.setMode(pipe[0].handle(), pipe[0].inner(), ReceiveMode.ACTIVE);
    assertEquals(
        0, descriptors.stats().activeModeFds(), "a closed descriptor is not counted as active");
    assertEquals(0, poller.size());
    assertNull(active.takePending(pipe[0].inner()), "and its watch is gone");
    descriptors.close(pipe[1].inner());
  }

  private byte[] pendingOrRead(FdInner reader) throws Exception {
    byte[] kept = active.takePending(reader);
    return kept != null ? kept : descriptors.read(reader, 100);
  }

  private Sent next() throws InterruptedException {
    Sent s = sent.poll(10, TimeUnit.SECONDS);
    if (s == null) {
      throw new AssertionError("no event within 10 s");
    }
    return s;
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }
}
