package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The id index of the handle table: growth, removal, collisions, shrinking, lock-free reads. */
class FdIndexTest {
  static final Pid OWNER = new Pid("a@host", 1, 0, 1);
  final FdInnerTest.CountingCloser closer = new FdInnerTest.CountingCloser();

  /** Never opened for real: the index only reads ids, and nothing here is closed. */
  FdInner entry(long id) {
    return new FdInner(id, 3, OWNER, FileType.REGULAR, false, closer);
  }

  /** {@code n} distinct positive ids whose probes all start at the same slot of {@code length}. */
  static List<Long> colliding(int n, int length) {
    return colliding(n, length, FdIndex.home(1, length));
  }

  /** As {@link #colliding(int, int)}, starting at slot {@code target}. */
  static List<Long> colliding(int n, int length, int target) {
    List<Long> ids = new ArrayList<>();
    for (long id = 1; ids.size() < n; id++) {
      if (FdIndex.home(id, length) == target) {
        ids.add(id);
      }
    }
    return ids;
  }

  @Test
  void findsWhatWasAddedAndNothingElse() {
    FdIndex index = new FdIndex(16);
    FdInner a = entry(1);
    FdInner b = entry(2);
    assertTrue(index.add(a));
    assertTrue(index.add(b));
    assertSame(a, index.get(1));
    assertSame(b, index.get(2));
    assertNull(index.get(3));
    assertNull(index.get(0));
    assertEquals(2, index.size());
    assertFalse(index.isEmpty());
    assertEquals(Set.of(a, b), new HashSet<>(index.snapshot()));
  }

  @Test
  void aSecondEntryWithTheSameIdIsRefused() {
    FdIndex index = new FdIndex(4);
    FdInner first = entry(5);
    assertTrue(index.add(first));
    assertFalse(index.add(entry(5)));
    assertSame(first, index.get(5));
    assertEquals(1, index.size());
  }

  @Test
  void removeTakesThatVeryEntryOnce() {
    FdIndex index = new FdIndex(4);
    FdInner f = entry(9);
    index.add(f);
    assertFalse(index.remove(entry(9)), "another object with the same id is not removed");
    assertSame(f, index.get(9));
    assertTrue(index.remove(f));
    assertFalse(index.remove(f));
    assertNull(index.get(9));
    assertEquals(0, index.size());
    assertTrue(index.isEmpty());
    assertEquals(List.of(), index.snapshot());
  }

  @Test
  void growsByDoublingAtThreeQuartersFull() {
    FdIndex index = new FdIndex(4);
    assertEquals(4, index.capacity());
    index.add(entry(1));
    index.add(entry(2));
    index.add(entry(3));
    assertEquals(4, index.capacity(), "3 of 4 slots is the limit, not past it");
    index.add(entry(4));
    assertEquals(8, index.capacity());
    for (long id = 5; id <= 768; id++) {
      index.add(entry(id));
    }
    assertEquals(1024, index.capacity());
    index.add(entry(769));
    assertEquals(2048, index.capacity());
    for (long id = 1; id <= 769; id++) {
      assertEquals(id, index.get(id).id());
    }
    assertNull(index.get(770));
    assertEquals(769, index.size());
    assertEquals(769, index.snapshot().size());
  }

  @Test
  void collidingIdsAreAllFoundAndARemovalInTheMiddleKeepsTheChain() {
    List<Long> ids = colliding(4, 16);
    FdIndex index = new FdIndex(16);
    List<FdInner> entries = new ArrayList<>();
    for (long id : ids.subList(0, 3)) {
      FdInner f = entry(id);
      entries.add(f);
      assertTrue(index.add(f));
    }
    assertEquals(16, index.capacity(), "no growth: the collisions share one probe chain");
    for (FdInner f : entries) {
      assertSame(f, index.get(f.id()));
    }
    assertNull(index.get(ids.get(3)), "a colliding id never added is absent");
    assertTrue(index.remove(entries.get(1)));
    assertNull(index.get(ids.get(1)));
    assertSame(entries.get(2), index.get(ids.get(2)), "found past the removed slot");
    assertTrue(index.remove(entries.get(0)));
    assertSame(entries.get(2), index.get(ids.get(2)));
    assertTrue(index.remove(entries.get(2)));
    assertTrue(index.isEmpty());
  }

  @Test
  void aRemovedSlotIsReusedWithoutLosingTheEntriesBehindIt() {
    List<Long> ids = colliding(3, 16);
    FdIndex index = new FdIndex(16);
    FdInner a = entry(ids.get(0));
    FdInner b = entry(ids.get(1));
    index.add(a);
    index.add(b);
    index.remove(a);
    assertFalse(index.add(entry(ids.get(1))), "the duplicate behind a removed slot is seen");
    FdInner c = entry(ids.get(2));
    assertTrue(index.add(c));
    assertSame(b, index.get(ids.get(1)));
    assertSame(c, index.get(ids.get(2)));
    assertEquals(2, index.size());
  }

  @Test
  void anAddReusesTheFirstRemovedSlotOfItsChainSoTheArrayDoesNotFillUp() {
    List<Long> ids = colliding(12, 8, 0); // every probe starts at slot 0
    FdIndex index = new FdIndex(8);
    List<FdInner> live = new ArrayList<>();
    for (long id : ids.subList(0, 5)) { // 5 of 8: one more slot in use grows the array
      FdInner f = entry(id);
      index.add(f);
      live.add(f);
    }
    FdInner inSlotZero = live.get(0);
    for (long id : ids.subList(5, 12)) {
      assertTrue(index.remove(inSlotZero));
      live.remove(inSlotZero);
      inSlotZero = entry(id);
      assertTrue(index.add(inSlotZero)); // into slot 0 again
      live.add(inSlotZero);
    }
    assertEquals(8, index.capacity(), "removed slots were taken again, not fresh ones");
    for (FdInner f : live) {
      assertSame(f, index.get(f.id()));
    }
    assertEquals(5, index.size());
  }

  @Test
  void shrinksOnlyOnceAnEighthFull() {
    FdIndex index = new FdIndex(4);
    List<FdInner> all = new ArrayList<>();
    for (long id = 1; id <= 32; id++) {
      FdInner f = entry(id);
      all.add(f);
      index.add(f);
    }
    assertEquals(64, index.capacity());
    all.subList(0, 16).forEach(index::remove);
    assertEquals(64, index.capacity(), "a quarter full: kept");
    all.subList(16, 24).forEach(index::remove);
    assertEquals(16, index.capacity(), "8 of 64: half of a 16-slot array");
    for (FdInner f : all.subList(24, 32)) {
      assertSame(f, index.get(f.id()));
    }
  }

  @Test
  void removedSlotsAreReclaimedSoChurnDoesNotGrowTheArray() {
    FdIndex index = new FdIndex(8);
    FdInner previous = entry(1);
    index.add(previous);
    for (long id = 2; id <= 10_000; id++) {
      FdInner f = entry(id);
      assertTrue(index.add(f));
      assertTrue(index.remove(previous));
      previous = f;
    }
    assertEquals(8, index.capacity());
    assertEquals(1, index.size());
    assertSame(previous, index.get(10_000));
    assertNull(index.get(9_999));
  }

  @Test
  void shrinksWhenAnEighthFullAndKeepsTheRest() {
    FdIndex index = new FdIndex(4);
    List<FdInner> all = new ArrayList<>();
    for (long id = 1; id <= 1000; id++) {
      FdInner f = entry(id);
      all.add(f);
      index.add(f);
    }
    assertEquals(2048, index.capacity());
    for (FdInner f : all.subList(0, 990)) {
      assertTrue(index.remove(f));
    }
    assertEquals(32, index.capacity());
    for (FdInner f : all.subList(990, 1000)) {
      assertSame(f, index.get(f.id()));
    }
    assertNull(index.get(1));
    for (FdInner f : all.subList(990, 1000)) {
      index.remove(f);
    }
    assertEquals(4, index.capacity(), "never below the smallest size");
    assertTrue(index.isEmpty());
  }

  @Test
  void aNewIndexStartsAtItsSmallestSize() {
    FdIndex index = new FdIndex(64);
    assertEquals(64, index.capacity());
    index.add(entry(1));
    index.remove(index.get(1));
    assertEquals(64, index.capacity());
  }

  @Test
  void rejectsSizesThatAreNotPowersOfTwoFromFour() {
    assertThrows(IllegalArgumentException.class, () -> new FdIndex(2));
    assertThrows(IllegalArgumentException.class, () -> new FdIndex(12));
    assertThrows(IllegalArgumentException.class, () -> new FdIndex(0));
    assertEquals(4, new FdIndex(4).capacity());
  }

  @Test
  void homeIsASlotOfTheArrayAndSpreadsIdsOneLengthApart() {
    Set<Integer> homes = new HashSet<>();
    for (long k = 0; k < 8; k++) {
      int h = FdIndex.home(5 + 16 * k, 16);
      assertTrue(h >= 0 && h < 16, "slot " + h);
      homes.add(h);
    }
    assertTrue(homes.size() > 1, "ids 16 apart do not all share a slot: " + homes);
    assertTrue(FdIndex.home(Long.MAX_VALUE, 1024) < 1024);
    assertTrue(FdIndex.home(-1, 8) >= 0);
  }

  /** Readers take no lock: while a writer adds, removes and rehashes, a present entry is found. */
  @Test
  void aReaderAlwaysFindsAnEntryThatStaysWhileTheArrayIsRebuilt() throws Exception {
    FdIndex index = new FdIndex(4);
    FdInner stays = entry(1_000_000);
    index.add(stays);
    AtomicReference<String> failure = new AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              List<FdInner> batch = new ArrayList<>();
              for (long id = 1; id <= 20_000; id++) {
                FdInner f = entry(id);
                index.add(f);
                batch.add(f);
                if (batch.size() == 500) { // grow to 1024 slots, then shrink back
                  batch.forEach(index::remove);
                  batch.clear();
                }
              }
            });
    writer.start();
    long reads = 0;
    while (writer.isAlive() || reads == 0) {
      if (index.get(1_000_000) != stays) {
        failure.compareAndSet(null, "missed at read " + reads);
      }
      reads++;
    }
    writer.join();
    assertNull(failure.get());
    assertEquals(1, index.size());
  }
}
