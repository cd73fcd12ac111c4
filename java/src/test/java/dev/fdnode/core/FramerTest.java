package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import dev.fdnode.core.Framer.Taken;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The framer as a pure state machine: bytes in, packets out, no descriptor involved. */
class FramerTest {

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String s(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  private static String whole(Taken t) {
    return s(assertInstanceOf(Taken.Whole.class, t).bytes());
  }

  /** Every whole packet the framer has now. */
  private static List<String> drain(Framer f) {
    List<String> out = new ArrayList<>();
    for (Taken t = f.take(); t instanceof Taken.Whole w; t = f.take()) {
      out.add(s(w.bytes()));
    }
    return out;
  }

  private static Framer framer(Packet.Type type, int size) {
    return new Framer(new Packet(type, size));
  }

  @Test
  void rawGivesEverythingBufferedAtOnceAndNeedsMoreWhenEmpty() {
    Framer f = framer(Packet.Type.RAW, 0);
    assertEquals(new Taken.NeedMore(1), f.take());
    f.feed(b("ab"));
    f.feed(b("cd"));
    assertEquals("abcd", whole(f.take()));
    assertEquals(new Taken.NeedMore(1), f.take());
    assertEquals(0, f.buffered());
  }

  @Test
  void eachHeaderSizeIsBigEndianAndStripped() {
    Framer one = framer(Packet.Type.ONE, 0);
    one.feed(new byte[] {3, 'a', 'b', 'c', 0});
    assertEquals(List.of("abc", ""), drain(one)); // a zero-length packet is a packet

    Framer two = framer(Packet.Type.TWO, 0);
    byte[] body = new byte[258];
    body[0] = 'x';
    two.feed(new byte[] {1, 2}); // 258 = 0x0102, not 0x0201
    two.feed(body);
    Taken t = two.take();
    assertEquals(258, assertInstanceOf(Taken.Whole.class, t).bytes().length);

    Framer four = framer(Packet.Type.FOUR, 0);
    four.feed(new byte[] {0, 0, 0, 2, 'h', 'i', 0, 0});
    assertEquals("hi", whole(four.take()));
    assertEquals(new Taken.NeedMore(2), four.take()); // half a header
  }

  @Test
  void aPacketSplitIntoSingleBytesComesOutOnceWhole() {
    Framer f = framer(Packet.Type.TWO, 0);
    byte[] wire = {0, 5, 'h', 'e', 'l', 'l', 'o', 0, 1, '!'};
    List<String> got = new ArrayList<>();
    for (byte x : wire) {
      f.feed(new byte[] {x});
      got.addAll(drain(f));
      if (got.isEmpty()) assertInstanceOf(Taken.NeedMore.class, f.take());
    }
    assertEquals(List.of("hello", "!"), got);
  }

  @Test
  void needMoreCountsTheMissingHeaderThenBodyBytes() {
    Framer f = framer(Packet.Type.FOUR, 0);
    f.feed(new byte[] {0, 0});
    assertEquals(new Taken.NeedMore(2), f.take());
    f.feed(new byte[] {0, 10, 'a'});
    assertEquals(new Taken.NeedMore(9), f.take());
  }

  @Test
  void aHeaderOverThePacketSizeIsTooLargeAndStaysSo() {
    Framer f = framer(Packet.Type.TWO, 4);
    f.feed(new byte[] {0, 4, 'a', 'b', 'c', 'd', 0, 5, 'h'});
    assertEquals("abcd", whole(f.take())); // exactly the size is fine
    assertEquals(new Taken.TooLarge(5), f.take());
    assertEquals(new Taken.TooLarge(5), f.take()); // nothing consumed
    assertEquals(3, f.buffered());
    f.setPacket(Packet.RAW); // the bytes, header and all, can still be read raw
    assertEquals("\0\5h", whole(f.take()));
  }

  @Test
  void withoutASizeAFourByteHeaderIsBoundedByMaxBody() {
    Framer f = framer(Packet.Type.FOUR, 0);
    f.feed(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
    assertEquals(new Taken.TooLarge(0xFFFF_FFFFL), f.take());
    Framer g = framer(Packet.Type.FOUR, 0);
    g.feed(new byte[] {4, 0, 0, 0}); // exactly 64 MiB: allowed, just not here yet
    assertEquals(new Taken.NeedMore(Packet.MAX_BODY), g.take());
  }

  @Test
  void linesKeepTheirNewlineAndManyComeFromOneFeed() {
    Framer f = framer(Packet.Type.LINE, 0);
    f.feed(b("one\ntwo\n\nthr"));
    assertEquals(List.of("one\n", "two\n", "\n"), drain(f));
    assertEquals(new Taken.NeedMore(1), f.take());
    f.feed(b("ee\n"));
    assertEquals("three\n", whole(f.take()));
  }

  @Test
  void aLineLongerThanThePacketSizeComesInPiecesOfThatSize() {
    Framer f = framer(Packet.Type.LINE, 4);
    f.feed(b("abcdefghij\nxy\n"));
    assertEquals(List.of("abcd", "efgh", "ij\n", "xy\n"), drain(f));
    Framer exact = framer(Packet.Type.LINE, 4);
    exact.feed(b("abc\n")); // the newline counts: four bytes fit
    assertEquals(List.of("abc\n"), drain(exact));
    Framer waiting = framer(Packet.Type.LINE, 4);
    waiting.feed(b("abc"));
    assertEquals(new Taken.NeedMore(1), waiting.take()); // not a piece before the size
  }

  @Test
  void withoutASizeLinesAreCutAtTheDefaultPiece() {
    Framer f = framer(Packet.Type.LINE, 0);
    byte[] big = new byte[Packet.DEFAULT_LINE + 3];
    java.util.Arrays.fill(big, (byte) 'z');
    f.feed(big);
    assertEquals(Packet.DEFAULT_LINE, assertInstanceOf(Taken.Whole.class, f.take()).bytes().length);
    assertEquals(new Taken.NeedMore(1), f.take());
  }

  @Test
  void changingTheSettingRecutsWhatIsBuffered() {
    Framer f = framer(Packet.Type.LINE, 0);
    f.feed(b("ab\n"));
    f.feed(new byte[] {0, 2, 'h', 'i'});
    assertEquals("ab\n", whole(f.take()));
    f.setPacket(new Packet(Packet.Type.TWO, 0));
    assertEquals("hi", whole(f.take()));
  }

  @Test
  void endOfInputDropsAPartialPacket() {
    Framer f = framer(Packet.Type.TWO, 0);
    f.feed(new byte[] {0, 9, 'a', 'b'});
    assertEquals(4, f.endOfInput());
    assertEquals(0, f.buffered());
    assertEquals(new Taken.NeedMore(2), f.take());
  }

  @Test
  void randomSplitsOfManyPacketsGiveThePacketsBackInOrder() {
    Random r = new Random(25);
    for (Packet.Type type : List.of(Packet.Type.ONE, Packet.Type.TWO, Packet.Type.FOUR)) {
      ByteArrayOutputStream wire = new ByteArrayOutputStream();
      List<String> sent = new ArrayList<>();
      Packet p = new Packet(type, 0);
      for (int i = 0; i < 500; i++) {
        byte[] body = new byte[r.nextInt(200)];
        r.nextBytes(body);
        sent.add(s(body));
        assertDoesNotThrow(() -> wire.writeBytes(p.frame(body)));
      }
      byte[] all = wire.toByteArray();
      Framer f = new Framer(p);
      List<String> got = new ArrayList<>();
      for (int at = 0; at < all.length; ) {
        int n = Math.min(all.length - at, 1 + r.nextInt(700));
        f.feed(all, at, n);
        at += n;
        got.addAll(drain(f));
      }
      assertEquals(sent, got, "type " + type);
      assertEquals(0, f.buffered());
    }
  }

  @Test
  void framesPutTheHeaderGenTcpPutsAndRefuseWhatItCannotState() throws FdException {
    assertArrayEquals(
        new byte[] {3, 'a', 'b', 'c'}, new Packet(Packet.Type.ONE, 0).frame(b("abc")));
    assertArrayEquals(new byte[] {1, 0}, new Packet(Packet.Type.TWO, 0).header(256));
    assertArrayEquals(new byte[] {0, 1, 0, 0}, new Packet(Packet.Type.FOUR, 0).header(65536));
    assertArrayEquals(b("x\n"), new Packet(Packet.Type.LINE, 0).frame(b("x\n")));
    assertEquals(
        "emsgsize",
        assertThrows(FdException.class, () -> new Packet(Packet.Type.ONE, 0).header(256)).reason());
    assertEquals(
        "emsgsize",
        assertThrows(FdException.class, () -> new Packet(Packet.Type.TWO, 0).header(65536))
            .reason());
    assertDoesNotThrow(() -> new Packet(Packet.Type.ONE, 0).header(255));
  }

  @Test
  void aSettingChangedOnTheDescriptorKeepsItsFramer() {
    FdInner inner = new FdInner(1, 0, new Pid("n@h", 1, 0, 1), FileType.FIFO, false, fd -> {});
    assertNull(inner.framer());
    assertEquals(Packet.RAW, inner.packet());
    Framer f = inner.setPacket(new Packet(Packet.Type.LINE, 8));
    f.feed(b("half"));
    assertSame(f, inner.setPacket(Packet.RAW));
    assertEquals(Packet.RAW, inner.packet());
    assertEquals("half", whole(inner.framer().take()));
  }
}
