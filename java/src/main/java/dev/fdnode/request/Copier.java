package dev.fdnode.request;

import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Posix;
import dev.fdnode.core.Reason;
import dev.fdnode.core.ReceiveMode;

/**
 * The bulk copy behind {@code {copy, Src, Dst, ChunkBytes}}: reads the source from its offset to
 * end of input in chunks, writes each chunk to the destination (both offsets advance, as with
 * read/write), and reports progress after every chunk. Runs on a worker thread; it stops between
 * chunks with {@code shutting_down} when the node starts stopping.
 */
public final class Copier {
  /** Told after every chunk; {@code total} is -1 when the source size is unknown (a pipe). */
  public interface Progress {
    void report(long done, long total);

    /** True once the copy must stop (the node is shutting down). */
    default boolean cancelled() {
      return false;
    }
  }

  private final Descriptors descriptors;

  public Copier(Descriptors descriptors) {
    this.descriptors = descriptors;
  }

  /** Copies until end of input; returns the number of bytes copied. */
  public long copy(FdInner src, FdInner dst, int chunk, Progress progress) throws FdException {
    if (chunk <= 0) throw new FdException(Reason.EINVAL, "chunk size must be positive");
    if (src.mode() != ReceiveMode.PASSIVE) {
      throw new FdException(Reason.EINVAL, "copy from a descriptor in an active mode");
    }
    int size = Math.min(chunk, Descriptors.MAX_READ);
    long total = remaining(src);
    long done = 0;
    while (true) {
      if (progress.cancelled()) throw new FdException(Reason.SHUTTING_DOWN, "copy cancelled");
      byte[] data = descriptors.read(src, size);
      if (data == null) return done;
      if (data.length == 0) continue;
      descriptors.write(dst, data);
      done += data.length;
      progress.report(done, total);
    }
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
