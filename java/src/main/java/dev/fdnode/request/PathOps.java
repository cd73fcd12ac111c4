package dev.fdnode.request;

import dev.fdnode.core.FdException;
import dev.fdnode.core.Reason;
import dev.fdnode.core.RootedOpen;
import dev.fdnode.fs.FileOps;
import java.nio.file.Path;
import java.util.List;

/**
 * The path-based file requests ({@code file_info} by path, {@code list_dir}, {@code make_dir},
 * {@code delete_file}, {@code delete_dir}, {@code rename}) without a check-then-use window. The
 * {@link PathPolicy} resolves the path and decides it is under a root; then {@link
 * RootedOpen#openDir} walks from that root to the parent directory with {@code openat(2)} and
 * {@code O_NOFOLLOW | O_DIRECTORY} on every component and verifies the descriptor through {@code
 * /proc/self/fd/N}; the operation itself is the {@code *at} call on the last name relative to that
 * descriptor. A directory swapped for a symlink after the check is {@code eacces}, never followed.
 */
final class PathOps {
  private final PathPolicy policy;
  private final RootedOpen rooted = new RootedOpen();
  private final FileOps files = new FileOps();

  /**
   * A name in a directory: {@code dir} (real, under {@code root}) and the literal last component.
   */
  record Entry(Path root, Path dir, String name) {}

  PathOps(PathPolicy policy) {
    this.policy = policy;
  }

  /** lstat semantics: a symlink is reported as itself. A root may be inspected. */
  FileOps.Info fileInfo(String path) throws FdException {
    Entry e = entry(path, false);
    try (RootedOpen.Dir d = rooted.openDir(e.root(), e.dir())) {
      return files.lstatAt(d, e.name());
    }
  }

  /** Follows its path like {@code open}; the directory itself is walked to and verified. */
  List<String> listDir(String path) throws FdException {
    Path resolved = policy.resolve(path);
    try (RootedOpen.Dir d = rooted.openDir(policy.rootOf(resolved), resolved)) {
      return files.listDirAt(d);
    }
  }

  void makeDir(String path, int mode) throws FdException {
    Entry e = entry(path, true);
    try (RootedOpen.Dir d = rooted.openDir(e.root(), e.dir())) {
      files.makeDirAt(d, e.name(), mode);
    }
  }

  void deleteFile(String path) throws FdException {
    Entry e = entry(path, true);
    try (RootedOpen.Dir d = rooted.openDir(e.root(), e.dir())) {
      files.deleteFileAt(d, e.name());
    }
  }

  void deleteDir(String path) throws FdException {
    Entry e = entry(path, true);
    try (RootedOpen.Dir d = rooted.openDir(e.root(), e.dir())) {
      files.deleteDirAt(d, e.name());
    }
  }

  /** Both parents are walked and verified, each from its own root. */
  void rename(String from, String to) throws FdException {
    Entry f = entry(from, true);
    Entry t = entry(to, true);
    try (RootedOpen.Dir fd = rooted.openDir(f.root(), f.dir());
        RootedOpen.Dir td = rooted.openDir(t.root(), t.dir())) {
      files.renameAt(fd, f.name(), td, t.name());
    }
  }

  /**
   * What an lstat/unlink/rmdir/mkdir/rename acts on: every directory on the way resolved by the
   * {@link PathPolicy} (symlinks followed, must stay inside a root), the last component taken
   * literally (a symlink there is the object itself, as those calls see it). A path ending in
   * {@code .} or {@code ..} is resolved whole. With {@code mutating}, a root itself is refused
   * ({@code eacces}); otherwise a root is {@code "."} in itself.
   */
  Entry entry(String path, boolean mutating) throws FdException {
    String trimmed = path;
    while (trimmed.length() > 1 && trimmed.endsWith("/"))
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    int slash = trimmed.lastIndexOf('/');
    String name = slash < 0 ? trimmed : trimmed.substring(slash + 1);
    Path target;
    if (slash < 0 || name.isEmpty() || name.equals(".") || name.equals("..")) {
      target = policy.resolve(path);
    } else {
      Path dir = policy.resolve(slash == 0 ? "/" : trimmed.substring(0, slash));
      target = dir.resolve(name);
    }
    for (Path root : policy.roots()) {
      if (target.equals(root)) {
        if (mutating) throw new FdException(Reason.EACCES, "refusing to change a root: " + root);
        return new Entry(root, root, ".");
      }
    }
    Path root = policy.rootOf(target); // eacces outside every root
    return new Entry(root, target.getParent(), target.getFileName().toString());
  }
}
