package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import dev.fdnode.core.ThrottledWarning;
import dev.fdnode.distribution.DistNode;
import dev.fdnode.request.Dispatcher;
import dev.fdnode.terms.Terms;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Logger;

/** Where {@link Watchers}' decisions go: messages to watchers, and the sweep of a dead owner. */
final class OwnerReports implements Watchers.Outcome {
  private static final Logger LOG = Logger.getLogger(OwnerReports.class.getName());
  private static final OtpErlangObject CHALLENGE = Terms.atom("$fdnode_watcher_challenge");
  private static final OtpErlangObject WATCH = Terms.atom("$fdnode_watch");
  private static final String WATCHER = "fdnode_watcher";

  private final DistNode node;
  private final Dispatcher dispatcher;
  private final Executor housekeeping;
  private final ThrottledWarning forged = new ThrottledWarning(LOG);

  OwnerReports(DistNode node, Dispatcher dispatcher, Executor housekeeping) {
    this.node = node;
    this.dispatcher = dispatcher;
    this.housekeeping = housekeeping;
  }

  /** A node not connected yet is connected first, on the distribution's connector thread. */
  @Override
  public void challenge(String peer, long nonce) {
    node.send(WATCHER, peer, Terms.tuple(CHALLENGE, node.self(), Terms.integer(nonce)));
  }

  /** To the registered name, not the proven pid: a restarted watcher still gets it. */
  @Override
  public void watch(String peer, OtpErlangPid owner) {
    node.send(WATCHER, peer, Terms.tuple(WATCH, Terms.atom(node.node()), owner));
  }

  @Override
  public void ownerDown(OtpErlangPid owner) {
    try {
      housekeeping.execute(
          () -> {
            int n = dispatcher.ownerDown(Terms.toPid(owner));
            if (n > 0) LOG.fine(() -> "owner " + owner + " down: closed " + n);
          });
    } catch (RejectedExecutionException e) {
      // stopping: every descriptor is being closed anyway
    }
  }

  @Override
  public void forged(OtpErlangPid sender, OtpErlangPid owner, String why) {
    forged.log(
        n ->
            "ignored owner-down report #"
                + n
                + " from "
                + sender
                + (owner == null ? "" : " about " + owner)
                + ": "
                + why);
  }
}
