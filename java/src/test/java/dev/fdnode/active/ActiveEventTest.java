package dev.fdnode.active;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** A chunk names a prefix of a (lent) buffer: never more than the buffer holds. */
class ActiveEventTest {
  private final byte[] buffer = {1, 2, 3, 4};

  @Test
  void aChunkIsAnyPrefixOfItsBuffer() {
    assertEquals(0, new ActiveEvent.Data(buffer, 0).bytes().length);
    assertArrayEquals(new byte[] {1, 2}, new ActiveEvent.Data(buffer, 2).bytes());
    assertArrayEquals(buffer, new ActiveEvent.Data(buffer, 4).bytes());
  }

  @Test
  void aLengthOutsideTheBufferIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ActiveEvent.Data(buffer, -1));
    assertThrows(IllegalArgumentException.class, () -> new ActiveEvent.Data(buffer, 5));
  }

  @Test
  void bytesIsACopySafeToKeep() {
    ActiveEvent.Data d = new ActiveEvent.Data(buffer);
    byte[] kept = d.bytes();
    assertNotSame(buffer, kept);
    buffer[0] = 9; // the lender reuses its buffer
    assertEquals(1, kept[0]);
  }
}
