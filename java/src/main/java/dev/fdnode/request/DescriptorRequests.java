package dev.fdnode.request;

import com.ericsson.otp.erlang.OtpErlangList;
import com.ericsson.otp.erlang.OtpErlangObject;
import dev.fdnode.core.AtCalls;
import dev.fdnode.core.Completion;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.FileType;
import dev.fdnode.core.Framer;
import dev.fdnode.core.Handle;
import dev.fdnode.core.Native;
import dev.fdnode.core.OpenOptions;
import dev.fdnode.core.Opened;
import dev.fdnode.core.Posix;
import dev.fdnode.core.Reason;
import dev.fdnode.terms.Terms;
import dev.fdnode.terms.UncopiedBinary;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * Descriptor I/O: open, pipe, close, read, write, positioned I/O (one range or a batch), position,
 * sync. Reads are passive only (the gen_tcp rule); sequential reads and writes share one offset per
 * descriptor.
 */
sealed interface DescriptorRequests extends Request {
  Logger LOG = Logger.getLogger(DescriptorRequests.class.getName());
  OtpErlangObject COMPLETION = Terms.atom("fdnode_completion");

  /** {@code path} is the caller's path, not yet checked against {@link PathPolicy}. */
  record Open(String path, OpenOptions options) implements DescriptorRequests, Owning {
    static Open decode(Args a) throws FdException {
      return new Open(a.path(1), a.openOptions(2));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      Path resolved = c.policy().resolve(path);
      Path root = c.policy().rootOf(resolved);
      // Walk from the root with O_NOFOLLOW: a symlink swapped in after the check is refused.
      // Always O_NONBLOCK, so no open holds this worker waiting for a FIFO's other end: such
      // an open waits in FifoOpens instead, and the flag is cleared unless the caller asked.
      Opened opened;
      try {
        opened =
            c.adoptOne(
                () -> blocking(c.rootedOpen().open(root, resolved, options.withNonblock())),
                options.append());
      } catch (FdException e) {
        if (e.is(Reason.ENXIO) && !options.nonblock() && isFifo(resolved)) {
          return c.fifoOpens().awaitReader(c, root, resolved, options); // no reader yet
        }
        throw e;
      }
      LOG.fine(() -> "open " + resolved + " -> " + opened.handle().id() + " for " + c.callerPid());
      if (opened.inner().type() == FileType.FIFO) {
        if (!options.nonblock() && !options.wantsWrite()) {
          return c.fifoOpens().awaitWriter(c, resolved, opened); // a read end waits for a writer
        }
        c.fifoOpens().opened(resolved, opened.inner(), options.wantsRead(), options.wantsWrite());
      }
      return Terms.ok(c.encoder().handle(opened.handle()));
    }

    /**
     * A regular file or directory opens at once (the open is O_NONBLOCK anyway), so on the
     * receiving thread: a hand-off to a worker would cost more than the open. A FIFO, device or
     * socket goes to a worker: a driver's open may wait whatever the flags. A path the policy
     * refuses, or nothing yet (an open that creates), is answered at once too.
     */
    @Override
    public boolean inline(Context.Services s) {
      try {
        FileType t = AtCalls.lstat(s.policy().resolve(path).toString()).fileType();
        return t == FileType.REGULAR || t == FileType.DIRECTORY;
      } catch (FdException e) {
        return e.is(Reason.ENOENT) || e.is(Reason.EACCES);
      }
    }

    /** Clears the O_NONBLOCK the open added, unless the caller asked for it. */
    private int blocking(int fd) throws FdException {
      if (options.nonblock() || fd < 0) return fd;
      try {
        Native.setBlocking(fd, true);
      } catch (FdException e) {
        Native.closeQuietly(fd);
        throw e;
      }
      return fd;
    }

    private static boolean isFifo(Path p) {
      try {
        return AtCalls.lstat(p.toString()).fileType() == FileType.FIFO;
      } catch (FdException e) {
        return false;
      }
    }
  }

  /** {@code {ok, {ReadEnd, WriteEnd}}}. */
  record Pipe() implements DescriptorRequests, Inline, Owning {
    static Pipe decode(Args a) {
      return new Pipe();
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      Opened[] ends = c.adopt(() -> c.descriptors().pipe(c.caller()));
      return Terms.ok(
          Terms.tuple(c.encoder().handle(ends[0].handle()), c.encoder().handle(ends[1].handle())));
    }
  }

  record Close(Handle handle) implements DescriptorRequests {
    static Close decode(Args a) throws FdException {
      return new Close(a.handle(1));
    }

    /**
     * A file, directory or pipe with no operation in flight closes at once, so on the receiving
     * thread; a socket (a linger may wait) or a descriptor another call is using (the close waits
     * for it) goes to a worker. A handle that does not resolve is answered at once.
     */
    @Override
    public boolean inline(Context.Services s) {
      try {
        FdInner f = s.descriptors().lookup(handle);
        FileType t = f.type();
        return f.inFlight() == 0
            && (t == FileType.REGULAR || t == FileType.DIRECTORY || t == FileType.FIFO);
      } catch (FdException e) {
        return true;
      }
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      FdInner f = c.lookup(handle);
      c.descriptors().close(f);
      c.modes().forget(f);
      return Terms.OK;
    }
  }

  /**
   * {@code {ok, OpId}} now, {@code {fdnode_completion, OpId, Result}} to the caller when closed.
   */
  record CloseAsync(Handle handle) implements DescriptorRequests, Inline {
    static CloseAsync decode(Args a) throws FdException {
      return new CloseAsync(a.handle(1));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      FdInner f = c.lookup(handle);
      long op =
          c.descriptors()
              .closeAsync(
                  f,
                  done -> {
                    c.modes().forget(f);
                    c.send(
                        c.callerPid(),
                        Terms.tuple(COMPLETION, Terms.integer(done.opId()), result(done)));
                  });
      return Terms.ok(Terms.integer(op));
    }

    private static OtpErlangObject result(Completion done) {
      return done.error() == null ? Terms.OK : Terms.error(done.error());
    }
  }

  record Read(Handle handle, int size) implements DescriptorRequests {
    static Read decode(Args a) throws FdException {
      return new Read(a.handle(1), a.size(2));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      FdInner f = c.lookupPassive(handle, "read");
      Framer framer = f.framer();
      if (framer != null) { // one packet per read, or the bytes it holds first
        byte[] data =
            FramedReads.read(c, f, framer, size, -1, (max, ms) -> c.descriptors().read(f, max));
        return data == null ? Terms.EOF : Terms.ok(UncopiedBinary.owning(data));
      }
      byte[] kept = c.modes().takePending(f); // read for active delivery, owed to this read
      byte[] data = kept != null ? kept : c.descriptors().read(f, size);
      return data == null ? Terms.EOF : Terms.ok(UncopiedBinary.owning(data));
    }
  }

  record Write(Handle handle, byte[] data) implements DescriptorRequests {
    static Write decode(Args a) throws FdException {
      return new Write(a.handle(1), a.data(2));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      FdInner f = c.lookup(handle);
      c.descriptors().write(f, f.packet().frame(data)); // {packet, 1 | 2 | 4}: with its header
      return Terms.OK;
    }
  }

  /** Inline: only a regular file gets this far (a pipe or socket fails with espipe first). */
  record Pread(Handle handle, long offset, int size) implements DescriptorRequests, Inline {
    static Pread decode(Args a) throws FdException {
      return new Pread(a.handle(1), a.offset(2), a.size(3));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      byte[] data = c.descriptors().pread(c.lookup(handle), offset, size);
      return data == null ? Terms.EOF : Terms.ok(UncopiedBinary.owning(data));
    }
  }

  /** Inline for the reason {@link Pread} is. */
  record Pwrite(Handle handle, long offset, byte[] data) implements DescriptorRequests, Inline {
    static Pwrite decode(Args a) throws FdException {
      return new Pwrite(a.handle(1), a.offset(2), a.data(3));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      c.descriptors().pwrite(c.lookup(handle), offset, data);
      return Terms.OK;
    }
  }

  /**
   * {@code {ok, [binary() | eof]}}, one entry per range, as {@code file:pread/2}. Inline: only a
   * seekable file is read (anything else is espipe before the first read), and the batch reads at
   * most what one {@link Pread} may.
   */
  record PreadMany(Handle handle, Args.Reads ranges) implements DescriptorRequests, Inline {
    static PreadMany decode(Args a) throws FdException {
      return new PreadMany(a.handle(1), a.reads(2));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      byte[][] data = c.descriptors().preadMany(c.lookup(handle), ranges.offsets(), ranges.sizes());
      OtpErlangObject[] out = new OtpErlangObject[data.length];
      for (int i = 0; i < data.length; i++) {
        out[i] = data[i] == null ? Terms.EOF : UncopiedBinary.owning(data[i]);
      }
      return Terms.ok(new OtpErlangList(out));
    }
  }

  /** {@code ok} once every piece is written, in list order; inline for the reason of PreadMany. */
  record PwriteMany(Handle handle, Args.Writes pieces) implements DescriptorRequests, Inline {
    static PwriteMany decode(Args a) throws FdException {
      return new PwriteMany(a.handle(1), a.writes(2));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      c.descriptors().pwriteMany(c.lookup(handle), pieces.offsets(), pieces.data());
      return Terms.OK;
    }
  }

  /** {@code whence} is one of {@link Posix#SEEK_SET}, {@code SEEK_CUR}, {@code SEEK_END}. */
  record Position(Handle handle, long offset, int whence) implements DescriptorRequests, Inline {
    static Position decode(Args a) throws FdException {
      Handle h = a.handle(1);
      Args.Location where = a.location(2);
      return new Position(h, where.offset(), where.whence());
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      return Terms.ok(Terms.integer(c.descriptors().position(c.lookup(handle), offset, whence)));
    }
  }

  record Sync(Handle handle) implements DescriptorRequests {
    static Sync decode(Args a) throws FdException {
      return new Sync(a.handle(1));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      c.descriptors().sync(c.lookup(handle));
      return Terms.OK;
    }
  }
}
