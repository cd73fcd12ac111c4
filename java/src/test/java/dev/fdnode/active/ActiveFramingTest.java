package dev.fdnode.active;

import static org.junit.jupiter.api.Assertions.*;

import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdLeakCheck;
import dev.fdnode.core.Framer;
import dev.fdnode.core.Opened;
import dev.fdnode.core.Packet;
import dev.fdnode.core.Pid;
import dev.fdnode.core.Posix;
import dev.fdnode.core.ReceiveMode;
import dev.fdnode.poll.Poller;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Active delivery of a descriptor with a packet option, on real pipes: one message per packet,
 * active_once and {active, N} counting packets, the rest kept by the descriptor's framer across
 * mode switches and a change of controller, emsgsize, end of input mid-packet. The poller's
 * handlers run when the test says, so every step is deterministic.
 */
class ActiveFramingTest {
  private static final Pid ALICE = new Pid("a@host", 1, 0, 1);
  private static final Pid BOB = new Pid("a@host", 2, 0, 1);

  record Sent(Pid to, ActiveEvent event) {}

  private final LinkedBlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
  private final ActiveModeSwitchTest.ManualExecutor handlers =
      new ActiveModeSwitchTest.ManualExecutor();
  private Map<Integer, String> fdsBefore;
  private ExecutorService readers;
  private Poller poller;
  private Descriptors descriptors;
  private ActiveDelivery active;
  private Opened r;
  private Opened w;

  @BeforeEach
  void start() throws Exception {
    fdsBefore = FdLeakCheck.openFds();
    readers = Executors.newFixedThreadPool(2);
    poller = new Poller("framing-test", handlers);
    descriptors = new Descriptors(new Posix(), 64);
    active =
        new ActiveDelivery(
            descriptors,
            poller,
            readers,
            (to, h, e) -> sent.add(new Sent(to, ActiveModeSwitchTest.kept(e))),
            4096);
    Opened[] ends = descriptors.pipe(ALICE);
    r = ends[0];
    w = ends[1];
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

  private void frame(Packet.Type type, int size) {
    r.inner().setPacket(new Packet(type, size));
  }

  private void write(String s) throws Exception {
    descriptors.write(w.inner(), s.getBytes(StandardCharsets.ISO_8859_1));
  }

  private void write(byte... bytes) throws Exception {
    descriptors.write(w.inner(), bytes);
  }

  private void mode(ReceiveMode m) throws Exception {
    active.setMode(r.handle(), r.inner(), m);
  }

  private Sent next() throws InterruptedException {
    Sent s = sent.poll(10, TimeUnit.SECONDS);
    assertNotNull(s, "no event within 10 s");
    return s;
  }

  private String data() throws InterruptedException {
    return new String(
        assertInstanceOf(ActiveEvent.Data.class, next().event()).bytes(),
        StandardCharsets.ISO_8859_1);
  }

  private List<String> data(int n) throws InterruptedException {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(data());
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void manyLinesInOneWriteAreOneMessageEach() throws Exception {
    frame(Packet.Type.LINE, 0);
    write("one\ntwo\nthr");
    mode(ReceiveMode.ACTIVE);
    handlers.next().run();
    assertEquals(List.of("one\n", "two\n"), data(2));
    assertNull(sent.poll(100, TimeUnit.MILLISECONDS), "half a line is not a message");
    write("ee\n");
    handlers.next().run();
    assertEquals("three\n", data());
  }

  @Test
  void aPacketSplitOverManyWritesIsOneMessage() throws Exception {
    frame(Packet.Type.TWO, 0);
    mode(ReceiveMode.ACTIVE);
    for (byte b : new byte[] {0, 5, 'h', 'e', 'l', 'l'}) {
      write(b);
      handlers.next().run();
    }
    assertNull(sent.poll(100, TimeUnit.MILLISECONDS));
    write((byte) 'o');
    handlers.next().run();
    assertEquals("hello", data());
  }

  @Test
  void activeOnceDeliversOnePacketAndTheFramerKeepsTheRest() throws Exception {
    frame(Packet.Type.ONE, 0);
    write(new byte[] {1, 'a', 1, 'b', 1, 'c', 2, 'd'});
    mode(ReceiveMode.ACTIVE_ONCE);
    handlers.next().run();
    assertEquals("a", data());
    assertInstanceOf(ActiveEvent.Passive.class, next().event());
    // the next ones come from the framer, without a read: no readiness event is needed
    mode(ReceiveMode.ACTIVE_ONCE);
    assertEquals("b", data());
    assertInstanceOf(ActiveEvent.Passive.class, next().event());
    Framer framer = r.inner().framer();
    assertEquals(
        "c", new String(((Framer.Taken.Whole) framer.take()).bytes(), StandardCharsets.ISO_8859_1));
    assertEquals(new Framer.Taken.NeedMore(1), framer.take()); // "d" lacks a byte
    assertNull(handlers.tasks.poll(100, TimeUnit.MILLISECONDS), "passive: not armed");
  }

  @Test
  void activeNCountsPacketsNotReads() throws Exception {
    frame(Packet.Type.LINE, 0);
    write("1\n2\n3\n4\n5\n");
    active.addActiveCount(r.handle(), r.inner(), 3);
    handlers.next().run();
    assertEquals(List.of("1\n", "2\n", "3\n"), data(3));
    assertInstanceOf(ActiveEvent.Passive.class, next().event());
    active.addActiveCount(r.handle(), r.inner(), 5);
    assertEquals(List.of("4\n", "5\n"), data(2)); // from the framer, at the switch
    assertEquals(ReceiveMode.ACTIVE_N, r.inner().mode());
    assertEquals(3, r.inner().activeCount());
  }

  @Test
  void aNewControllerGetsThePacketsAfterTheHandOverWhole() throws Exception {
    frame(Packet.Type.FOUR, 0);
    write(new byte[] {0, 0, 0, 3, 'o', 'l', 'd', 0, 0, 0, 3, 'n'});
    mode(ReceiveMode.ACTIVE);
    handlers.next().run();
    Sent first = next();
    assertEquals(ALICE, first.to());
    active.transfer(r.inner(), BOB); // mid-packet: "n" is read, "ew" is not yet written
    write(new byte[] {'e', 'w'});
    handlers.next().run();
    Sent second = next();
    assertEquals(BOB, second.to());
    assertEquals(
        "new",
        new String(
            assertInstanceOf(ActiveEvent.Data.class, second.event()).bytes(),
            StandardCharsets.ISO_8859_1));
  }

  @Test
  void aHeaderOverThePacketSizeIsAnErrorMessageAndDeliveryStops() throws Exception {
    frame(Packet.Type.TWO, 3);
    write(new byte[] {0, 2, 'o', 'k', 0, 9, 'x'});
    mode(ReceiveMode.ACTIVE);
    handlers.next().run();
    assertEquals("ok", data());
    assertEquals("emsgsize", assertInstanceOf(ActiveEvent.Error.class, next().event()).reason());
    write("more");
    assertNull(handlers.tasks.poll(100, TimeUnit.MILLISECONDS), "not armed again");
    mode(ReceiveMode.PASSIVE);
    frame(Packet.Type.RAW, 0);
    Framer.Taken kept = r.inner().framer().take(); // the bytes stay: raw reads them, header and all
    assertArrayEquals(
        new byte[] {0, 9, 'x', 'm', 'o', 'r', 'e'},
        concat(
            assertInstanceOf(Framer.Taken.Whole.class, kept).bytes(),
            descriptors.read(r.inner(), 16)));
  }

  @Test
  void endOfInputMidPacketDropsItAndSaysClosed() throws Exception {
    frame(Packet.Type.TWO, 0);
    write(new byte[] {0, 1, 'z', 0, 4, 'p'});
    descriptors.close(w.inner());
    mode(ReceiveMode.ACTIVE);
    handlers.next().run();
    assertEquals("z", data());
    handlers.next().run(); // end of input is the next readiness event
    assertInstanceOf(ActiveEvent.Closed.class, next().event(), "no partial packet first");
    assertEquals(0, r.inner().framer().buffered());
  }
}
