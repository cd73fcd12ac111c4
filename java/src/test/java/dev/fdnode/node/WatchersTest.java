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
  private final Watchers watchers =
      new Watchers(
          new Watchers.Outcome() {
            @Override
            public void challenge(String node, long nonce) {
              nonces.add(nonce);
              log.add("challenge " + node);
            }

            @Override
            public void ownerDown(OtpErlangPid owner) {
              log.add("down " + owner.id());
            }

            @Override
            public void forged(OtpErlangPid sender, OtpErlangPid owner, String why) {
              log.add("forged " + (owner == null ? "proof" : owner.id()));
            }
          });

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
}
