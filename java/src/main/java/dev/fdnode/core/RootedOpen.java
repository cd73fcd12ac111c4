package dev.fdnode.core;

import static dev.fdnode.core.Native.LIBC;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import jnr.constants.platform.OpenFlags;

/**
 * Opens a path that has already been resolved to a real path under a root, without trusting that
 * nothing changed since: the walk starts at the root directory and goes one component at a time
 * with {@code openat(2)} and {@code O_NOFOLLOW}, so a component swapped for a symlink after the
 * check fails ({@code ELOOP}/{@code ENOTDIR}, reported as {@code eacces}) instead of being followed
 * out of the root; nothing is created outside it either. The opened descriptor is then checked once
 * more through {@code /proc/self/fd/N}: if the kernel says it is not under the root (the root
 * itself moved), it is closed again and the open is {@code eacces}.
 */
public final class RootedOpen {
  private static final int O_PATH = 010000000; // same on x86_64 and aarch64; not in jnr-constants
  private static final int O_RDONLY = OpenFlags.O_RDONLY.intValue();
  private static final int O_DIRECTORY = OpenFlags.O_DIRECTORY.intValue();
  private static final int O_NOFOLLOW = OpenFlags.O_NOFOLLOW.intValue();
  private static final int O_CLOEXEC = OpenFlags.O_CLOEXEC.intValue();
  private static final int ELOOP = 40;
  private static final int ENOTDIR = 20;

  /**
   * A directory descriptor ({@code O_PATH}) reached by the walk and verified to be under its root;
   * for the {@code *at} calls. Close it (try-with-resources).
   */
  public static final class Dir implements AutoCloseable {
    private int fd;

    private Dir(int fd) {
      this.fd = fd;
    }

    public int fd() {
      if (fd < 0) throw new IllegalStateException("closed");
      return fd;
    }

    @Override
    public void close() {
      closeQuietly(fd);
      fd = -1;
    }
  }

  /**
   * Opens {@code resolved}, which must be {@code root} or lie under it (both real, absolute paths),
   * with {@code o}'s flags plus {@code O_CLOEXEC} and {@code O_NOFOLLOW}.
   */
  public int open(Path root, Path resolved, OpenOptions o) throws FdException {
    Path rel = relative(root, resolved, "open");
    int n = rel.toString().isEmpty() ? 0 : rel.getNameCount();
    int dir = walk(root, rel, n - 1, true);
    try {
      String last = n == 0 ? "." : rel.getName(n - 1).toString();
      int fd = openat(dir, last, Posix.openFlags(o) | O_NOFOLLOW, o.mode(), true);
      verify(fd, root, resolved, "open");
      return fd;
    } finally {
      closeQuietly(dir);
    }
  }

  /**
   * The directory {@code resolvedDir} ({@code root} or under it, both real, absolute paths),
   * reached from the root with {@code O_NOFOLLOW} on every component including the last and checked
   * through {@code /proc/self/fd/N}: a component that became a symlink since the path check, or a
   * directory that is no longer under the root, is {@code eacces}. A component that is missing is
   * {@code enoent}, one that is not a directory (nor a symlink) {@code enotdir}.
   */
  public Dir openDir(Path root, Path resolvedDir) throws FdException {
    Path rel = relative(root, resolvedDir, "opendir");
    int n = rel.toString().isEmpty() ? 0 : rel.getNameCount();
    int fd = walk(root, rel, n, false);
    verify(fd, root, resolvedDir, "opendir");
    return new Dir(fd);
  }

  /**
   * A readable descriptor of the directory {@code dir} itself (for {@code readdir}): {@code "."}
   * reopened, so it is the same directory that was verified, whatever its path is now.
   */
  public static int reopenForReading(Dir dir) throws FdException {
    return openat(dir.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, false);
  }

  private static Path relative(Path root, Path resolved, String call) throws FdException {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(resolved, "resolved");
    if (!resolved.startsWith(root)) {
      throw new FdException(Reason.EACCES, call + ": " + resolved + " is not under " + root);
    }
    return root.relativize(resolved);
  }

  /**
   * An {@code O_PATH} descriptor of the root, then of each of the first {@code count} components of
   * {@code rel} in turn, each opened relative to the previous one with {@code O_DIRECTORY |
   * O_NOFOLLOW}.
   */
  private static int walk(Path root, Path rel, int count, boolean anyNotDirIsEacces)
      throws FdException {
    int dir = openat(AtCalls.AT_FDCWD, root.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0, true);
    try {
      for (int i = 0; i < count; i++) {
        String name = rel.getName(i).toString();
        int next;
        try {
          next =
              openat(
                  dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, anyNotDirIsEacces);
        } catch (FdException e) {
          if (!e.is(Reason.ENOTDIR)) throw e;
          // Not a directory: a plain file (enotdir, as a path call would say), or a
          // symlink that appeared since the check (or a name that keeps changing).
          boolean plain;
          try {
            AtCalls.Stat st = AtCalls.fstatat(dir, name, AtCalls.AT_SYMLINK_NOFOLLOW);
            plain = !st.isSymlink() && !st.isDirectory();
          } catch (FdException gone) {
            plain = false;
          }
          if (plain) throw e;
          throw new FdException(Reason.EACCES, "walk: " + name + " changed into a symlink");
        }
        closeQuietly(dir);
        dir = next;
      }
      int result = dir;
      dir = -1;
      return result;
    } finally {
      closeQuietly(dir);
    }
  }

  /**
   * Closes {@code fd} and throws {@code eacces} unless the kernel says it is under {@code root}.
   */
  private static void verify(int fd, Path root, Path resolved, String call) throws FdException {
    String where = procPath(fd);
    if (where == null || !Path.of(where).startsWith(root)) {
      closeQuietly(fd);
      throw new FdException(
          Reason.EACCES, call + ": " + resolved + " ended up at " + where + ", outside " + root);
    }
  }

  /**
   * openat(2), retried on EINTR. ELOOP (O_NOFOLLOW met a symlink) is {@code eacces}; so is ENOTDIR
   * on an O_DIRECTORY open when {@code notDirIsEacces}, else it stays {@code enotdir}.
   */
  private static int openat(int dir, String name, int flags, int mode, boolean notDirIsEacces)
      throws FdException {
    while (true) {
      int fd = LIBC.openat(dir, name, flags, mode);
      if (fd >= 0) return fd;
      int errno = Native.errno();
      if (errno == Native.EINTR) continue;
      if (errno == ELOOP || (notDirIsEacces && errno == ENOTDIR && (flags & O_DIRECTORY) != 0)) {
        // The resolved path had no symlink here: one appeared since the check.
        throw new FdException(Reason.EACCES, "open: " + name + " changed into a symlink");
      }
      throw Errnos.exception(errno, "open");
    }
  }

  /** Where the kernel says {@code fd} points, or null if it cannot tell. */
  static String procPath(int fd) {
    byte[] buf = new byte[4097];
    long len = LIBC.readlink("/proc/self/fd/" + fd, buf, buf.length);
    if (len <= 0 || len >= buf.length) return null;
    String s = new String(buf, 0, (int) len, StandardCharsets.UTF_8);
    return s.startsWith("/") && !s.endsWith(" (deleted)") ? s : null;
  }

  private static void closeQuietly(int fd) {
    if (fd >= 0) LIBC.close(fd);
  }
}
