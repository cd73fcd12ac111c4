package dev.fdnode.core;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import jnr.constants.platform.OpenFlags;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Out;

/**
 * Opens a path that has already been resolved to a real path under a root,
 * without trusting that nothing changed since: the walk starts at the root
 * directory and goes one component at a time with {@code openat(2)} and
 * {@code O_NOFOLLOW}, so a component swapped for a symlink after the check
 * fails ({@code ELOOP}/{@code ENOTDIR}, reported as {@code eacces}) instead
 * of being followed out of the root; nothing is created outside it either.
 * The opened descriptor is then checked once more through
 * {@code /proc/self/fd/N}: if the kernel says it is not under the root (the
 * root itself moved), it is closed again and the open is {@code eacces}.
 */
public final class RootedOpen {
    private static final int AT_FDCWD = -100;
    private static final int O_PATH = 010000000; // same on x86_64 and aarch64; not in jnr-constants
    private static final int O_DIRECTORY = OpenFlags.O_DIRECTORY.intValue();
    private static final int O_NOFOLLOW = OpenFlags.O_NOFOLLOW.intValue();
    private static final int O_CLOEXEC = OpenFlags.O_CLOEXEC.intValue();
    private static final int EINTR = 4;
    private static final int ELOOP = 40;
    private static final int ENOTDIR = 20;

    /** The libc calls used here. */
    public interface LibC {
        int openat(int dirfd, String path, int flags, int mode);

        long readlink(String path, @Out byte[] buf, long size);

        int close(int fd);
    }

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    /**
     * Opens {@code resolved}, which must be {@code root} or lie under it (both
     * real, absolute paths), with {@code o}'s flags plus {@code O_CLOEXEC} and
     * {@code O_NOFOLLOW}.
     */
    public int open(Path root, Path resolved, OpenOptions o) throws FdException {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(resolved, "resolved");
        if (!resolved.startsWith(root)) {
            throw new FdException("eacces", "open: " + resolved + " is not under " + root);
        }
        Path rel = root.relativize(resolved);
        int n = rel.toString().isEmpty() ? 0 : rel.getNameCount();
        int dir = openat(AT_FDCWD, root.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        try {
            for (int i = 0; i < n - 1; i++) {
                int next = openat(dir, rel.getName(i).toString(),
                        O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
                closeQuietly(dir);
                dir = next;
            }
            String last = n == 0 ? "." : rel.getName(n - 1).toString();
            int fd = openat(dir, last, Posix.openFlags(o) | O_NOFOLLOW, o.mode());
            String where = procPath(fd);
            if (where == null || !Path.of(where).startsWith(root)) {
                closeQuietly(fd);
                throw new FdException("eacces", "open: " + resolved + " ended up at " + where
                        + ", outside " + root);
            }
            return fd;
        } finally {
            closeQuietly(dir);
        }
    }

    private static int openat(int dir, String name, int flags, int mode) throws FdException {
        while (true) {
            int fd = LIBC.openat(dir, name, flags, mode);
            if (fd >= 0) return fd;
            int errno = LastError.getLastError(RUNTIME);
            if (errno == EINTR) continue;
            if (errno == ELOOP || (errno == ENOTDIR && (flags & O_DIRECTORY) != 0)) {
                // The resolved path had no symlink here: one appeared since the check.
                throw new FdException("eacces", "open: " + name + " changed into a symlink");
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
