package dev.fdnode.request;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangList;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangTuple;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.Handle;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.Packet;
import dev.fdnode.core.Posix;
import dev.fdnode.core.Reason;
import dev.fdnode.core.ReceiveMode;
import dev.fdnode.terms.Terms;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The arguments of one request tuple {@code {Tag, Arg1, ..., ArgN}}, decoded by position as an
 * operation asks for them (docs/protocol.md). Pure: wrong types are {@code badarg}, right types
 * with impossible values (negative sizes, NUL in a path) {@code einval}.
 */
final class Args {
  static final Set<String> OPTION_NAMES =
      Set.of(
          "nodelay",
          "keepalive",
          "reuseaddr",
          "sndbuf",
          "recbuf",
          "active",
          "packet",
          "packet_size");

  private static final int DEFAULT_CREATE_MODE = 0644;

  private final OtpErlangObject[] elements;
  private final String localNode;

  /** {@code elements} is the whole tuple, tag first: argument {@code i} is {@code elements[i]}. */
  Args(OtpErlangObject[] elements, String localNode) {
    this.elements = elements;
    this.localNode = localNode;
  }

  /** Number of arguments after the tag. */
  int count() {
    return elements.length - 1;
  }

  boolean isBinary(int i) {
    return elements[i] instanceof OtpErlangBinary;
  }

  Handle handle(int i) throws FdException {
    return handle(elements[i], localNode);
  }

  /** {@code {fdnode_fd, Node, Id, Token}}; a handle of another node is invalid here. */
  static Handle handle(OtpErlangObject o, String localNode) throws FdException {
    OtpErlangObject[] h = Terms.tagged(o, "fdnode_fd");
    if (h == null
        || h.length != 4
        || !(h[1] instanceof OtpErlangAtom node)
        || !(h[2] instanceof OtpErlangLong id)
        || !(h[3] instanceof OtpErlangLong token)) {
      throw badarg("not a handle");
    }
    if (!node.atomValue().equals(localNode)) {
      throw new FdException(Reason.INVALID_HANDLE, "handle of node " + node.atomValue());
    }
    Long tok = Terms.unsigned64(token);
    if (!id.isLong() || id.longValue() <= 0 || tok == null) {
      throw new FdException(Reason.INVALID_HANDLE, "handle id or token out of range");
    }
    return new Handle(id.longValue(), tok);
  }

  OtpErlangPid pid(int i, String what) throws FdException {
    if (!(elements[i] instanceof OtpErlangPid p)) throw badarg(what + " needs a pid");
    return p;
  }

  String path(int i) throws FdException {
    if (!(elements[i] instanceof OtpErlangBinary b)) throw badarg("path is not a binary");
    String s = Terms.utf8(b.binaryValue());
    if (s == null) throw einval("path is not UTF-8");
    return Posix.withoutNul(s, "path");
  }

  /** A host name or address literal: a non-empty UTF-8 binary without NUL. */
  String host(int i) throws FdException {
    return host(elements[i]);
  }

  private static String host(OtpErlangObject o) throws FdException {
    if (!(o instanceof OtpErlangBinary b)) throw badarg("host is not a binary");
    byte[] bytes = b.binaryValue();
    if (bytes.length == 0 || bytes.length > 255) throw einval("host name length");
    String s = Terms.utf8(bytes);
    if (s == null) throw einval("host is not UTF-8");
    return Posix.withoutNul(s, "host");
  }

  int port(int i) throws FdException {
    if (!(elements[i] instanceof OtpErlangLong n)) throw badarg("port is not an integer");
    if (!n.isLong() || n.longValue() < 1 || n.longValue() > 65535) {
      throw einval("port out of range");
    }
    return (int) n.longValue();
  }

  /** A port to bind: 0 lets the kernel choose. */
  int bindPort(int i) throws FdException {
    return (int) bounded(elements[i], 0, 65_535);
  }

  /** Milliseconds, non-negative; very large values are capped at a day. */
  long timeoutMs(int i) throws FdException {
    if (!(elements[i] instanceof OtpErlangLong n)) throw badarg("timeout is not an integer");
    if (n.signum() < 0) throw einval("negative timeout");
    return !n.isLong() ? 86_400_000L : Math.min(n.longValue(), 86_400_000L);
  }

  /** A read size: negative is einval, beyond {@link Descriptors#MAX_READ} is capped. */
  int size(int i) throws FdException {
    if (!(elements[i] instanceof OtpErlangLong n)) throw badarg("size is not an integer");
    if (n.signum() < 0) throw einval("negative size");
    if (!n.isLong() || n.longValue() > Descriptors.MAX_READ) return Descriptors.MAX_READ;
    return (int) n.longValue();
  }

  /** A copy chunk size: positive; beyond {@link Descriptors#MAX_READ} is capped. */
  int chunk(int i) throws FdException {
    if (!(elements[i] instanceof OtpErlangLong n)) throw badarg("chunk size is not an integer");
    if (n.signum() <= 0) throw einval("chunk size must be positive");
    if (!n.isLong() || n.longValue() > Descriptors.MAX_READ) return Descriptors.MAX_READ;
    return (int) n.longValue();
  }

  long offset(int i) throws FdException {
    return offset(elements[i]);
  }

  private static long offset(OtpErlangObject o) throws FdException {
    if (!(o instanceof OtpErlangLong n)) throw badarg("offset is not an integer");
    if (n.signum() < 0 || !n.isLong()) throw einval("offset out of range");
    return n.longValue();
  }

  /** The ranges of a pread_many: {@code offsets[i]} and {@code sizes[i]}. */
  record Reads(long[] offsets, int[] sizes) {}

  /** The pieces of a pwrite_many: {@code data[i]} goes at {@code offsets[i]}. */
  record Writes(long[] offsets, byte[][] data) {}

  /**
   * {@code [{Offset, Size}]}: sizes are non-negative integers; more than {@link
   * Descriptors#MAX_BATCH_RANGES} ranges or {@link Descriptors#MAX_BATCH_BYTES} bytes in all is
   * {@code einval} (a batch is never cut short the way one read is).
   */
  Reads reads(int i) throws FdException {
    OtpErlangObject[][] pairs = batch(elements[i]);
    long[] offsets = new long[pairs.length];
    int[] sizes = new int[pairs.length];
    long total = 0;
    for (int k = 0; k < pairs.length; k++) {
      offsets[k] = offset(pairs[k][0]);
      if (!(pairs[k][1] instanceof OtpErlangLong n)) throw badarg("size is not an integer");
      if (n.signum() < 0) throw einval("negative size");
      if (!n.isLong() || n.longValue() > Descriptors.MAX_BATCH_BYTES - total) throw tooBig();
      total += n.longValue();
      sizes[k] = (int) n.longValue();
    }
    return new Reads(offsets, sizes);
  }

  /** {@code [{Offset, iodata}]}, with the limits of {@link #reads}. */
  Writes writes(int i) throws FdException {
    OtpErlangObject[][] pairs = batch(elements[i]);
    long[] offsets = new long[pairs.length];
    byte[][] data = new byte[pairs.length][];
    long total = 0;
    for (int k = 0; k < pairs.length; k++) {
      offsets[k] = offset(pairs[k][0]);
      data[k] = Terms.iodata(pairs[k][1]);
      if (data[k] == null) throw badarg("data is not iodata");
      total += data[k].length;
      if (total > Descriptors.MAX_BATCH_BYTES) throw tooBig();
    }
    return new Writes(offsets, data);
  }

  /** A proper list of 2-tuples, at most {@link Descriptors#MAX_BATCH_RANGES} long. */
  private static OtpErlangObject[][] batch(OtpErlangObject o) throws FdException {
    if (!(o instanceof OtpErlangList list) || list.getLastTail() != null) {
      throw badarg("ranges are not a proper list");
    }
    if (list.arity() > Descriptors.MAX_BATCH_RANGES) {
      throw einval("more than " + Descriptors.MAX_BATCH_RANGES + " ranges");
    }
    OtpErlangObject[][] pairs = new OtpErlangObject[list.arity()][];
    for (int k = 0; k < pairs.length; k++) {
      if (!(list.elementAt(k) instanceof OtpErlangTuple t) || t.arity() != 2) {
        throw badarg("a range is not {Offset, Value}");
      }
      pairs[k] = t.elements();
    }
    return pairs;
  }

  private static FdException tooBig() {
    return einval("more than " + Descriptors.MAX_BATCH_BYTES + " bytes in one batch");
  }

  byte[] data(int i) throws FdException {
    byte[] d = Terms.iodata(elements[i]);
    if (d == null) throw badarg("data is not iodata");
    return d;
  }

  OpenOptions openOptions(int i) throws FdException {
    if (!(elements[i] instanceof OtpErlangList list) || list.getLastTail() != null) {
      throw badarg("open options are not a proper list");
    }
    boolean read = false, write = false, append = false, create = false;
    boolean exclusive = false, truncate = false, nonblock = false;
    int mode = DEFAULT_CREATE_MODE;
    for (OtpErlangObject e : list.elements()) {
      String name = Terms.atomName(e);
      if (name == null) {
        OtpErlangObject[] m = Terms.tagged(e, "mode");
        if (m == null || m.length != 2 || !(m[1] instanceof OtpErlangLong n)) {
          throw badarg("bad open option " + e);
        }
        if (!n.isLong() || n.longValue() < 0 || n.longValue() > 07777) {
          throw einval("mode out of range");
        }
        mode = (int) n.longValue();
        continue;
      }
      switch (name) {
        case "read" -> read = true;
        case "write" -> write = true;
        case "append" -> append = true;
        case "create" -> create = true;
        case "exclusive" -> exclusive = true;
        case "truncate" -> truncate = true;
        case "nonblock" -> nonblock = true;
        default -> throw badarg("unknown open option " + name);
      }
    }
    if (!read && !write) read = true;
    return new OpenOptions(read, write, append, create, exclusive, truncate, nonblock, mode);
  }

  /** A seek target: {@code offset} from where {@code whence} says. */
  record Location(long offset, int whence) {}

  /** An offset, {@code bof | cur | eof}, or {@code {bof | cur | eof, Offset}}. */
  Location location(int i) throws FdException {
    OtpErlangObject loc = elements[i];
    if (loc instanceof OtpErlangLong n) return new Location(signed(n), Posix.SEEK_SET);
    String bare = Terms.atomName(loc);
    if (bare != null) return new Location(0, whence(bare));
    if (loc instanceof OtpErlangTuple t
        && t.arity() == 2
        && Terms.atomName(t.elementAt(0)) != null
        && t.elementAt(1) instanceof OtpErlangLong n) {
      return new Location(signed(n), whence(Terms.atomName(t.elementAt(0))));
    }
    throw badarg("bad position " + loc);
  }

  private static long signed(OtpErlangLong n) throws FdException {
    if (!n.isLong()) throw einval("offset out of range");
    return n.longValue();
  }

  private static int whence(String w) throws FdException {
    return switch (w) {
      case "bof" -> Posix.SEEK_SET;
      case "cur" -> Posix.SEEK_CUR;
      case "eof" -> Posix.SEEK_END;
      default -> throw badarg("bad position " + w);
    };
  }

  /** A receive mode as set_mode or setopts ask for it; {@code count} only for ACTIVE_N. */
  record Activity(ReceiveMode mode, int count) {}

  /** {@code passive | active | active_once | {active, N}} (N in -32768..32767, as for inet). */
  Activity mode(int i) throws FdException {
    OtpErlangObject o = elements[i];
    if (o instanceof OtpErlangTuple t
        && t.arity() == 2
        && "active".equals(Terms.atomName(t.elementAt(0)))) {
      return activeCount(t.elementAt(1));
    }
    String m = Terms.atomName(o);
    if (m == null) throw badarg("mode is not an atom or {active, N}");
    return switch (m) {
      case "passive" -> new Activity(ReceiveMode.PASSIVE, 0);
      case "active" -> new Activity(ReceiveMode.ACTIVE, 0);
      case "active_once" -> new Activity(ReceiveMode.ACTIVE_ONCE, 0);
      default -> throw badarg("unknown mode " + m);
    };
  }

  private static Activity activeCount(OtpErlangObject n) throws FdException {
    if (!(n instanceof OtpErlangLong l)) throw badarg("active count is not an integer");
    if (!l.isLong() || l.longValue() < Short.MIN_VALUE || l.longValue() > Short.MAX_VALUE) {
      throw new FdException(Reason.EINVAL, "active count outside -32768..32767");
    }
    return new Activity(ReceiveMode.ACTIVE_N, (int) l.longValue());
  }

  /** {@code [gc]} or {@code []}: whether to collect garbage before measuring the heap. */
  boolean statsGc(int i) throws FdException {
    if (!(elements[i] instanceof OtpErlangList list) || list.getLastTail() != null) {
      throw badarg("stats options are not a proper list");
    }
    boolean gc = false;
    for (OtpErlangObject e : list.elements()) {
      if (!"gc".equals(Terms.atomName(e))) throw badarg("unknown stats option " + e);
      gc = true;
    }
    return gc;
  }

  /** Options of tcp_listen, udp_open and tcp_connect/5 ({@code active} is not one of them). */
  SocketOptions socketOptions(int i) throws FdException {
    return options(elements[i], null, true);
  }

  /** Options of setopts: no bind options; {@code active} is returned in {@code active[0]}. */
  SocketOptions setOptions(int i, Activity[] active) throws FdException {
    return options(elements[i], active, false);
  }

  private static SocketOptions options(OtpErlangObject o, Activity[] active, boolean bind)
      throws FdException {
    if (!(o instanceof OtpErlangList list) || list.getLastTail() != null) {
      throw badarg("socket options are not a proper list");
    }
    String ip = null;
    boolean inet6 = false;
    int backlog = -1, sndbuf = -1, recbuf = -1;
    Boolean reuseaddr = null, nodelay = null, keepalive = null;
    Packet.Type packet = null;
    Integer packetSize = null;
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
        throw badarg("bad socket option " + e);
      }
      String name = Terms.atomName(t.elementAt(0));
      OtpErlangObject v = t.elementAt(1);
      switch (name) {
        case "ip" -> {
          if (!bind) throw badarg("ip is only for opening");
          ip = address(v);
        }
        case "backlog" -> {
          if (!bind) throw badarg("backlog is only for opening");
          backlog = (int) Math.min(bounded(v, 0, Long.MAX_VALUE), 65_535);
        }
        case "reuseaddr" -> reuseaddr = bool(v);
        case "nodelay" -> nodelay = bool(v);
        case "keepalive" -> keepalive = bool(v);
        case "sndbuf" -> sndbuf = (int) bounded(v, 1, Integer.MAX_VALUE / 2);
        case "recbuf" -> recbuf = (int) bounded(v, 1, Integer.MAX_VALUE / 2);
        case "active" -> {
          if (active == null) throw badarg("set active with set_mode or setopts");
          active[0] = activeMode(v);
        }
        case "packet" -> packet = packetType(v);
        case "packet_size" -> packetSize = (int) Math.min(bounded(v, 0, Long.MAX_VALUE), MAX_INT);
        default -> throw badarg("unknown socket option " + name);
      }
    }
    return new SocketOptions(
        ip, inet6, backlog, reuseaddr, nodelay, keepalive, sndbuf, recbuf, packet, packetSize);
  }

  private static final long MAX_INT = Integer.MAX_VALUE;

  /**
   * {@code raw | 0 | 1 | 2 | 4 | line}, as {@code inet:setopts/2} takes them; another atom or
   * integer (inet's {@code http}, say, or 3) is {@code einval}, another term {@code badarg}.
   */
  private static Packet.Type packetType(OtpErlangObject v) throws FdException {
    if (v instanceof OtpErlangLong n) {
      long k = n.isLong() ? n.longValue() : -1;
      if (k == 0) return Packet.Type.RAW;
      if (k == 1) return Packet.Type.ONE;
      if (k == 2) return Packet.Type.TWO;
      if (k == 4) return Packet.Type.FOUR;
      throw einval("packet header of " + v + " bytes");
    }
    String m = Terms.atomName(v);
    if (m == null) throw badarg("packet is not an atom or an integer: " + v);
    return switch (m) {
      case "raw" -> Packet.Type.RAW;
      case "line" -> Packet.Type.LINE;
      default -> throw einval("unsupported packet type " + m);
    };
  }

  List<String> optionNames(int i) throws FdException {
    if (!(elements[i] instanceof OtpErlangList list) || list.getLastTail() != null) {
      throw badarg("option names are not a proper list");
    }
    List<String> names = new ArrayList<>();
    for (OtpErlangObject e : list.elements()) {
      String n = Terms.atomName(e);
      if (n == null || !OPTION_NAMES.contains(n)) throw badarg("unknown socket option " + e);
      names.add(n);
    }
    return names;
  }

  /**
   * {@code true}, {@code false} ({@code passive}), {@code once}, an integer N (as {@code {active,
   * N}}), or the mode names of set_mode.
   */
  private static Activity activeMode(OtpErlangObject v) throws FdException {
    if (v instanceof OtpErlangLong) return activeCount(v);
    String m = Terms.atomName(v);
    if (m == null) throw badarg("active is not an atom or an integer");
    return switch (m) {
      case "true", "active" -> new Activity(ReceiveMode.ACTIVE, 0);
      case "false", "passive" -> new Activity(ReceiveMode.PASSIVE, 0);
      case "once", "active_once" -> new Activity(ReceiveMode.ACTIVE_ONCE, 0);
      default -> throw badarg("bad active value " + m);
    };
  }

  private static boolean bool(OtpErlangObject v) throws FdException {
    String b = Terms.atomName(v);
    if ("true".equals(b)) return true;
    if ("false".equals(b)) return false;
    throw badarg("not a boolean: " + v);
  }

  private static long bounded(OtpErlangObject v, long min, long max) throws FdException {
    if (!(v instanceof OtpErlangLong n)) throw badarg("not an integer: " + v);
    if (!n.isLong() || n.longValue() < min || n.longValue() > max) {
      throw einval("out of range: " + v);
    }
    return n.longValue();
  }

  String address(int i) throws FdException {
    return address(elements[i]);
  }

  /**
   * An address: a binary (a name or a literal), an inet tuple of 4 bytes or 8 16-bit groups, or the
   * atoms {@code any} / {@code loopback} (IPv4).
   */
  private static String address(OtpErlangObject o) throws FdException {
    if (o instanceof OtpErlangBinary) return host(o);
    if (o instanceof OtpErlangAtom at) {
      return switch (at.atomValue()) {
        case "any" -> "0.0.0.0";
        case "loopback" -> "127.0.0.1";
        default -> throw badarg("bad address " + o);
      };
    }
    if (o instanceof OtpErlangTuple t && (t.arity() == 4 || t.arity() == 8)) {
      boolean v4 = t.arity() == 4;
      byte[] ip = new byte[v4 ? 4 : 16];
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
        throw einval("bad address");
      }
    }
    throw badarg("bad address " + o);
  }

  static FdException badarg(String detail) {
    return new FdException(Reason.BADARG, detail);
  }

  static FdException einval(String detail) {
    return new FdException(Reason.EINVAL, detail);
  }
}
