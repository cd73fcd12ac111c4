package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What {@link Departures} remembers: owners (bounded, oldest forgotten first) and node epochs. */
class DeparturesTest {
  static final Pid A = new Pid("a@host", 1, 0, 7);
  static final Pid B = new Pid("a@host", 2, 0, 7);
  static final Pid C = new Pid("a@host", 3, 0, 7);
  static final Pid OTHER = new Pid("b@host", 1, 0, 7);

  @Test
  void remembersUpToItsCapacityThenForgetsTheOldest() {
    Departures d = new Departures(2);
    d.ownerDown(A);
    d.ownerDown(B);
    assertTrue(d.ownerGone(A), "two fit");
    assertTrue(d.ownerGone(B));
    d.ownerDown(C);
    assertFalse(d.ownerGone(A), "the oldest made room");
    assertTrue(d.ownerGone(B));
    assertTrue(d.ownerGone(C));
  }

  @Test
  void aCallSeesItsNodeGoDownButNotAnotherNode() {
    Departures d = new Departures(8);
    long epoch = d.starting(A);
    assertFalse(d.gone(A, epoch));
    d.nodeDown("b@host");
    assertFalse(d.gone(A, epoch), "another node's disconnection");
    d.nodeDown("a@host");
    assertTrue(d.gone(A, epoch), "its own node's");
    long later = d.starting(OTHER);
    assertFalse(d.gone(OTHER, later));
  }
}
