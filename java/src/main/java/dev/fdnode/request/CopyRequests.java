package dev.fdnode.request;

import com.ericsson.otp.erlang.OtpErlangObject;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Handle;
import dev.fdnode.terms.Terms;
import java.util.logging.Logger;

/** Bulk copy between two descriptors, with progress reports to the caller (see {@link Copier}). */
sealed interface CopyRequests extends Request {
  Logger LOG = Logger.getLogger(CopyRequests.class.getName());

  /**
   * Copies {@code src} (from its offset to end of input) to {@code dst} in chunks of {@code chunk}
   * bytes.
   */
  record Copy(Handle src, Handle dst, int chunk) implements CopyRequests {
    static Copy decode(Args a) throws FdException {
      return new Copy(a.handle(1), a.handle(2), a.chunk(3));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      FdInner s = c.lookup(src);
      FdInner d = c.lookup(dst);
      Copier.Copied copied = c.copier().copy(s, d, chunk, c.progress());
      LOG.fine(
          () ->
              "copied "
                  + copied.bytes()
                  + " byte(s) "
                  + s.id()
                  + " -> "
                  + d.id()
                  + " ("
                  + copied.way()
                  + ") for "
                  + c.callerPid());
      return Terms.ok(Terms.integer(copied.bytes()));
    }
  }
}
