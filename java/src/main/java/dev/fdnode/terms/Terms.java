package dev.fdnode.terms;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangList;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangString;
import com.ericsson.otp.erlang.OtpErlangTuple;
import dev.fdnode.core.FdException;
import dev.fdnode.core.Pid;
import dev.fdnode.core.Reason;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/** Small helpers for building and taking apart JInterface terms. */
public final class Terms {
  private Terms() {}

  /** Atoms are immutable: one shared, pre-encoded instance per name (bounded, see AtomBytes). */
  private static final int MAX_ATOMS = 4096;

  private static final ConcurrentHashMap<String, OtpErlangAtom> ATOMS = new ConcurrentHashMap<>();

  public static final OtpErlangAtom OK = atom("ok");
  public static final OtpErlangAtom ERROR = atom("error");
  public static final OtpErlangAtom EOF = atom("eof");
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  /** An atom that encodes from precomputed bytes. */
  public static OtpErlangAtom atom(String name) {
    OtpErlangAtom a = ATOMS.get(name);
    if (a != null) return a;
    a = new CachedAtom(name);
    if (ATOMS.size() < MAX_ATOMS) ATOMS.putIfAbsent(name, a);
    return a;
  }

  public static OtpErlangTuple tuple(OtpErlangObject... elems) {
    return new OtpErlangTuple(elems);
  }

  public static OtpErlangTuple ok(OtpErlangObject value) {
    return tuple(OK, value);
  }

  /** {@code {error, Reason}}: one of the node's own answers. */
  public static OtpErlangTuple error(Reason reason) {
    return tuple(ERROR, atom(reason.atom()));
  }

  /** {@code {error, Reason}} for a failure: its {@link FdException#reason()}. */
  public static OtpErlangTuple error(FdException failure) {
    return tuple(ERROR, atom(failure.reason()));
  }

  public static OtpErlangLong integer(long v) {
    return new OtpErlangLong(v);
  }

  /** A 64-bit value read as unsigned (Erlang has no fixed-width ints). */
  public static OtpErlangLong unsigned(long v) {
    if (v >= 0) return new OtpErlangLong(v);
    return new OtpErlangLong(BigInteger.valueOf(v).add(TWO_64));
  }

  /** The unsigned 64-bit value of {@code n} as a Java long, or null when out of [0, 2^64). */
  public static Long unsigned64(OtpErlangLong n) {
    if (n.isLong()) {
      long v = n.longValue();
      return v >= 0 ? v : null;
    }
    BigInteger b = n.bigIntegerValue();
    if (b.signum() < 0 || b.bitLength() > 64) return null;
    return b.longValue(); // two's complement wrap keeps all 64 bits
  }

  public static boolean isAtom(OtpErlangObject o, String name) {
    return o instanceof OtpErlangAtom a && a.atomValue().equals(name);
  }

  /** The name of an atom, or null. */
  public static String atomName(OtpErlangObject o) {
    return o instanceof OtpErlangAtom a ? a.atomValue() : null;
  }

  /** The elements of a tuple tagged {@code tag}, or null. */
  public static OtpErlangObject[] tagged(OtpErlangObject o, String tag) {
    if (o instanceof OtpErlangTuple t && t.arity() > 0 && isAtom(t.elementAt(0), tag)) {
      return t.elements();
    }
    return null;
  }

  /**
   * Node names, one String each: every decoded pid carries its own copy, and an open fd keeps its
   * owner's pid, so without this each fd held one more copy of the same name.
   */
  private static final ConcurrentHashMap<String, String> NODE_NAMES = new ConcurrentHashMap<>();

  public static Pid toPid(OtpErlangPid p) {
    return new Pid(nodeName(p.node()), p.id(), p.serial(), p.creation());
  }

  private static String nodeName(String name) {
    String known = NODE_NAMES.get(name);
    if (known != null) return known;
    if (NODE_NAMES.size() >= MAX_ATOMS) return name;
    known = NODE_NAMES.putIfAbsent(name, name);
    return known != null ? known : name;
  }

  public static OtpErlangPid toErlang(Pid p) {
    return new CachedPid(p.node(), p.id(), p.serial(), p.creation());
  }

  /**
   * Flattens iodata (a binary, or a possibly improper list of bytes, binaries and iolists), or
   * returns null when {@code o} is not iodata. A binary is returned as decoded; a list is measured
   * first and copied once into an array of its exact size.
   */
  public static byte[] iodata(OtpErlangObject o) {
    if (o instanceof OtpErlangBinary b) return b.binaryValue();
    int size = iolistSize(o, 0);
    if (size < 0) return null;
    byte[] out = new byte[size];
    fillIolist(o, out, 0);
    return out;
  }

  private static final int MAX_IOLIST_DEPTH = 100;

  /** The byte count of an iolist, or -1 when it is not one (or nests too deep). */
  private static int iolistSize(OtpErlangObject o, int depth) {
    if (depth > MAX_IOLIST_DEPTH) return -1;
    if (o instanceof OtpErlangBinary b) return b.binaryValue().length;
    if (o instanceof OtpErlangString s) { // a list of small ints sent as STRING_EXT
      String v = s.stringValue();
      for (int i = 0; i < v.length(); i++) {
        if (v.charAt(i) > 255) return -1;
      }
      return v.length();
    }
    if (o instanceof OtpErlangList l) {
      long total = 0;
      for (OtpErlangObject e : l.elements()) {
        if (e instanceof OtpErlangLong n) {
          long v = n.longValue();
          if (!n.isLong() || v < 0 || v > 255) return -1;
          total++;
        } else {
          int n = iolistSize(e, depth + 1);
          if (n < 0) return -1;
          total += n;
        }
      }
      OtpErlangObject tail = l.getLastTail();
      if (tail != null) {
        if (!(tail instanceof OtpErlangBinary b)) return -1;
        total += b.binaryValue().length;
      }
      return total > Integer.MAX_VALUE - 8 ? -1 : (int) total;
    }
    return -1;
  }

  /** Copies an iolist that {@link #iolistSize} accepted into {@code out} at {@code at}. */
  private static int fillIolist(OtpErlangObject o, byte[] out, int at) {
    if (o instanceof OtpErlangBinary b) {
      byte[] bytes = b.binaryValue();
      System.arraycopy(bytes, 0, out, at, bytes.length);
      return at + bytes.length;
    }
    if (o instanceof OtpErlangString s) {
      String v = s.stringValue();
      for (int i = 0; i < v.length(); i++) {
        out[at++] = (byte) v.charAt(i);
      }
      return at;
    }
    OtpErlangList l = (OtpErlangList) o;
    for (OtpErlangObject e : l.elements()) {
      if (e instanceof OtpErlangLong n) {
        out[at++] = (byte) n.longValue();
      } else {
        at = fillIolist(e, out, at);
      }
    }
    OtpErlangObject tail = l.getLastTail();
    return tail == null ? at : fillIolist(tail, out, at);
  }

  /** A binary's bytes as strict UTF-8, or null. */
  public static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
