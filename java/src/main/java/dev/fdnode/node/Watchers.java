package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangPid;
import dev.fdnode.core.NewestSet;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

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
 * marked down.
 *
 * <p>The same proof guards ownership: no pid becomes the owner of a descriptor (an open, a pipe, a
 * socket, a {@code controlling_process}) before its node's proven watcher was told to watch it
 * ({@link #ensureWatched}), so an owner's death is always reported, whether or not the client uses
 * {@code fdnode_ffi}. A call for an owner whose node has no proven watcher is held (no thread
 * waits) while that node is challenged, and refused ({@code no_watcher}) if no proof comes within
 * {@link #HOLD_MS}. Once proven (once per node connection), a call pays no round trip: a new owner
 * costs one message to the watcher, an owner already told costs nothing. Thread-safe; called from
 * the receiving threads.
 */
final class Watchers {
  /** Reports waiting for a proof, per node; beyond this they are dropped (and logged). */
  static final int MAX_PARKED = 65_536;

  /** Distinct unproven senders challenged per node before a proof; bounds a forger's noise. */
  static final int MAX_CHALLENGED = 64;

  /** How long a call for an owner waits for its node's watcher to prove itself. */
  static final long HOLD_MS = 2000;

  /** Calls held per node while its watcher is challenged; beyond, refused at once. */
  static final int MAX_HELD = 4096;

  /** Owners remembered per node as already told to its watcher (older ones are told again). */
  static final int MAX_WATCHED = 4096;

  /** What the decisions lead to. */
  interface Outcome {
    /** Ask {@code node}'s registered watcher to send {@code nonce} back. */
    void challenge(String node, long nonce);

    /** Tell {@code node}'s registered watcher to watch {@code owner} (it reports its death). */
    void watch(String node, OtpErlangPid owner);

    /** A report that counts: {@code owner} is down. */
    void ownerDown(OtpErlangPid owner);

    /** A report that does not count. */
    void forged(OtpErlangPid sender, OtpErlangPid owner, String why);
  }

  /** A call that would make {@code owner} an owner, waiting for the owner's node's watcher. */
  interface Held {
    /** The watcher watches the owner: run the call. */
    void proceed();

    /** No watcher proved itself in time (or the node went away): answer {@code no_watcher}. */
    void refuse();
  }

  private record Report(OtpErlangPid sender, OtpErlangPid owner) {}

  private record Waiting(OtpErlangPid owner, Held call, long deadline) {}

  private static final class NodeState {
    final long nonce;
    OtpErlangPid watcher; // proven; null until the first proof
    final Set<OtpErlangPid> challenged = new HashSet<>();
    final ArrayDeque<Report> parked = new ArrayDeque<>();
    final ArrayDeque<Waiting> held = new ArrayDeque<>();
    long challengedAt; // when calls last challenged this node (valid while held is not empty)

    /** Owners this node's watcher was told to watch (bounded: forgetting one costs a message). */
    final Set<OtpErlangPid> watched = NewestSet.of(MAX_WATCHED);

    NodeState(long nonce) {
      this.nonce = nonce;
    }
  }

  private final Outcome outcome;
  private final LongSupplier clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, NodeState> nodes = new HashMap<>();

  Watchers(Outcome outcome) {
    this(outcome, System::nanoTime);
  }

  /** {@code clock}: nanoseconds, as {@link System#nanoTime()}. */
  Watchers(Outcome outcome, LongSupplier clock) {
    this.outcome = outcome;
    this.clock = clock;
  }

  /**
   * {@code call} would make {@code owner} the owner of a descriptor. If {@code owner}'s node has a
   * proven watcher, it is told to watch {@code owner} (unless already told) and the call proceeds
   * on this thread, at once. Otherwise the call is held and the node challenged; it proceeds on the
   * thread that brings the proof, or is refused by {@link #expire} or {@link #nodeDown}.
   */
  void ensureWatched(OtpErlangPid owner, Held call) {
    String node = owner.node();
    boolean tell;
    boolean challenge = false;
    long nonce;
    synchronized (this) {
      NodeState s = nodes.computeIfAbsent(node, n -> new NodeState(nonce()));
      nonce = s.nonce;
      if (s.watcher != null) {
        tell = s.watched.add(owner);
      } else if (s.held.size() >= MAX_HELD) {
        tell = false;
        call = refusal(call);
      } else {
        long now = clock.getAsLong();
        if (s.held.isEmpty() || now - s.challengedAt >= TimeUnit.MILLISECONDS.toNanos(HOLD_MS)) {
          s.challengedAt = now;
          challenge = true;
        }
        s.held.add(new Waiting(owner, call, now + TimeUnit.MILLISECONDS.toNanos(HOLD_MS)));
        call = null;
        tell = false;
      }
    }
    if (challenge) outcome.challenge(node, nonce);
    if (tell) outcome.watch(node, owner);
    if (call != null) call.proceed();
  }

  /**
   * Refuses held calls whose wait is over, and forgets a node that never proved a watcher and has
   * nothing waiting (so owner pids naming made-up nodes cost nothing once refused). Called every
   * hundred milliseconds or so.
   */
  void expire() {
    List<Held> refused = new ArrayList<>();
    synchronized (this) {
      long now = clock.getAsLong();
      for (var it = nodes.values().iterator(); it.hasNext(); ) {
        NodeState s = it.next();
        while (!s.held.isEmpty() && now - s.held.peekFirst().deadline() >= 0) {
          refused.add(s.held.pollFirst().call());
        }
        if (s.watcher == null && s.held.isEmpty() && s.parked.isEmpty()) it.remove();
      }
    }
    for (Held h : refused) h.refuse();
  }

  /** Calls held in all (for tests). */
  synchronized int held() {
    int n = 0;
    for (NodeState s : nodes.values()) n += s.held.size();
    return n;
  }

  /** Nodes with any state (for tests). */
  synchronized int nodes() {
    return nodes.size();
  }

  private static Held refusal(Held call) {
    return new Held() {
      @Override
      public void proceed() {
        call.refuse();
      }

      @Override
      public void refuse() {
        call.refuse();
      }
    };
  }

  /**
   * {@code {'$fdnode_owner_down', _, Owner}} arrived from {@code sender} (null when the message was
   * sent to the node's pid rather than its registered name: the sender is then unknown).
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
      s.watched.remove(owner); // gone: a later call for it tells the watcher again
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

  /**
   * {@code {'$fdnode_watcher_proof', Nonce}} arrived from {@code sender}: its parked reports are
   * applied, and the calls held for its node proceed on this thread, each owner told to it first.
   */
  void proof(OtpErlangPid sender, long nonce) {
    List<Waiting> released;
    List<OtpErlangPid> tell = new ArrayList<>();
    String node;
    synchronized (this) {
      NodeState s = sender == null ? null : nodes.get(sender.node());
      if (s == null || s.nonce != nonce) {
        outcome.forged(sender, null, "watcher proof with a wrong nonce");
        return;
      }
      // A new watcher (restarted) watches nobody yet: every owner is to be told again.
      if (!sender.equals(s.watcher)) s.watched.clear();
      s.watcher = sender;
      s.challenged.clear();
      for (Report r : s.parked) {
        if (r.sender().equals(sender)) {
          s.watched.remove(r.owner());
          outcome.ownerDown(r.owner());
        } else {
          outcome.forged(r.sender(), r.owner(), "not the node's watcher");
        }
      }
      s.parked.clear();
      released = new ArrayList<>(s.held);
      s.held.clear();
      for (Waiting w : released) {
        if (s.watched.add(w.owner())) tell.add(w.owner());
      }
      node = sender.node();
    }
    for (OtpErlangPid owner : tell) outcome.watch(node, owner);
    for (Waiting w : released) w.call().proceed();
  }

  /**
   * The node disconnected: its watcher and waiting reports are forgotten (its fds are closed), and
   * the calls held for it are refused.
   */
  void nodeDown(String node) {
    NodeState s;
    synchronized (this) {
      s = nodes.remove(node);
    }
    if (s != null) for (Waiting w : s.held) w.call().refuse();
  }

  private long nonce() {
    return random.nextLong() & Long.MAX_VALUE;
  }
}
