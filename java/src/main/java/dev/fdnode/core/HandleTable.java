package dev.fdnode.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * id -> FdInner, with a secret token per id and a per-owner index.
 *
 * <p>The token is checked before anything else is told about an id: a wrong token is {@code
 * invalid_handle} whether the id is live, closing, released or never issued. Stale handles: an
 * entry is removed as soon as its descriptor is Closed; its token is derived from its id ({@link
 * HandleTokens}), so a released id (ids are sequential, never reused) still answers {@code closed}
 * to its genuine token, with nothing kept for it. A Closing entry (close begun, OS close pending)
 * answers {@code closed} to its token.
 *
 * <p>The table owns the reference an FdInner is created with and releases it when the entry is
 * removed.
 */
public final class HandleTable {
  private record Entry(FdInner inner, long token) {}

  private final ConcurrentHashMap<Long, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Pid, Set<FdInner>> byOwner = new ConcurrentHashMap<>();
  private final AtomicLong lastId = new AtomicLong();
  private final HandleTokens tokens = new HandleTokens();
  private final FdInner.OwnerListener indexer = this::ownerChanged;

  /** A fresh id for a new FdInner; ids start at 1 and are never reused. */
  public long reserveId() {
    return lastId.incrementAndGet();
  }

  /** Adds an FdInner whose id came from {@link #reserveId()} and returns its handle. */
  public Handle register(FdInner inner) {
    long id = inner.id();
    if (id <= 0 || id > lastId.get()) {
      throw new IllegalArgumentException("id " + id + " was not reserved from this table");
    }
    long token = tokens.of(id);
    Entry entry = new Entry(inner, token);
    if (entries.putIfAbsent(id, entry) != null) {
      throw new IllegalArgumentException("id " + id + " already registered");
    }
    inner.attachOwnerListener(indexer);
    inner.whenClosed(() -> remove(entry));
    return new Handle(id, token);
  }

  public FdInner lookup(long id, long token) throws FdException {
    Entry e = entries.get(id);
    if (e == null) {
      if (id > 0 && id <= lastId.get() && tokens.of(id) == token) {
        throw new FdException("closed", "handle " + id + " is closed");
      }
      throw new FdException("invalid_handle", "no handle " + id + " with that token");
    }
    if (e.token() != token) {
      throw new FdException("invalid_handle", "wrong token for handle " + id);
    }
    if (!e.inner().isOpen()) {
      throw new FdException("closed", "handle " + id + " is closing");
    }
    return e.inner();
  }

  public FdInner lookup(Handle h) throws FdException {
    return lookup(h.id(), h.token());
  }

  /** Closes every descriptor whose owner (not merely controller) is {@code owner}. */
  public int closeOwnedBy(Pid owner) {
    Set<FdInner> owned = byOwner.get(owner);
    if (owned == null) {
      return 0;
    }
    int n = 0;
    for (FdInner inner : List.copyOf(owned)) {
      if (inner.closeIfOwnedBy(owner)) { // re-checked under the fd's owner lock
        n++;
      }
    }
    return n;
  }

  /** Closes every descriptor owned by a process on {@code node}. */
  public int closeAllFromNode(String node) {
    int n = 0;
    for (Pid owner : List.copyOf(byOwner.keySet())) {
      if (owner.node().equals(node)) {
        n += closeOwnedBy(owner);
      }
    }
    return n;
  }

  public int size() {
    return entries.size();
  }

  /** Number of distinct owners with at least one live entry. */
  public int ownerCount() {
    return byOwner.size();
  }

  public Collection<FdInner> snapshot() {
    List<FdInner> out = new ArrayList<>(entries.size());
    for (Entry e : entries.values()) {
      out.add(e.inner());
    }
    return out;
  }

  private void remove(Entry entry) {
    if (entries.remove(entry.inner().id(), entry)) {
      entry.inner().detachOwnerListener();
      entry.inner().release();
    }
  }

  private void ownerChanged(FdInner inner, Pid oldOwner, Pid newOwner) {
    if (oldOwner != null) {
      byOwner.computeIfPresent(
          oldOwner,
          (k, set) -> {
            set.remove(inner);
            return set.isEmpty() ? null : set;
          });
    }
    if (newOwner != null) {
      byOwner.compute(
          newOwner,
          (k, set) -> {
            Set<FdInner> s = set != null ? set : ConcurrentHashMap.newKeySet();
            s.add(inner);
            return s;
          });
    }
  }
}
