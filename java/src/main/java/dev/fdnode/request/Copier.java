package dev.fdnode.request;

import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.KernelCopy;
import dev.fdnode.core.Posix;
import dev.fdnode.core.Reason;
import dev.fdnode.core.ReceiveMode;
import java.util.logging.Logger;

/**
 * The bulk copy behind {@code {copy, Src, Dst, ChunkBytes}}: copies the source from its offset to
 * end of input, at most a chunk per step (both offsets advance, as with read/write), and reports
 * progress after every step. Runs on a worker thread; it stops with {@code shutting_down} between
 * steps, or while it waits for a pipe or socket, once the node starts stopping.
 *
 * <p>Each step is a copy the kernel does when it can ({@link KernelCopy}: copy_file_range between
 * files, sendfile from a file to a socket, splice with a pipe at either end), so the bytes never
 * enter the JVM; otherwise, or once the kernel refuses that way for these two descriptors, a read
 * into one reused buffer and a write of it.
 */
public final class Copier {
  private static final Logger LOG = Logger.getLogger(Copier.class.getName());

  /**
   * {@code -Dfdnode.copy.kernel=false} copies with read/write only: the baseline `make bench`
   * measures the kernel's copies against, and a way out should a kernel misbehave.
   */
  private static final boolean KERNEL_COPIES =
      Boolean.parseBoolean(System.getProperty("fdnode.copy.kernel", "true"));

  /** Told after every step; {@code total} is -1 when the source size is unknown (a pipe). */
  public interface Progress {
    void report(long done, long total);

    /** True once the copy must stop (the node is shutting down). */
    default boolean cancelled() {
      return false;
    }
  }

  /** What a copy did: the bytes it moved and the way its last step went. */
  public record Copied(long bytes, Way way) {}

  /** How a step moves its bytes. */
  public enum Way {
    COPY_FILE_RANGE,
    SENDFILE,
    SPLICE,
    READ_WRITE;

    static Way of(KernelCopy k) {
      return k == null ? READ_WRITE : valueOf(k.name());
    }
  }

  private final Descriptors descriptors;
  private final boolean kernelCopies;

  public Copier(Descriptors descriptors) {
    this(descriptors, KERNEL_COPIES);
  }

  /** With {@code kernelCopies} false, every step is a read and a write. */
  public Copier(Descriptors descriptors, boolean kernelCopies) {
    this.descriptors = descriptors;
    this.kernelCopies = kernelCopies;
  }

  /** Copies until end of input. */
  public Copied copy(FdInner src, FdInner dst, int chunk, Progress progress) throws FdException {
    if (chunk <= 0) throw new FdException(Reason.EINVAL, "chunk size must be positive");
    if (src.mode() != ReceiveMode.PASSIVE) {
      throw new FdException(Reason.EINVAL, "copy from a descriptor in an active mode");
    }
    int size = Math.min(chunk, Descriptors.MAX_READ);
    long total = remaining(src);
    KernelCopy kernel = kernelCopies ? KernelCopy.forPair(src, dst) : null;
    if (total == 0) {
      // Nothing left by the size: /proc and /sys files report 0 (or a page) and hold more, which
      // only read finds; a kernel copy may stop at the size. An empty file costs one read.
      kernel = null;
    }
    byte[] buffer = null; // made once a step needs it
    long done = 0;
    while (true) {
      if (progress.cancelled()) throw shuttingDown();
      long n;
      if (kernel != null) {
        n = descriptors.transfer(src, dst, kernel, size, progress::cancelled);
        if (n == Descriptors.CANCELLED) throw shuttingDown();
        if (n == Descriptors.REFUSED) {
          KernelCopy refused = kernel;
          LOG.fine(() -> refused.call() + " refused " + src + " -> " + dst + "; read/write");
          kernel = null;
          continue;
        }
      } else {
        if (buffer == null) buffer = new byte[size];
        n = descriptors.readInto(src, buffer, size);
        if (n > 0) descriptors.write(dst, buffer, (int) n);
      }
      if (n == 0) return new Copied(done, Way.of(kernel));
      done += n;
      progress.report(done, total);
    }
  }

  private static FdException shuttingDown() {
    return new FdException(Reason.SHUTTING_DOWN, "copy cancelled");
  }

  /** Bytes from the source's offset to its end, or -1 when it has no size (pipe, FIFO). */
  private long remaining(FdInner src) {
    if (!src.seekable()) return -1;
    try {
      long cur = src.offset();
      long end = descriptors.position(src, 0, Posix.SEEK_END);
      descriptors.position(src, cur, Posix.SEEK_SET);
      return Math.max(0, end - cur);
    } catch (FdException e) {
      return -1;
    }
  }
}
