package dev.fdnode.poll;

import dev.fdnode.core.Native;
import jnr.ffi.Memory;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;

/**
 * The constants and struct layout of the epoll and eventfd calls the poller makes (bound in {@link
 * Native}: JNR-POSIX has no epoll, and java.nio's selector only accepts its own channels).
 */
final class LinuxEpoll {
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

  static Native.LibC libc() {
    return Native.LIBC;
  }

  static int errno() {
    return Native.errno();
  }

  static Pointer allocateEvents(int count) {
    return Memory.allocateDirect(Native.RUNTIME, EVENT_SIZE * count, true);
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
