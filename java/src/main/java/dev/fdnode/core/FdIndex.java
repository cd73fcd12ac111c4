package dev.fdnode.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * A set of {@link FdInner}s keyed by their id: one reference per slot of an open-addressing array
 * (linear probing), so an entry costs a few bytes instead of a boxed key, a map node and a record.
 *
 * <p>Writers ({@link #add}, {@link #remove}) take this object's lock; {@link #get} and {@link
 * #snapshot} take none. That works because an entry never moves inside an array: a removed entry
 * leaves a {@link #REMOVED} marker that keeps later probes going, and only a rehash (into a fresh
 * array, published whole) drops the markers. A reader sees each slot as it was before or after a
 * write, never half-written.
 */
final class FdIndex {
  /** Stands in a slot whose entry was removed, so probes for later entries do not stop there. */
  private static final Object REMOVED = new Object();

  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

  private final int minCapacity;
  private volatile Object[] slots;
  private int live; // guarded by this
  private int used; // entries plus REMOVED markers; guarded by this

  /** {@code minCapacity}: a power of two, at least 4, the smallest array this index ever uses. */
  FdIndex(int minCapacity) {
    if (minCapacity < 4 || Integer.bitCount(minCapacity) != 1) {
      throw new IllegalArgumentException("capacity " + minCapacity + " is not a power of two");
    }
    this.minCapacity = minCapacity;
    this.slots = new Object[minCapacity];
  }

  /** Where the probe for {@code id} starts in an array of {@code length} slots. */
  static int home(long id, int length) {
    // Fibonacci hashing: spreads ids that differ by a multiple of the length.
    return (int) ((id * 0x9E3779B97F4A7C15L) >>> 32) & (length - 1);
  }

  /** The entry with this id, or null. */
  FdInner get(long id) {
    Object[] s = slots;
    int mask = s.length - 1;
    int i = home(id, s.length);
    for (int probes = 0; probes < s.length; probes++) {
      Object o = SLOT.getAcquire(s, i);
      if (o == null) {
        return null;
      }
      if (o != REMOVED && ((FdInner) o).id() == id) {
        return (FdInner) o;
      }
      i = (i + 1) & mask;
    }
    return null;
  }

  /** Adds {@code f}; false if an entry with its id is already there. */
  synchronized boolean add(FdInner f) {
    if (used + 1 > slots.length / 4 * 3) {
      rehash(live + 1);
    }
    Object[] s = slots;
    int mask = s.length - 1;
    int free = -1;
    int i = home(f.id(), s.length);
    while (true) { // the load limit keeps a null slot in every array
      Object o = s[i];
      if (o == null) {
        break;
      }
      if (o == REMOVED) {
        if (free < 0) {
          free = i;
        }
      } else if (((FdInner) o).id() == f.id()) {
        return false;
      }
      i = (i + 1) & mask;
    }
    if (free < 0) {
      free = i;
      used++;
    }
    SLOT.setRelease(s, free, f);
    live++;
    return true;
  }

  /** Removes this very entry (not merely one with its id); false if it is not there. */
  synchronized boolean remove(FdInner f) {
    Object[] s = slots;
    int mask = s.length - 1;
    int i = home(f.id(), s.length);
    while (true) { // the load limit keeps a null slot in every array
      Object o = s[i];
      if (o == null) {
        return false;
      }
      if (o == f) {
        SLOT.setRelease(s, i, REMOVED);
        live--;
        if (live <= s.length / 8 && s.length > minCapacity) {
          rehash(live); // shrink after a mass close
        }
        return true;
      }
      i = (i + 1) & mask;
    }
  }

  synchronized int size() {
    return live;
  }

  synchronized boolean isEmpty() {
    return live == 0;
  }

  /** The slots in use, for tests of the layout. */
  synchronized int capacity() {
    return slots.length;
  }

  /** The entries at one moment for each slot (not one moment for all). */
  List<FdInner> snapshot() {
    Object[] s = slots;
    List<FdInner> out = new ArrayList<>();
    for (int i = 0; i < s.length; i++) {
      Object o = SLOT.getAcquire(s, i);
      if (o != null && o != REMOVED) {
        out.add((FdInner) o);
      }
    }
    return out;
  }

  /** A fresh array at most half full with {@code entries}, without markers; then published. */
  private void rehash(int entries) {
    int length = minCapacity;
    while (length / 2 < entries) {
      length *= 2;
    }
    Object[] old = slots;
    Object[] s = new Object[length];
    for (Object o : old) {
      if (o != null && o != REMOVED) {
        int i = home(((FdInner) o).id(), length);
        while (s[i] != null) {
          i = (i + 1) & (length - 1);
        }
        s[i] = o;
      }
    }
    used = live;
    slots = s; // volatile: readers see the filled array
  }
}
