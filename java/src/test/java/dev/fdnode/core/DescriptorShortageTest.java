package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.RLimit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * Calls made when the process may not have one more descriptor: the soft RLIMIT_NOFILE is set to 0
 * for the moment of the call (the descriptors already open stay usable), so the shortage is the
 * kernel's own answer, not a simulation.
 */
@ExtendWith(FdLeakCheck.class)
class DescriptorShortageTest {
  private static final Pid A = new Pid("a@host", 1, 0, 1);
  private static final POSIX POSIX = POSIXFactory.getNativePOSIX();
  private static final int RLIMIT_NOFILE = 7;

  private final Posix posix = new Posix();

  /**
   * While the limit is 0 no class file can be opened either: everything the failing call and its
   * error need is loaded first, and no other thread of this test is running.
   */
  private static FdException failsWithNoDescriptorLeft(Executable call) {
    Errnos.exception(24, "warm-up").reason();
    RLimit saved = POSIX.getrlimit(RLIMIT_NOFILE);
    assertEquals(0, POSIX.setrlimit(RLIMIT_NOFILE, 0, saved.rlimMax()));
    try {
      return assertThrows(FdException.class, call);
    } finally {
      assertEquals(0, POSIX.setrlimit(RLIMIT_NOFILE, saved.rlimCur(), saved.rlimMax()));
    }
  }

  @Test
  void aPipeIsEmfile() throws Exception {
    assertEquals("emfile", failsWithNoDescriptorLeft(posix::pipe).reason());
    try (Descriptors d = new Descriptors(posix, 8, 4, 1, Duration.ofSeconds(2))) {
      d.ring().shutdown(); // its worker thread would load classes of its own meanwhile
      assertEquals("emfile", failsWithNoDescriptorLeft(() -> d.pipe(A)).reason());
      assertEquals(0, d.stats().openFds(), "the two reserved slots are given back");
      Opened[] ends = d.pipe(A); // and usable again once descriptors are to be had
      assertEquals(2, d.stats().openFds());
      d.close(ends[0].inner());
      d.close(ends[1].inner());
    }
  }

  /**
   * poll(2) itself failing (more descriptors asked for than allowed) is an error, not "not ready".
   */
  @Test
  void aFailingPollIsAnErrorNotATimeout() throws Exception {
    int[] p = posix.pipe();
    try {
      posix.write(p[1], new byte[] {1}, 0, 1);
      FdException e = failsWithNoDescriptorLeft(() -> Native.poll(p[0], Native.POLLIN, 0));
      assertEquals("einval", e.reason());
      assertTrue(Native.poll(p[0], Native.POLLIN, 0), "ready once the limit is back");
    } finally {
      posix.close(p[0]);
      posix.close(p[1]);
    }
  }
}
