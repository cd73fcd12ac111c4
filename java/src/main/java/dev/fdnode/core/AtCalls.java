package dev.fdnode.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;

/**
 * The libc calls that act relative to a directory descriptor ({@code *at(2)}, bound in {@link
 * Native}): JNR-POSIX has none of them. Every call retries on {@code EINTR} and fails with the
 * errno's POSIX atom ({@link Errnos}).
 *
 * <p>Only 64-bit Linux with glibc is supported (as for the rest of the node): {@code struct stat}
 * is read at the offsets of x86-64 and of the generic 64-bit layout (aarch64, riscv64); {@code
 * struct dirent}'s name is at 19 on both.
 */
public final class AtCalls {
  /** As a directory descriptor: the working directory (an absolute path ignores it). */
  public static final int AT_FDCWD = -100;

  public static final int AT_SYMLINK_NOFOLLOW = 0x100;
  public static final int AT_REMOVEDIR = 0x200;

  private static final int S_IFMT = 0170000;
  private static final int STAT_SIZE = 256; // > sizeof(struct stat) on every 64-bit ABI (144 / 128)
  private static final int ST_MODE =
      Platform.getNativePlatform().getCPU() == Platform.CPU.X86_64 ? 24 : 16;
  private static final int ST_SIZE = 48;
  private static final int ST_MTIME = 88;
  private static final int D_NAME = 19;

  /** What {@code fstatat} says: the raw {@code st_mode} (type and permission bits), size, mtime. */
  public record Stat(int mode, long size, long mtime) {
    public int type() {
      return mode & S_IFMT;
    }

    public boolean isSymlink() {
      return type() == 0120000;
    }

    public boolean isDirectory() {
      return type() == 0040000;
    }

    public FileType fileType() {
      return Posix.typeOf(mode);
    }
  }

  private AtCalls() {}

  /** lstat(2) of an absolute path: a symlink is the link itself. */
  public static Stat lstat(String path) throws FdException {
    return fstatat(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW);
  }

  /** fstatat(2); with {@code AT_SYMLINK_NOFOLLOW} a symlink is the link itself. */
  public static Stat fstatat(int dirfd, String name, int flags) throws FdException {
    byte[] buf = new byte[STAT_SIZE];
    while (Native.LIBC.fstatat(dirfd, name, buf, flags) != 0) retry("fstatat");
    ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
    return new Stat(b.getInt(ST_MODE), b.getLong(ST_SIZE), b.getLong(ST_MTIME));
  }

  public static void mkdirat(int dirfd, String name, int mode) throws FdException {
    while (Native.LIBC.mkdirat(dirfd, name, mode) != 0) retry("mkdirat");
  }

  /** unlinkat(2): {@code 0} removes a non-directory, {@link #AT_REMOVEDIR} an empty directory. */
  public static void unlinkat(int dirfd, String name, int flags) throws FdException {
    while (Native.LIBC.unlinkat(dirfd, name, flags) != 0) retry("unlinkat");
  }

  public static void renameat(int fromDir, String from, int toDir, String to) throws FdException {
    while (Native.LIBC.renameat(fromDir, from, toDir, to) != 0) retry("renameat");
  }

  /**
   * The names in the directory open as {@code fd} (not {@code .} and {@code ..}), in readdir order.
   * {@code fd} must be readable (not {@code O_PATH}); it is consumed: closed here whatever happens.
   */
  public static List<String> readDir(int fd) throws FdException {
    Pointer dir = Native.LIBC.fdopendir(fd);
    if (dir == null) {
      int errno = Native.errno();
      Native.LIBC.close(fd);
      throw Errnos.exception(errno, "fdopendir");
    }
    try {
      List<String> names = new ArrayList<>();
      while (true) {
        Native.clearErrno();
        Pointer e = Native.LIBC.readdir(dir);
        if (e == null) {
          int errno = Native.errno();
          if (errno == 0) return names;
          if (errno == Native.EINTR) continue;
          throw Errnos.exception(errno, "readdir");
        }
        int len = e.indexOf(D_NAME, (byte) 0);
        byte[] raw = new byte[len];
        e.get(D_NAME, raw, 0, len);
        String name = new String(raw, StandardCharsets.UTF_8);
        if (!name.equals(".") && !name.equals("..")) names.add(name);
      }
    } finally {
      Native.LIBC.closedir(dir); // closes fd too
    }
  }

  static void close(int fd) {
    if (fd >= 0) Native.LIBC.close(fd);
  }

  private static void retry(String call) throws FdException {
    Errnos.retryOrThrow(Native.errno(), call);
  }
}
