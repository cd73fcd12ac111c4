package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import dev.fdnode.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(FdLeakCheck.class)
class DescriptorsTest {
  static final Pid A = new Pid("a@host", 1, 0, 1);
  static final Pid B = new Pid("b@host", 2, 0, 1);

  @TempDir Path dir;

  Descriptors d;

  @BeforeEach
  void setUp() {
    d = new Descriptors(new Posix(), 8, 16, 1, Duration.ofSeconds(2));
  }

  @AfterEach
  void tearDown() {
    d.close();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static String str(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.US_ASCII);
  }

  static String reason(Executable call) {
    return assertThrows(FdException.class, call).reason();
  }

  @Test
  void sequentialReadWriteSharesOneOffset() throws Exception {
    Path p = dir.resolve("f");
    Opened o = d.open(p.toString(), OpenOptions.readWrite(), A);
    FdInner f = d.lookup(o.handle());
    assertSame(o.inner(), f);
    d.write(f, bytes("hello "));
    d.write(f, bytes("world"));
    assertEquals(11, f.offset());
    assertEquals("hello world", Files.readString(p));
    d.position(f, 0, Posix.SEEK_SET);
    assertEquals("hel", str(d.read(f, 3)));
    assertEquals("lo w", str(d.read(f, 4)), "the second read continues where the first stopped");
    assertEquals(7, f.offset());
    assertEquals("orld", str(d.read(f, 100)));
    assertNull(d.read(f, 10), "null at end of input");
    assertEquals(11, f.offset());
    assertEquals(0, d.read(f, 0).length);
  }

  @Test
  void preadAndPwriteLeaveTheOffsetAlone() throws Exception {
    Opened o = d.open(dir.resolve("p").toString(), OpenOptions.readWrite(), A);
    FdInner f = o.inner();
    d.pwrite(f, 5, bytes("abc"));
    assertEquals(0, f.offset());
    assertEquals("abc", str(d.pread(f, 5, 10)));
    assertNull(d.pread(f, 100, 10));
    assertEquals("einval", reason(() -> d.pread(f, -1, 1)));
    assertEquals("einval", reason(() -> d.read(f, -1)));
    assertEquals(0, f.offset());
  }

  @Test
  void positionWhences() throws Exception {
    Path p = dir.resolve("pos");
    Files.writeString(p, "0123456789");
    FdInner f = d.open(p.toString(), OpenOptions.readOnly(), A).inner();
    assertEquals(4, d.position(f, 4, Posix.SEEK_SET));
    assertEquals(6, d.position(f, 2, Posix.SEEK_CUR));
    assertEquals("67", str(d.read(f, 2)));
    assertEquals(7, d.position(f, -1, Posix.SEEK_CUR));
    assertEquals(8, d.position(f, -2, Posix.SEEK_END));
    assertEquals("89", str(d.read(f, 5)));
    assertEquals("einval", reason(() -> d.position(f, -100, Posix.SEEK_CUR)));
    assertEquals(10, f.offset(), "a failed position leaves the offset alone");
    assertEquals(
        "einval",
        reason(() -> d.position(f, Long.MAX_VALUE - 1, Posix.SEEK_SET)),
        "beyond the file system's limit");
    f.setOffset(Long.MAX_VALUE - 1);
    assertEquals("einval", reason(() -> d.position(f, 10, Posix.SEEK_CUR)), "overflow");
  }

  @Test
  void appendWritesGoToTheEndAndOffsetFollows() throws Exception {
    Path p = dir.resolve("log");
    Files.writeString(p, "start;");
    OpenOptions app = new OpenOptions(true, true, true, false, false, false, false, 0644);
    FdInner f = d.open(p.toString(), app, A).inner();
    d.write(f, bytes("one;"));
    assertEquals(10, f.offset());
    Files.writeString(p, "x;", java.nio.file.StandardOpenOption.APPEND); // someone else appends
    d.write(f, bytes("two;"));
    assertEquals("start;one;x;two;", Files.readString(p));
    assertEquals(16, f.offset());
  }

  @Test
  void pipeEndsReadAndWrite() throws Exception {
    Opened[] ends = d.pipe(A);
    FdInner r = ends[0].inner();
    FdInner w = ends[1].inner();
    assertEquals(FileType.FIFO, r.type());
    d.write(w, bytes("ping"));
    assertEquals("ping", str(d.read(r, 100)));
    assertEquals(0, r.offset(), "no offset on a pipe");
    assertEquals("espipe", reason(() -> d.position(r, 0, Posix.SEEK_SET)));
    assertEquals("espipe", reason(() -> d.pread(r, 0, 1)));
    d.close(w);
    assertNull(d.read(r, 10));
    d.close(r);
  }

  @Test
  void fifoRoundTrip() throws Exception {
    Path fifo = dir.resolve("fifo");
    new Posix().mkfifo(fifo.toString(), 0600);
    FdInner r = d.open(fifo.toString(), OpenOptions.readOnly().withNonblock(), A).inner();
    FdInner w = d.open(fifo.toString(), OpenOptions.writeNew(), A).inner();
    assertEquals("eagain", reason(() -> d.read(r, 10)));
    d.write(w, bytes("via fifo"));
    assertEquals("via fifo", str(d.read(r, 100)));
  }

  @Test
  void largeWriteToPipeIsCompleteEvenWhenPartial() throws Exception {
    Opened[] ends = d.pipe(A);
    byte[] big = new byte[1 << 20]; // far more than the pipe buffer: partial writes
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    CompletableFuture<byte[]> got =
        CompletableFuture.supplyAsync(
            () -> {
              java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
              try {
                byte[] chunk;
                while ((chunk = d.read(ends[0].inner(), 65536)) != null) {
                  out.write(chunk);
                }
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
              return out.toByteArray();
            });
    d.write(ends[1].inner(), big);
    d.close(ends[1].inner());
    assertArrayEquals(big, got.get(10, TimeUnit.SECONDS));
  }

  @Test
  void errorsSurfaceFromOpen() throws Exception {
    assertEquals(
        "enoent", reason(() -> d.open(dir.resolve("none").toString(), OpenOptions.readOnly(), A)));
    OpenOptions w = new OpenOptions(false, true, false, false, false, false, false, 0644);
    assertEquals("eisdir", reason(() -> d.open(dir.toString(), w, A)));
    FdInner dirFd = d.open(dir.toString(), OpenOptions.readOnly(), A).inner();
    assertEquals("eisdir", reason(() -> d.read(dirFd, 10)));
    assertEquals(1, d.stats().openFds(), "failed opens do not hold a slot");
  }

  @Test
  void maxOpenIsEmfileAndSlotsComeBack() throws Exception {
    Opened[] all = new Opened[8];
    for (int i = 0; i < 8; i++) {
      all[i] = d.open(dir.resolve("m" + i).toString(), OpenOptions.writeNew(), A);
    }
    assertEquals(
        "emfile", reason(() -> d.open(dir.resolve("m9").toString(), OpenOptions.writeNew(), A)));
    assertEquals("emfile", reason(() -> d.pipe(A)));
    d.close(all[0].inner());
    assertEquals("emfile", reason(() -> d.pipe(A)), "a pipe needs two slots");
    d.close(all[1].inner());
    Opened[] ends = d.pipe(A);
    assertEquals(8, d.stats().openFds());
    d.close(ends[0].inner());
    d.close(ends[1].inner());
  }

  @Test
  void closeIsSynchronousAndOnce() throws Exception {
    Opened o = d.open(dir.resolve("c").toString(), OpenOptions.writeNew(), A);
    int fd = o.inner().rawFd();
    d.close(o.inner());
    assertEquals(FdState.CLOSED, o.inner().state());
    String target = FdLeakCheck.openFds().get(fd);
    assertTrue(target == null || !target.endsWith("/c"));
    assertEquals("closed", reason(() -> d.close(o.inner())));
    assertEquals("closed", reason(() -> d.write(o.inner(), bytes("x"))));
    assertEquals("closed", reason(() -> d.lookup(o.handle())));
    assertEquals("invalid_handle", reason(() -> d.lookup(new Handle(9999, 1))));
    assertEquals("invalid_handle", reason(() -> d.lookup(null)));
    assertEquals(0, d.stats().openFds());
  }

  @Test
  void closeWaitsForAnOperationInFlight() throws Exception {
    Opened[] ends = d.pipe(A);
    FdInner r = ends[0].inner();
    // An operation in flight, held here: a blocked pipe read would itself end with closed within a
    // wait slice once the close begins, which made this test a race with the scheduler.
    FdInner.Use inFlight = r.use();
    CompletableFuture<Void> closer =
        CompletableFuture.runAsync(
            () -> {
              try {
                d.close(r);
              } catch (FdException e) {
                throw new RuntimeException(e);
              }
            });
    Await.until("the close to begin", () -> r.state() != FdState.OPEN);
    assertEquals(FdState.CLOSING, r.state());
    assertFalse(closer.isDone(), "close waits for the in-flight operation");
    inFlight.close();
    closer.get(5, TimeUnit.SECONDS);
    assertEquals(FdState.CLOSED, r.state());
  }

  @Test
  void closeAsyncCompletesThroughTheRing() throws Exception {
    Opened o = d.open(dir.resolve("async").toString(), OpenOptions.writeNew(), A);
    CompletableFuture<Completion> done = new CompletableFuture<>();
    long id = d.closeAsync(o.inner(), done::complete);
    assertNotEquals(FdState.OPEN, o.inner().state(), "Closing from the moment of submit");
    assertEquals("closed", reason(() -> d.lookup(o.handle())));
    Completion c = done.get(5, TimeUnit.SECONDS);
    assertEquals(id, c.opId());
    assertTrue(c.ok());
    assertEquals(Completion.OK, c.value());
    assertEquals(FdState.CLOSED, o.inner().state());
    assertEquals("closed", reason(() -> d.closeAsync(o.inner(), x -> {})));
  }

  @Test
  void ownerAndNodeCleanup() throws Exception {
    FdInner a = d.open(dir.resolve("a").toString(), OpenOptions.writeNew(), A).inner();
    FdInner b = d.open(dir.resolve("b").toString(), OpenOptions.writeNew(), B).inner();
    b.setController(A);
    assertEquals(1, d.ownerDown(A));
    assertEquals(FdState.CLOSED, a.state());
    assertEquals(FdState.OPEN, b.state());
    assertEquals(1, d.nodeDown("b@host"));
    assertEquals(FdState.CLOSED, b.state());
    assertEquals(0, d.stats().openFds());
  }

  @Test
  void statsCountWhatHappened() throws Exception {
    FdInner a = d.open(dir.resolve("s").toString(), OpenOptions.readWrite(), A).inner();
    d.open(dir.resolve("t").toString(), OpenOptions.readWrite(), B)
        .inner()
        .setMode(ReceiveMode.ACTIVE);
    d.write(a, bytes("12345"));
    d.pread(a, 0, 3);
    Stats s = d.stats();
    assertEquals(2, s.openFds());
    assertEquals(java.util.Map.of("a@host", 1, "b@host", 1), s.fdsByNode());
    assertEquals(5, s.bytesWritten());
    assertEquals(3, s.bytesRead());
    assertEquals(1, s.activeModeFds());
    assertEquals(0, s.pendingRingOps());
  }

  @Test
  void shutdownClosesEverything() throws Exception {
    FdInner a = d.open(dir.resolve("x").toString(), OpenOptions.writeNew(), A).inner();
    Opened[] p = d.pipe(B);
    d.close();
    assertEquals(FdState.CLOSED, a.state());
    assertEquals(FdState.CLOSED, p[0].inner().state());
    assertEquals(FdState.CLOSED, p[1].inner().state());
    assertEquals(
        "closed", reason(() -> d.open(dir.resolve("y").toString(), OpenOptions.writeNew(), A)));
    d.close(); // idempotent
  }

  @Test
  void anInterruptedCloseReturnsAtOnceAndKeepsTheInterrupt() throws Exception {
    Opened[] ends = d.pipe(A);
    FdInner r = ends[0].inner();
    FdInner.Use busy = r.use(); // an operation in flight holds the OS close back
    Thread.currentThread().interrupt();
    boolean interruptKept;
    try {
      d.close(r);
    } finally {
      interruptKept = Thread.interrupted();
    }
    assertTrue(interruptKept, "the caller's interrupt is not swallowed");
    assertEquals(FdState.CLOSING, r.state(), "returned without waiting for the operation");
    busy.close();
    assertEquals(FdState.CLOSED, r.state());
    d.close(ends[1].inner());
  }

  /** Nothing to read for: an empty read answers at once, even on a pipe nobody writes to. */
  @Test
  void zeroAndNegativeLengthsAnswerAtOnceOnAnIdlePipe() throws Exception {
    Opened[] ends = d.pipe(A);
    FdInner r = ends[0].inner();
    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          assertEquals(0, d.readInto(r, new byte[4], 0));
          assertEquals("einval", reason(() -> d.readInto(r, new byte[4], -1)));
          assertArrayEquals(new byte[0], d.read(r, 0));
        });
    d.write(ends[1].inner(), bytes("abc"));
    assertEquals("abc", str(d.read(r, 10)));
    assertEquals(3, d.stats().bytesRead(), "a read is counted");
    assertEquals(3, d.stats().bytesWritten());
    d.close(r);
    d.close(ends[1].inner());
  }

  /** The read active delivery makes never waits: not on a blocking pipe, not on a FIFO. */
  @Test
  void readIntoNowSaysNothingWaitingInsteadOfWaitingOrFailing() throws Exception {
    Opened[] ends = d.pipe(A); // blocking
    Path p = dir.resolve("nb");
    new Posix().mkfifo(p.toString(), 0600);
    FdInner fifo = d.open(p.toString(), OpenOptions.readOnly().withNonblock(), A).inner();
    FdInner fifoWriter = d.open(p.toString(), OpenOptions.writeNew(), A).inner();
    byte[] buf = new byte[8];
    assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          assertEquals(Descriptors.NOTHING_WAITING, d.readIntoNow(ends[0].inner(), buf, 8));
          assertEquals(Descriptors.NOTHING_WAITING, d.readIntoNow(fifo, buf, 8), "not eagain");
        });
    d.write(ends[1].inner(), bytes("pipe"));
    d.write(fifoWriter, bytes("fifo!"));
    assertEquals(4, d.readIntoNow(ends[0].inner(), buf, 8));
    assertEquals("pipe", str(java.util.Arrays.copyOf(buf, 4)));
    assertEquals(5, d.readIntoNow(fifo, buf, 8));
    assertEquals(9, d.stats().bytesRead(), "counted like any read");
    d.close(ends[1].inner());
    d.close(fifoWriter);
    assertEquals(0, d.readIntoNow(ends[0].inner(), buf, 8), "end of input once the writer is gone");
    assertEquals(0, d.readIntoNow(fifo, buf, 8));
    assertEquals("einval", reason(() -> d.readIntoNow(fifo, buf, -1)));
    d.close(ends[0].inner());
    d.close(fifo);
    assertEquals("closed", reason(() -> d.readIntoNow(fifo, buf, 8)));
    Path file = Files.write(dir.resolve("file"), bytes("file"));
    FdInner f = d.open(file.toString(), OpenOptions.readOnly(), A).inner();
    assertEquals(4, d.readIntoNow(f, buf, 8), "a regular file reads as usual");
    assertEquals(0, d.readIntoNow(f, buf, 8));
    assertEquals(0, d.readIntoNow(f, buf, 0));
    d.close(f);
  }
}
