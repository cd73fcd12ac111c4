package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangList;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangTuple;
import dev.fdnode.core.FdException;
import dev.fdnode.core.Handle;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.ReceiveMode;

/**
 * Erlang terms to {@link Envelope}s and {@link Request}s, following docs/protocol.md. Pure: no I/O,
 * no state besides the local node name, so every shape is unit-tested. Wrong types give {@code
 * badarg}; right types with impossible values (negative sizes, NUL in a path) give {@code einval}.
 */
public final class RequestDecoder {
  /** Reads larger than this are cut down to it: a read may return fewer bytes anyway. */
  public static final int MAX_READ = dev.fdnode.core.Descriptors.MAX_READ;

  private static final int DEFAULT_CREATE_MODE = 0644;

  private final String localNode;

  public RequestDecoder(String localNode) {
    this.localNode = localNode;
  }

  /** Classifies one mailbox message. Never throws. */
  public Envelope envelope(OtpErlangObject msg) {
    if (!(msg instanceof OtpErlangTuple t) || t.arity() == 0) return garbage(msg);
    String tag = Terms.atomName(t.elementAt(0));
    if ("$fdnode_call".equals(tag)) return call(t);
    if ("$fdnode_owner_down".equals(tag)
        && t.arity() == 3
        && t.elementAt(1) instanceof OtpErlangPid watcher
        && t.elementAt(2) instanceof OtpErlangPid owner) {
      return new Envelope.OwnerDown(watcher, owner);
    }
    return garbage(msg);
  }

  private Envelope call(OtpErlangTuple t) {
    if (t.arity() < 3 || !(t.elementAt(1) instanceof OtpErlangPid replyTo)) return garbage(t);
    OtpErlangObject ref = t.elementAt(2);
    if (t.arity() != 5) {
      return new Envelope.Refused(replyTo, ref, "badarg", "call of arity " + t.arity());
    }
    if (!(t.elementAt(3) instanceof OtpErlangPid caller)) {
      return new Envelope.Refused(replyTo, ref, "badarg", "caller is not a pid");
    }
    try {
      return new Envelope.Call(replyTo, ref, caller, request(t.elementAt(4)));
    } catch (FdException e) {
      return new Envelope.Refused(replyTo, ref, e.reason(), e.getMessage());
    } catch (StackOverflowError e) { // a hostile, absurdly nested request (iodata, say)
      return new Envelope.Refused(replyTo, ref, "badarg", "request nested too deeply");
    }
  }

  private static Envelope garbage(OtpErlangObject msg) {
    String s = String.valueOf(msg);
    return new Envelope.Garbage(s.length() > 200 ? s.substring(0, 200) + "..." : s);
  }

  /** The request inside a call. */
  public Request request(OtpErlangObject o) throws FdException {
    String bare = Terms.atomName(o);
    if (bare != null) return nullary(bare);
    if (!(o instanceof OtpErlangTuple t) || t.arity() == 0) throw badarg("request is not a tuple");
    String op = Terms.atomName(t.elementAt(0));
    if (op == null) throw badarg("request tag is not an atom");
    OtpErlangObject[] a = t.elements();
    return switch (op) {
      case "ping", "pipe", "shutdown" -> {
        arity(a, 1);
        yield nullary(op);
      }
      case "stats" -> {
        if (a.length == 1) yield new Request.Stats(false);
        arity(a, 2);
        yield new Request.Stats(statsOptions(a[1]));
      }
      case "tcp_connect" -> {
        if (a.length == 5) {
          yield new Request.TcpConnectWith(
              host(a[1]), port(a[2]), timeoutMs(a[3]), NetFileTerms.socketOptions(a[4]));
        }
        arity(a, 4);
        yield new Request.TcpConnect(host(a[1]), port(a[2]), timeoutMs(a[3]));
      }
      case "open" -> {
        arity(a, 3);
        yield new Request.Open(path(a[1]), openOptions(a[2]));
      }
      case "close" -> new Request.Close(handle1(a));
      case "close_async" -> new Request.CloseAsync(handle1(a));
      case "sync" -> new Request.Sync(handle1(a));
      case "info" -> new Request.Info(handle1(a));
      case "read" -> {
        arity(a, 3);
        yield new Request.Read(handle(a[1]), size(a[2]));
      }
      case "write" -> {
        arity(a, 3);
        yield new Request.Write(handle(a[1]), data(a[2]));
      }
      case "pread" -> {
        arity(a, 4);
        yield new Request.Pread(handle(a[1]), offset(a[2]), size(a[3]));
      }
      case "pwrite" -> {
        arity(a, 4);
        yield new Request.Pwrite(handle(a[1]), offset(a[2]), data(a[3]));
      }
      case "position" -> {
        arity(a, 3);
        yield position(handle(a[1]), a[2]);
      }
      case "set_mode" -> {
        arity(a, 3);
        yield new Request.SetMode(handle(a[1]), mode(a[2]));
      }
      case "copy" -> {
        arity(a, 4);
        yield new Request.Copy(handle(a[1]), handle(a[2]), chunk(a[3]));
      }
      case "controlling_process" -> {
        arity(a, 3);
        if (!(a[2] instanceof OtpErlangPid p)) throw badarg("controlling_process needs a pid");
        yield new Request.ControllingProcess(handle(a[1]), p);
      }
      default -> {
        Request netFile = NetFileTerms.request(this, op, a);
        if (netFile == null) throw badarg("unknown request " + op);
        yield netFile;
      }
    };
  }

  private static Request nullary(String op) throws FdException {
    return switch (op) {
      case "ping" -> new Request.Ping();
      case "pipe" -> new Request.Pipe();
      case "stats" -> new Request.Stats();
      case "shutdown" -> new Request.Shutdown();
      default -> throw badarg("unknown request " + op);
    };
  }

  /** {@code [gc]} or {@code []}: whether to collect garbage before measuring the heap. */
  private static boolean statsOptions(OtpErlangObject o) throws FdException {
    if (!(o instanceof OtpErlangList list) || list.getLastTail() != null) {
      throw badarg("stats options are not a proper list");
    }
    boolean gc = false;
    for (OtpErlangObject e : list.elements()) {
      if (!"gc".equals(Terms.atomName(e))) throw badarg("unknown stats option " + e);
      gc = true;
    }
    return gc;
  }

  /** A host name or address literal: a non-empty UTF-8 binary without NUL. */
  static String host(OtpErlangObject o) throws FdException {
    if (!(o instanceof OtpErlangBinary b)) throw badarg("host is not a binary");
    byte[] bytes = b.binaryValue();
    if (bytes.length == 0 || bytes.length > 255) throw einval("host name length");
    for (byte x : bytes) {
      if (x == 0) throw einval("NUL byte in host");
    }
    String s = Terms.utf8(bytes);
    if (s == null) throw einval("host is not UTF-8");
    return s;
  }

  static int port(OtpErlangObject o) throws FdException {
    if (!(o instanceof OtpErlangLong n)) throw badarg("port is not an integer");
    if (!n.isLong() || n.longValue() < 1 || n.longValue() > 65535)
      throw einval("port out of range");
    return (int) n.longValue();
  }

  /** Milliseconds, non-negative; very large values are capped at a day. */
  static long timeoutMs(OtpErlangObject o) throws FdException {
    if (!(o instanceof OtpErlangLong n)) throw badarg("timeout is not an integer");
    if (n.signum() < 0) throw einval("negative timeout");
    return !n.isLong() ? 86_400_000L : Math.min(n.longValue(), 86_400_000L);
  }

  private Handle handle1(OtpErlangObject[] a) throws FdException {
    arity(a, 2);
    return handle(a[1]);
  }

  /** {@code {fdnode_fd, Node, Id, Token}}; a handle of another node is invalid here. */
  public Handle handle(OtpErlangObject o) throws FdException {
    OtpErlangObject[] h = Terms.tagged(o, "fdnode_fd");
    if (h == null
        || h.length != 4
        || !(h[1] instanceof OtpErlangAtom node)
        || !(h[2] instanceof OtpErlangLong id)
        || !(h[3] instanceof OtpErlangLong token)) {
      throw badarg("not a handle");
    }
    if (!node.atomValue().equals(localNode)) {
      throw new FdException("invalid_handle", "handle of node " + node.atomValue());
    }
    Long tok = Terms.unsigned64(token);
    if (!id.isLong() || id.longValue() <= 0 || tok == null) {
      throw new FdException("invalid_handle", "handle id or token out of range");
    }
    return new Handle(id.longValue(), tok);
  }

  static String path(OtpErlangObject o) throws FdException {
    if (!(o instanceof OtpErlangBinary b)) throw badarg("path is not a binary");
    byte[] bytes = b.binaryValue();
    for (byte x : bytes) {
      if (x == 0) throw einval("NUL byte in path");
    }
    String s = Terms.utf8(bytes);
    if (s == null) throw einval("path is not UTF-8");
    return s;
  }

  private static OpenOptions openOptions(OtpErlangObject o) throws FdException {
    if (!(o instanceof OtpErlangList list) || list.getLastTail() != null) {
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

  /** A read size: negative is einval, beyond {@link #MAX_READ} is capped. */
  static int size(OtpErlangObject o) throws FdException {
    if (!(o instanceof OtpErlangLong n)) throw badarg("size is not an integer");
    if (n.signum() < 0) throw einval("negative size");
    if (!n.isLong() || n.longValue() > MAX_READ) return MAX_READ;
    return (int) n.longValue();
  }

  /** A copy chunk size: positive; beyond {@link #MAX_READ} is capped. */
  private static int chunk(OtpErlangObject o) throws FdException {
    if (!(o instanceof OtpErlangLong n)) throw badarg("chunk size is not an integer");
    if (n.signum() <= 0) throw einval("chunk size must be positive");
    if (!n.isLong() || n.longValue() > MAX_READ) return MAX_READ;
    return (int) n.longValue();
  }

  private static long offset(OtpErlangObject o) throws FdException {
    if (!(o instanceof OtpErlangLong n)) throw badarg("offset is not an integer");
    if (n.signum() < 0 || !n.isLong()) throw einval("offset out of range");
    return n.longValue();
  }

  static byte[] data(OtpErlangObject o) throws FdException {
    byte[] d = Terms.iodata(o);
    if (d == null) throw badarg("data is not iodata");
    return d;
  }

  private static Request position(Handle h, OtpErlangObject loc) throws FdException {
    if (loc instanceof OtpErlangLong n) return new Request.Position(h, signed(n), Request.SEEK_SET);
    String bare = Terms.atomName(loc);
    if (bare != null) return new Request.Position(h, 0, whence(bare));
    if (loc instanceof OtpErlangTuple t
        && t.arity() == 2
        && Terms.atomName(t.elementAt(0)) != null
        && t.elementAt(1) instanceof OtpErlangLong n) {
      return new Request.Position(h, signed(n), whence(Terms.atomName(t.elementAt(0))));
    }
    throw badarg("bad position " + loc);
  }

  private static long signed(OtpErlangLong n) throws FdException {
    if (!n.isLong()) throw einval("offset out of range");
    return n.longValue();
  }

  private static int whence(String w) throws FdException {
    return switch (w) {
      case "bof" -> Request.SEEK_SET;
      case "cur" -> Request.SEEK_CUR;
      case "eof" -> Request.SEEK_END;
      default -> throw badarg("bad position " + w);
    };
  }

  private static ReceiveMode mode(OtpErlangObject o) throws FdException {
    String m = Terms.atomName(o);
    if (m == null) throw badarg("mode is not an atom");
    return switch (m) {
      case "passive" -> ReceiveMode.PASSIVE;
      case "active" -> ReceiveMode.ACTIVE;
      case "active_once" -> ReceiveMode.ACTIVE_ONCE;
      default -> throw badarg("unknown mode " + m);
    };
  }

  static void arity(OtpErlangObject[] a, int n) throws FdException {
    if (a.length != n) throw badarg("request " + a[0] + " of arity " + a.length);
  }

  static FdException badarg(String detail) {
    return new FdException("badarg", detail);
  }

  static FdException einval(String detail) {
    return new FdException("einval", detail);
  }
}
