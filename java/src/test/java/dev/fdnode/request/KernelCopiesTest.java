package dev.fdnode.request;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.FdLeakCheck;
import dev.fdnode.core.FdState;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.Opened;
import dev.fdnode.core.Pid;
import dev.fdnode.core.Posix;
import dev.fdnode.net.Sockets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The copies the kernel does ({@code KernelCopy}), through {@link Copier} on real files, pipes and
 * TCP sockets: which way each pair takes, the bytes, offsets and progress, the fallback to
 * read/write where the kernel refuses, and cancellation and closes while a copy waits.
 */
@ExtendWith(FdLeakCheck.class)
class KernelCopiesTest {
  static final Pid OWNER = new Pid("beam@host", 1, 0, 1);
  static final OpenOptions READ =
      new OpenOptions(true, false, false, false, false, false, false, 0644);
  static final OpenOptions CREATE =
      new OpenOptions(false, true, false, true, false, true, false, 0644);
  static final OpenOptions APPEND =
      new OpenOptions(false, true, true, true, false, false, false, 0644);

  @TempDir Path tmp;
  Descriptors descriptors;
  Copier copier;
  final List<long[]> reports = new ArrayList<>();
  final Copier.Progress recording = (done, total) -> reports.add(new long[] {done, total});

  /** Not the common pool: on two CPUs it runs one task at a time. */
  final ExecutorService threads = Executors.newCachedThreadPool();

  @BeforeEach
  void setUp() {
    descriptors = new Descriptors(new Posix(), 64);
    copier = new Copier(descriptors, true);
  }

  @AfterEach
  void tearDown() {
    descriptors.close(); // also wakes a copy still waiting
    threads.shutdownNow();
  }

  static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  FdInner open(Path p, OpenOptions o) throws Exception {
    return descriptors.open(p.toString(), o, OWNER).inner();
  }

  /** Every report adds at most a chunk, and the last one is the total copied. */
  void assertSteps(long copied, int chunk, long total) {
    long last = 0;
    for (long[] r : reports) {
      assertTrue(r[0] > last && r[0] - last <= chunk, "one step, at most a chunk: " + r[0]);
      assertEquals(total, r[1]);
      last = r[0];
    }
    assertEquals(copied, last);
  }

  @Test
  void fileToFileIsCopyFileRangeAtTheDescriptorsOffsets() throws Exception {
    byte[] content = randomBytes(3 << 20);
    Path src = Files.write(tmp.resolve("src"), content);
    Path dst = Files.write(tmp.resolve("dst"), "0123456789".getBytes());
    FdInner s = open(src, READ);
    FdInner d = open(dst, new OpenOptions(false, true, false, false, false, false, false, 0644));
    descriptors.position(s, 1000, Posix.SEEK_SET);
    descriptors.position(d, 4, Posix.SEEK_SET);

    Copier.Copied c = copier.copy(s, d, 1 << 20, recording);

    assertEquals(Copier.Way.COPY_FILE_RANGE, c.way());
    assertEquals(content.length - 1000, c.bytes());
    byte[] want = new byte[4 + content.length - 1000];
    System.arraycopy("0123".getBytes(), 0, want, 0, 4);
    System.arraycopy(content, 1000, want, 4, content.length - 1000);
    assertArrayEquals(want, Files.readAllBytes(dst));
    assertEquals(content.length, s.offset());
    assertEquals(4 + content.length - 1000, d.offset());
    assertSteps(c.bytes(), 1 << 20, content.length - 1000);
    // The sequential offsets go on from there: a read is at end of input, a write appends.
    assertEquals(null, descriptors.read(s, 10));
    descriptors.write(d, "!".getBytes());
    assertEquals(want.length + 1, Files.size(dst));
  }

  @Test
  void fileToTcpSocketIsSendfile() throws Exception {
    byte[] content = randomBytes(5 << 20);
    Path src = Files.write(tmp.resolve("src"), content);
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Opened sock =
          descriptors.openWith(
              () -> new Sockets().connect("127.0.0.1", server.getLocalPort(), 5000), OWNER);
      try (Socket peer = server.accept()) {
        CompletableFuture<byte[]> received = readAll(peer.getInputStream());
        FdInner s = open(src, READ);

        Copier.Copied c = copier.copy(s, sock.inner(), 256 << 10, recording);
        descriptors.close(sock.inner()); // the peer sees end of input

        assertEquals(Copier.Way.SENDFILE, c.way());
        assertEquals(content.length, c.bytes());
        assertArrayEquals(content, received.get(30, TimeUnit.SECONDS));
        assertEquals(content.length, s.offset());
        assertSteps(content.length, 256 << 10, content.length);
      }
    }
  }

  @Test
  void sendfileToAPeerThatWentAwayFailsWithItsError() throws Exception {
    Path src = Files.write(tmp.resolve("src"), randomBytes(8 << 20)); // more than the buffers hold
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Opened sock =
          descriptors.openWith(
              () -> new Sockets().connect("127.0.0.1", server.getLocalPort(), 5000), OWNER);
      Socket peer = server.accept();
      peer.setSoLinger(true, 0); // a reset, not an orderly close
      peer.close();

      FdException e =
          assertThrows(
              FdException.class,
              () -> copier.copy(open(src, READ), sock.inner(), 1 << 20, recording));

      assertTrue(Set.of("epipe", "econnreset").contains(e.reason()), e.reason());
    }
  }

  @Test
  void pipeToFileIsSpliceWithUnknownTotal() throws Exception {
    byte[] content = randomBytes(1 << 20); // more than a pipe holds: the writer runs beside
    Opened[] pipe = descriptors.pipe(OWNER);
    CompletableFuture<Void> writer = writeThenClose(pipe[1].inner(), content);
    Path dst = tmp.resolve("dst");
    FdInner d = open(dst, CREATE);

    Copier.Copied c = copier.copy(pipe[0].inner(), d, 100_000, recording);

    writer.get(30, TimeUnit.SECONDS);
    assertEquals(Copier.Way.SPLICE, c.way());
    assertEquals(content.length, c.bytes());
    assertArrayEquals(content, Files.readAllBytes(dst));
    assertEquals(content.length, d.offset());
    assertSteps(content.length, 100_000, -1);
  }

  @Test
  void fileToPipeIsSplice() throws Exception {
    byte[] content = randomBytes(1 << 20);
    Path src = Files.write(tmp.resolve("src"), content);
    Opened[] pipe = descriptors.pipe(OWNER);
    FdInner s = open(src, READ);
    CompletableFuture<Copier.Copied> copy =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                Copier.Copied c = copier.copy(s, pipe[1].inner(), 1 << 20, recording);
                descriptors.close(pipe[1].inner());
                return c;
              } catch (FdException e) {
                throw new IllegalStateException(e);
              }
            },
            threads);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] chunk;
    while ((chunk = descriptors.read(pipe[0].inner(), 65536)) != null) {
      got.write(chunk);
    }
    Copier.Copied c = copy.get(30, TimeUnit.SECONDS);
    assertEquals(Copier.Way.SPLICE, c.way());
    assertEquals(content.length, c.bytes());
    assertArrayEquals(content, got.toByteArray());
    assertEquals(content.length, s.offset());
    assertSteps(content.length, 1 << 20, content.length);
  }

  @Test
  void copyFileRangeRefusedAcrossFilesystemsFallsBackToReadWrite() throws Exception {
    Path shm = Path.of("/dev/shm");
    assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm");
    Path other = Files.createTempDirectory(shm, "fdnode-copy");
    try {
      assumeTrue(
          !Files.getAttribute(tmp, "unix:dev").equals(Files.getAttribute(other, "unix:dev")),
          "/dev/shm is on the temporary directory's filesystem");
      byte[] content = randomBytes(300_000);
      Path src = Files.write(tmp.resolve("src"), content);
      Path dst = other.resolve("dst");

      Copier.Copied c = copier.copy(open(src, READ), open(dst, CREATE), 65536, recording);

      assertEquals(Copier.Way.READ_WRITE, c.way(), "EXDEV: the rest by read/write");
      assertEquals(content.length, c.bytes());
      assertArrayEquals(content, Files.readAllBytes(dst));
      assertSteps(content.length, 65536, content.length);
    } finally {
      try (Stream<Path> s = Files.walk(other)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void procFileOfSizeZeroIsReadToItsRealEnd() throws Exception {
    Path version = Path.of("/proc/version");
    assumeTrue(Files.isReadable(version));
    byte[] want = Files.readAllBytes(version);
    assertTrue(want.length > 0);
    Path dst = tmp.resolve("dst");

    Copier.Copied c = copier.copy(open(version, READ), open(dst, CREATE), 4096, recording);

    assertEquals(Copier.Way.READ_WRITE, c.way());
    assertEquals(want.length, c.bytes());
    assertArrayEquals(want, Files.readAllBytes(dst));
  }

  @Test
  void appendingDestinationIsReadWriteAndKeepsItsOffsetTrue() throws Exception {
    byte[] content = randomBytes(70_000);
    Path src = Files.write(tmp.resolve("src"), content);
    Path dst = Files.write(tmp.resolve("dst"), "head".getBytes());
    FdInner d = open(dst, APPEND);

    Copier.Copied c = copier.copy(open(src, READ), d, 65536, recording);

    assertEquals(Copier.Way.READ_WRITE, c.way());
    assertEquals(4 + content.length, Files.size(dst));
    assertEquals(4 + content.length, d.offset());
  }

  @Test
  void kernelCopiesOffCopiesFileToFileWithReadWrite() throws Exception {
    byte[] content = randomBytes(200_000);
    Path src = Files.write(tmp.resolve("src"), content);
    Path dst = tmp.resolve("dst");
    Copier.Copied c =
        new Copier(descriptors, false).copy(open(src, READ), open(dst, CREATE), 65536, recording);
    assertEquals(Copier.Way.READ_WRITE, c.way());
    assertArrayEquals(content, Files.readAllBytes(dst));
    assertSteps(content.length, 65536, content.length);
  }

  @Test
  void theSameFileAtBothEndsOverlappingIsRefusedThenReadWrite() throws Exception {
    byte[] content = randomBytes(100_000);
    Path file = Files.write(tmp.resolve("both"), content);
    FdInner s = open(file, READ);
    FdInner d = open(file, new OpenOptions(false, true, false, false, false, false, false, 0644));

    // Same ranges of one file: copy_file_range says EINVAL; read/write copies it onto itself.
    Copier.Copied c = copier.copy(s, d, 8192, recording);

    assertEquals(Copier.Way.READ_WRITE, c.way());
    assertEquals(content.length, c.bytes());
    assertArrayEquals(content, Files.readAllBytes(file));
    assertEquals(content.length, d.offset());
  }

  @Test
  void cancellingStopsACopyWaitingOnAnIdlePipe() throws Exception {
    Opened[] pipe = descriptors.pipe(OWNER);
    Path dst = tmp.resolve("dst");
    FdInner d = open(dst, CREATE);
    AtomicBoolean stepped = new AtomicBoolean();
    AtomicInteger asked = new AtomicInteger();
    Copier.Progress progress =
        new Copier.Progress() {
          @Override
          public void report(long done, long total) {
            stepped.set(true);
          }

          // After the step, the copy asks once before its next step, then only from its wait on
          // the empty pipe: the second question comes from there.
          @Override
          public boolean cancelled() {
            return stepped.get() && asked.incrementAndGet() >= 2;
          }
        };
    descriptors.write(pipe[1].inner(), "first".getBytes());

    FdException e = failure(copyAsync(pipe[0].inner(), d, progress));

    assertEquals("shutting_down", e.reason());
    assertEquals(2, asked.get());
    assertEquals("first", Files.readString(dst));
  }

  @Test
  void closingEitherEndWakesACopyWaitingOnAnIdlePipe() throws Exception {
    for (boolean closeSource : new boolean[] {true, false}) {
      Opened[] pipe = descriptors.pipe(OWNER);
      FdInner d = open(tmp.resolve("dst" + closeSource), CREATE);
      CountDownLatch firstStep = new CountDownLatch(1);
      CompletableFuture<Copier.Copied> copy =
          copyAsync(pipe[0].inner(), d, (done, total) -> firstStep.countDown());
      descriptors.write(pipe[1].inner(), "x".getBytes());
      assertTrue(firstStep.await(10, TimeUnit.SECONDS));

      FdInner closed = closeSource ? pipe[0].inner() : d;
      descriptors.close(closed);

      assertEquals("closed", failure(copy).reason());
      assertTrue(closed.awaitClosed(10, TimeUnit.SECONDS), "the OS close happened");
      assertEquals(FdState.CLOSED, closed.state());
    }
  }

  CompletableFuture<Copier.Copied> copyAsync(FdInner s, FdInner d, Copier.Progress p) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return copier.copy(s, d, 4096, p);
          } catch (FdException e) {
            throw new WrappedFailure(e);
          }
        },
        threads);
  }

  static FdException failure(CompletableFuture<?> f) throws Exception {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
    return ((WrappedFailure) e.getCause()).failure;
  }

  static final class WrappedFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient FdException failure;

    WrappedFailure(FdException failure) {
      super(failure.reason());
      this.failure = failure;
    }
  }

  CompletableFuture<Void> writeThenClose(FdInner w, byte[] content) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            descriptors.write(w, content);
            descriptors.close(w);
          } catch (FdException e) {
            throw new WrappedFailure(e);
          }
        },
        threads);
  }

  CompletableFuture<byte[]> readAll(InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return in.readAllBytes();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        },
        threads);
  }
}
