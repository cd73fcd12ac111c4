package dev.fdnode.poll;

import dev.fdnode.core.Native;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.byref.IntByReference;

/**
 * The epoll and eventfd calls the poller makes, with their constants and struct layout (java.nio's
 * selector only accepts its own channels).
 *
 * <p>Bound here rather than in {@link Native}: the node builds its poller before it reports ready,
 * and binding these eight calls costs a fraction of binding all of {@link Native.LibC} (jnr-ffi
 * generates a stub per call), which can then happen after the ready line.
 */
final class LinuxEpoll {
  /**
   * The calls; see their man pages. Pointers are direct memory from {@link #RUNTIME}. Public: the
   * class jnr-ffi generates for it lives in its own class loader.
   */
  public interface Calls {
    int epoll_create1(int flags);

    int epoll_ctl(int epfd, int op, int fd, @In Pointer event);

    int epoll_wait(int epfd, @Out Pointer events, int maxevents, int timeout);

    int eventfd(int initval, int flags);

    long write(int fd, @In Pointer buf, long count);

    int close(int fd);

    int fcntl(int fd, int cmd, int arg);

    int ioctl(int fd, long request, @Out IntByReference arg);
  }

  private static final Calls CALLS = LibraryLoader.create(Calls.class).load("c");
  private static final Runtime RUNTIME = Runtime.getRuntime(CALLS);

  static final int EPOLLIN = 0x001;
  static final int EPOLLERR = 0x008;
  static final int EPOLLHUP = 0x010;
  static final int EPOLLRDHUP = 0x2000;
  static final int EPOLLONESHOT = 1 << 30;
  static final int EPOLL_CTL_ADD = 1;
  static final int EPOLL_CTL_DEL = 2;
  static final int EPOLL_CTL_MOD = 3;
  static final int O_CLOEXEC = 0x80000;
  static final int EFD_NONBLOCK = 0x800;
  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int EINTR = 4;
  static final long FIONREAD = 0x541B;
  static final int F_SETPIPE_SZ = 1031;

  /** struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16). */
  static final int EVENT_SIZE;

  static final int DATA_OFFSET;

  static {
    boolean packed = Platform.getNativePlatform().getCPU() == Platform.CPU.X86_64;
    EVENT_SIZE = packed ? 12 : 16;
    DATA_OFFSET = packed ? 4 : 8;
  }

  private LinuxEpoll() {}

  static Calls libc() {
    return CALLS;
  }

  /** errno of the last failed call on this thread. */
  static int errno() {
    return LastError.getLastError(RUNTIME);
  }

  static Pointer allocateEvents(int count) {
    return Memory.allocateDirect(RUNTIME, EVENT_SIZE * count, true);
  }

  static void putEvent(Pointer events, int index, int flags, long data) {
    long base = (long) index * EVENT_SIZE;
    events.putInt(base, flags);
    events.putLong(base + DATA_OFFSET, data);
  }

  static int eventFlags(Pointer events, int index) {
    return events.getInt((long) index * EVENT_SIZE);
  }

  static long eventData(Pointer events, int index) {
    return events.getLong((long) index * EVENT_SIZE + DATA_OFFSET);
  }
}
