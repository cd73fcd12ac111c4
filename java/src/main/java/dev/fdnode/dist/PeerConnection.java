package dev.fdnode.dist;

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
  /** DOP_ALIAS_SEND (OTP 24+): {@code {33, FromPid, Alias}}, then the message. */
  private static final int ALIAS_SEND = 33;

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

  void send(OtpErlangPid from, OtpErlangPid to, FramePayload payload) throws IOException {
    sendBuf(from, to, payload);
  }

  void send(OtpErlangPid from, String name, FramePayload payload) throws IOException {
    sendBuf(from, name, payload);
  }

  /**
   * A message to a process alias. JInterface has no alias support; the frame is the one an OTP 24+
   * node writes, and the receiving BEAM drops it if the alias is no longer active, so a late reply
   * never reaches a caller that gave up.
   */
  void sendToAlias(OtpErlangPid from, OtpErlangRef alias, FramePayload payload) throws IOException {
    OtpOutputStream header = new OtpOutputStream(HEADER_SIZE);
    header.write4BE(0); // the frame length, filled in below
    header.write1(passThrough);
    header.write1(version);
    header.write_tuple_head(3);
    header.write_long(ALIAS_SEND);
    header.write_any(from);
    header.write_any(alias);
    header.write1(version); // the message's own version byte
    header.poke4BE(0, header.size() + payload.size() - 4);
    do_send(header, payload);
  }

  /** Undoes a peer's link to {@code self}: fdnode never links (its death must not be theirs). */
  void unlink(OtpErlangPid self, OtpErlangPid linker, long id) throws IOException {
    sendUnlink(self, linker, id);
  }
}
