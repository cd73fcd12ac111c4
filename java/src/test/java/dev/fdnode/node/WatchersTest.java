package dev.fdnode.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.ericsson.otp.erlang.OtpErlangPid;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which owner-down reports count: only the proven watcher's, about its own node's pids. */
class WatchersTest {
  private final List<String> log = new ArrayList<>();
  private final List<Long> nonces = new ArrayList<>();
  private long now = 1_000_000_000L;
  private final Watchers watchers =
      new Watchers(
          new Watchers.Outcome() {
            @Override
            public void challenge(String node, long nonce) {
              nonces.add(nonce);
              log.add("challenge " + node);
            }

            @Override
            public void watch(String node, OtpErlangPid owner) {
              log.add("watch " + node + " " + owner.id());
            }

            @Override
            public void ownerDown(OtpErlangPid owner) {
              log.add("down " + owner.id());
            }

            @Override
            public void forged(OtpErlangPid sender, OtpErlangPid owner, String why) {
              log.add("forged " + (owner == null ? "proof" : owner.id()));
            }
          },
          () -> now);

  /** A call held for {@code owner}: logs what became of it. */
  private Watchers.Held call(String name) {
    return new Watchers.Held() {
      @Override
      public void proceed() {
        log.add("run " + name);
      }

      @Override
      public void refuse() {
        log.add("refuse " + name);
      }
    };
  }

  private void advanceMs(long ms) {
    now += ms * 1_000_000L;
  }

  private static OtpErlangPid pid(String node, int id) {
    return new OtpErlangPid(node, id, 0, 1);
  }

  private static final OtpErlangPid WATCHER = pid("a@h", 1);
  private static final OtpErlangPid FORGER = pid("a@h", 2);
  private static final OtpErlangPid VICTIM = pid("a@h", 3);
  private static final OtpErlangPid OWNER = pid("a@h", 4);

  @Test
  void reportsWaitForTheProofThenOnlyTheWatchersCount() {
    watchers.report(FORGER, VICTIM);
    watchers.report(WATCHER, OWNER);
    assertEquals(List.of("challenge a@h", "challenge a@h"), log);
    log.clear();
    watchers.proof(WATCHER, nonces.get(0));
    assertEquals(List.of("forged 3", "down 4"), log, "in arrival order");
    log.clear();
    watchers.report(WATCHER, VICTIM);
    assertEquals(List.of("down 3"), log, "a proven watcher's report counts at once");
  }

  @Test
  void aProvenWatcherIsStillNotTrustedAboutAnotherNode() {
    watchers.report(WATCHER, OWNER);
    watchers.proof(WATCHER, nonces.get(0));
    log.clear();
    watchers.report(WATCHER, pid("b@h", 3));
    watchers.report(null, OWNER);
    assertEquals(List.of("forged 3", "forged 4"), log);
  }

  @Test
  void aWrongNonceProvesNothing() {
    watchers.report(FORGER, VICTIM);
    log.clear();
    watchers.proof(FORGER, nonces.get(0) ^ 1);
    watchers.proof(pid("b@h", 9), nonces.get(0)); // the nonce of another node
    assertEquals(List.of("forged proof", "forged proof"), log);
    log.clear();
    watchers.proof(WATCHER, nonces.get(0));
    assertEquals(List.of("forged 3"), log);
  }

  @Test
  void aRestartedWatcherIsProvenAgainAndTheOldOneNoLongerCounts() {
    watchers.report(WATCHER, OWNER);
    watchers.proof(WATCHER, nonces.get(0));
    OtpErlangPid restarted = pid("a@h", 7);
    log.clear();
    watchers.report(restarted, VICTIM);
    watchers.report(WATCHER, OWNER); // queued behind, in order
    assertEquals(List.of("challenge a@h"), log);
    log.clear();
    watchers.proof(restarted, nonces.get(1));
    assertEquals(List.of("down 3", "forged 4"), log);
  }

  @Test
  void nodeDownForgetsTheWatcher() {
    watchers.report(WATCHER, OWNER);
    watchers.proof(WATCHER, nonces.get(0));
    watchers.nodeDown("a@h");
    log.clear();
    watchers.report(WATCHER, VICTIM);
    assertEquals(List.of("challenge a@h"), log);
  }

  @Test
  void aCallForAnOwnerWaitsForItsNodesWatcherThenItIsWatchedFirst() {
    watchers.ensureWatched(OWNER, call("open"));
    watchers.ensureWatched(VICTIM, call("pipe"));
    assertEquals(List.of("challenge a@h"), log, "one challenge for the node, nothing run yet");
    assertEquals(2, watchers.held());
    log.clear();
    watchers.proof(WATCHER, nonces.get(0));
    assertEquals(List.of("watch a@h 4", "watch a@h 3", "run open", "run pipe"), log);
    assertEquals(0, watchers.held());
  }

  @Test
  void onceProvenACallRunsAtOnceAndAnOwnerIsToldOnlyOnce() {
    watchers.ensureWatched(OWNER, call("first"));
    watchers.proof(WATCHER, nonces.get(0));
    log.clear();
    watchers.ensureWatched(OWNER, call("second"));
    watchers.ensureWatched(OWNER, call("third"));
    watchers.ensureWatched(pid("b@h", 5), call("elsewhere"));
    assertEquals(List.of("run second", "run third", "challenge b@h"), log);
    log.clear();
    watchers.report(WATCHER, OWNER); // died: told again if it ever owns something again
    watchers.ensureWatched(OWNER, call("fourth"));
    assertEquals(List.of("down 4", "watch a@h 4", "run fourth"), log);
  }

  @Test
  void withoutAProofTheCallsAreRefusedAfterTheHold() {
    watchers.ensureWatched(OWNER, call("open"));
    advanceMs(Watchers.HOLD_MS - 1);
    watchers.ensureWatched(VICTIM, call("later"));
    watchers.expire();
    assertEquals(List.of("challenge a@h"), log, "still within the hold");
    advanceMs(1);
    watchers.expire();
    assertEquals(List.of("challenge a@h", "refuse open"), log);
    advanceMs(Watchers.HOLD_MS);
    watchers.expire();
    assertEquals(List.of("challenge a@h", "refuse open", "refuse later"), log);
    log.clear();
    watchers.ensureWatched(OWNER, call("retry"));
    assertEquals(List.of("challenge a@h"), log, "a later call challenges again");
  }

  @Test
  void aForgedProofReleasesNothingAndNodeDownRefusesTheHeld() {
    watchers.ensureWatched(OWNER, call("open"));
    watchers.proof(FORGER, nonces.get(0) ^ 1);
    assertEquals(List.of("challenge a@h", "forged proof"), log);
    log.clear();
    watchers.nodeDown("a@h");
    assertEquals(List.of("refuse open"), log);
    assertEquals(0, watchers.held());
  }

  @Test
  void aRestartedWatcherIsToldEveryOwnerAgain() {
    watchers.ensureWatched(OWNER, call("one"));
    watchers.proof(WATCHER, nonces.get(0));
    OtpErlangPid restarted = pid("a@h", 7);
    watchers.report(restarted, VICTIM); // the new watcher shows up and is challenged
    watchers.proof(restarted, nonces.get(0));
    log.clear();
    watchers.ensureWatched(OWNER, call("two"));
    assertEquals(List.of("watch a@h 4", "run two"), log);
  }

  @Test
  void heldCallsAreBoundedPerNode() {
    for (int i = 0; i < Watchers.MAX_HELD; i++) watchers.ensureWatched(OWNER, call("x"));
    log.clear();
    watchers.ensureWatched(OWNER, call("one too many"));
    assertEquals(List.of("refuse one too many"), log);
  }

  @Test
  void aNodeThatNeverProvedAWatcherIsForgottenOnceItsCallsAreRefused() {
    for (int i = 0; i < 100; i++) watchers.ensureWatched(pid("made-up-" + i + "@h", 1), call("x"));
    assertEquals(100, watchers.nodes());
    advanceMs(Watchers.HOLD_MS);
    watchers.expire();
    assertEquals(0, watchers.held());
    assertEquals(0, watchers.nodes(), "nothing kept for nodes that never answered");
    watchers.ensureWatched(OWNER, call("open"));
    watchers.proof(WATCHER, nonces.get(nonces.size() - 1));
    advanceMs(10 * Watchers.HOLD_MS);
    watchers.expire();
    assertEquals(1, watchers.nodes(), "a proven watcher is kept");
  }
}
