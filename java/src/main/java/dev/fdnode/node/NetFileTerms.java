package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangList;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangTuple;
import dev.fdnode.core.FdException;
import dev.fdnode.core.ReceiveMode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Decoding of the socket and file requests (docs/protocol.md "Sockets" and "Files") for {@link
 * RequestDecoder}. Pure, like it: wrong types are {@code badarg}, impossible values {@code einval}.
 */
final class NetFileTerms {
  static final Set<String> OPTION_NAMES =
      Set.of("nodelay", "keepalive", "reuseaddr", "sndbuf", "recbuf", "active");

  private NetFileTerms() {}

  /** The request named {@code op}, or null when it is not one of these. */
  static Request request(RequestDecoder d, String op, OtpErlangObject[] a) throws FdException {
    return switch (op) {
      case "tcp_listen" -> {
        RequestDecoder.arity(a, 3);
        yield new Request.TcpListen(port0(a[1]), socketOptions(a[2]));
      }
      case "accept" -> {
        RequestDecoder.arity(a, 3);
        yield new Request.Accept(d.handle(a[1]), RequestDecoder.timeoutMs(a[2]));
      }
      case "send" -> {
        RequestDecoder.arity(a, 3);
        yield new Request.Send(d.handle(a[1]), RequestDecoder.data(a[2]));
      }
      case "recv" -> {
        RequestDecoder.arity(a, 4);
        int size = RequestDecoder.size(a[2]);
        yield new Request.Recv(
            d.handle(a[1]), size == 0 ? 65_536 : size, RequestDecoder.timeoutMs(a[3]));
      }
      case "udp_open" -> {
        RequestDecoder.arity(a, 3);
        yield new Request.UdpOpen(port0(a[1]), socketOptions(a[2]));
      }
      case "send_to" -> {
        RequestDecoder.arity(a, 5);
        yield new Request.SendTo(
            d.handle(a[1]), address(a[2]), RequestDecoder.port(a[3]), RequestDecoder.data(a[4]));
      }
      case "recv_from" -> {
        RequestDecoder.arity(a, 3);
        yield new Request.RecvFrom(d.handle(a[1]), RequestDecoder.timeoutMs(a[2]));
      }
      case "setopts" -> {
        RequestDecoder.arity(a, 3);
        ReceiveMode[] active = new ReceiveMode[1];
        Request.SocketOptions o = options(a[2], active, false);
        yield new Request.SetOpts(d.handle(a[1]), o, active[0]);
      }
      case "getopts" -> {
        RequestDecoder.arity(a, 3);
        yield new Request.GetOpts(d.handle(a[1]), optionNames(a[2]));
      }
      case "peername" -> {
        RequestDecoder.arity(a, 2);
        yield new Request.Peername(d.handle(a[1]));
      }
      case "sockname" -> {
        RequestDecoder.arity(a, 2);
        yield new Request.Sockname(d.handle(a[1]));
      }
      case "file_info" -> {
        RequestDecoder.arity(a, 2);
        yield a[1] instanceof OtpErlangBinary
            ? new Request.FileInfo(RequestDecoder.path(a[1]), null)
            : new Request.FileInfo(null, d.handle(a[1]));
      }
      case "list_dir" -> {
        RequestDecoder.arity(a, 2);
        yield new Request.ListDir(RequestDecoder.path(a[1]));
      }
      case "make_dir" -> {
        RequestDecoder.arity(a, 2);
        yield new Request.MakeDir(RequestDecoder.path(a[1]));
      }
      case "delete_file" -> {
        RequestDecoder.arity(a, 2);
        yield new Request.DeleteFile(RequestDecoder.path(a[1]));
      }
      case "delete_dir" -> {
        RequestDecoder.arity(a, 2);
        yield new Request.DeleteDir(RequestDecoder.path(a[1]));
      }
      case "rename" -> {
        RequestDecoder.arity(a, 3);
        yield new Request.Rename(RequestDecoder.path(a[1]), RequestDecoder.path(a[2]));
      }
      default -> null;
    };
  }

  /** Options of tcp_listen, udp_open and tcp_connect/5 ({@code active} is not one of them). */
  static Request.SocketOptions socketOptions(OtpErlangObject o) throws FdException {
    return options(o, null, true);
  }

  private static Request.SocketOptions options(
      OtpErlangObject o, ReceiveMode[] active, boolean bind) throws FdException {
    if (!(o instanceof OtpErlangList list) || list.getLastTail() != null) {
      throw RequestDecoder.badarg("socket options are not a proper list");
    }
    String ip = null;
    boolean inet6 = false;
    int backlog = -1, sndbuf = -1, recbuf = -1;
    Boolean reuseaddr = null, nodelay = null, keepalive = null;
    for (OtpErlangObject e : list.elements()) {
      String bare = Terms.atomName(e);
      if (bind && "inet6".equals(bare)) {
        inet6 = true;
        continue;
      }
      if (bind && "inet".equals(bare)) {
        inet6 = false;
        continue;
      }
      if (!(e instanceof OtpErlangTuple t)
          || t.arity() != 2
          || Terms.atomName(t.elementAt(0)) == null) {
        throw RequestDecoder.badarg("bad socket option " + e);
      }
      String name = Terms.atomName(t.elementAt(0));
      OtpErlangObject v = t.elementAt(1);
      switch (name) {
        case "ip" -> {
          if (!bind) throw RequestDecoder.badarg("ip is only for opening");
          ip = address(v);
        }
        case "backlog" -> {
          if (!bind) throw RequestDecoder.badarg("backlog is only for opening");
          backlog = (int) Math.min(bounded(v, 0, Long.MAX_VALUE), 65_535);
        }
        case "reuseaddr" -> reuseaddr = bool(v);
        case "nodelay" -> nodelay = bool(v);
        case "keepalive" -> keepalive = bool(v);
        case "sndbuf" -> sndbuf = (int) bounded(v, 1, Integer.MAX_VALUE / 2);
        case "recbuf" -> recbuf = (int) bounded(v, 1, Integer.MAX_VALUE / 2);
        case "active" -> {
          if (active == null) throw RequestDecoder.badarg("set active with set_mode or setopts");
          active[0] = activeMode(v);
        }
        default -> throw RequestDecoder.badarg("unknown socket option " + name);
      }
    }
    return new Request.SocketOptions(
        ip, inet6, backlog, reuseaddr, nodelay, keepalive, sndbuf, recbuf);
  }

  private static List<String> optionNames(OtpErlangObject o) throws FdException {
    if (!(o instanceof OtpErlangList list) || list.getLastTail() != null) {
      throw RequestDecoder.badarg("option names are not a proper list");
    }
    List<String> names = new ArrayList<>();
    for (OtpErlangObject e : list.elements()) {
      String n = Terms.atomName(e);
      if (n == null || !OPTION_NAMES.contains(n))
        throw RequestDecoder.badarg("unknown socket option " + e);
      names.add(n);
    }
    return names;
  }

  /** {@code true}, {@code false} ({@code passive}), {@code once}, or the mode names of set_mode. */
  private static ReceiveMode activeMode(OtpErlangObject v) throws FdException {
    String m = Terms.atomName(v);
    if (m == null) throw RequestDecoder.badarg("active is not an atom");
    return switch (m) {
      case "true", "active" -> ReceiveMode.ACTIVE;
      case "false", "passive" -> ReceiveMode.PASSIVE;
      case "once", "active_once" -> ReceiveMode.ACTIVE_ONCE;
      default -> throw RequestDecoder.badarg("bad active value " + m);
    };
  }

  private static boolean bool(OtpErlangObject v) throws FdException {
    String b = Terms.atomName(v);
    if ("true".equals(b)) return true;
    if ("false".equals(b)) return false;
    throw RequestDecoder.badarg("not a boolean: " + v);
  }

  private static long bounded(OtpErlangObject v, long min, long max) throws FdException {
    if (!(v instanceof OtpErlangLong n)) throw RequestDecoder.badarg("not an integer: " + v);
    if (!n.isLong() || n.longValue() < min || n.longValue() > max)
      throw RequestDecoder.einval("out of range: " + v);
    return n.longValue();
  }

  private static int port0(OtpErlangObject o) throws FdException {
    return (int) bounded(o, 0, 65_535);
  }

  /**
   * An address: a binary (a name or a literal), an inet tuple of 4 bytes or 8 16-bit groups, or the
   * atoms {@code any} / {@code loopback} (IPv4).
   */
  static String address(OtpErlangObject o) throws FdException {
    if (o instanceof OtpErlangBinary) return RequestDecoder.host(o);
    if (o instanceof OtpErlangAtom at) {
      return switch (at.atomValue()) {
        case "any" -> "0.0.0.0";
        case "loopback" -> "127.0.0.1";
        default -> throw RequestDecoder.badarg("bad address " + o);
      };
    }
    if (o instanceof OtpErlangTuple t && (t.arity() == 4 || t.arity() == 8)) {
      boolean v4 = t.arity() == 4;
      byte[] ip = new byte[16];
      if (v4) ip = new byte[4];
      for (int i = 0; i < t.arity(); i++) {
        long part = bounded(t.elementAt(i), 0, v4 ? 255 : 65_535);
        if (v4) {
          ip[i] = (byte) part;
        } else {
          ip[2 * i] = (byte) (part >>> 8);
          ip[2 * i + 1] = (byte) part;
        }
      }
      try {
        return InetAddress.getByAddress(ip).getHostAddress();
      } catch (UnknownHostException e) {
        throw RequestDecoder.einval("bad address");
      }
    }
    throw RequestDecoder.badarg("bad address " + o);
  }
}
