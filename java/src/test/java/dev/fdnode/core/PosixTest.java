package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(FdLeakCheck.class)
class PosixTest {
  static Posix posix;

  @TempDir Path dir;

  @BeforeAll
  static void init() {
    posix = new Posix();
  }

  static String reason(Executable call) {
    return assertThrows(FdException.class, call).reason();
  }

  @Test
  void errnoNamesAndUnknownNumbers() {
    assertEquals("enoent", Errnos.reason(jnr.constants.platform.Errno.ENOENT.intValue()));
    assertEquals("eagain", Errnos.reason(jnr.constants.platform.Errno.EAGAIN.intValue()));
    assertEquals("eagain", Errnos.reason(jnr.constants.platform.Errno.EWOULDBLOCK.intValue()));
    assertEquals("econnreset", Errnos.reason(jnr.constants.platform.Errno.ECONNRESET.intValue()));
    assertEquals("exdev", Errnos.reason(jnr.constants.platform.Errno.EXDEV.intValue()));
    assertEquals("errno_4000", Errnos.reason(4000));
    assertEquals("errno_0", Errnos.reason(0));
  }

  /** The C call would open "a": a path cut short is another path. */
  @Test
  void aPathWithANulIsEinvalEvenWhenItsFirstPartExists() throws Exception {
    Path a = Files.createFile(dir.resolve("a"));
    assertEquals("einval", reason(() -> posix.open(a + "\0b", OpenOptions.readOnly())));
    assertEquals("einval", reason(() -> Posix.withoutNul("host\0", "host")));
    assertEquals("name", Posix.withoutNul("name", "host"));
  }

  @Test
  void openMissingFileIsEnoent() {
    assertEquals(
        "enoent",
        reason(() -> posix.open(dir.resolve("missing").toString(), OpenOptions.readOnly())));
  }

  @Test
  void openDirectoryForWriteIsEisdir() {
    OpenOptions w = new OpenOptions(false, true, false, false, false, false, false, 0644);
    assertEquals("eisdir", reason(() -> posix.open(dir.toString(), w)));
  }

  @Test
  void exclusiveCreateOnExistingIsEexist() throws Exception {
    Path p = Files.createFile(dir.resolve("exists"));
    assertEquals(
        "eexist", reason(() -> posix.open(p.toString(), OpenOptions.writeNew().withExclusive())));
  }

  @Test
  void pathThroughAFileIsEnotdir() throws Exception {
    Path p = Files.createFile(dir.resolve("plain"));
    assertEquals(
        "enotdir", reason(() -> posix.open(p.resolve("child").toString(), OpenOptions.readOnly())));
  }

  @Test
  void symlinkLoopIsEloop() throws Exception {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    Files.createSymbolicLink(a, b);
    Files.createSymbolicLink(b, a);
    assertEquals("eloop", reason(() -> posix.open(a.toString(), OpenOptions.readOnly())));
  }

  @Test
  void overlongNameIsEnametoolong() {
    String name = "n".repeat(300);
    assertEquals(
        "enametoolong",
        reason(() -> posix.open(dir.resolve(name).toString(), OpenOptions.readOnly())));
  }

  @Test
  void fifoWithoutReaderNonblockingWriteIsEnxio() throws Exception {
    Path fifo = dir.resolve("fifo");
    posix.mkfifo(fifo.toString(), 0600);
    OpenOptions w = new OpenOptions(false, true, false, false, false, false, true, 0);
    assertEquals("enxio", reason(() -> posix.open(fifo.toString(), w)));
  }

  @Test
  void badDescriptorIsEbadf() throws Exception {
    int fd = posix.open(Files.createFile(dir.resolve("f")).toString(), OpenOptions.readOnly());
    posix.close(fd);
    assertEquals("ebadf", reason(() -> posix.read(fd, new byte[1], 0, 1)));
    assertEquals("ebadf", reason(() -> posix.close(fd)));
    assertEquals("ebadf", reason(() -> posix.fstat(fd)));
  }

  @Test
  void writeOnReadOnlyIsEbadf() throws Exception {
    int fd = posix.open(Files.createFile(dir.resolve("ro")).toString(), OpenOptions.readOnly());
    try {
      assertEquals("ebadf", reason(() -> posix.write(fd, new byte[1], 0, 1)));
    } finally {
      posix.close(fd);
    }
  }

  @Test
  void pipeSemantics() throws Exception {
    int[] p = posix.pipe();
    try {
      assertTrue(posix.isCloexec(p[0]));
      assertTrue(posix.isCloexec(p[1]));
      assertEquals(FileType.FIFO, posix.fstat(p[0]).type());
      assertEquals("espipe", reason(() -> posix.lseek(p[0], 0, Posix.SEEK_SET)));
      assertEquals("espipe", reason(() -> posix.pread(p[0], new byte[1], 0, 1, 0)));
      byte[] msg = "hello".getBytes(StandardCharsets.US_ASCII);
      assertEquals(5, posix.write(p[1], msg, 0, 5));
      byte[] buf = new byte[10];
      assertEquals(3, posix.read(p[0], buf, 4, 3));
      assertEquals("hel", new String(buf, 4, 3, StandardCharsets.US_ASCII));
      assertEquals(2, posix.read(p[0], buf, 0, 10));
      posix.close(p[1]);
      assertEquals(0, posix.read(p[0], buf, 0, 10), "end of input after writer closes");
    } finally {
      posix.close(p[0]);
    }
  }

  @Test
  void writeToPipeWithoutReaderIsEpipe() throws Exception {
    int[] p = posix.pipe();
    posix.close(p[0]);
    try {
      assertEquals("epipe", reason(() -> posix.write(p[1], new byte[1], 0, 1)));
    } finally {
      posix.close(p[1]);
    }
  }

  @Test
  void emptyNonblockingFifoReadIsEagain() throws Exception {
    Path fifo = dir.resolve("nb");
    posix.mkfifo(fifo.toString(), 0600);
    OpenOptions rnb = OpenOptions.readOnly().withNonblock();
    int r = posix.open(fifo.toString(), rnb);
    int w = posix.open(fifo.toString(), OpenOptions.writeNew().withNonblock());
    try {
      assertEquals(FileType.FIFO, posix.fstat(r).type());
      assertEquals("eagain", reason(() -> posix.read(r, new byte[4], 0, 4)));
      posix.write(w, new byte[] {7}, 0, 1);
      byte[] b = new byte[4];
      assertEquals(1, posix.read(r, b, 0, 4));
      assertEquals(7, b[0]);
    } finally {
      posix.close(w);
      posix.close(r);
    }
  }

  @Test
  void openFlagsAndFileOps() throws Exception {
    Path p = dir.resolve("data");
    int fd = posix.open(p.toString(), OpenOptions.readWrite().withMode(0600));
    try {
      assertTrue(posix.isCloexec(fd), "O_CLOEXEC is always set");
      assertEquals(FileType.REGULAR, posix.fstat(fd).type());
      byte[] data = "0123456789".getBytes(StandardCharsets.US_ASCII);
      assertEquals(10, posix.pwrite(fd, data, 0, 10, 0));
      assertEquals(4, posix.pwrite(fd, data, 6, 4, 20));
      assertEquals(24, posix.fstat(fd).size());
      byte[] buf = new byte[4];
      assertEquals(4, posix.pread(fd, buf, 0, 4, 20));
      assertEquals("6789", new String(buf, StandardCharsets.US_ASCII));
      assertEquals(0, posix.pread(fd, buf, 0, 4, 100));
      assertEquals(24, posix.lseek(fd, 0, Posix.SEEK_END));
      assertEquals("einval", reason(() -> posix.lseek(fd, -1, Posix.SEEK_SET)));
      posix.fsync(fd);
      assertEquals("einval", reason(() -> posix.pread(fd, buf, 0, 4, -1)));
      assertEquals("einval", reason(() -> posix.read(fd, buf, 2, 4)));
    } finally {
      posix.close(fd);
    }
    assertEquals(
        "600", Integer.toOctalString(((Integer) Files.getAttribute(p, "unix:mode")) & 0777));
  }

  @Test
  void truncateAndAppendFlags() throws Exception {
    Path p = dir.resolve("t");
    Files.writeString(p, "abcdef");
    int fd = posix.open(p.toString(), OpenOptions.writeNew());
    posix.close(fd);
    assertEquals(0, Files.size(p));
    Files.writeString(p, "abc");
    OpenOptions app = new OpenOptions(false, false, true, false, false, false, false, 0644);
    int a = posix.open(p.toString(), app);
    try {
      posix.write(a, "xy".getBytes(StandardCharsets.US_ASCII), 0, 2);
    } finally {
      posix.close(a);
    }
    assertEquals("abcxy", Files.readString(p));
  }

  @Test
  void fstatTypes() throws Exception {
    int d = posix.open(dir.toString(), OpenOptions.readOnly());
    int n = posix.open("/dev/null", OpenOptions.readOnly());
    try {
      assertEquals(FileType.DIRECTORY, posix.fstat(d).type());
      assertEquals("eisdir", reason(() -> posix.read(d, new byte[1], 0, 1)));
      assertEquals(FileType.CHAR_DEVICE, posix.fstat(n).type());
    } finally {
      posix.close(d);
      posix.close(n);
    }
  }

  @Test
  void mkfifoOnExistingIsEexist() throws Exception {
    Path p = Files.createFile(dir.resolve("busy"));
    assertEquals("eexist", reason(() -> posix.mkfifo(p.toString(), 0600)));
    assertEquals("einval", reason(() -> posix.open("bad\0path", OpenOptions.readOnly())));
  }

  @Test
  void openFlagSelection() {
    int rdonly = jnr.constants.platform.OpenFlags.O_RDONLY.intValue();
    int wronly = jnr.constants.platform.OpenFlags.O_WRONLY.intValue();
    int rdwr = jnr.constants.platform.OpenFlags.O_RDWR.intValue();
    int acc = jnr.constants.platform.OpenFlags.O_ACCMODE.intValue();
    OpenOptions none = new OpenOptions(false, false, false, false, false, false, false, 0644);
    assertEquals(rdonly, Posix.openFlags(none) & acc, "neither read nor write means read");
    assertEquals(wronly, Posix.openFlags(OpenOptions.writeNew()) & acc);
    assertEquals(rdwr, Posix.openFlags(OpenOptions.readWrite()) & acc);
    OpenOptions app = new OpenOptions(false, false, true, false, false, false, false, 0644);
    assertEquals(wronly, Posix.openFlags(app) & acc, "append implies write");
  }
}
