package dev.fdnode.core;

import java.io.File;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.Objects;
import jnr.constants.platform.Errno;
import jnr.constants.platform.Fcntl;
import jnr.constants.platform.OpenFlags;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.POSIXHandler;

/**
 * Thin layer over JNR-POSIX. Every call checks its own return value and reads errno itself (the
 * handler never throws), so failures always surface as an {@link FdException} with the POSIX name.
 * EINTR is retried everywhere except close, where Linux has already released the number and a retry
 * could close a descriptor someone else just opened.
 */
public final class Posix {
  public static final int SEEK_SET = 0;
  public static final int SEEK_CUR = 1;
  public static final int SEEK_END = 2;

  private static final int FD_CLOEXEC = 1; // the only FD_* flag; not in jnr-constants

  /**
   * Binds nothing: JNR-POSIX is bound on the first call of any instance (or {@link #bind}), once
   * per JVM. Binding its libc interface (some 300 functions, a generated stub each) takes about
   * half of a start, and the node can report ready before it: {@code Main} binds it right after.
   */
  public Posix() {}

  /** The one JNR-POSIX instance, bound when this class is first initialised. */
  private static final class Jnr {
    static final POSIX POSIX = nativePosix();

    private static POSIX nativePosix() {
      POSIX p = POSIXFactory.getNativePOSIX(new QuietHandler());
      if (!p.isNative()) {
        throw new IllegalStateException("native POSIX not available");
      }
      return p;
    }
  }

  /**
   * Binds JNR-POSIX now if nothing has yet. A thread that needs it while another binds it waits
   * (class initialisation); when binding fails, this and every later use throw.
   */
  public static void bind() {
    quietNative();
  }

  private static POSIX posix() {
    return Jnr.POSIX;
  }

  /**
   * {@code s} itself, or {@code einval} if it holds a NUL: a C call would take only what comes
   * before it, another path or name than the one asked for. {@code what} names it in the message.
   */
  public static String withoutNul(String s, String what) throws FdException {
    if (s.indexOf('\0') >= 0) throw new FdException(Reason.EINVAL, "NUL byte in " + what);
    return s;
  }

  public int open(String path, OpenOptions o) throws FdException {
    Objects.requireNonNull(path, "path");
    withoutNul(path, "path");
    int flags = openFlags(o);
    while (true) {
      int fd = posix().open(path, flags, o.mode());
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
      int n = posix().read(fd, ByteBuffer.wrap(buf, off, len), len);
      if (n >= 0) {
        return n;
      }
      checkRetry("read");
    }
  }

  public int write(int fd, byte[] buf, int off, int len) throws FdException {
    checkRange(buf, off, len);
    while (true) {
      int n = posix().write(fd, ByteBuffer.wrap(buf, off, len), len);
      if (n >= 0) {
        return n;
      }
      checkRetry("write");
    }
  }

  public int pread(int fd, byte[] buf, int off, int len, long pos) throws FdException {
    checkRange(buf, off, len);
    checkPos(pos);
    while (true) {
      long n = posix().pread(fd, ByteBuffer.wrap(buf, off, len), (long) len, pos);
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
      long n = posix().pwrite(fd, ByteBuffer.wrap(buf, off, len), (long) len, pos);
      if (n >= 0) {
        return (int) n;
      }
      checkRetry("pwrite");
    }
  }

  public long lseek(int fd, long offset, int whence) throws FdException {
    while (true) {
      long r = posix().lseekLong(fd, offset, whence);
      if (r >= 0) {
        return r;
      }
      checkRetry("lseek");
    }
  }

  public void fsync(int fd) throws FdException {
    while (posix().fsync(fd) != 0) {
      checkRetry("fsync");
    }
  }

  public FileStat fstat(int fd) throws FdException {
    jnr.posix.FileStat st = posix().allocateStat();
    while (posix().fstat(fd, st) != 0) {
      checkRetry("fstat");
    }
    return new FileStat(st.st_size(), typeOf(st.mode()));
  }

  static FileType typeOf(int mode) {
    switch (mode & jnr.posix.FileStat.S_IFMT) {
      case jnr.posix.FileStat.S_IFREG:
        return FileType.REGULAR;
      case jnr.posix.FileStat.S_IFDIR:
        return FileType.DIRECTORY;
      case jnr.posix.FileStat.S_IFIFO:
        return FileType.FIFO;
      case jnr.posix.FileStat.S_IFSOCK:
        return FileType.SOCKET;
      case jnr.posix.FileStat.S_IFCHR:
        return FileType.CHAR_DEVICE;
      case jnr.posix.FileStat.S_IFBLK:
        return FileType.BLOCK_DEVICE;
      case jnr.posix.FileStat.S_IFLNK:
        return FileType.SYMLINK;
      default:
        return FileType.OTHER;
    }
  }

  /** [read end, write end], both close-on-exec. */
  public int[] pipe() throws FdException {
    int[] fds = new int[2];
    while (posix().pipe(fds) != 0) {
      checkRetry("pipe");
    }
    // JNR-POSIX has no pipe2(); the JVM closes inherited fds when it spawns
    // children, so setting FD_CLOEXEC right after is safe in practice.
    try {
      setCloexec(fds[0]);
      setCloexec(fds[1]);
    } catch (FdException e) {
      closeQuietly(fds[0]);
      closeQuietly(fds[1]);
      throw e;
    }
    return fds;
  }

  private void setCloexec(int fd) throws FdException {
    while (posix().fcntlInt(fd, Fcntl.F_SETFD, FD_CLOEXEC) < 0) {
      checkRetry("fcntl");
    }
  }

  /** Whether FD_CLOEXEC is set; used by tests. */
  public boolean isCloexec(int fd) throws FdException {
    int r;
    while ((r = posix().fcntl(fd, Fcntl.F_GETFD)) < 0) {
      checkRetry("fcntl");
    }
    return (r & FD_CLOEXEC) != 0;
  }

  public void mkfifo(String path, int mode) throws FdException {
    while (posix().mkfifo(path, mode) != 0) {
      checkRetry("mkfifo");
    }
  }

  /**
   * Closes exactly once: EINTR is not retried (Linux has freed the number already), it is treated
   * as done.
   */
  public void close(int fd) throws FdException {
    if (posix().close(fd) != 0) {
      int errno = posix().errno();
      if (errno != Native.EINTR) {
        throw Errnos.exception(errno, "close");
      }
    }
  }

  private void closeQuietly(int fd) {
    try {
      close(fd);
    } catch (FdException ignored) {
      // cleanup after another failure; that failure is what gets reported
    }
  }

  /** Reads errno after a failed call: returns to retry on EINTR, throws otherwise. */
  private void checkRetry(String call) throws FdException {
    Errnos.retryOrThrow(posix().errno(), call);
  }

  private static void checkRange(byte[] buf, int off, int len) throws FdException {
    if (buf == null || off < 0 || len < 0 || off > buf.length - len) {
      throw new FdException(Reason.EINVAL, "buffer range out of bounds");
    }
  }

  private static void checkPos(long pos) throws FdException {
    if (pos < 0) {
      throw new FdException(Reason.EINVAL, "negative position");
    }
  }

  /**
   * The JNR-POSIX instance whose handler never throws: callers check return values and errno
   * themselves. Shared by every class that calls libc; bound on first use (see {@link #bind}).
   */
  public static POSIX quietNative() {
    return Jnr.POSIX;
  }

  /** A handler that never throws: the caller checks return values and errno. */
  private static final class QuietHandler implements POSIXHandler {
    @Override
    public void error(Errno error, String extraData) {}

    @Override
    public void error(Errno error, String methodName, String extraData) {}

    @Override
    public void unimplementedError(String methodName) {
      throw new UnsupportedOperationException(methodName);
    }

    @Override
    public void warn(WARNING_ID id, String message, Object... data) {}

    @Override
    public boolean isVerbose() {
      return false;
    }

    @Override
    public File getCurrentWorkingDirectory() {
      return new File(".");
    }

    @Override
    public String[] getEnv() {
      return new String[0];
    }

    @Override
    public InputStream getInputStream() {
      return System.in;
    }

    @Override
    public PrintStream getOutputStream() {
      return System.out;
    }

    @Override
    public int getPID() {
      return 0;
    }

    @Override
    public PrintStream getErrorStream() {
      return System.err;
    }
  }
}
