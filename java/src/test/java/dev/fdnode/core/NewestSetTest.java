package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NewestSetTest {
  @Test
  void keepsTheNewestAndForgetsTheOldestFirst() {
    Set<Integer> s = NewestSet.of(3);
    for (int i = 1; i <= 5; i++) s.add(i);
    assertEquals(List.of(3, 4, 5), List.copyOf(s));
  }

  @Test
  void addingAgainDoesNotRenewAnElement() {
    Set<String> s = NewestSet.of(2);
    s.add("a");
    s.add("b");
    s.add("a");
    s.add("c");
    assertEquals(List.of("b", "c"), List.copyOf(s));
  }
}
