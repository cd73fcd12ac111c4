package dev.fdnode.request;

import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import dev.fdnode.core.FdException;

/**
 * One decoded request, the last element of a {@code '$fdnode_call'} (docs/protocol.md): the unit of
 * the node's code. Each is a record in the sealed interface of its domain (descriptors, control,
 * sockets, paths, copy) that decodes itself from the request tuple ({@code static decode}), says
 * whether it may wait for another party (an {@link Inline} one does not), and runs against a {@link
 * Context}. The table of requests maps each tag and arity to its decoder.
 */
public interface Request {

  /**
   * Marks a request that waits for no other party (no pipe or socket peer, no lock another call
   * holds, no drain, no timer): it runs on the receiving thread, since a handoff to a worker costs
   * more than it does. Every other request runs on the bounded worker pool.
   *
   * <p>Inline is not instant: pread and pwrite (and their batches) on a regular file move up to
   * {@link dev.fdnode.core.Descriptors#MAX_READ} bytes (8 MiB) through the page cache or the disk
   * right there, and every later call from the same BEAM node (one connection, one thread) waits
   * for it; the same for a file system that hangs (NFS without its server).
   */
  interface Inline {}

  /**
   * Whether this request runs on the receiving thread: an {@link Inline} one does; a request that
   * blocks or not depending on its arguments or on what it touches (the file type behind a path or
   * a descriptor) says so itself, after a cheap look. Called on the receiving thread just before
   * the request runs.
   */
  default boolean inline(Context.Services s) {
    return this instanceof Inline;
  }

  /** Marks a request that makes its caller the owner of the descriptors it creates. */
  interface Owning {}

  /**
   * The process this request would make an owner, for {@code caller}; null when it makes none. The
   * node has that process's node's watcher watch it first ({@code Watchers.ensureWatched}).
   */
  default OtpErlangPid newOwner(OtpErlangPid caller) {
    return this instanceof Owning ? caller : null;
  }

  /** Executes the request for {@code c}'s caller; the result term is the reply. */
  OtpErlangObject run(Context c) throws FdException;
}
