package dev.fdnode.jmh;

import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.FileType;
import dev.fdnode.core.Handle;
import dev.fdnode.core.HandleTable;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.Opened;
import dev.fdnode.core.Pid;
import dev.fdnode.core.Posix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import jnr.constants.platform.OpenFlags;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.util.DefaultPOSIXHandler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Single-threaded costs of the core's hot paths. The pread pair reads the same 4 KiB of the same
 * (page-cached) file, once through {@link Descriptors#pread} and once straight through JNR-POSIX,
 * so their difference is what the facade and FdInner's in-flight guard add to a read.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class CoreBench {
  static final int CHUNK = 4096;

  /** Entries in the lookup table, so the hit is not in a one-element map. */
  static final int TABLE_SIZE = 1000;

  private static final Pid OWNER = new Pid("bench@localhost", 1, 0, 1);

  private Path dir;
  private String file;
  private Posix posix;
  private Descriptors descriptors;
  private FdInner inner;

  private POSIX jnr;
  private int rawFd = -1;

  private HandleTable table;
  private Handle middle;

  @Setup
  public void setUp() throws IOException, FdException {
    dir = Files.createTempDirectory("fdnode-jmh");
    Path p = dir.resolve("data");
    byte[] data = new byte[16 * CHUNK];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) i;
    }
    Files.write(p, data);
    file = p.toString();

    posix = new Posix();
    descriptors = new Descriptors(posix, 1 << 16);
    inner = descriptors.open(file, OpenOptions.readOnly(), OWNER).inner();

    jnr = POSIXFactory.getNativePOSIX(new DefaultPOSIXHandler());
    rawFd = jnr.open(file, OpenFlags.O_RDONLY.intValue() | OpenFlags.O_CLOEXEC.intValue(), 0);
    if (rawFd < 0) {
      throw new IllegalStateException("raw open failed, errno " + jnr.errno());
    }

    // Entries only; the numbers are never used for I/O, so nothing is closed.
    table = new HandleTable();
    for (int i = 0; i < TABLE_SIZE; i++) {
      Handle h =
          table.register(
              new FdInner(
                  table.reserveId(), 100_000 + i, OWNER, FileType.REGULAR, false, fd -> {}));
      if (i == TABLE_SIZE / 2) {
        middle = h;
      }
    }
  }

  @TearDown
  public void tearDown() throws IOException {
    descriptors.close();
    if (rawFd >= 0) {
      jnr.close(rawFd);
    }
    Files.deleteIfExists(dir.resolve("data"));
    Files.deleteIfExists(dir);
  }

  /** open(2) + fstat + table register, then close(2) + table removal. */
  @Benchmark
  public Handle openClose() throws FdException {
    Opened o = descriptors.open(file, OpenOptions.readOnly(), OWNER);
    descriptors.close(o.inner());
    return o.handle();
  }

  @Benchmark
  public FdInner handleLookupHit() throws FdException {
    return table.lookup(middle);
  }

  /** The guard alone: one CAS in, one CAS out. */
  @Benchmark
  public int useClose() throws FdException {
    try (FdInner.Use u = inner.use()) {
      return u.fd();
    }
  }

  @Benchmark
  public byte[] preadDescriptors() throws FdException {
    return descriptors.pread(inner, 0, CHUNK);
  }

  /** A fresh buffer per call, as Descriptors.pread allocates one too. */
  @Benchmark
  public ByteBuffer preadRawJnr() {
    ByteBuffer buf = ByteBuffer.wrap(new byte[CHUNK]);
    long n = jnr.pread(rawFd, buf, CHUNK, 0);
    if (n != CHUNK) {
      throw new IllegalStateException("short raw pread: " + n);
    }
    return buf;
  }
}
