package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangPid;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Decides which owner-down reports count: only those sent by the {@code fdnode_watcher} of the
 * owner's own BEAM node. Anyone can put any pid in a message, so the Java node trusts only the
 * sender pid the distribution protocol carries, and learns which pid is a node's watcher by a
 * challenge: a random nonce sent to the registered name {@code fdnode_watcher} on that node, which
 * only the registered process receives and proves by sending it back.
 *
 * <p>A report from a sender not (yet) proven is parked, in order, behind which every later report
 * of that node waits, until a proof arrives: then the watcher's reports are applied and the others
 * are dropped as forged. A forged report therefore never closes anything, and no live pid is ever
 * marked down. Thread-safe; called from the receiving threads.
 */
final class Watchers {
  /** Reports waiting for a proof, per node; beyond this they are dropped (and logged). */
  static final int MAX_PARKED = 65_536;

  /** Distinct unproven senders challenged per node before a proof; bounds a forger's noise. */
  static final int MAX_CHALLENGED = 64;

  /** What the decisions lead to. */
  interface Outcome {
    /** Ask {@code node}'s registered watcher to send {@code nonce} back. */
    void challenge(String node, long nonce);

    /** A report that counts: {@code owner} is down. */
    void ownerDown(OtpErlangPid owner);

    /** A report that does not count. */
    void forged(OtpErlangPid sender, OtpErlangPid owner, String why);
  }

  private record Report(OtpErlangPid sender, OtpErlangPid owner) {}

  private static final class NodeState {
    final long nonce;
    OtpErlangPid watcher; // proven; null until the first proof
    final Set<OtpErlangPid> challenged = new HashSet<>();
    final ArrayDeque<Report> parked = new ArrayDeque<>();

    NodeState(long nonce) {
      this.nonce = nonce;
    }
  }

  private final Outcome outcome;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, NodeState> nodes = new HashMap<>();

  Watchers(Outcome outcome) {
    this.outcome = outcome;
  }

  /**
   * {@code {'$fdnode_owner_down', _, Owner}} arrived from {@code sender} (null when the message was
   * sent to the mailbox pid rather than its registered name: the sender is then unknown).
   */
  synchronized void report(OtpErlangPid sender, OtpErlangPid owner) {
    if (sender == null) {
      outcome.forged(null, owner, "sender unknown (not sent to the registered name fdnode)");
      return;
    }
    if (!sender.node().equals(owner.node())) {
      outcome.forged(sender, owner, "the owner is not on the reporter's node");
      return;
    }
    NodeState s = nodes.computeIfAbsent(sender.node(), n -> new NodeState(nonce()));
    if (s.parked.isEmpty() && sender.equals(s.watcher)) {
      outcome.ownerDown(owner);
      return;
    }
    if (s.parked.size() >= MAX_PARKED) {
      outcome.forged(sender, owner, "too many reports waiting for the watcher's proof");
      return;
    }
    s.parked.add(new Report(sender, owner));
    if (!sender.equals(s.watcher)
        && s.challenged.size() < MAX_CHALLENGED
        && s.challenged.add(sender)) {
      outcome.challenge(sender.node(), s.nonce);
    }
  }

  /** {@code {'$fdnode_watcher_proof', Nonce}} arrived from {@code sender}. */
  synchronized void proof(OtpErlangPid sender, long nonce) {
    NodeState s = sender == null ? null : nodes.get(sender.node());
    if (s == null || s.nonce != nonce) {
      outcome.forged(sender, null, "watcher proof with a wrong nonce");
      return;
    }
    s.watcher = sender;
    s.challenged.clear();
    for (Report r : s.parked) {
      if (r.sender().equals(sender)) {
        outcome.ownerDown(r.owner());
      } else {
        outcome.forged(r.sender(), r.owner(), "not the node's watcher");
      }
    }
    s.parked.clear();
  }

  /** The node disconnected: its watcher and waiting reports are forgotten (its fds are closed). */
  synchronized void nodeDown(String node) {
    nodes.remove(node);
  }

  private long nonce() {
    return random.nextLong() & Long.MAX_VALUE;
  }
}
