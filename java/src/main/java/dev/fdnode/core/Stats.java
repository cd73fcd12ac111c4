package dev.fdnode.core;

import java.util.Map;

/** A point-in-time view of the descriptor layer. */
public record Stats(
    int openFds,
    Map<String, Integer> fdsByNode,
    int pendingRingOps,
    long bytesRead,
    long bytesWritten,
    int activeModeFds) {
  public Stats {
    fdsByNode = Map.copyOf(fdsByNode);
  }
}
