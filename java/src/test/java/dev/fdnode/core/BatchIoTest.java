package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** preadMany / pwriteMany on real files and pipes. */
@ExtendWith(FdLeakCheck.class)
class BatchIoTest {
  static final Pid A = new Pid("a@host", 1, 0, 1);

  @TempDir Path dir;
  Descriptors d;

  @BeforeEach
  void setUp() {
    d = new Descriptors(new Posix(), 8, 16, 1, Duration.ofSeconds(2));
  }

  @AfterEach
  void tearDown() {
    d.close();
  }

  static String str(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.US_ASCII);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static String reason(Executable call) {
    return assertThrows(FdException.class, call).reason();
  }

  FdInner file(String name, String content) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, content);
    return d.open(p.toString(), OpenOptions.readWrite(), A).inner();
  }

  @Test
  void readsEveryRangeInOrderAndCrossesEndOfFileShort() throws Exception {
    FdInner f = file("r", "0123456789");
    byte[][] got = d.preadMany(f, new long[] {8, 0, 3, 10, 99, 5}, new int[] {4, 2, 0, 1, 1, 3});
    assertEquals("89", str(got[0]), "a range crossing end of file is cut there");
    assertEquals("01", str(got[1]));
    assertEquals("", str(got[2]), "size 0 is empty data, not eof");
    assertNull(got[3], "a range starting at end of file is eof");
    assertNull(got[4]);
    assertEquals("567", str(got[5]));
    assertEquals(0, f.offset(), "the sequential offset is not moved");
    assertEquals(0, d.preadMany(f, new long[0], new int[0]).length);
  }

  @Test
  void writesEveryPieceAndLeavesTheOffsetAlone() throws Exception {
    Path p = dir.resolve("w");
    FdInner f = d.open(p.toString(), OpenOptions.readWrite(), A).inner();
    d.pwriteMany(
        f,
        new long[] {4, 0, 2, 10},
        new byte[][] {bytes("ef"), bytes("ab"), bytes("cd"), bytes("")});
    assertEquals("abcdef", Files.readString(p), "an empty piece writes nothing");
    d.pwriteMany(f, new long[] {1, 1}, new byte[][] {bytes("X"), bytes("Y")});
    assertEquals("aYcdef", Files.readString(p), "pieces are written in list order");
    assertEquals(0, f.offset());
  }

  @Test
  void limitsAndBadValuesFailBeforeAnyIo() throws Exception {
    Path p = dir.resolve("l");
    FdInner f = d.open(p.toString(), OpenOptions.readWrite(), A).inner();
    int n = Descriptors.MAX_BATCH_RANGES + 1;
    assertEquals("einval", reason(() -> d.preadMany(f, new long[n], new int[n])));
    assertEquals("einval", reason(() -> d.pwriteMany(f, new long[n], new byte[n][0])));
    int half = Descriptors.MAX_BATCH_BYTES / 2 + 1;
    assertEquals("einval", reason(() -> d.preadMany(f, new long[2], new int[] {half, half})));
    assertEquals(
        "einval",
        reason(() -> d.pwriteMany(f, new long[2], new byte[][] {new byte[half], new byte[half]})));
    assertEquals(
        "einval",
        reason(() -> d.pwriteMany(f, new long[] {0, -1}, new byte[][] {bytes("a"), bytes("b")})));
    assertEquals(0, Files.size(p), "nothing written when a later offset is bad");
    assertEquals("einval", reason(() -> d.preadMany(f, new long[] {0}, new int[] {-1})));
  }

  @Test
  void anOsErrorMidBatchKeepsTheEarlierPiecesAndSkipsTheRest() throws Exception {
    Path p = dir.resolve("m");
    FdInner f = d.open(p.toString(), OpenOptions.readWrite(), A).inner();
    long tooFar = Long.MAX_VALUE - 1; // no file can grow there: EFBIG/EINVAL from the kernel
    String why =
        reason(
            () ->
                d.pwriteMany(
                    f,
                    new long[] {0, tooFar, 1},
                    new byte[][] {bytes("a"), bytes("bbbb"), bytes("c")}));
    assertTrue(why.equals("efbig") || why.equals("einval"), why);
    assertEquals("a", Files.readString(p));
  }

  @Test
  void pipesAreEspipeAndClosedIsClosed() throws Exception {
    Opened[] ends = d.pipe(A);
    FdInner r = ends[0].inner();
    FdInner w = ends[1].inner();
    assertEquals("espipe", reason(() -> d.preadMany(r, new long[0], new int[0])));
    assertEquals(
        "espipe", reason(() -> d.pwriteMany(w, new long[] {0}, new byte[][] {bytes("x")})));
    d.close(r);
    d.close(w);
    FdInner f = file("c", "abc");
    d.close(f);
    assertEquals("closed", reason(() -> d.preadMany(f, new long[] {0}, new int[] {1})));
  }

  @Test
  void theLimitsThemselvesAreAllowed() throws Exception {
    FdInner f = file("bounds", "xyz");
    int n = Descriptors.MAX_BATCH_RANGES;
    int[] ones = new int[n];
    java.util.Arrays.fill(ones, 1);
    byte[][] got = d.preadMany(f, new long[n], ones);
    assertEquals(n, got.length);
    assertEquals("x", str(got[n - 1]));
    byte[][] all = d.preadMany(f, new long[] {0}, new int[] {Descriptors.MAX_BATCH_BYTES});
    assertEquals("xyz", str(all[0]), "a range of the whole batch budget reads to end of file");
    d.pwriteMany(f, new long[n], new byte[n][0]);
    assertEquals("xyz", str(d.pread(f, 0, 10)));
  }

  @Test
  void offsetsAndValuesOfDifferentLengthsAreACallerBug() throws Exception {
    FdInner f = file("lists", "abc");
    assertThrows(IllegalArgumentException.class, () -> d.preadMany(f, new long[2], new int[] {1}));
    assertThrows(
        IllegalArgumentException.class,
        () -> d.pwriteMany(f, new long[] {0}, new byte[][] {bytes("Z"), bytes("Z")}));
    assertEquals("abc", str(d.pread(f, 0, 10)), "nothing written");
  }

  @Test
  void aPipeIsEspipeEvenForABatchThatMovesNothing() throws Exception {
    Opened[] ends = d.pipe(A);
    assertEquals(
        "espipe",
        reason(() -> d.pwriteMany(ends[1].inner(), new long[] {0}, new byte[][] {new byte[0]})));
    d.close(ends[0].inner());
    d.close(ends[1].inner());
  }
}
