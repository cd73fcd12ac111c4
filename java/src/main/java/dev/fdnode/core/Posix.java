package dev.fdnode.core;

import static dev.fdnode.core.Native.LIBC;

import java.nio.ByteBuffer;
import java.util.Objects;
import jnr.constants.platform.OpenFlags;

/**
 * The descriptor calls of the core, over the libc binding in {@link Native}. Every call checks its
 * own return value and reads errno itself, so failures always surface as an {@link FdException}
 * with the POSIX name. EINTR is retried everywhere except close, where Linux has already released
 * the number and a retry could close a descriptor someone else just opened.
 *
 * <p>Not JNR-POSIX: binding its libc interface (some 300 functions, each compiled to a stub at
 * load) was half of the node's start-up time, for the dozen calls used here.
 */
public final class Posix {
  public static final int SEEK_SET = 0;
  public static final int SEEK_CUR = 1;
  public static final int SEEK_END = 2;

  private static final int FD_CLOEXEC = 1; // the only FD_* flag; not in jnr-constants
  private static final int F_GETFD = 1;
  private static final int AT_FDCWD = -100;

  // st_mode's file types (sys/stat.h)
  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFIFO = 0010000;
  private static final int S_IFSOCK = 0140000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;
  private static final int S_IFLNK = 0120000;

  public int open(String path, OpenOptions o) throws FdException {
    Objects.requireNonNull(path, "path");
    if (path.indexOf('\0') >= 0) {
      throw new FdException("einval", "open: path contains NUL");
    }
    int flags = openFlags(o);
    while (true) {
      int fd = LIBC.openat(AT_FDCWD, path, flags, o.mode());
      if (fd >= 0) {
        return fd;
      }
      checkRetry("open");
    }
  }

  static int openFlags(OpenOptions o) {
    int flags;
    if (o.wantsRead() && o.wantsWrite()) {
      flags = OpenFlags.O_RDWR.intValue();
    } else if (o.wantsWrite()) {
      flags = OpenFlags.O_WRONLY.intValue();
    } else {
      flags = OpenFlags.O_RDONLY.intValue();
    }
    flags |= OpenFlags.O_CLOEXEC.intValue();
    if (o.append()) flags |= OpenFlags.O_APPEND.intValue();
    if (o.create()) flags |= OpenFlags.O_CREAT.intValue();
    if (o.exclusive()) flags |= OpenFlags.O_EXCL.intValue();
    if (o.truncate()) flags |= OpenFlags.O_TRUNC.intValue();
    if (o.nonblock()) flags |= OpenFlags.O_NONBLOCK.intValue();
    return flags;
  }

  /** 0 means end of input. */
  public int read(int fd, byte[] buf, int off, int len) throws FdException {
    checkRange(buf, off, len);
    while (true) {
      long n = LIBC.read(fd, ByteBuffer.wrap(buf, off, len), len);
      if (n >= 0) {
        return (int) n;
      }
      checkRetry("read");
    }
  }

  public int write(int fd, byte[] buf, int off, int len) throws FdException {
    checkRange(buf, off, len);
    while (true) {
      long n = LIBC.write(fd, ByteBuffer.wrap(buf, off, len), len);
      if (n >= 0) {
        return (int) n;
      }
      checkRetry("write");
    }
  }

  public int pread(int fd, byte[] buf, int off, int len, long pos) throws FdException {
    checkRange(buf, off, len);
    checkPos(pos);
    while (true) {
      long n = LIBC.pread(fd, ByteBuffer.wrap(buf, off, len), len, pos);
      if (n >= 0) {
        return (int) n;
      }
      checkRetry("pread");
    }
  }

  public int pwrite(int fd, byte[] buf, int off, int len, long pos) throws FdException {
    checkRange(buf, off, len);
    checkPos(pos);
    while (true) {
      long n = LIBC.pwrite(fd, ByteBuffer.wrap(buf, off, len), len, pos);
      if (n >= 0) {
        return (int) n;
      }
      checkRetry("pwrite");
    }
  }

  public long lseek(int fd, long offset, int whence) throws FdException {
    while (true) {
      long r = LIBC.lseek(fd, offset, whence);
      if (r >= 0) {
        return r;
      }
      checkRetry("lseek");
    }
  }

  public void fsync(int fd) throws FdException {
    while (LIBC.fsync(fd) != 0) {
      checkRetry("fsync");
    }
  }

  public FileStat fstat(int fd) throws FdException {
    AtCalls.Stat st = AtCalls.fstat(fd);
    return new FileStat(st.size(), typeOf(st.mode()));
  }

  static FileType typeOf(int mode) {
    switch (mode & S_IFMT) {
      case S_IFREG:
        return FileType.REGULAR;
      case S_IFDIR:
        return FileType.DIRECTORY;
      case S_IFIFO:
        return FileType.FIFO;
      case S_IFSOCK:
        return FileType.SOCKET;
      case S_IFCHR:
        return FileType.CHAR_DEVICE;
      case S_IFBLK:
        return FileType.BLOCK_DEVICE;
      case S_IFLNK:
        return FileType.SYMLINK;
      default:
        return FileType.OTHER;
    }
  }

  /** [read end, write end], both close-on-exec. */
  public int[] pipe() throws FdException {
    int[] fds = new int[2];
    while (LIBC.pipe2(fds, OpenFlags.O_CLOEXEC.intValue()) != 0) {
      checkRetry("pipe");
    }
    return fds;
  }

  /** Whether FD_CLOEXEC is set; used by tests. */
  public boolean isCloexec(int fd) throws FdException {
    int r;
    while ((r = LIBC.fcntl(fd, F_GETFD, 0)) < 0) {
      checkRetry("fcntl");
    }
    return (r & FD_CLOEXEC) != 0;
  }

  public void mkfifo(String path, int mode) throws FdException {
    while (LIBC.mkfifo(path, mode) != 0) {
      checkRetry("mkfifo");
    }
  }

  /**
   * Closes exactly once: EINTR is not retried (Linux has freed the number already), it is treated
   * as done.
   */
  public void close(int fd) throws FdException {
    if (LIBC.close(fd) != 0) {
      int errno = Native.errno();
      if (errno != Native.EINTR) {
        throw Errnos.exception(errno, "close");
      }
    }
  }

  /** Reads errno after a failed call: returns to retry on EINTR, throws otherwise. */
  private void checkRetry(String call) throws FdException {
    Errnos.retryOrThrow(Native.errno(), call);
  }

  private static void checkRange(byte[] buf, int off, int len) throws FdException {
    if (buf == null || off < 0 || len < 0 || off > buf.length - len) {
      throw new FdException("einval", "buffer range out of bounds");
    }
  }

  private static void checkPos(long pos) throws FdException {
    if (pos < 0) {
      throw new FdException("einval", "negative position");
    }
  }
}
