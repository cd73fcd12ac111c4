package dev.fdnode.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fdnode.core.FdLeakCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.constants.platform.OpenFlags;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The selector against real pipes and files. */
class PollerTest {
  private static final POSIX POSIX = POSIXFactory.getNativePOSIX();

  private ExecutorService handlers;
  private Map<Integer, String> fdsBefore;

  @BeforeEach
  void start() {
    fdsBefore = FdLeakCheck.openFds();
    handlers = Executors.newFixedThreadPool(2);
  }

  @AfterEach
  void stop() throws InterruptedException {
    handlers.shutdown();
    assertTrue(handlers.awaitTermination(5, TimeUnit.SECONDS));
    // By target: the JVM opens and closes descriptors of its own at any time.
    assertEquals(Map.of(), FdLeakCheck.leaks(fdsBefore, FdLeakCheck.openFds()), "leaked");
  }

  @Test
  void readinessIsOneShotUntilRearmed() throws Exception {
    int[] data = pipe();
    int[] probe = pipe();
    LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    AtomicInteger dataEvents = new AtomicInteger();
    try (Poller poller = new Poller("test-poller", handlers)) {
      Poller.Registration reg =
          poller.register(
              data[0],
              () -> {
                dataEvents.incrementAndGet();
                events.add("data");
              });
      poller.register(probe[0], () -> events.add("probe"));
      write(data[1], "a");
      assertEquals("data", events.poll(5, TimeUnit.SECONDS));

      // Still unread input, but the registration is disarmed: a later
      // wake-up (the probe) must not bring a second data event with it.
      write(probe[1], "p");
      assertEquals("probe", events.poll(5, TimeUnit.SECONDS));
      assertEquals(1, dataEvents.get());

      reg.rearm();
      assertEquals("data", events.poll(5, TimeUnit.SECONDS));
      assertEquals(2, dataEvents.get());
    } finally {
      closeAll(data[0], data[1], probe[0], probe[1]);
    }
  }

  @Test
  void availableCountsWaitingBytes() {
    int[] p = pipe();
    try {
      assertEquals(0, Poller.available(p[0]));
      write(p[1], "hello");
      assertEquals(5, Poller.available(p[0]));
      assertEquals(-1, Poller.available(-1), "a bad fd is unknown, not zero");
    } finally {
      closeAll(p[0], p[1]);
    }
  }

  @Test
  void endOfInputIsReported() throws Exception {
    int[] p = pipe();
    LinkedBlockingQueue<Integer> reads = new LinkedBlockingQueue<>();
    try (Poller poller = new Poller("test-poller", handlers)) {
      poller.register(p[0], () -> reads.add(POSIX.read(p[0], new byte[16], 16)));
      POSIX.close(p[1]);
      assertEquals(0, reads.poll(5, TimeUnit.SECONDS), "read at end of input returns 0");
    } finally {
      POSIX.close(p[0]);
    }
  }

  @Test
  void cancelledRegistrationGetsNoEvents() throws Exception {
    int[] watched = pipe();
    int[] probe = pipe();
    LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
    try (Poller poller = new Poller("test-poller", handlers)) {
      Poller.Registration reg = poller.register(watched[0], () -> events.add("watched"));
      poller.register(probe[0], () -> events.add("probe"));
      reg.cancel();
      reg.cancel(); // idempotent
      assertEquals(1, poller.size());
      write(watched[1], "x");
      write(probe[1], "p");
      assertEquals("probe", events.poll(5, TimeUnit.SECONDS));
      assertEquals(null, events.poll(0, TimeUnit.SECONDS));
    } finally {
      closeAll(watched[0], watched[1], probe[0], probe[1]);
    }
  }

  @Test
  void regularFilesAreNotPollable(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("plain.txt"), "hello");
    int fd = POSIX.open(file.toString(), OpenFlags.O_RDONLY.intValue(), 0);
    assertTrue(fd >= 0);
    try (Poller poller = new Poller("test-poller", handlers)) {
      PollException e = assertThrows(PollException.class, () -> poller.register(fd, () -> {}));
      assertTrue(e.notPollable());
      assertEquals(0, poller.size(), "a failed register leaves nothing behind");
    } finally {
      POSIX.close(fd);
    }
  }

  private static int[] pipe() {
    int[] fds = new int[2];
    assertEquals(0, POSIX.pipe(fds));
    return fds;
  }

  private static void write(int fd, String s) {
    byte[] bytes = s.getBytes();
    assertEquals(bytes.length, POSIX.write(fd, bytes, bytes.length));
  }

  private static void closeAll(int... fds) {
    for (int fd : fds) {
      POSIX.close(fd);
    }
  }
}
