package dev.fdnode.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** A set that keeps only its {@code capacity} most recently added elements; not thread-safe. */
public final class NewestSet {
  private NewestSet() {}

  public static <T> Set<T> of(int capacity) {
    return Collections.newSetFromMap(
        new LinkedHashMap<T, Boolean>(16, 0.75f, false) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<T, Boolean> eldest) {
            return size() > capacity;
          }
        });
  }
}
