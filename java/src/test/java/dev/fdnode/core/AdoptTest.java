package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Descriptors#adopt}: new descriptors whose owner, or whose owner's node, went down before
 * or while they were opened are closed, never left open. Real pipes.
 */
@ExtendWith(FdLeakCheck.class)
class AdoptTest {
  static final Pid A = new Pid("a@host", 1, 0, 7);
  static final Pid A2 = new Pid("a@host", 2, 0, 7);
  static final Pid RESTARTED = new Pid("a@host", 1, 0, 8); // same node name, new incarnation
  static final Pid B = new Pid("b@host", 1, 0, 7);

  final Descriptors d = new Descriptors(new Posix(), 16);
  final List<Opened> made = new ArrayList<>();

  @AfterEach
  void tearDown() {
    d.close();
  }

  /** A pipe for {@code owner}, remembering its ends; {@code meanwhile} runs before it returns. */
  Descriptors.Opener pipe(Pid owner, Runnable meanwhile) {
    return () -> {
      Opened[] ends = d.pipe(owner);
      made.addAll(List.of(ends));
      meanwhile.run();
      return ends;
    };
  }

  String refused(Pid owner, Runnable meanwhile) {
    return assertThrows(FdException.class, () -> d.adopt(owner, pipe(owner, meanwhile))).reason();
  }

  void assertAllClosed() {
    assertEquals(2, made.size());
    for (Opened o : made) assertEquals(FdState.CLOSED, o.inner().state());
    assertEquals(0, d.stats().openFds());
  }

  @Test
  void aLiveOwnerKeepsWhatIsOpenedForIt() throws Exception {
    Opened[] ends = d.adopt(A, pipe(A, () -> {}));
    assertEquals(2, ends.length);
    assertTrue(ends[0].inner().isOpen() && ends[1].inner().isOpen());
    assertEquals(2, d.stats().openFds());
  }

  @Test
  void ownerDownBeforeTheCallClosesWhatItOpens() {
    d.ownerDown(A);
    assertEquals("closed", refused(A, () -> {}));
    assertAllClosed();
  }

  @Test
  void ownerDownDuringTheCallClosesWhatItOpens() {
    assertEquals("closed", refused(A, () -> d.ownerDown(A)));
    assertAllClosed();
  }

  @Test
  void nodeDownDuringTheCallClosesWhatItOpens() {
    assertEquals("closed", refused(A, () -> d.nodeDown("a@host")));
    assertAllClosed();
  }

  @Test
  void nodeDownDuringTheCallIsCaughtEvenIfTheNodeIsBackBeforeItEnds() {
    assertEquals(
        "closed",
        refused(
            A,
            () -> {
              d.nodeDown("a@host");
              d.nodeUp("a@host");
            }));
    assertAllClosed();
  }

  @Test
  void aCallStartedAfterItsNodeWentDownIsRefusedUntilTheNodeIsBack() throws Exception {
    d.adopt(A, pipe(A, () -> {})); // this incarnation of a@host has opened something
    d.nodeDown("a@host");
    made.clear();
    assertEquals("closed", refused(A2, () -> {}), "another process of the dead incarnation");
    assertAllClosed();
    d.nodeUp("a@host");
    assertEquals(2, d.adopt(A2, pipe(A2, () -> {})).length, "connected again");
  }

  @Test
  void aRestartedNodeIsNotTakenForItsDeadPredecessor() throws Exception {
    d.adopt(A, pipe(A, () -> {}));
    d.nodeDown("a@host"); // reported after the new incarnation connected: no nodeUp follows
    Opened[] ends = d.adopt(RESTARTED, pipe(RESTARTED, () -> {}));
    assertTrue(ends[0].inner().isOpen());
    assertEquals(2, d.stats().openFds());
  }

  @Test
  void anotherNodeIsNotAffected() throws Exception {
    d.nodeDown("a@host");
    d.ownerDown(A);
    assertEquals(2, d.adopt(B, pipe(B, () -> {})).length);
  }
}
