package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

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
import org.junit.jupiter.api.io.TempDir;

/**
 * The one sequential offset a managed file keeps: where reads and writes land, and that every
 * operation gives the offset back to the next one, whichever thread runs it.
 */
@ExtendWith(FdLeakCheck.class)
class SequentialOffsetTest {
  static final Pid A = new Pid("a@host", 1, 0, 1);

  @TempDir Path dir;

  Descriptors d;

  @BeforeEach
  void setUp() {
    d = new Descriptors(new Posix(), 8, 4, 1, Duration.ofSeconds(2));
  }

  @AfterEach
  void tearDown() {
    d.close();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void endOfFileAtOffsetZeroLeavesTheOffsetAtZero() throws Exception {
    Path p = dir.resolve("empty");
    FdInner f = d.open(p.toString(), OpenOptions.readWrite(), A).inner();
    assertNull(d.read(f, 16), "end of input");
    assertEquals(0, f.offset(), "reading nothing moves nothing");
    d.write(f, bytes("abc"));
    assertEquals("abc", Files.readString(p), "the write lands at the start");
    assertEquals(3, f.offset());
    assertNull(d.read(f, 16));
    assertEquals(3, f.offset());
  }

  @Test
  void advanceByZeroKeepsTheOffset() {
    FdInner f = new FdInner(1, 3, A, FileType.REGULAR, false, fd -> {});
    assertEquals(0, f.advance(0));
    f.setOffset(7);
    assertEquals(7, f.advance(0));
    f.closeQuietly();
  }

  @Test
  void writeAfterAReadGoesToOurOffsetNotTheKernels() throws Exception {
    Path p = dir.resolve("seek");
    Files.writeString(p, "0123456789");
    FdInner f = d.open(p.toString(), OpenOptions.readWrite(), A).inner();
    assertFalse(f.append());
    assertEquals("0123", new String(d.read(f, 4), StandardCharsets.US_ASCII));
    d.write(f, bytes("ab"));
    assertEquals("0123ab6789", Files.readString(p));
    assertEquals(6, f.offset());
    d.position(f, 1, Posix.SEEK_SET);
    d.write(f, bytes("X"));
    assertEquals("0X23ab6789", Files.readString(p));
    assertEquals(2, f.offset());
  }

  @Test
  void appendDescriptorWritesAtTheEndAfterASeek() throws Exception {
    Path p = dir.resolve("log");
    Files.writeString(p, "head;");
    FdInner f = d.open(p.toString(), OpenOptions.readWrite().withAppend(), A).inner();
    assertTrue(f.append());
    d.position(f, 0, Posix.SEEK_SET);
    d.write(f, bytes("tail"));
    assertEquals("head;tail", Files.readString(p));
    assertEquals(9, f.offset());
  }

  /**
   * Each operation takes the descriptor's position lock; one that kept it would block every later
   * operation from another thread forever.
   */
  @Test
  void everyOperationReleasesThePositionForOtherThreads() throws Exception {
    Path p = dir.resolve("shared");
    FdInner f = d.open(p.toString(), OpenOptions.readWrite(), A).inner();
    FdInner app =
        d.open(dir.resolve("app").toString(), OpenOptions.writeNew().withAppend(), A).inner();
    onOtherThread(() -> d.write(f, bytes("hello")));
    onOtherThread(() -> d.position(f, 1, Posix.SEEK_SET));
    onOtherThread(() -> assertEquals("ell", new String(d.read(f, 3), StandardCharsets.US_ASCII)));
    onOtherThread(() -> d.write(app, bytes("x")));
    onOtherThread(() -> d.write(app, bytes("y")));
    onOtherThread(() -> assertEquals(4, d.position(f, 0, Posix.SEEK_CUR)));
    assertEquals("xy", Files.readString(dir.resolve("app")));
    assertEquals("hello", Files.readString(p));
  }

  @FunctionalInterface
  interface Call {
    void run() throws Exception;
  }

  /** Runs {@code c} on a fresh thread and waits for it: a lock left held shows as a timeout. */
  private static void onOtherThread(Call c) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                c.run();
                done.complete(null);
              } catch (Throwable e) {
                done.completeExceptionally(e);
              }
            });
    t.setDaemon(true); // one stuck on a lock never released must not keep the JVM alive
    t.start();
    done.get(10, TimeUnit.SECONDS);
  }
}
