package dev.fdnode.core;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * id -> FdInner, with a token per id and a per-owner index.
 *
 * <p>The token is no secret (a handle is a plain term, printed in full wherever it is printed); it
 * makes sure a stale, forged or mistyped handle never reaches another descriptor. It is checked
 * before anything else is told about an id: a wrong token is {@code invalid_handle} whether the id
 * is live, closing, released or never issued. Stale handles: an entry is removed as soon as its
 * descriptor is Closed; its token is derived from its id ({@link HandleTokens}), so a released id
 * (ids are sequential, never reused) still answers {@code closed} to its genuine token, with
 * nothing kept for it. A Closing entry (close begun, OS close pending) answers {@code closed} to
 * its token.
 *
 * <p>The table owns the reference an FdInner is created with and releases it when the entry is
 * removed.
 *
 * <p>Layout, paid per open descriptor: the ids index and each owner's index are {@link FdIndex}es
 * (one array slot per entry, no boxed key or map node), the token is kept in the FdInner (so a
 * lookup of a live id compares it rather than deriving it again), and the table hears of a close
 * through {@link FdInner.Registry} rather than a callback object per entry. Owners are shared:
 * {@link #sharedOwner} gives the Pid instance the table already holds.
 */
public final class HandleTable {
  /** One owner's descriptors, and the Pid instance its descriptors share. */
  private record Owned(Pid pid, FdIndex fds) {}

  private final FdIndex entries = new FdIndex(1024);
  private final ConcurrentHashMap<Pid, Owned> byOwner = new ConcurrentHashMap<>();
  private final AtomicLong lastId = new AtomicLong();
  private final HandleTokens tokens = new HandleTokens();
  private final Runnable onRemoved;
  private final FdInner.Registry registry = new Registry();

  /**
   * Open descriptors (close not begun) per owner node, and those in an active mode: kept as they
   * change, so {@code stats} reads them instead of walking every descriptor (a walk of 15,000 took
   * 10 to 20 ms on the connection's thread, holding up every call behind it).
   */
  private final ConcurrentHashMap<String, Integer> openByNode = new ConcurrentHashMap<>();

  private final AtomicInteger activeFds = new AtomicInteger();

  public HandleTable() {
    this(() -> {});
  }

  /** {@code onRemoved} runs once for each registered FdInner when it leaves the table. */
  public HandleTable(Runnable onRemoved) {
    this.onRemoved = Objects.requireNonNull(onRemoved, "onRemoved");
  }

  /** A fresh id for a new FdInner; ids start at 1 and are never reused. */
  public long reserveId() {
    return lastId.incrementAndGet();
  }

  /**
   * The Pid instance this table already holds for {@code p}'s owner index, or {@code p}: a new
   * FdInner made with it shares the instance instead of carrying its own copy.
   */
  public Pid sharedOwner(Pid p) {
    Owned o = byOwner.get(p);
    return o == null ? p : o.pid();
  }

  /** Adds an FdInner whose id came from {@link #reserveId()} and returns its handle. */
  public Handle register(FdInner inner) {
    long id = inner.id();
    if (id <= 0 || id > lastId.get()) {
      throw new IllegalArgumentException("id " + id + " was not reserved from this table");
    }
    if (entries.get(id) != null) { // checked first: the token of a registered one stays
      throw new IllegalArgumentException("id " + id + " already registered");
    }
    long token = tokens.of(id);
    inner.setToken(token); // before entries.add publishes it
    if (!entries.add(inner)) {
      throw new IllegalArgumentException("id " + id + " already registered");
    }
    if (!inner.attach(registry)) {
      dropClosed(inner, null); // closed before it was registered: it leaves at once
    }
    return new Handle(id, token);
  }

  public FdInner lookup(long id, long token) throws FdException {
    FdInner f = entries.get(id);
    if (f == null) {
      if (id > 0 && id <= lastId.get() && tokens.of(id) == token) {
        throw new FdException(Reason.CLOSED, "handle " + id + " is closed");
      }
      throw new FdException(Reason.INVALID_HANDLE, "no handle " + id + " with that token");
    }
    if (f.token() != token) {
      throw new FdException(Reason.INVALID_HANDLE, "wrong token for handle " + id);
    }
    if (!f.isOpen()) {
      throw new FdException(Reason.CLOSED, "handle " + id + " is closing");
    }
    return f;
  }

  public FdInner lookup(Handle h) throws FdException {
    return lookup(h.id(), h.token());
  }

  /** Closes every descriptor whose owner (not merely controller) is {@code owner}. */
  public int closeOwnedBy(Pid owner) {
    Owned owned = byOwner.get(owner);
    if (owned == null) {
      return 0;
    }
    int n = 0;
    for (FdInner inner : owned.fds().snapshot()) {
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

  /** Open descriptors (close not begun) per owner node. */
  public Map<String, Integer> openByNode() {
    return Map.copyOf(openByNode);
  }

  /** Open descriptors (close not begun) in an active mode. */
  public int activeFds() {
    return activeFds.get();
  }

  public Collection<FdInner> snapshot() {
    return entries.snapshot();
  }

  private void dropClosed(FdInner inner, Pid owner) {
    entries.remove(inner);
    if (owner != null) {
      ownerChanged(inner, owner, null);
    }
    inner.release();
    onRemoved.run();
  }

  /** Keeps the owner index; called under the FdInner's control lock. */
  private void ownerChanged(FdInner inner, Pid oldOwner, Pid newOwner) {
    if (oldOwner != null) {
      byOwner.computeIfPresent(
          oldOwner,
          (k, owned) -> {
            owned.fds().remove(inner);
            return owned.fds().isEmpty() ? null : owned;
          });
    }
    if (newOwner != null) {
      byOwner.compute(
          newOwner,
          (k, owned) -> {
            Owned o = owned != null ? owned : new Owned(k, new FdIndex(4));
            o.fds().add(inner);
            return o;
          });
    }
  }

  /** What each registered FdInner reports to: one object for the whole table. */
  private final class Registry implements FdInner.Registry {
    @Override
    public void ownerChanged(FdInner inner, Pid oldOwner, Pid newOwner) {
      HandleTable.this.ownerChanged(inner, oldOwner, newOwner);
    }

    /** The OS close happened: the entry leaves the table and its owner's index. */
    @Override
    public void closed(FdInner inner, Pid lastOwner) {
      dropClosed(inner, lastOwner);
    }

    @Override
    public void openCounted(Pid owner, int delta) {
      openByNode.merge(owner.node(), delta, (a, b) -> a + b == 0 ? null : a + b);
    }

    @Override
    public void activeCounted(int delta) {
      activeFds.addAndGet(delta);
    }
  }
}
