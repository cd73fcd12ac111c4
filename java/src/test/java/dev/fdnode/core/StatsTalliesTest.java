package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stats} reads tallies the table keeps as descriptors open, change owner or mode and start
 * closing, rather than walking them all: after any mix of those, one thread or many, the tallies
 * are what a walk over the table counts (open descriptors whose close has not begun, by owner node;
 * those in an active mode).
 */
@ExtendWith(FdLeakCheck.class)
class StatsTalliesTest {
  static final Pid[] OWNERS = {
    new Pid("a@host", 1, 0, 1),
    new Pid("a@host", 2, 0, 1),
    new Pid("b@host", 3, 0, 1),
    new Pid("c@other", 4, 0, 1),
  };
  static final ReceiveMode[] MODES = {
    ReceiveMode.PASSIVE, ReceiveMode.ACTIVE, ReceiveMode.ACTIVE_ONCE, ReceiveMode.PASSIVE
  };

  @TempDir Path dir;
  Descriptors d;
  Path file;
  final ExecutorService threads = Executors.newFixedThreadPool(4);

  @BeforeEach
  void setUp() throws Exception {
    d = new Descriptors(new Posix(), 10_000, 64, 1, Duration.ofSeconds(2));
    file = Files.write(dir.resolve("f"), new byte[1]);
  }

  @AfterEach
  void tearDown() throws Exception {
    threads.shutdownNow();
    threads.awaitTermination(10, TimeUnit.SECONDS);
    d.close();
    assertEquals(Map.of(), d.stats().fdsByNode(), "shutdown closed everything");
    assertEquals(0, d.stats().activeModeFds());
  }

  /** What stats said before it kept tallies: a walk over every descriptor. */
  Stats walked() {
    Map<String, Integer> byNode = new HashMap<>();
    int active = 0;
    for (FdInner f : d.table().snapshot()) {
      if (!f.isOpen()) continue;
      byNode.merge(f.owner().node(), 1, Integer::sum);
      if (f.mode() != ReceiveMode.PASSIVE) active++;
    }
    Stats s = d.stats();
    return new Stats(
        s.openFds(), byNode, s.pendingRingOps(), s.bytesRead(), s.bytesWritten(), active);
  }

  void assertTalliesMatchAWalk() {
    Stats walked = walked();
    Stats kept = d.stats();
    assertEquals(walked.fdsByNode(), kept.fdsByNode());
    assertEquals(walked.activeModeFds(), kept.activeModeFds());
  }

  /**
   * One random step on one of {@code fds}: open, move, change mode, close, hold and close; {@code
   * alone}: no other thread takes steps.
   */
  void step(Random r, List<FdInner> fds, boolean alone) throws Exception {
    int op = r.nextInt(10);
    if (fds.isEmpty() || op < 3) {
      fds.add(d.open(file.toString(), OpenOptions.readOnly(), OWNERS[r.nextInt(4)]).inner());
      return;
    }
    FdInner f = fds.get(r.nextInt(fds.size()));
    switch (op) {
      case 3, 4 -> f.transferTo(OWNERS[r.nextInt(4)]);
      case 5 -> f.setMode(MODES[r.nextInt(4)]);
      case 6 -> f.setActiveCount(1 + r.nextInt(5));
      case 7 -> {
        fds.remove(f);
        f.closeQuietly();
      }
      case 8 -> { // closing while a use is in flight: no longer counted, OS close later
        fds.remove(f);
        try (FdInner.Use u = f.use()) {
          f.closeQuietly();
          assertEquals(FdState.CLOSING, f.state());
          if (alone) assertTalliesMatchAWalk(); // other threads' steps would move the counts
        } catch (FdException closedAlready) {
          // a close elsewhere came first
        }
      }
      default -> d.ownerDown(f.owner());
    }
  }

  @Test
  void talliesMatchAWalkAfterEveryStep() throws Exception {
    Random r = new Random(25);
    List<FdInner> fds = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      step(r, fds, true);
      fds.removeIf(f -> !f.isOpen());
      assertTalliesMatchAWalk();
    }
    d.nodeDown("a@host");
    assertTalliesMatchAWalk();
    assertEquals(null, d.stats().fdsByNode().get("a@host"));
  }

  @Test
  void talliesMatchAWalkAfterStepsOnManyThreads() throws Exception {
    List<CompletableFuture<Void>> runs = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Random r = new Random(t);
      runs.add(
          CompletableFuture.runAsync(
              () -> {
                List<FdInner> mine = new ArrayList<>();
                try {
                  for (int i = 0; i < 2000; i++) {
                    step(r, mine, false);
                    mine.removeIf(f -> !f.isOpen());
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              },
              threads));
    }
    for (CompletableFuture<Void> run : runs) run.get(60, TimeUnit.SECONDS);
    assertTalliesMatchAWalk();
  }
}
