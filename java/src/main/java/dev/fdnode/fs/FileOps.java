package dev.fdnode.fs;

import dev.fdnode.core.AtCalls;
import dev.fdnode.core.Errnos;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Posix;
import dev.fdnode.core.RootedOpen;
import java.util.Collections;
import java.util.List;
import jnr.posix.FileStat;
import jnr.posix.POSIX;

/**
 * File metadata and directory operations on paths the node layer has already checked against its
 * roots. Thin over JNR-POSIX and the {@code *at} calls ({@link AtCalls}): each call reads its own
 * errno and fails with the POSIX atom name. No path policy here.
 *
 * <p>Each {@code *At} method acts on one name relative to a directory descriptor that {@link
 * RootedOpen#openDir} reached and verified under a root, so a directory swapped for a symlink after
 * the path check cannot redirect it.
 */
public final class FileOps {
  /**
   * What {@code file_info} reports: the type is one of regular, directory, symlink, device, other.
   */
  public record Info(long size, String type, int mode, long mtime) {}

  /** fstat(2) of an open descriptor. */
  public Info fstat(FdInner f) throws FdException {
    POSIX posix = Posix.quietNative(); // bound on first use, not when the node builds FileOps
    try (FdInner.Use u = f.use()) {
      FileStat st = posix.allocateStat();
      while (posix.fstat(u.fd(), st) != 0) {
        Errnos.retryOrThrow(posix.errno(), "fstat");
      }
      return info(st);
    }
  }

  /** fstatat(2) with {@code AT_SYMLINK_NOFOLLOW}: a symlink is reported as {@code symlink}. */
  public Info lstatAt(RootedOpen.Dir dir, String name) throws FdException {
    AtCalls.Stat st = AtCalls.fstatat(dir.fd(), name, AtCalls.AT_SYMLINK_NOFOLLOW);
    return new Info(st.size(), type(st.mode()), st.mode() & 07777, st.mtime());
  }

  /** The names in {@code dir} itself (without {@code .} and {@code ..}), sorted. */
  public List<String> listDirAt(RootedOpen.Dir dir) throws FdException {
    List<String> names = AtCalls.readDir(RootedOpen.reopenForReading(dir));
    Collections.sort(names);
    return names;
  }

  /** mkdirat(2); an existing name (a symlink too) is {@code eexist}. */
  public void makeDirAt(RootedOpen.Dir dir, String name, int mode) throws FdException {
    AtCalls.mkdirat(dir.fd(), name, mode);
  }

  /** unlinkat(2) without flags: a directory is {@code eisdir}; a symlink itself is removed. */
  public void deleteFileAt(RootedOpen.Dir dir, String name) throws FdException {
    AtCalls.unlinkat(dir.fd(), name, 0);
  }

  /**
   * unlinkat(2) with {@code AT_REMOVEDIR}: only an empty directory ({@code enotempty} otherwise).
   */
  public void deleteDirAt(RootedOpen.Dir dir, String name) throws FdException {
    AtCalls.unlinkat(dir.fd(), name, AtCalls.AT_REMOVEDIR);
  }

  /** renameat(2), which does not follow a symlink at either end. */
  public void renameAt(RootedOpen.Dir fromDir, String from, RootedOpen.Dir toDir, String to)
      throws FdException {
    AtCalls.renameat(fromDir.fd(), from, toDir.fd(), to);
  }

  private static String type(int mode) {
    return switch (mode & FileStat.S_IFMT) {
      case FileStat.S_IFREG -> "regular";
      case FileStat.S_IFDIR -> "directory";
      case FileStat.S_IFLNK -> "symlink";
      case FileStat.S_IFCHR, FileStat.S_IFBLK -> "device";
      default -> "other";
    };
  }

  private static Info info(FileStat st) {
    return new Info(st.st_size(), type(st.mode()), st.mode() & 07777, st.mtime());
  }
}
