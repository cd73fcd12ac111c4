package dev.fdnode.terms;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangMap;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangTuple;
import dev.fdnode.active.ActiveEvent;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Handle;
import dev.fdnode.core.ReceiveMode;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Map;

/** Result terms that carry structure: handles, replies, info and stats maps. */
public final class ReplyEncoder {
  private static final OtpErlangAtom FDNODE_FD = Terms.atom("fdnode_fd");
  private static final OtpErlangAtom ACTIVE_DATA = Terms.atom("fdnode");
  private static final OtpErlangAtom ACTIVE_CLOSED = Terms.atom("fdnode_closed");
  private static final OtpErlangAtom ACTIVE_ERROR = Terms.atom("fdnode_error");
  private static final OtpErlangAtom ACTIVE_PASSIVE = Terms.atom("fdnode_passive");
  private static final OtpErlangAtom ACTIVE_UDP = Terms.atom("fdnode_udp");

  private final OtpErlangAtom node;

  public ReplyEncoder(String localNode) {
    this.node = Terms.atom(localNode);
  }

  /** {@code {'$fdnode_reply', Ref, Result}}. */
  public OtpErlangTuple reply(OtpErlangObject ref, OtpErlangObject result) {
    return new ReplyTuple(ref, result);
  }

  /** {@code {fdnode_fd, Node, Id, Token}}, the token as an unsigned 64-bit integer. */
  public OtpErlangTuple handle(Handle h) {
    return Terms.tuple(FDNODE_FD, node, Terms.integer(h.id()), Terms.unsigned(h.token()));
  }

  /**
   * An active-delivery message: {@code {fdnode, Fd, Data}}, {@code {fdnode_closed, Fd}}, {@code
   * {fdnode_error, Fd, Reason}} or {@code {fdnode_passive, Fd}}. Data is the reader's buffer, not a
   * copy ({@link UncopiedBinary}): send the message before the sink call returns. The node's sends
   * write the frame before they return (a send to this node itself is dropped).
   */
  public OtpErlangTuple activeEvent(Handle h, ActiveEvent event) {
    OtpErlangTuple fd = handle(h);
    if (event instanceof ActiveEvent.Data d) {
      return Terms.tuple(ACTIVE_DATA, fd, UncopiedBinary.lent(d.buffer(), d.length()));
    } else if (event instanceof ActiveEvent.Error e) {
      return Terms.tuple(ACTIVE_ERROR, fd, Terms.atom(e.reason()));
    } else if (event instanceof ActiveEvent.Datagram d) {
      return Terms.tuple(
          ACTIVE_UDP,
          fd,
          address(d.from()),
          Terms.integer(d.port()),
          UncopiedBinary.owning(d.data()));
    } else if (event instanceof ActiveEvent.Passive) {
      return Terms.tuple(ACTIVE_PASSIVE, fd);
    }
    return Terms.tuple(ACTIVE_CLOSED, fd);
  }

  /** An inet address tuple: {@code {A, B, C, D}} or eight 16-bit groups for IPv6. */
  public static OtpErlangTuple address(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length == 4) {
      return Terms.tuple(
          Terms.integer(b[0] & 0xff),
          Terms.integer(b[1] & 0xff),
          Terms.integer(b[2] & 0xff),
          Terms.integer(b[3] & 0xff));
    }
    OtpErlangObject[] groups = new OtpErlangObject[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = Terms.integer(((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff));
    }
    return new OtpErlangTuple(groups);
  }

  /** {@code #{fd, owner, controller, mode, state, offset}}; mode {@code {active, N}} too. */
  public OtpErlangMap info(FdInner f) {
    OtpErlangMap m = new OtpErlangMap();
    m.put(Terms.atom("fd"), Terms.integer(f.rawFd()));
    m.put(Terms.atom("owner"), Terms.toErlang(f.owner()));
    m.put(Terms.atom("controller"), Terms.toErlang(f.controller()));
    m.put(Terms.atom("mode"), mode(f));
    m.put(Terms.atom("state"), Terms.atom(f.state().name().toLowerCase(Locale.ROOT)));
    m.put(Terms.atom("offset"), Terms.integer(f.offset()));
    return m;
  }

  /**
   * {@code passive | active | active_once | {active, Left}}: what {@code set_mode} takes to set it
   * again.
   */
  public OtpErlangObject mode(FdInner f) {
    return f.mode() == ReceiveMode.ACTIVE_N
        ? Terms.tuple(Terms.atom("active"), Terms.integer(f.activeCount()))
        : Terms.atom(f.mode().name().toLowerCase(Locale.ROOT));
  }

  /** What {@code {stats}} reports. */
  public record StatsView(
      int openFds,
      Map<String, Integer> fdsByNode,
      int pendingRingOps,
      long bytesRead,
      long bytesWritten,
      int activeFds,
      long uptimeMs,
      long heapUsed,
      int busyWorkers,
      int queuedCalls) {
    public StatsView {
      fdsByNode = Map.copyOf(fdsByNode);
    }
  }

  /**
   * {@code #{open_fds, fds_by_node => #{Node => N}, pending_ring_ops, bytes_read, ...,
   * busy_workers, queued_calls}}.
   */
  public OtpErlangMap stats(StatsView s) {
    OtpErlangMap byNode = new OtpErlangMap();
    s.fdsByNode().forEach((n, c) -> byNode.put(Terms.atom(n), Terms.integer(c)));
    OtpErlangMap m = new OtpErlangMap();
    m.put(Terms.atom("open_fds"), Terms.integer(s.openFds()));
    m.put(Terms.atom("fds_by_node"), byNode);
    m.put(Terms.atom("pending_ring_ops"), Terms.integer(s.pendingRingOps()));
    m.put(Terms.atom("bytes_read"), Terms.integer(s.bytesRead()));
    m.put(Terms.atom("bytes_written"), Terms.integer(s.bytesWritten()));
    m.put(Terms.atom("active_fds"), Terms.integer(s.activeFds()));
    m.put(Terms.atom("uptime_ms"), Terms.integer(s.uptimeMs()));
    m.put(Terms.atom("heap_used"), Terms.integer(s.heapUsed()));
    m.put(Terms.atom("busy_workers"), Terms.integer(s.busyWorkers()));
    m.put(Terms.atom("queued_calls"), Terms.integer(s.queuedCalls()));
    return m;
  }
}
