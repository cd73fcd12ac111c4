package dev.fdnode.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Test helper: runs a command with a deadline; makes sure epmd is up. */
public final class Epmd {
  private Epmd() {}

  public record Result(int exitCode, String output) {}

  public static void ensureRunning() throws Exception {
    if (run(List.of("epmd", "-names"), 10).exitCode() == 0) return;
    Result r = run(List.of("epmd", "-daemon"), 10);
    assertEquals(0, r.exitCode(), "epmd -daemon failed: " + r.output());
    for (int i = 0; i < 50; i++) {
      if (run(List.of("epmd", "-names"), 10).exitCode() == 0) return;
      Thread.sleep(100);
    }
    fail("epmd did not come up");
  }

  public static Result run(List<String> cmd, int timeoutSeconds)
      throws IOException, InterruptedException {
    // Output goes to a file, not a pipe: `epmd -daemon` leaves a child holding
    // inherited pipes open, and a hung erl must not hang the test.
    Path log = Files.createTempFile("fdnode-e2e", ".out");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .start();
      p.getOutputStream().close();
      boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      String out = Files.readString(log, StandardCharsets.UTF_8);
      if (!done) {
        p.destroyForcibly();
        fail(cmd.get(0) + " did not finish in " + timeoutSeconds + " s: " + out);
      }
      return new Result(p.exitValue(), out);
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
