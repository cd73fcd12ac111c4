package dev.fdnode.core;

import dev.fdnode.testing.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves descriptors open: compares /proc/self/fd before and after the
 * class. Files the JVM opens lazily for itself (jars, native libraries, random devices) are not
 * ours and are ignored.
 */
public final class FdLeakCheck implements BeforeAllCallback, AfterAllCallback {
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(FdLeakCheck.class);

  @Override
  public void beforeAll(ExtensionContext ctx) {
    ctx.getStore(NS).put("before", openFds());
  }

  @Override
  public void afterAll(ExtensionContext ctx) throws Exception {
    @SuppressWarnings("unchecked")
    Map<Integer, String> before = ctx.getStore(NS).get("before", Map.class);
    // Asynchronous closes (ring workers) may still be finishing.
    Await.until(
        Duration.ofSeconds(1),
        () -> ctx.getDisplayName() + " leaked descriptors: " + leaks(before, openFds()),
        () -> leaks(before, openFds()).isEmpty());
  }

  /** Descriptors in {@code after} that are new or point elsewhere, except the JVM's own. */
  public static Map<Integer, String> leaks(
      Map<Integer, String> before, Map<Integer, String> after) {
    Map<Integer, String> out = new TreeMap<>();
    after.forEach(
        (fd, target) -> {
          if (!target.equals(before.get(fd)) && !jvmOwn(target)) {
            out.put(fd, target);
          }
        });
    return out;
  }

  /**
   * Not ours: the JVM's lazily opened jars, libraries and random devices, the listing of /proc
   * itself, the cgroup files of /sys it reads now and then, and sockets (the test tooling's; the
   * core tests never create one).
   */
  private static boolean jvmOwn(String target) {
    return target.startsWith("/proc/")
        || target.startsWith("/sys/") // e.g. the cgroup memory.stat the JVM reads for its limits
        || target.startsWith("socket:")
        || target.endsWith(".jar")
        || target.contains(".so")
        || target.endsWith("random")
        || target.contains("/jre/")
        || target.contains("/jvm/")
        || target.equals("?");
  }

  /** fd number -> link target, as the kernel reports it. */
  public static Map<Integer, String> openFds() {
    Map<Integer, String> out = new HashMap<>();
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      s.forEach(
          p -> {
            try {
              out.put(
                  Integer.parseInt(p.getFileName().toString()),
                  Files.readSymbolicLink(p).toString());
            } catch (IOException | NumberFormatException e) {
              // the directory stream's own fd vanishes while we list; skip it
            }
          });
    } catch (IOException e) {
      throw new AssertionError("cannot list /proc/self/fd", e);
    }
    return out;
  }

  public static boolean isOpen(int fd) {
    return Files.exists(Path.of("/proc/self/fd/" + fd), java.nio.file.LinkOption.NOFOLLOW_LINKS);
  }
}
