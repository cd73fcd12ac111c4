package dev.fdnode.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Owners and BEAM nodes that went down, so that a descriptor opened for one of them while (or
 * after) its sweep ran is closed instead of leaked; see {@link Descriptors#adopt}.
 *
 * <p>Owners are remembered in a bounded set (pids are not reused quickly; oldest forgotten first).
 * A node is down from its disconnection until it connects again; each disconnection also advances
 * the node's epoch, so an open that started before a disconnection is caught even when the node has
 * reconnected by the time it finishes.
 */
final class Departures {
  private final Set<Pid> owners;
  private final Set<String> downNodes = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<String, Long> epochs = new ConcurrentHashMap<>();

  Departures(int ownerCapacity) {
    this.owners =
        Collections.synchronizedSet(
            Collections.newSetFromMap(
                new LinkedHashMap<Pid, Boolean>(16, 0.75f, false) {
                  private static final long serialVersionUID = 1L;

                  @Override
                  protected boolean removeEldestEntry(Map.Entry<Pid, Boolean> eldest) {
                    return size() > ownerCapacity;
                  }
                }));
  }

  void ownerDown(Pid owner) {
    owners.add(owner);
  }

  boolean ownerGone(Pid owner) {
    return owners.contains(owner);
  }

  void nodeDown(String node) {
    downNodes.add(node);
    epochs.merge(node, 1L, Long::sum);
  }

  void nodeUp(String node) {
    downNodes.remove(node);
  }

  /** Disconnections of {@code node} so far: compare before and after a call. */
  long epoch(String node) {
    return epochs.getOrDefault(node, 0L);
  }

  /** True when {@code owner} or its node went down, or its node went down since {@code epoch}. */
  boolean gone(Pid owner, long epoch) {
    return owners.contains(owner)
        || downNodes.contains(owner.node())
        || epoch(owner.node()) != epoch;
  }
}
