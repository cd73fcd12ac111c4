package dev.fdnode.distribution;

import com.ericsson.otp.erlang.AbstractConnection;
import com.ericsson.otp.erlang.OtpAuthException;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangRef;
import com.ericsson.otp.erlang.OtpLocalNode;
import com.ericsson.otp.erlang.OtpMsg;
import com.ericsson.otp.erlang.OtpOutputStream;
import com.ericsson.otp.erlang.OtpPeer;
import com.ericsson.otp.erlang.OtpTransport;
import java.io.IOException;

/**
 * One distribution connection to one peer node. Its thread (JInterface's reader loop) hands every
 * message straight to the {@link DistNode} that owns it, so a request is decoded and, when it
 * cannot block, answered on the thread that read it: no mailbox queue in between. Sends come from
 * any thread; JInterface serialises each frame ({@code do_send} is synchronized).
 */
final class PeerConnection extends AbstractConnection {
  /** Distribution header tags: {@code {2, '', ToPid}}, {@code {6, FromPid, '', ToName}}. */
  private static final int SEND = 2;

  private static final int REG_SEND = 6;

  /** DOP_ALIAS_SEND (OTP 24+): {@code {33, FromPid, Alias}}, then the message. */
  private static final int ALIAS_SEND = 33;

  private static final byte[] EMPTY_ATOM = AtomBytes.of("");

  /** Room for the header of any frame we write: tag, pids and a reference. */
  private static final int HEADER_SIZE = 128;

  private final DistNode owner;

  /** Accepted: the handshake runs here, on the calling thread. */
  PeerConnection(DistNode owner, OtpLocalNode self, OtpTransport socket)
      throws IOException, OtpAuthException {
    super(self, socket);
    this.owner = owner;
    setName("fdnode-conn-" + peer.node());
    setDaemon(true);
  }

  /** Outgoing: epmd lookup and handshake run here, on the calling thread. */
  PeerConnection(DistNode owner, OtpLocalNode self, OtpPeer peer)
      throws IOException, OtpAuthException {
    super(self, peer);
    this.owner = owner;
    setName("fdnode-conn-" + peer.node());
    setDaemon(true);
  }

  String peerNode() {
    return peer.node();
  }

  @Override
  public void deliver(OtpMsg msg) {
    owner.received(this, msg);
  }

  @Override
  public void deliver(Exception reason) {
    owner.lost(this, reason);
  }

  // The headers are written here rather than by JInterface's sendBuf, which encodes two atoms
  // (the cookie slot and the destination's node name) from their strings for every message; these
  // come from AtomBytes' cache.

  /** To a pid: the SEND header names no sender, so none is passed. */
  void send(OtpErlangPid to, FramePayload payload) throws IOException {
    OtpOutputStream header = header(3, SEND);
    header.write(EMPTY_ATOM);
    AtomBytes.writePid(header, to);
    frame(header, payload);
  }

  void send(OtpErlangPid from, String name, FramePayload payload) throws IOException {
    OtpOutputStream header = header(4, REG_SEND);
    AtomBytes.writePid(header, from);
    header.write(EMPTY_ATOM);
    header.write(AtomBytes.of(name));
    frame(header, payload);
  }

  /**
   * A message to a process alias. JInterface has no alias support; the frame is the one an OTP 24+
   * node writes, and the receiving BEAM drops it if the alias is no longer active, so a late reply
   * never reaches a caller that gave up.
   */
  void sendToAlias(OtpErlangPid from, OtpErlangRef alias, FramePayload payload) throws IOException {
    OtpOutputStream header = header(3, ALIAS_SEND);
    AtomBytes.writePid(header, from);
    AtomBytes.writeRef(header, alias);
    frame(header, payload);
  }

  /** A pass-through frame's start: length (filled in by {@link #frame}), tag, control tuple. */
  private static OtpOutputStream header(int arity, int op) {
    OtpOutputStream header = new OtpOutputStream(HEADER_SIZE);
    header.write4BE(0);
    header.write1(passThrough);
    header.write1(version);
    header.write_tuple_head(arity);
    header.write_long(op);
    return header;
  }

  private void frame(OtpOutputStream header, FramePayload payload) throws IOException {
    header.write1(version); // the message's own version byte
    header.poke4BE(0, header.size() + payload.size() - 4);
    do_send(header, payload);
  }

  /** Undoes a peer's link to {@code self}: fdnode never links (its death must not be theirs). */
  void unlink(OtpErlangPid self, OtpErlangPid linker, long id) throws IOException {
    sendUnlink(self, linker, id);
  }
}
