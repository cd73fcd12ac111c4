package dev.fdnode.terms;

import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangRef;
import com.ericsson.otp.erlang.OtpErlangTuple;
import com.ericsson.otp.erlang.OtpOutputStream;
import dev.fdnode.distribution.AtomBytes;

/**
 * {@code {'$fdnode_reply', Ref, Result}}, the shape of every reply: the tuple head and the tag are
 * one precomputed copy, the caller's ref encodes through the atom cache.
 */
final class ReplyTuple extends OtpErlangTuple {
  static final String TAG = "$fdnode_reply";
  private static final byte[] HEAD = head();

  private final OtpErlangObject ref;
  private final OtpErlangObject result;

  ReplyTuple(OtpErlangObject ref, OtpErlangObject result) {
    super(new OtpErlangObject[] {Terms.atom(TAG), ref, result});
    this.ref = ref;
    this.result = result;
  }

  private static byte[] head() {
    OtpOutputStream o = new OtpOutputStream(32);
    o.write_tuple_head(3);
    o.write(AtomBytes.of(TAG));
    return o.toByteArray();
  }

  @Override
  public void encode(OtpOutputStream out) {
    out.write(HEAD);
    if (ref instanceof OtpErlangRef r) {
      AtomBytes.writeRef(out, r);
    } else {
      ref.encode(out);
    }
    result.encode(out);
  }
}
