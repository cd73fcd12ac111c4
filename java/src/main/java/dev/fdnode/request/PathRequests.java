package dev.fdnode.request;

import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangList;
import com.ericsson.otp.erlang.OtpErlangMap;
import com.ericsson.otp.erlang.OtpErlangObject;
import dev.fdnode.core.FdException;
import dev.fdnode.core.Handle;
import dev.fdnode.fs.FileOps;
import dev.fdnode.terms.Terms;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Paths and directories (docs/protocol.md "Files"): metadata, listing, creating, deleting and
 * renaming. Every path goes through the node's {@link PathPolicy} and then {@link PathOps} (openat
 * walk + *at calls), so a directory swapped for a symlink after the check is never followed.
 */
sealed interface PathRequests extends Request {
  int DIR_MODE = 0755;

  /** Exactly one of {@code path} and {@code handle} is non-null. */
  record FileInfo(String path, Handle handle) implements PathRequests {
    static FileInfo decode(Args a) throws FdException {
      return a.isBinary(1) ? new FileInfo(a.path(1), null) : new FileInfo(null, a.handle(1));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      FileOps.Info i = path != null ? c.paths().fileInfo(path) : c.files().fstat(c.lookup(handle));
      OtpErlangMap m = new OtpErlangMap();
      m.put(Terms.atom("size"), Terms.integer(i.size()));
      m.put(Terms.atom("type"), Terms.atom(i.type()));
      m.put(Terms.atom("mode"), Terms.integer(i.mode()));
      m.put(Terms.atom("mtime"), Terms.integer(i.mtime()));
      return Terms.ok(m);
    }
  }

  /** {@code {ok, [Name]}}, sorted, without {@code .} and {@code ..}. */
  record ListDir(String path) implements PathRequests {
    static ListDir decode(Args a) throws FdException {
      return new ListDir(a.path(1));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      List<String> names = c.paths().listDir(path);
      OtpErlangObject[] bins = new OtpErlangObject[names.size()];
      for (int i = 0; i < bins.length; i++) {
        bins[i] = new OtpErlangBinary(names.get(i).getBytes(StandardCharsets.UTF_8));
      }
      return Terms.ok(new OtpErlangList(bins));
    }
  }

  record MakeDir(String path) implements PathRequests {
    static MakeDir decode(Args a) throws FdException {
      return new MakeDir(a.path(1));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      c.paths().makeDir(path, DIR_MODE);
      return Terms.OK;
    }
  }

  record DeleteFile(String path) implements PathRequests {
    static DeleteFile decode(Args a) throws FdException {
      return new DeleteFile(a.path(1));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      c.paths().deleteFile(path);
      return Terms.OK;
    }
  }

  record DeleteDir(String path) implements PathRequests {
    static DeleteDir decode(Args a) throws FdException {
      return new DeleteDir(a.path(1));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      c.paths().deleteDir(path);
      return Terms.OK;
    }
  }

  record Rename(String from, String to) implements PathRequests {
    static Rename decode(Args a) throws FdException {
      return new Rename(a.path(1), a.path(2));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      c.paths().rename(from, to);
      return Terms.OK;
    }
  }
}
