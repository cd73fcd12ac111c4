package dev.fdnode.distribution;

import com.ericsson.otp.erlang.OtpAuthException;
import com.ericsson.otp.erlang.OtpEpmd;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangRef;
import com.ericsson.otp.erlang.OtpLocalNode;
import com.ericsson.otp.erlang.OtpMsg;
import com.ericsson.otp.erlang.OtpPeer;
import com.ericsson.otp.erlang.OtpServerTransport;
import com.ericsson.otp.erlang.OtpTransport;
import com.ericsson.otp.erlang.OtpTransportFactory;
import dev.fdnode.core.ThrottledWarning;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * This Java node on the Erlang distribution, built on JInterface's connection class rather than its
 * {@code OtpNode}: it listens, registers with epmd, keeps one connection per peer node, and hands
 * each message for its one process to a {@link Receiver} on the thread of the connection that read
 * it. {@code OtpNode} would put every message in a mailbox queue for another thread to take; here
 * that hop is gone, and a flood cannot pile up in a queue, since a connection reads its next
 * message only once the last one was handled (the BEAM then suspends its senders).
 *
 * <p>The node is one process: the pid {@link #self()}, registered as the name given. Messages to
 * any other name or pid are dropped. Links to it are undone at once. Outgoing connections (a send
 * to a node not connected yet) are made on a connector thread, never on the caller's: a reply to a
 * made-up node cannot stall a reader. Messages for a node being connected wait, in order, and are
 * dropped with the connection attempt if it fails, as the BEAM drops a send to a node it cannot
 * reach.
 */
public final class DistNode implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DistNode.class.getName());

  /** Messages that may wait for one node's outgoing connection; beyond, dropped. */
  private static final int MAX_WAITING = 4096;

  /** The handshake time a peer gets before it is disconnected (given to the constructor). */
  public static final long HANDSHAKE_TIMEOUT_MS = 10_000;

  /** What the node hears, called on connection threads. */
  public interface Receiver {
    /**
     * One message for this node's process. {@code sender}: the sending process when the message
     * went to the registered name; null when it went to the pid. Decode it here ({@link
     * OtpMsg#getMsg()}); the connection reads its next message once this returns.
     */
    void received(OtpErlangPid sender, OtpMsg msg);

    /** A connection with {@code node} is up (incoming or outgoing). */
    void nodeUp(String node);

    /** The connection with {@code node} is gone. */
    void nodeDown(String node);

    /** A handshake failed; {@code node} is null when the peer did not get to say who it is. */
    void connectFailed(String node, boolean incoming, Exception why);
  }

  private final Local local;
  private final OtpTransportFactory transports;
  private final String registeredName;
  private final OtpErlangPid self;
  private final Receiver receiver;
  private final OtpServerTransport listener;
  private final Thread acceptor;
  private final Connector connector;
  private final long handshakeTimeoutMs;
  private final ScheduledExecutorService handshakeTimer =
      Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "fdnode-handshake-timer"));
  private final ConcurrentHashMap<String, PeerConnection> connections = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean accepting = new AtomicBoolean();
  private final ThrottledWarning misaddressed = new ThrottledWarning(LOG);
  private final AtomicLong unlinkIds = new AtomicLong();

  /**
   * Listens and registers {@code name} with epmd ({@link #acceptPeers} starts accepting); a peer
   * that has not finished its handshake within {@code handshakeTimeoutMs} is cut off. Fails if epmd
   * is not running or already has the name.
   */
  public DistNode(
      String name,
      String cookie,
      OtpTransportFactory transports,
      String registeredName,
      Receiver receiver,
      long handshakeTimeoutMs)
      throws IOException {
    this.handshakeTimeoutMs = handshakeTimeoutMs;
    this.local = new Local(name, cookie, transports);
    this.transports = transports;
    this.registeredName = registeredName;
    this.receiver = receiver;
    this.listener = transports.createServerTransport(0);
    local.listenOn(listener.getLocalPort());
    try {
      register();
    } catch (IOException | RuntimeException e) {
      listener.close();
      handshakeTimer.shutdownNow();
      throw e;
    }
    this.self = local.createPid(); // after epmd gave the node its creation
    this.connector = new Connector();
    this.acceptor = daemon(this::acceptLoop, "fdnode-acceptor");
  }

  /**
   * Starts taking in peers. Until then connections wait in the listen backlog, so the receiver can
   * finish being built after the constructor gave it the node's name.
   */
  public void acceptPeers() {
    if (!closed.get() && accepting.compareAndSet(false, true)) acceptor.start();
  }

  private void register() throws IOException {
    boolean ok;
    try {
      ok = OtpEpmd.publishPort(local);
    } catch (IOException e) {
      throw new IOException(
          "epmd not reachable (" + e.getMessage() + "); start it with: epmd -daemon", e);
    }
    if (!ok) {
      int taken = 0;
      try {
        taken = OtpEpmd.lookupPort(new OtpPeer(local.node(), transports));
      } catch (IOException e) {
        // the refusal itself is the news
      }
      throw new IOException(
          taken == 0
              ? "epmd did not register " + local.node() + "; is epmd running? (epmd -daemon)"
              : "node name "
                  + local.node()
                  + " is already in use (epmd has it on port "
                  + taken
                  + ")");
    }
  }

  /** {@code name@host}. */
  public String node() {
    return local.node();
  }

  /** The node's one process, registered under the name given to the constructor. */
  public OtpErlangPid self() {
    return self;
  }

  /** Whether a connection with {@code node} is up now. */
  public boolean connected(String node) {
    return connections.containsKey(node);
  }

  // ---- sending ------------------------------------------------------------

  /**
   * Sends {@code msg} to a process; a message for this node itself is dropped (nothing reads it).
   */
  public void send(OtpErlangPid to, OtpErlangObject msg) {
    if (sendable(to.node())) deliver(to.node(), new Frame.ToPid(to, Frame.encode(msg)));
  }

  /** Sends {@code msg} to the process registered as {@code name} on {@code node}. */
  public void send(String name, String node, OtpErlangObject msg) {
    if (sendable(node)) deliver(node, new Frame.ToName(name, Frame.encode(msg)));
  }

  /** Sends {@code msg} through a process alias (a reference from {@code erlang:alias/0,1}). */
  public void sendToAlias(OtpErlangRef alias, OtpErlangObject msg) {
    if (sendable(alias.node())) {
      deliver(alias.node(), new Frame.ToAlias(alias, Frame.encode(msg)));
    }
  }

  private boolean sendable(String node) {
    return !node.equals(local.node()) && !closed.get();
  }

  private void deliver(String node, Frame frame) {
    PeerConnection c = connections.get(node);
    if (c == null) {
      c = connector.await(node, frame);
      if (c == null) return; // queued for the connection being made, or dropped
    }
    write(c, frame);
  }

  private void write(PeerConnection c, Frame frame) {
    try {
      frame.writeTo(c, self);
    } catch (IOException e) {
      // The connection is failing; its reader reports it down. Like the BEAM, a send
      // to a node that went away is dropped.
      LOG.fine(() -> "send to " + c.peerNode() + " dropped: " + e.getMessage());
    }
  }

  // ---- receiving ----------------------------------------------------------

  void received(PeerConnection from, OtpMsg msg) {
    switch (msg.type()) {
      case OtpMsg.regSendTag -> {
        if (registeredName.equals(msg.getRecipientName())) {
          receiver.received(msg.getSenderPid(), msg);
        } else {
          misaddressed(from, "name " + msg.getRecipientName());
        }
      }
      case OtpMsg.sendTag -> {
        if (self.equals(msg.getRecipientPid())) {
          receiver.received(null, msg);
        } else {
          misaddressed(from, "pid " + msg.getRecipientPid());
        }
      }
      case OtpMsg.linkTag -> {
        try {
          from.unlink(self, msg.getSenderPid(), unlinkIds.incrementAndGet());
          LOG.info(() -> "unlinked " + msg.getSenderPid() + ": fdnode never links");
        } catch (IOException e) {
          LOG.fine(() -> "unlink of " + msg.getSenderPid() + " not sent: " + e.getMessage());
        }
      }
      default -> // exit signals: we hold no links, so they change nothing
          LOG.fine(() -> "ignored signal " + msg.type() + " from " + msg.getSenderPid());
    }
  }

  private void misaddressed(PeerConnection from, String to) {
    misaddressed.log(
        n -> "dropped message #" + n + " from " + from.peerNode() + " to unknown " + to);
  }

  void lost(PeerConnection c, Exception reason) {
    c.close();
    if (connections.remove(c.peerNode(), c)) {
      LOG.fine(() -> "connection with " + c.peerNode() + " lost: " + reason.getMessage());
      receiver.nodeDown(c.peerNode());
    }
  }

  private void up(PeerConnection c) {
    PeerConnection old = connections.put(c.peerNode(), c);
    if (old != null) { // the peer restarted before we saw the old connection fail
      old.close();
      receiver.nodeDown(c.peerNode());
    }
    receiver.nodeUp(c.peerNode());
    c.start();
  }

  // ---- connections ----------------------------------------------------------

  private void acceptLoop() {
    while (!closed.get()) {
      OtpTransport socket;
      try {
        socket = listener.accept();
      } catch (IOException e) {
        if (!closed.get()) LOG.log(Level.WARNING, "accept failed", e);
        continue;
      }
      // The handshake on its own thread: a peer that stalls in it stalls nobody else.
      daemon(() -> handshake(socket), "fdnode-handshake").start();
    }
  }

  /**
   * Before the handshake the peer is nobody: one that stalls in it is cut off after {@link
   * #HANDSHAKE_TIMEOUT_MS}, so it holds no thread for good.
   */
  private void handshake(OtpTransport socket) {
    ScheduledFuture<?> deadline;
    try {
      deadline =
          handshakeTimer.schedule(
              () -> closeQuietly(socket), handshakeTimeoutMs, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closing) {
      closeQuietly(socket);
      return;
    }
    PeerConnection c;
    try {
      c = new PeerConnection(this, local, socket);
    } catch (IOException | OtpAuthException | RuntimeException e) {
      deadline.cancel(false);
      closeQuietly(socket);
      receiver.connectFailed(null, true, e);
      return;
    }
    if (!deadline.cancel(false) || closed.get()) { // cut off as it ended, or we are closing
      c.close();
      return;
    }
    connector.accepted(c);
  }

  /** The node's threads never keep the JVM alive: {@code Main} decides when it exits. */
  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static void closeQuietly(OtpTransport socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing a socket that failed anyway
    }
  }

  /**
   * Makes outgoing connections, one node at a time, on its own thread. Messages sent meanwhile wait
   * in their order and go out before anything sent after the connection is up.
   */
  private final class Connector {
    private final Map<String, List<Frame>> waiting = new HashMap<>(); // guarded by this
    private final ExecutorService thread =
        Executors.newSingleThreadExecutor(r -> daemon(r, "fdnode-connector"));

    /** The connection, if it came up meanwhile; else null, the frame queued or dropped. */
    synchronized PeerConnection await(String node, Frame frame) {
      PeerConnection c = connections.get(node);
      if (c != null) return c;
      List<Frame> q = waiting.get(node);
      if (q == null) {
        q = new ArrayList<>();
        waiting.put(node, q);
        try {
          thread.execute(() -> connect(node));
        } catch (RejectedExecutionException e) {
          waiting.remove(node);
          return null; // closing
        }
      }
      if (q.size() < MAX_WAITING)
        q.add(frame.detached()); // its arrays may be reused once we return
      return null;
    }

    /** An incoming connection: frames waiting for its node go out first. */
    synchronized void accepted(PeerConnection c) {
      flush(c, waiting.remove(c.peerNode()));
      up(c);
    }

    private void connect(String node) {
      PeerConnection c;
      try {
        c = new PeerConnection(DistNode.this, local, new OtpPeer(node, transports));
      } catch (IOException | OtpAuthException | RuntimeException e) {
        synchronized (this) {
          List<Frame> dropped = waiting.remove(node);
          PeerConnection other = connections.get(node); // it connected to us meanwhile
          if (other != null) {
            flush(other, dropped);
            return;
          }
        }
        receiver.connectFailed(node, false, e);
        return;
      }
      synchronized (this) {
        if (closed.get()) {
          c.close();
          return;
        }
        flush(c, waiting.remove(node));
        up(c);
      }
    }

    private void flush(PeerConnection c, List<Frame> frames) {
      if (frames == null) return;
      for (Frame f : frames) {
        write(c, f);
      }
    }

    void close() {
      thread.shutdownNow();
      synchronized (this) {
        waiting.clear();
      }
    }
  }

  // ---- closing ----------------------------------------------------------------

  /** Unregisters from epmd and closes every connection; idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) return;
    local.unregister();
    try {
      listener.close();
    } catch (IOException e) {
      LOG.fine(() -> "closing the listener: " + e.getMessage());
    }
    connector.close();
    handshakeTimer.shutdownNow();
    for (PeerConnection c : List.copyOf(connections.values())) {
      connections.remove(c.peerNode(), c); // gone now, not when its reader notices
      c.close();
    }
  }

  /** Name, cookie, pids and references of this node; the port it listens on, for epmd. */
  private static final class Local extends OtpLocalNode {
    Local(String name, String cookie, OtpTransportFactory transports) {
      super(name, cookie, transports);
    }

    void listenOn(int port) {
      this.port = port;
    }

    /**
     * epmd keeps a name while the socket that registered it is open; JInterface's unPublishPort
     * only sends a stop request, which epmd ignores from anyone but the relaxed.
     */
    void unregister() {
      OtpTransport registration = getEpmd();
      if (registration == null) return;
      setEpmd(null);
      closeQuietly(registration);
    }
  }
}
