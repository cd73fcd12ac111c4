package dev.fdnode.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fdnode.core.FdLeakCheck;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.RLimit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A poller made when the process has no descriptor to spare: the failure names the call and errno
 * (emfile), and what was made before it is closed again. The shortage is real: the soft
 * RLIMIT_NOFILE is lowered to the highest descriptor in use and the free numbers below it are
 * taken, for the few milliseconds of each case.
 */
class PollerOutOfDescriptorsTest {
  private static final POSIX POSIX = POSIXFactory.getNativePOSIX();
  private static final int RLIMIT_NOFILE = 7;
  private static final int EMFILE = 24;

  private ExecutorService handlers;
  private Map<Integer, String> fdsBefore;

  @BeforeEach
  void start() throws Exception {
    fdsBefore = FdLeakCheck.openFds();
    handlers = Executors.newFixedThreadPool(1);
    // Loads every class a poller and its failure need while descriptors are still to be had.
    new Poller("out-of-fds-warmup", handlers).close();
    new PollException("warmup", EMFILE).getMessage();
  }

  @AfterEach
  void stop() throws InterruptedException {
    handlers.shutdown();
    assertTrue(handlers.awaitTermination(5, TimeUnit.SECONDS));
    assertEquals(Map.of(), FdLeakCheck.leaks(fdsBefore, FdLeakCheck.openFds()), "leaked");
  }

  @Test
  void noDescriptorForTheEpollInstance() throws Exception {
    PollException e = withFreeDescriptors(0, () -> new Poller("out-of-fds", handlers));
    assertEquals(EMFILE, e.errno());
    assertTrue(e.getMessage().startsWith("epoll_create1 failed"), e.getMessage());
  }

  @Test
  void noDescriptorForTheWakeUpEventClosesTheEpollInstance() throws Exception {
    PollException e = withFreeDescriptors(1, () -> new Poller("out-of-fds", handlers));
    assertEquals(EMFILE, e.errno());
    assertTrue(e.getMessage().startsWith("eventfd failed"), e.getMessage());
  }

  interface PollerFactory {
    Poller make() throws PollException;
  }

  /**
   * Runs {@code factory} with exactly {@code free} descriptor numbers left to the process; expects
   * it to fail, and checks that it gave back every number it took.
   */
  private static PollException withFreeDescriptors(int free, PollerFactory factory)
      throws Exception {
    int[] pipe = new int[2];
    assertEquals(0, POSIX.pipe(pipe));
    int highest = Collections.max(FdLeakCheck.openFds().keySet());
    RLimit saved = POSIX.getrlimit(RLIMIT_NOFILE);
    List<Integer> fillers = new ArrayList<>();
    PollException failure;
    int freedAgain;
    try {
      assertEquals(0, POSIX.setrlimit(RLIMIT_NOFILE, highest + 1, saved.rlimMax()));
      for (int fd; (fd = POSIX.dup(pipe[0])) >= 0; ) {
        fillers.add(fd);
        assertTrue(fillers.size() <= highest, "the limit did not hold");
      }
      assertTrue(fillers.size() >= free, "too few numbers below the highest in use");
      for (int i = 0; i < free; i++) {
        POSIX.close(fillers.remove(fillers.size() - 1));
      }
      failure = assertThrows(PollException.class, factory::make);
      // Every number the constructor took is free again: exactly {@code free} dups succeed.
      freedAgain = 0;
      for (int fd; freedAgain <= free && (fd = POSIX.dup(pipe[0])) >= 0; freedAgain++) {
        fillers.add(fd);
      }
    } finally {
      POSIX.setrlimit(RLIMIT_NOFILE, saved.rlimCur(), saved.rlimMax());
      for (int fd : fillers) {
        POSIX.close(fd);
      }
      POSIX.close(pipe[0]);
      POSIX.close(pipe[1]);
    }
    assertEquals(free, freedAgain, "descriptors the failed constructor left open");
    return failure;
  }
}
