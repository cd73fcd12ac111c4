package dev.fdnode.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fdnode.core.FdException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PathPolicyTest {
  @TempDir Path tmp;
  Path root;
  Path outside;
  PathPolicy policy;

  @BeforeEach
  void setUp() throws Exception {
    Path base = tmp.toRealPath();
    root = Files.createDirectories(base.resolve("root"));
    outside = Files.createDirectories(base.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "s");
    Files.createDirectories(root.resolve("sub"));
    Files.writeString(root.resolve("sub/file"), "f");
    policy = new PathPolicy(List.of(root));
  }

  String reason(String p) {
    return assertThrows(FdException.class, () -> policy.resolve(p)).reason();
  }

  @Test
  void plainPathsInside() throws Exception {
    assertEquals(root.resolve("sub/file"), policy.resolve(root + "/sub/file"));
    assertEquals(root.resolve("new"), policy.resolve(root + "/new"));
    assertEquals(root.resolve("sub/file"), policy.resolve(root + "/./sub//file"));
    assertEquals(root.resolve("sub/file"), policy.resolve(root + "/sub/../sub/file"));
    assertEquals(root, policy.resolve(root.toString()));
  }

  @Test
  void dotDotEscapes() {
    assertEquals("eacces", reason(root + "/../outside/secret"));
    assertEquals("eacces", reason(root + "/sub/../../outside/secret"));
    assertEquals("eacces", reason(root + "/../../../../../../etc/passwd"));
    assertEquals("eacces", reason("/etc/passwd"));
    assertEquals("eacces", reason(root + "/nonexistent/../../outside/secret"));
  }

  @Test
  void siblingWithCommonPrefixIsOutside() throws Exception {
    Files.createDirectories(root.getParent().resolve("root2"));
    assertEquals("eacces", reason(root + "2/x"));
  }

  @Test
  void symlinkEscapes() throws Exception {
    Files.createSymbolicLink(root.resolve("out"), outside);
    Files.createSymbolicLink(root.resolve("secretlink"), outside.resolve("secret"));
    Files.createSymbolicLink(root.resolve("rel"), Path.of("../outside"));
    assertEquals("eacces", reason(root + "/out/secret"));
    assertEquals("eacces", reason(root + "/secretlink"));
    assertEquals("eacces", reason(root + "/rel/secret"));
    assertEquals("eacces", reason(root + "/out/newfile"));
  }

  @Test
  void danglingSymlinkIsFollowedLikeOCreatWould() throws Exception {
    Files.createSymbolicLink(root.resolve("dangling"), outside.resolve("created-by-open"));
    assertEquals("eacces", reason(root + "/dangling"));
    Files.createSymbolicLink(root.resolve("inner"), root.resolve("sub/later"));
    assertEquals(root.resolve("sub/later"), policy.resolve(root + "/inner"));
  }

  @Test
  void symlinkInsideRootsIsFine() throws Exception {
    Files.createSymbolicLink(root.resolve("alias"), Path.of("sub"));
    assertEquals(root.resolve("sub/file"), policy.resolve(root + "/alias/file"));
    // `..` after a symlink goes to the link target's parent, as the kernel does
    Files.createDirectories(root.resolve("a/b"));
    Files.createSymbolicLink(root.resolve("deep"), root.resolve("a/b"));
    assertEquals(root.resolve("a/x"), policy.resolve(root + "/deep/../x"));
  }

  @Test
  void symlinkWithDotDotOutOfLinkTargetEscapes() throws Exception {
    Files.createSymbolicLink(root.resolve("sub/up"), outside);
    assertEquals("eacces", reason(root + "/sub/up/../outside/secret"));
  }

  @Test
  void linkLoopIsEloop() throws Exception {
    Files.createSymbolicLink(root.resolve("l1"), root.resolve("l2"));
    Files.createSymbolicLink(root.resolve("l2"), root.resolve("l1"));
    assertEquals("eloop", reason(root + "/l1"));
  }

  @Test
  void relativeAndNulAreEinval() {
    assertEquals("einval", reason("relative/path"));
    assertEquals("einval", reason(""));
    assertEquals("einval", reason(root + "/a\0b"));
  }

  @Test
  void tooLong() {
    assertEquals("enametoolong", reason(root + "/" + "x".repeat(5000)));
  }

  @Test
  void rootsViaSymlinkAreResolvedByCaller() throws Exception {
    // Config resolves roots with toRealPath; a second root widens the allow-list.
    PathPolicy two = new PathPolicy(List.of(root, outside));
    assertEquals(outside.resolve("secret"), two.resolve(root + "/../outside/secret"));
  }
}
