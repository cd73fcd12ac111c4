package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an owner's or a node's departure closes, counted ({@link Descriptors#ownerDown}, {@link
 * Descriptors#nodeDown}, {@link Descriptors#closeIfOwnerGone}), and the argument checks of the
 * positioned calls. Real pipes and files.
 */
@ExtendWith(FdLeakCheck.class)
class DepartureSweepTest {
  static final Pid A = new Pid("a@host", 1, 0, 7);
  static final Pid B = new Pid("b@host", 1, 0, 7);
  static final Pid C = new Pid("b@host", 2, 0, 7);

  final Descriptors d = new Descriptors(new Posix(), 64);

  @TempDir Path dir;

  @AfterEach
  void tearDown() {
    d.close();
  }

  @Test
  void ownerDownClosesAndCountsWhatItOwned() throws Exception {
    Opened[] a1 = d.pipe(A);
    d.pipe(A);
    Opened[] b = d.pipe(B);
    assertEquals(4, d.ownerDown(A));
    assertEquals(FdState.CLOSED, a1[0].inner().state());
    assertEquals(FdState.OPEN, b[0].inner().state());
    assertEquals(0, d.ownerDown(A), "nothing left");
    FdException later = assertThrows(FdException.class, () -> d.adopt(A, () -> d.pipe(A)));
    assertEquals("closed", later.reason(), "opened for a departed owner: closed, not kept");
  }

  @Test
  void nodeDownClosesAndCountsWhatItsProcessesOwned() throws Exception {
    d.pipe(B);
    d.pipe(C);
    Opened[] a = d.pipe(A);
    assertEquals(4, d.nodeDown("b@host"));
    assertEquals(FdState.OPEN, a[0].inner().state());
    assertEquals(0, d.nodeDown("b@host"));
  }

  @Test
  void aHandOverToADepartedOwnerIsClosed() throws Exception {
    Opened[] toGone = d.pipe(B);
    Opened[] toLive = d.pipe(B);
    d.ownerDown(A);
    toGone[0].inner().transferTo(A);
    toLive[0].inner().transferTo(C);
    assertEquals(1, d.closeIfOwnerGone(A));
    assertEquals(FdState.CLOSED, toGone[0].inner().state());
    assertEquals(0, d.closeIfOwnerGone(C), "C is alive");
    assertEquals(FdState.OPEN, toLive[0].inner().state());
  }

  @Test
  void positionedCallsRefuseNegativeOffsetsAndPipes() throws Exception {
    Path p = Files.write(dir.resolve("f"), new byte[] {1, 2, 3});
    FdInner f = d.open(p.toString(), OpenOptions.readWrite(), A).inner();
    assertEquals("einval", assertThrows(FdException.class, () -> d.pread(f, -1, 1)).reason());
    assertEquals(
        "einval",
        assertThrows(FdException.class, () -> d.preadMany(f, new long[] {0, -1}, new int[] {1, 1}))
            .reason());
    assertEquals(
        "einval",
        assertThrows(
                FdException.class,
                () -> d.pwriteMany(f, new long[] {-1}, new byte[][] {new byte[] {9}}))
            .reason());
    FdInner pipe = d.pipe(A)[1].inner();
    assertEquals(
        "espipe",
        assertThrows(
                FdException.class,
                () -> d.pwriteMany(pipe, new long[] {0}, new byte[][] {new byte[] {9}}))
            .reason());
    assertEquals(3, Files.size(p), "nothing was written");
  }
}
