package dev.fdnode.core;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The token of each handle id: HMAC-SHA256 of the id under a random key of this table, cut to 63
 * bits. Derived rather than drawn, so the token of a released id can be checked again without
 * keeping anything per descriptor once it is gone: a forged token on a closed id is then {@code
 * invalid_handle}, and only the genuine one learns {@code closed}. Without the key, which never
 * leaves the JVM, the tokens of issued ids tell nothing about any other id's.
 */
final class HandleTokens {
  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec key;

  /** {@link Mac} is not thread-safe; one per thread, keyed once. */
  private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

  HandleTokens() {
    this(randomKey());
  }

  /** With a given key (tests). */
  HandleTokens(byte[] key) {
    this.key = new SecretKeySpec(key, ALGORITHM);
  }

  private static byte[] randomKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return k;
  }

  /** The token of {@code id}: a non-negative long. */
  long of(long id) {
    Mac mac = macs.get();
    byte[] in = new byte[Long.BYTES];
    for (int i = 0; i < Long.BYTES; i++) in[i] = (byte) (id >>> (56 - 8 * i));
    byte[] out = mac.doFinal(in); // resets the Mac for the next use
    long t = 0;
    for (int i = 0; i < Long.BYTES; i++) t = (t << 8) | (out[i] & 0xFF);
    return t & Long.MAX_VALUE;
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) { // every JDK has HmacSHA256
      throw new IllegalStateException(ALGORITHM + " unavailable", e);
    }
  }
}
