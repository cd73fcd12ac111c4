package dev.fdnode.node;

import dev.fdnode.core.Pid;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Recently exited owners, so an open that raced with its owner's {@code '$fdnode_owner_down'} can
 * be undone. Pids are not reused quickly, and the set is bounded (oldest forgotten first).
 */
public final class DownOwners {
  private final Set<Pid> pids;

  public DownOwners(int capacity) {
    this.pids =
        Collections.synchronizedSet(
            Collections.newSetFromMap(
                new LinkedHashMap<Pid, Boolean>(16, 0.75f, false) {
                  private static final long serialVersionUID = 1L;

                  @Override
                  protected boolean removeEldestEntry(Map.Entry<Pid, Boolean> eldest) {
                    return size() > capacity;
                  }
                }));
  }

  public void add(Pid p) {
    pids.add(p);
  }

  public boolean contains(Pid p) {
    return pids.contains(p);
  }
}
