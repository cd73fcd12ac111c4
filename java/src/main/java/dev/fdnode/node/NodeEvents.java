package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpMsg;
import dev.fdnode.distribution.DistNode;
import dev.fdnode.request.Dispatcher;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What the distribution hears, on its connection threads: messages go to {@link Routing}; a peer
 * node going down fails its calls in flight at once and has its descriptors closed on the
 * housekeeping thread, where a later node-up for the same name waits its turn behind it.
 */
final class NodeEvents implements DistNode.Receiver {
  private static final Logger LOG = Logger.getLogger(NodeEvents.class.getName());

  private final Routing routing;
  private final Watchers watchers;
  private final InFlightCalls calls;
  private final Dispatcher dispatcher;
  private final Executor housekeeping;

  NodeEvents(
      Routing routing,
      Watchers watchers,
      InFlightCalls calls,
      Dispatcher dispatcher,
      Executor housekeeping) {
    this.routing = routing;
    this.watchers = watchers;
    this.calls = calls;
    this.dispatcher = dispatcher;
    this.housekeeping = housekeeping;
  }

  @Override
  public void received(OtpErlangPid sender, OtpMsg msg) {
    routing.receive(sender, msg);
  }

  @Override
  public void nodeUp(String peer) {
    LOG.info(() -> "node " + peer + " connected");
    try {
      housekeeping.execute(() -> dispatcher.nodeUp(peer)); // after its earlier nodeDown
    } catch (RejectedExecutionException e) {
      // stopping
    }
  }

  @Override
  public void nodeDown(String peer) {
    watchers.nodeDown(peer);
    calls.nodeDown(peer);
    try {
      housekeeping.execute(
          () -> {
            int n = dispatcher.nodeDown(peer);
            LOG.info(() -> "node " + peer + " down: closed " + n + " descriptor(s)");
          });
    } catch (RejectedExecutionException e) {
      // stopping: every descriptor is being closed anyway
    }
  }

  @Override
  public void connectFailed(String peer, boolean incoming, Exception why) {
    // Incoming failures are worth a warning (wrong cookie, version); outgoing
    // ones are routine: a reply to a node that has just gone away.
    Level level = incoming ? Level.WARNING : Level.FINE;
    LOG.log(
        level,
        () ->
            "failed "
                + (incoming ? "incoming" : "outgoing")
                + " connection"
                + (peer == null ? "" : " with " + peer)
                + ": "
                + why.getMessage());
  }
}
