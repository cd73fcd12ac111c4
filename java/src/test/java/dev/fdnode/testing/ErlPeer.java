package dev.fdnode.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a plain {@code erl} peer that a test starts. The peer halts itself after
 * {@link #LIFETIME_MS} whatever becomes of the test: a test JVM killed mid-test (PIT kills a
 * mutant's hung run) cannot stop its children, and a peer blocked for good (in {@code os:cmd}
 * writing to a FIFO nobody reads, say) would otherwise stay.
 */
public final class ErlPeer {
  /** Longer than any test waits for its peer. */
  public static final long LIFETIME_MS = 180_000;

  private ErlPeer() {}

  /** {@code erl} with a lifetime guard, then {@code args} ({@code -eval} of the test's script). */
  public static List<String> command(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("erl");
    cmd.add("-eval");
    cmd.add("spawn(fun() -> receive after " + LIFETIME_MS + " -> halt(124) end end).");
    cmd.addAll(List.of(args));
    return List.copyOf(cmd);
  }
}
