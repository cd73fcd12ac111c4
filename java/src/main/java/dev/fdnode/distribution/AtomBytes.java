package dev.fdnode.distribution;

import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangRef;
import com.ericsson.otp.erlang.OtpOutputStream;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Atoms in external format, computed once per name: {@code OtpOutputStream.write_atom} counts code
 * points and runs {@code String.getBytes("UTF-8")} on every call, which was the largest single item
 * in the node's profile under load. Also writes pids and refs through the cache (their node name is
 * an atom), byte for byte as JInterface 1.13 does (NEW_PID_EXT, NEWER_REFERENCE_EXT).
 */
public final class AtomBytes {
  private AtomBytes() {}

  /** Atom names are few (reasons, keys, node names); past this, encode without caching. */
  private static final int MAX_CACHED = 4096;

  private static final int NEW_PID_EXT = 88;
  private static final int NEWER_REFERENCE_EXT = 90;
  private static final int MAX_REF_IDS = 5;

  private static final ConcurrentHashMap<String, byte[]> CACHE = new ConcurrentHashMap<>();

  /** The encoded atom; callers only read it. */
  public static byte[] of(String name) {
    byte[] b = CACHE.get(name);
    if (b != null) {
      return b;
    }
    OtpOutputStream o = new OtpOutputStream(name.length() + 3);
    o.write_atom(name);
    b = o.toByteArray();
    if (CACHE.size() < MAX_CACHED) {
      CACHE.putIfAbsent(name, b);
    }
    return b;
  }

  public static void writePid(OtpOutputStream out, OtpErlangPid p) {
    out.write1(NEW_PID_EXT);
    out.write(of(p.node()));
    out.write4BE(p.id());
    out.write4BE(p.serial());
    out.write4BE(p.creation());
  }

  public static void writeRef(OtpOutputStream out, OtpErlangRef r) {
    int[] ids = r.ids();
    int n = Math.min(ids.length, MAX_REF_IDS);
    out.write1(NEWER_REFERENCE_EXT);
    out.write2BE(n);
    out.write(of(r.node()));
    out.write4BE(r.creation());
    for (int i = 0; i < n; i++) {
      out.write4BE(ids[i]);
    }
  }
}
