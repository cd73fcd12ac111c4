package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangAtom;
import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangList;
import com.ericsson.otp.erlang.OtpErlangLong;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangString;
import com.ericsson.otp.erlang.OtpErlangTuple;
import dev.fdnode.core.Pid;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/** Small helpers for building and taking apart JInterface terms. */
public final class Terms {
  private Terms() {}

  public static final OtpErlangAtom OK = new OtpErlangAtom("ok");
  public static final OtpErlangAtom ERROR = new OtpErlangAtom("error");
  public static final OtpErlangAtom EOF = new OtpErlangAtom("eof");
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  public static OtpErlangAtom atom(String name) {
    return new OtpErlangAtom(name);
  }

  public static OtpErlangTuple tuple(OtpErlangObject... elems) {
    return new OtpErlangTuple(elems);
  }

  public static OtpErlangTuple ok(OtpErlangObject value) {
    return tuple(OK, value);
  }

  public static OtpErlangTuple error(String reason) {
    return tuple(ERROR, atom(reason));
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

  public static Pid toPid(OtpErlangPid p) {
    return new Pid(p.node(), p.id(), p.serial(), p.creation());
  }

  public static OtpErlangPid toErlang(Pid p) {
    return new OtpErlangPid(p.node(), p.id(), p.serial(), p.creation());
  }

  /**
   * Flattens iodata (a binary, or a possibly improper list of bytes, binaries and iolists), or
   * returns null when {@code o} is not iodata.
   */
  public static byte[] iodata(OtpErlangObject o) {
    if (o instanceof OtpErlangBinary b) return b.binaryValue();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    return appendIolist(o, out, 0) ? out.toByteArray() : null;
  }

  private static final int MAX_IOLIST_DEPTH = 100;

  private static boolean appendIolist(OtpErlangObject o, ByteArrayOutputStream out, int depth) {
    if (depth > MAX_IOLIST_DEPTH) return false;
    if (o instanceof OtpErlangBinary b) {
      out.writeBytes(b.binaryValue());
      return true;
    }
    if (o instanceof OtpErlangString s) { // a list of small ints sent as STRING_EXT
      String v = s.stringValue();
      for (int i = 0; i < v.length(); i++) {
        char c = v.charAt(i);
        if (c > 255) return false;
        out.write(c);
      }
      return true;
    }
    if (o instanceof OtpErlangList l) {
      for (OtpErlangObject e : l.elements()) {
        if (e instanceof OtpErlangLong n) {
          long v = n.longValue();
          if (!n.isLong() || v < 0 || v > 255) return false;
          out.write((int) v);
        } else if (!appendIolist(e, out, depth + 1)) {
          return false;
        }
      }
      OtpErlangObject tail = l.getLastTail();
      return tail == null || tail instanceof OtpErlangBinary && appendIolist(tail, out, depth + 1);
    }
    return false;
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
