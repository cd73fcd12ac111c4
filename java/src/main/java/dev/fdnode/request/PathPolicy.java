package dev.fdnode.request;

import dev.fdnode.core.FdException;
import dev.fdnode.core.Posix;
import dev.fdnode.core.Reason;
import dev.fdnode.core.RootedOpen;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The allow-list of root directories. A path is resolved the way the kernel would walk it ({@code
 * .}, {@code ..} and every symlink on the way, including a dangling last one that {@code O_CREAT}
 * would follow) and then must lie under one of the roots, or the request gets {@code eacces}.
 *
 * <p>This check happens before open(2); {@link RootedOpen} then opens the resolved path from the
 * root with openat(2) and O_NOFOLLOW per component, so a component swapped for a symlink in between
 * is refused rather than followed (see {@link #rootOf}).
 */
public final class PathPolicy {
  /** Linux's MAXSYMLINKS. */
  private static final int MAX_LINK_HOPS = 40;

  private static final int PATH_MAX = 4096;

  private final List<Path> roots;

  /**
   * @param roots real (already resolved) absolute directories
   */
  public PathPolicy(List<Path> roots) {
    if (roots.isEmpty()) throw new IllegalArgumentException("at least one root");
    for (Path r : roots) {
      if (!r.isAbsolute()) throw new IllegalArgumentException("root not absolute: " + r);
    }
    this.roots = List.copyOf(roots);
  }

  public List<Path> roots() {
    return roots;
  }

  /**
   * The real path to open for {@code path}.
   *
   * @throws FdException {@code einval} for a relative or NUL-containing path, {@code enametoolong},
   *     {@code eloop} for too many links, {@code eacces} outside every root
   */
  public Path resolve(String path) throws FdException {
    Posix.withoutNul(path, "path");
    if (!path.startsWith("/"))
      throw new FdException(Reason.EINVAL, "path must be absolute: " + path);
    if (path.length() > PATH_MAX) throw new FdException(Reason.ENAMETOOLONG);

    Path resolved = walk(path);
    for (Path root : roots) {
      if (resolved.startsWith(root)) return resolved;
    }
    throw new FdException(Reason.EACCES, "outside every root: " + path);
  }

  /** The root {@code resolved} (a result of {@link #resolve}) lies under; the longest if nested. */
  public Path rootOf(Path resolved) throws FdException {
    Path best = null;
    for (Path root : roots) {
      if (resolved.startsWith(root)
          && (best == null || root.getNameCount() > best.getNameCount())) {
        best = root;
      }
    }
    if (best == null) throw new FdException(Reason.EACCES, "outside every root: " + resolved);
    return best;
  }

  /** Component-by-component resolution; what does not exist yet is taken literally. */
  private static Path walk(String path) throws FdException {
    Deque<String> todo = new ArrayDeque<>();
    pushFront(todo, path);
    Path cur = Path.of("/");
    int hops = 0;
    while (!todo.isEmpty()) {
      String c = todo.pollFirst();
      if (c.isEmpty() || c.equals(".")) continue;
      if (c.equals("..")) {
        Path parent = cur.getParent(); // cur is always real, so its parent is too
        if (parent != null) cur = parent;
        continue;
      }
      Path next = cur.resolve(c);
      if (Files.isSymbolicLink(next)) {
        if (++hops > MAX_LINK_HOPS) throw new FdException(Reason.ELOOP);
        String target;
        try {
          target = Files.readSymbolicLink(next).toString();
        } catch (IOException e) {
          throw new FdException(Reason.EACCES, "unreadable link " + next);
        }
        if (target.startsWith("/")) cur = Path.of("/");
        pushFront(todo, target);
      } else if (Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
        cur = next;
      } else {
        // Nothing on disk to follow from here: the OS would fail with enoent
        // unless this is the last component, so a literal join is faithful.
        cur = next;
        while (!todo.isEmpty()) cur = cur.resolve(todo.pollFirst());
        return cur.normalize();
      }
    }
    return cur;
  }

  private static void pushFront(Deque<String> todo, String path) {
    String[] parts = path.split("/");
    for (int i = parts.length - 1; i >= 0; i--) todo.addFirst(parts[i]);
  }
}
