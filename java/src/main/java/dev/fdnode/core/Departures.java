package dev.fdnode.core;

import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Owners and BEAM nodes that went down, so that a descriptor opened for one of them while (or
 * after) its sweep ran is closed instead of leaked; see {@link Descriptors#adopt}.
 *
 * <p>Owners are remembered in a bounded set (pids are not reused quickly; oldest forgotten first).
 * A node's disconnection advances its epoch: a call that started before it and ends after it sees
 * the epoch changed. A call that only starts after the disconnection was handled (its message was
 * still queued) is caught by the node's incarnations ({@link Pid#creation()}) that had opened
 * something before: they are down until the node connects again. A restarted node has a new
 * creation, so it is never taken for its dead predecessor, whatever order JInterface reports the
 * two connections in.
 */
final class Departures {
  private final Set<Pid> owners;
  private final ConcurrentHashMap<String, Long> epochs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<Integer>> adopting = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Set<Integer>> down = new ConcurrentHashMap<>();

  Departures(int ownerCapacity) {
    this.owners = Collections.synchronizedSet(NewestSet.of(ownerCapacity));
  }

  /**
   * A call is about to open something for {@code owner}: returns the epoch of its node, to compare
   * in {@link #gone} afterwards, and remembers the node's incarnation.
   */
  long starting(Pid owner) {
    long epoch = epochs.getOrDefault(owner.node(), 0L); // read first: a later disconnect changes it
    adopting
        .computeIfAbsent(owner.node(), n -> ConcurrentHashMap.newKeySet())
        .add(owner.creation());
    return epoch;
  }

  void ownerDown(Pid owner) {
    owners.add(owner);
  }

  boolean ownerGone(Pid owner) {
    return owners.contains(owner);
  }

  void nodeDown(String node) {
    Set<Integer> incarnations = adopting.remove(node);
    if (incarnations != null) down.put(node, incarnations);
    epochs.merge(node, 1L, Long::sum);
  }

  void nodeUp(String node) {
    down.remove(node);
  }

  /** True when {@code owner} or its node went down, before the call or since {@code epoch}. */
  boolean gone(Pid owner, long epoch) {
    String node = owner.node();
    return owners.contains(owner)
        || epochs.getOrDefault(node, 0L) != epoch
        || down.getOrDefault(node, Set.of()).contains(owner.creation());
  }
}
