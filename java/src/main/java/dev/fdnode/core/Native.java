package dev.fdnode.core;

import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * The libc calls JNR-POSIX lacks, bound once with jnr-ffi: sockets, poll(2), the {@code *at(2)}
 * calls, fcntl on raw numbers, copy_file_range/sendfile/splice. With them: errno, EINTR, and the
 * one poll(2) wrapper every wait uses. (The poller's epoll calls have their own small binding in
 * {@code dev.fdnode.poll.LinuxEpoll}: it is needed before the node is ready, this one is not.)
 */
public final class Native {
  /** The calls; see their man pages. Pointers are direct memory from {@link #RUNTIME}. */
  public interface LibC {
    // descriptors
    long read(int fd, @Out Pointer buf, long count);

    long read(int fd, @Out byte[] buf, long count);

    long write(int fd, @In Pointer buf, long count);

    int close(int fd);

    int fcntl(int fd, int cmd, int arg);

    int poll(Pointer fds, long nfds, int timeout);

    // copies the kernel does (KernelCopy); an offset pointer is a loff_t, or null for "none"
    long copy_file_range(int fdIn, Pointer offIn, int fdOut, Pointer offOut, long len, int flags);

    long sendfile(int outFd, int inFd, Pointer offset, long count);

    long splice(int fdIn, Pointer offIn, int fdOut, Pointer offOut, long len, int flags);

    // sockets
    int socket(int domain, int type, int protocol);

    int connect(int fd, @In Pointer addr, int len);

    int bind(int fd, @In Pointer addr, int len);

    int listen(int fd, int backlog);

    int accept4(int fd, Pointer addr, Pointer len, int flags);

    int getsockopt(int fd, int level, int name, @Out Pointer value, Pointer len);

    int setsockopt(int fd, int level, int name, @In Pointer value, int len);

    int getsockname(int fd, Pointer addr, Pointer len);

    int getpeername(int fd, Pointer addr, Pointer len);

    long send(int fd, @In byte[] buf, long len, int flags);

    long recv(int fd, @Out byte[] buf, long len, int flags);

    long sendto(int fd, @In byte[] buf, long len, int flags, @In Pointer addr, int addrLen);

    long recvfrom(int fd, @Out byte[] buf, long len, int flags, Pointer addr, Pointer addrLen);

    // relative to a directory descriptor
    int openat(int dirfd, String path, int flags, int mode);

    int fstatat(int dirfd, String path, @Out byte[] buf, int flags);

    int mkdirat(int dirfd, String path, int mode);

    int unlinkat(int dirfd, String path, int flags);

    int renameat(int olddirfd, String oldpath, int newdirfd, String newpath);

    Pointer fdopendir(int fd);

    Pointer readdir(Pointer dir);

    int closedir(Pointer dir);

    long readlink(String path, @Out byte[] buf, long size);
  }

  public static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  public static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

  public static final int EINTR = Errno.EINTR.intValue();

  /**
   * Longest single wait of a call that may block (a read on an idle pipe, an accept, a recv): a
   * close from another thread is noticed within it.
   */
  public static final int SLICE_MS = 100;

  public static final short POLLIN = 0x001;
  public static final short POLLOUT = 0x004;

  /** One {@code struct pollfd {int fd; short events, revents;}} per thread. */
  private static final ThreadLocal<Pointer> POLLFD =
      ThreadLocal.withInitial(() -> Memory.allocateDirect(RUNTIME, 8, true));

  private Native() {}

  /**
   * Binds libc now if nothing has yet. Binding takes a large part of the node's start-up (jnr-ffi
   * generates and compiles a stub per call), so {@code Main} runs it on its own thread while the
   * rest of the node starts; whoever touches {@link #LIBC} first waits for the binding to finish.
   */
  public static void bind() {
    // Calling a static method initialises the class: LIBC is bound by then.
  }

  private static final int F_GETFL = 3;
  private static final int F_SETFL = 4;
  private static final int O_NONBLOCK = OpenFlags.O_NONBLOCK.intValue();

  /** Sets or clears {@code O_NONBLOCK} on {@code fd}. */
  public static void setBlocking(int fd, boolean blocking) throws FdException {
    int flags = LIBC.fcntl(fd, F_GETFL, 0);
    int wanted = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK;
    if (flags < 0 || (wanted != flags && LIBC.fcntl(fd, F_SETFL, wanted) < 0)) {
      throw Errnos.exception(errno(), "fcntl");
    }
  }

  /** close(2) of a descriptor nobody else knows, ignoring errors. */
  public static void closeQuietly(int fd) {
    if (fd >= 0) LIBC.close(fd);
  }

  /** errno of the last failed call on this thread. */
  public static int errno() {
    return LastError.getLastError(RUNTIME);
  }

  public static void clearErrno() {
    LastError.setLastError(RUNTIME, 0);
  }

  /**
   * poll(2) on one descriptor for at most {@code timeoutMs}: true when it is ready for {@code
   * events} or has an error or hang-up pending (the call that follows says which); false when the
   * time ran out or a signal interrupted the wait.
   */
  public static boolean poll(int fd, int events, long timeoutMs) throws FdException {
    Pointer p = POLLFD.get();
    p.putInt(0, fd);
    p.putShort(4, (short) events);
    p.putShort(6, (short) 0);
    int n = LIBC.poll(p, 1, (int) Math.min(timeoutMs, Integer.MAX_VALUE));
    if (n > 0) {
      return true;
    }
    if (n < 0 && errno() != EINTR) {
      throw Errnos.exception(errno(), "poll");
    }
    return false;
  }
}
