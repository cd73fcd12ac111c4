package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(FdLeakCheck.class)
class HandleTableTest {
  static final Pid A = new Pid("a@host", 1, 0, 1);
  static final Pid B = new Pid("a@host", 2, 0, 1);
  static final Pid C = new Pid("c@host", 3, 0, 1);

  final HandleTable table = new HandleTable();
  final FdInnerTest.CountingCloser closer = new FdInnerTest.CountingCloser();
  int nextFd = 100;

  FdInner add(Pid owner) {
    FdInner f = new FdInner(table.reserveId(), nextFd++, owner, FileType.REGULAR, false, closer);
    table.register(f);
    return f;
  }

  Handle addHandle(Pid owner) {
    FdInner f = new FdInner(table.reserveId(), nextFd++, owner, FileType.REGULAR, false, closer);
    return table.register(f);
  }

  static String reason(org.junit.jupiter.api.function.Executable call) {
    return assertThrows(FdException.class, call).reason();
  }

  @Test
  void lookupFindsRegisteredEntry() throws Exception {
    Handle h = addHandle(A);
    FdInner f = table.lookup(h.id(), h.token());
    assertEquals(h.id(), f.id());
    assertSame(f, table.lookup(h));
    assertTrue(h.token() >= 0, "token is a non-negative integer on the wire");
    assertEquals(1, table.size());
    assertEquals(List.of(f), List.copyOf(table.snapshot()));
  }

  @Test
  void tokensDiffer() {
    Set<Long> tokens =
        java.util.stream.IntStream.range(0, 50)
            .mapToObj(i -> addHandle(A).token())
            .collect(Collectors.toSet());
    assertEquals(50, tokens.size());
  }

  @Test
  void unknownIdIsInvalidHandle() {
    addHandle(A);
    assertEquals("invalid_handle", reason(() -> table.lookup(999, 1)));
    assertEquals("invalid_handle", reason(() -> table.lookup(0, 0)));
    assertEquals("invalid_handle", reason(() -> table.lookup(-5, 0)));
  }

  @Test
  void wrongTokenIsInvalidHandle() {
    Handle h = addHandle(A);
    assertEquals("invalid_handle", reason(() -> table.lookup(h.id(), h.token() ^ 1)));
  }

  @Test
  void closingEntryIsClosed() throws Exception {
    Handle h = addHandle(A);
    FdInner f = table.lookup(h);
    try (FdInner.Use u = f.use()) {
      f.close();
      assertEquals(FdState.CLOSING, f.state());
      assertEquals(1, table.size(), "still there while Closing");
      assertEquals("closed", reason(() -> table.lookup(h)));
    }
    assertEquals(FdState.CLOSED, f.state());
  }

  @Test
  void closedEntryIsRemovedAndStaleHandleIsClosed() throws Exception {
    Handle h = addHandle(A);
    Handle other = addHandle(A);
    FdInner f = table.lookup(h);
    f.close();
    assertEquals(1, table.size());
    assertEquals("closed", reason(() -> table.lookup(h)));
    assertEquals(0, f.refCount(), "the table released its reference");
    assertNotNull(table.lookup(other));
  }

  @Test
  void aForgedTokenOnAReleasedIdIsInvalidHandleNotClosed() throws Exception {
    Handle h = addHandle(A);
    table.lookup(h).close();
    assertEquals(0, table.size(), "released");
    assertEquals("closed", reason(() -> table.lookup(h)), "the genuine token learns closed");
    for (long forged : new long[] {h.token() ^ 1, h.token() ^ (1L << 62), 0, Long.MAX_VALUE}) {
      assertEquals(
          "invalid_handle",
          reason(() -> table.lookup(h.id(), forged)),
          "a forged token must not learn that the id was issued");
    }
  }

  @Test
  void aForgedTokenOnAClosingEntryIsInvalidHandle() throws Exception {
    Handle h = addHandle(A);
    FdInner f = table.lookup(h);
    try (FdInner.Use u = f.use()) {
      f.close();
      assertEquals("invalid_handle", reason(() -> table.lookup(h.id(), h.token() ^ 1)));
      assertEquals("closed", reason(() -> table.lookup(h)));
    }
  }

  @Test
  void aTokenIsTheFirst63BitsOfTheHmacOfTheBigEndianId() throws Exception {
    byte[] key = new byte[32];
    for (int i = 0; i < key.length; i++) key[i] = (byte) (i * 7 + 1);
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
    HandleTokens tokens = new HandleTokens(key);
    for (long id : new long[] {1, 2, 255, 256, 0x0102030405060708L, Long.MAX_VALUE}) {
      byte[] out = mac.doFinal(java.nio.ByteBuffer.allocate(8).putLong(id).array());
      long expected = java.nio.ByteBuffer.wrap(out).getLong() & Long.MAX_VALUE;
      assertEquals(expected, tokens.of(id), "id " + id);
    }
  }

  @Test
  void tokensAreStableForAnIdButSecretToEachTable() {
    HandleTokens one = new HandleTokens();
    HandleTokens two = new HandleTokens();
    assertEquals(one.of(7), one.of(7), "the same id, the same token");
    assertNotEquals(one.of(7), two.of(7), "another table's key gives other tokens");
    assertNotEquals(one.of(7), one.of(8));
    assertTrue(one.of(Long.MAX_VALUE) >= 0 && one.of(1) >= 0, "non-negative on the wire");
  }

  @Test
  void closeOwnedByClosesOnlyTheOwners() throws Exception {
    FdInner a1 = add(A);
    FdInner a2 = add(A);
    FdInner b1 = add(B);
    FdInner controlledByA = add(B);
    controlledByA.setController(A); // A controls it but B owns it
    FdInner ownedByA = add(A);
    ownedByA.setController(B); // B controls it but A owns it

    assertEquals(3, table.closeOwnedBy(A));
    assertEquals(FdState.CLOSED, a1.state());
    assertEquals(FdState.CLOSED, a2.state());
    assertEquals(FdState.CLOSED, ownedByA.state());
    assertEquals(FdState.OPEN, b1.state());
    assertEquals(FdState.OPEN, controlledByA.state());
    assertEquals(2, table.size());
    assertEquals(0, table.closeOwnedBy(A));
    assertEquals(1, table.ownerCount(), "A's index entry is gone");
    b1.close();
    controlledByA.close();
  }

  @Test
  void transferMovesOwnershipInTheIndex() throws Exception {
    FdInner f = add(A);
    f.transferTo(B);
    assertEquals(0, table.closeOwnedBy(A));
    assertEquals(FdState.OPEN, f.state());
    assertEquals(1, table.closeOwnedBy(B));
    assertEquals(FdState.CLOSED, f.state());
    assertEquals(0, table.ownerCount());
    f.transferTo(C); // after removal a transfer must not resurrect an index entry
    assertEquals(0, table.ownerCount());
  }

  @Test
  void closeAllFromNodeClosesThatNodesOwners() throws Exception {
    FdInner a = add(A);
    FdInner b = add(B);
    FdInner c = add(C);
    assertEquals(2, table.closeAllFromNode("a@host"));
    assertEquals(FdState.CLOSED, a.state());
    assertEquals(FdState.CLOSED, b.state());
    assertEquals(FdState.OPEN, c.state());
    assertEquals(0, table.closeAllFromNode("a@host"));
    assertEquals(0, table.closeAllFromNode("nobody@host"));
    c.close();
    assertEquals(0, table.size());
  }

  @Test
  void ownerCleanupDefersCloseOfBusyDescriptor() throws Exception {
    FdInner f = add(A);
    try (FdInner.Use u = f.use()) {
      assertEquals(1, table.closeOwnedBy(A));
      assertEquals(FdState.CLOSING, f.state());
      assertEquals(0, closer.count(f.rawFd()));
    }
    assertEquals(1, closer.count(f.rawFd()));
    assertEquals(0, table.size());
  }

  @Test
  void registerRejectsForeignIds() {
    FdInner f = new FdInner(12345, 5, A, FileType.REGULAR, false, closer);
    assertThrows(IllegalArgumentException.class, () -> table.register(f));
    f.closeQuietly();
    long id = table.reserveId();
    FdInner g = new FdInner(id, 6, A, FileType.REGULAR, false, closer);
    table.register(g);
    FdInner dup = new FdInner(id, 7, A, FileType.REGULAR, false, closer);
    assertThrows(IllegalArgumentException.class, () -> table.register(dup));
    dup.closeQuietly();
    long token = g.token();
    assertThrows(IllegalArgumentException.class, () -> table.register(g));
    assertEquals(token, g.token(), "a second registration leaves the issued token alone");
    g.closeQuietly();
  }

  @Test
  void sharedOwnerGivesThePidInstanceTheIndexHolds() {
    Pid equalToA = new Pid("a@host", 1, 0, 1);
    assertSame(equalToA, table.sharedOwner(equalToA), "no owner yet: the argument itself");
    FdInner f = add(A);
    assertSame(A, table.sharedOwner(equalToA));
    assertSame(C, table.sharedOwner(C));
    f.transferTo(equalToA); // equal pid: the index is unchanged
    assertSame(A, table.sharedOwner(new Pid("a@host", 1, 0, 1)));
    f.closeQuietly();
    assertSame(equalToA, table.sharedOwner(equalToA), "forgotten with its last descriptor");
  }

  @Test
  void onRemovedRunsOncePerEntryThatLeaves() throws Exception {
    java.util.concurrent.atomic.AtomicInteger removed =
        new java.util.concurrent.atomic.AtomicInteger();
    HandleTable t = new HandleTable(removed::incrementAndGet);
    FdInner a = new FdInner(t.reserveId(), 40, A, FileType.REGULAR, false, closer);
    FdInner b = new FdInner(t.reserveId(), 41, B, FileType.REGULAR, false, closer);
    t.register(a);
    t.register(b);
    try (FdInner.Use u = a.use()) {
      a.close();
      assertEquals(0, removed.get(), "not while Closing");
    }
    assertEquals(1, removed.get());
    a.closeQuietly();
    assertEquals(1, removed.get());
    assertEquals(1, t.closeOwnedBy(B));
    assertEquals(2, removed.get());
    assertEquals(0, t.size());
    assertEquals(0, t.ownerCount());
  }

  @Test
  void anFdInnerClosedBeforeRegistrationLeavesAtOnce() throws Exception {
    java.util.concurrent.atomic.AtomicInteger removed =
        new java.util.concurrent.atomic.AtomicInteger();
    HandleTable t = new HandleTable(removed::incrementAndGet);
    FdInner f = new FdInner(t.reserveId(), 42, A, FileType.REGULAR, false, closer);
    f.retain(); // the table's reference is the other one
    f.close();
    Handle h = t.register(f);
    assertEquals(0, t.size());
    assertEquals(0, t.ownerCount());
    assertEquals(1, removed.get());
    assertEquals(1, f.refCount(), "the table released the reference it owns");
    assertEquals("closed", reason(() -> t.lookup(h)));
    assertEquals(1, closer.count(42));
  }

  @Test
  void manyOwnersAndDescriptorsAreIndexedApart() throws Exception {
    List<FdInner> all = new java.util.ArrayList<>();
    for (int owner = 0; owner < 20; owner++) {
      Pid p = new Pid("m@host", 100 + owner, 0, 1);
      for (int i = 0; i < 50; i++) {
        all.add(add(p));
      }
    }
    assertEquals(1000, table.size());
    assertEquals(20, table.ownerCount());
    all.get(0).close(); // one of the first owner's: the rest stay indexed
    assertEquals(49, table.closeOwnedBy(new Pid("m@host", 100, 0, 1)));
    assertEquals(19, table.ownerCount());
    assertEquals(50, table.closeOwnedBy(new Pid("m@host", 107, 0, 1)));
    assertEquals(900, table.size());
    assertEquals(18, table.ownerCount());
    assertEquals(900, table.closeAllFromNode("m@host"));
    assertEquals(0, table.size());
    for (FdInner f : all) {
      assertEquals(FdState.CLOSED, f.state());
    }
  }
}
