package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import dev.fdnode.poll.Poller;
import dev.fdnode.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read blocked on an idle pipe or FIFO, or a write blocked on a full one, cannot be woken by
 * close(2) from another thread. Closing the managed descriptor must still end it promptly with
 * {@code closed}, and the OS close must follow.
 */
@ExtendWith(FdLeakCheck.class)
class BlockedCallCloseTest {
  static final Pid A = new Pid("a@host", 1, 0, 1);

  @TempDir Path dir;

  Descriptors d;

  @BeforeEach
  void setUp() {
    // A close waits this long for a blocked call: far longer than the test allows, so only a
    // woken call lets the close finish in time.
    d = new Descriptors(new Posix(), 8, 4, 1, Duration.ofSeconds(60));
  }

  @AfterEach
  void tearDown() {
    d.close();
  }

  @Test
  void closingWakesAReaderBlockedOnAnIdlePipe() throws Exception {
    Opened[] ends = d.pipe(A);
    FdInner r = ends[0].inner();
    CompletableFuture<String> reader = callAsync(() -> d.read(r, 10));
    awaitInFlight(r);
    assertFalse(reader.isDone(), "nothing to read: the reader waits");
    closeAndExpectClosed(r, reader);
    assertEquals(FdState.OPEN, ends[1].inner().state(), "the other end is untouched");
  }

  @Test
  void closingWakesAReaderBlockedOnAnIdleFifo() throws Exception {
    Path fifo = dir.resolve("fifo");
    new Posix().mkfifo(fifo.toString(), 0600);
    FdInner keep = d.open(fifo.toString(), OpenOptions.readOnly().withNonblock(), A).inner();
    FdInner w = d.open(fifo.toString(), OpenOptions.writeNew(), A).inner();
    FdInner r = d.open(fifo.toString(), OpenOptions.readOnly(), A).inner(); // blocking
    CompletableFuture<String> reader = callAsync(() -> d.read(r, 10));
    awaitInFlight(r);
    closeAndExpectClosed(r, reader);
    d.write(w, new byte[] {1});
    assertArrayEquals(new byte[] {1}, d.read(keep, 10), "the FIFO itself still works");
  }

  @Test
  void closingWakesAWriterBlockedOnAFullPipe() throws Exception {
    Opened[] ends = d.pipe(A);
    FdInner w = ends[1].inner();
    int size = Poller.growPipe(w.rawFd(), 4096); // one page: easy to fill exactly
    assertTrue(size > 0, "F_SETPIPE_SZ on a pipe");
    d.write(w, new byte[size]);
    CompletableFuture<String> writer =
        callAsync(
            () -> {
              d.write(w, new byte[] {7});
              return null;
            });
    awaitInFlight(w);
    assertFalse(writer.isDone(), "no room: the writer waits");
    closeAndExpectClosed(w, writer);
    byte[] got = d.read(ends[0].inner(), size + 1);
    assertEquals(size, got.length, "the blocked byte was never written");
  }

  @Test
  void aReaderStillGetsDataThatArrivesWhileItWaits() throws Exception {
    Opened[] ends = d.pipe(A);
    CompletableFuture<String> reader = callAsync(() -> d.read(ends[0].inner(), 10));
    awaitInFlight(ends[0].inner());
    d.write(ends[1].inner(), new byte[] {'h', 'i'});
    assertEquals("hi", reader.get(10, TimeUnit.SECONDS));
  }

  @Test
  void anEmptyNonBlockingPipeIsEagainAtOnce() throws Exception {
    Path fifo = dir.resolve("nb");
    new Posix().mkfifo(fifo.toString(), 0600);
    FdInner r = d.open(fifo.toString(), OpenOptions.readOnly().withNonblock(), A).inner();
    FdInner w = d.open(fifo.toString(), OpenOptions.writeNew(), A).inner();
    CompletableFuture<String> reader = callAsync(() -> d.read(r, 10));
    assertEquals("eagain", reader.get(10, TimeUnit.SECONDS));
    d.write(w, new byte[] {'x'});
    assertEquals("x", callAsync(() -> d.read(r, 10)).get(10, TimeUnit.SECONDS));
  }

  /** Closes {@code f} on another thread; both the close and the blocked call end promptly. */
  private void closeAndExpectClosed(FdInner f, CompletableFuture<String> blocked) throws Exception {
    String target = FdLeakCheck.openFds().get(f.rawFd());
    assertNotNull(target, "open before the close");
    CompletableFuture<String> closer =
        callAsync(
            () -> {
              d.close(f);
              return "done";
            });
    assertEquals("closed", blocked.get(10, TimeUnit.SECONDS), "the blocked call was woken");
    assertEquals("done", closer.get(10, TimeUnit.SECONDS));
    assertEquals(FdState.CLOSED, f.state());
    assertNotEquals(target, FdLeakCheck.openFds().get(f.rawFd()), "the OS close happened");
  }

  /** Polled: nothing tells us when another thread has started its call. */
  private static void awaitInFlight(FdInner f) throws InterruptedException {
    Await.until("the call to start", () -> f.inFlight() > 0);
  }

  @FunctionalInterface
  interface Call {
    Object call() throws FdException;
  }

  /** The call's data as text, "eof", or the reason it failed with. */
  private static CompletableFuture<String> callAsync(Call c) {
    CompletableFuture<String> out = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                Object v = c.call();
                out.complete(
                    v instanceof byte[] b
                        ? new String(b, java.nio.charset.StandardCharsets.US_ASCII)
                        : String.valueOf(v));
              } catch (FdException e) {
                out.complete(e.reason());
              } catch (Throwable e) {
                out.completeExceptionally(e);
              }
            });
    t.setDaemon(true);
    t.start();
    return out;
  }
}
