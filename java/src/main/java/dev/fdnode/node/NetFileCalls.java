package dev.fdnode.node;

import com.ericsson.otp.erlang.OtpErlangBinary;
import com.ericsson.otp.erlang.OtpErlangList;
import com.ericsson.otp.erlang.OtpErlangMap;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangPid;
import com.ericsson.otp.erlang.OtpErlangTuple;
import dev.fdnode.active.ActiveEvent;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Opened;
import dev.fdnode.core.Pid;
import dev.fdnode.core.ReceiveMode;
import dev.fdnode.fs.FileOps;
import dev.fdnode.net.Sockets;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * Executes the socket and file requests ({@link Request.NetFile}) for the {@link Dispatcher}: TCP
 * listen/accept/connect with options, send/recv, UDP, socket options and names, file metadata and
 * directories. New descriptors are owned by the caller, like an open; file paths go through the
 * node's {@link PathPolicy} and then {@link PathOps} (openat walk + *at calls).
 */
final class NetFileCalls {
  private static final Logger LOG = Logger.getLogger(NetFileCalls.class.getName());
  private static final int DIR_MODE = 0755;

  /** The Dispatcher's own path for a request (used for {@code {active, _}} in setopts). */
  interface Inner {
    OtpErlangObject execute(OtpErlangPid caller, Request req);
  }

  private final Descriptors descriptors;
  private final PathPolicy policy;
  private final ReplyEncoder encoder;
  private final ModeControl modes;
  private final DownOwners downOwners;
  private final Sockets sockets;
  private final FileOps files = new FileOps();
  private final PathOps paths;

  NetFileCalls(
      Descriptors descriptors,
      PathPolicy policy,
      ReplyEncoder encoder,
      ModeControl modes,
      DownOwners downOwners,
      Sockets sockets) {
    this.descriptors = descriptors;
    this.policy = policy;
    this.encoder = encoder;
    this.modes = modes;
    this.downOwners = downOwners;
    this.sockets = sockets;
    this.paths = new PathOps(policy);
  }

  OtpErlangObject run(OtpErlangPid callerPid, Request.NetFile req, Inner dispatcher)
      throws FdException {
    Pid caller = Terms.toPid(callerPid);
    if (req instanceof Request.TcpListen l) {
      Request.SocketOptions o = l.options();
      boolean reuse =
          o.reuseaddr() == null || o.reuseaddr(); // as gen_tcp users expect a quick restart
      Opened opened =
          owned(
              caller,
              descriptors.openWith(
                  () ->
                      sockets.listen(
                          o.ip(), l.port(), o.backlog() < 0 ? 128 : o.backlog(), reuse, o.inet6()),
                  caller));
      applyOptions(opened.inner(), o, false);
      return Terms.ok(encoder.handle(opened.handle()));
    } else if (req instanceof Request.Accept a) {
      FdInner listener = descriptors.lookup(a.listener());
      Opened opened =
          owned(
              caller, descriptors.openWith(() -> sockets.accept(listener, a.timeoutMs()), caller));
      return Terms.ok(encoder.handle(opened.handle()));
    } else if (req instanceof Request.TcpConnectWith t) {
      Opened opened =
          owned(
              caller,
              descriptors.openWith(
                  () -> sockets.connect(t.host(), t.port(), t.timeoutMs()), caller));
      try {
        applyOptions(opened.inner(), t.options(), true);
      } catch (FdException e) {
        descriptors.close(opened.inner());
        throw e;
      }
      return Terms.ok(encoder.handle(opened.handle()));
    } else if (req instanceof Request.UdpOpen u) {
      Request.SocketOptions o = u.options();
      boolean reuse = o.reuseaddr() != null && o.reuseaddr();
      Opened opened =
          owned(
              caller,
              descriptors.openWith(
                  () -> sockets.udpOpen(o.ip(), u.port(), reuse, o.inet6()), caller));
      applyOptions(opened.inner(), o, false);
      return Terms.ok(encoder.handle(opened.handle()));
    } else if (req instanceof Request.Send s) {
      sockets.send(descriptors.lookup(s.handle()), s.data());
      descriptors.countTraffic(0, s.data().length);
      return Terms.OK;
    } else if (req instanceof Request.Recv r) {
      FdInner f = descriptors.lookup(r.handle());
      requirePassive(f);
      byte[] kept = modes.takePending(f); // read by active delivery as the fd turned passive
      byte[] data = kept != null ? kept : sockets.recv(f, r.size(), r.timeoutMs());
      if (data == null) return Terms.EOF;
      if (kept == null)
        descriptors.countTraffic(data.length, 0); // kept bytes were counted when read
      return Terms.ok(new OtpErlangBinary(data));
    } else if (req instanceof Request.SendTo s) {
      sockets.sendTo(descriptors.lookup(s.handle()), s.host(), s.port(), s.data());
      descriptors.countTraffic(0, s.data().length);
      return Terms.OK;
    } else if (req instanceof Request.RecvFrom r) {
      FdInner f = descriptors.lookup(r.handle());
      requirePassive(f);
      ActiveEvent.Datagram kept = modes.takePendingDatagram(f); // counted when it was read
      if (kept != null) {
        return Terms.ok(
            Terms.tuple(
                ReplyEncoder.address(kept.from()),
                Terms.integer(kept.port()),
                new OtpErlangBinary(kept.data())));
      }
      Sockets.Datagram d = sockets.recvFrom(f, r.timeoutMs());
      descriptors.countTraffic(d.data().length, 0);
      return Terms.ok(
          Terms.tuple(
              ReplyEncoder.address(d.from()),
              Terms.integer(d.port()),
              new OtpErlangBinary(d.data())));
    } else if (req instanceof Request.SetOpts s) {
      FdInner f = descriptors.lookup(s.handle());
      applyOptions(f, s.options(), true);
      if (s.active() != null) {
        return dispatcher.execute(callerPid, new Request.SetMode(s.handle(), s.active()));
      }
      return Terms.OK;
    } else if (req instanceof Request.GetOpts g) {
      FdInner f = descriptors.lookup(g.handle());
      List<OtpErlangObject> out = new ArrayList<>();
      for (String name : g.names()) {
        OtpErlangObject value;
        if (name.equals("active")) {
          value =
              Terms.atom(
                  switch (f.mode()) {
                    case ACTIVE -> "true";
                    case ACTIVE_ONCE -> "once";
                    default -> "false";
                  });
        } else {
          Sockets.Option o = Sockets.Option.valueOf(name.toUpperCase(Locale.ROOT));
          int v = sockets.getOption(f, o);
          value = o.bool ? Terms.atom(v != 0 ? "true" : "false") : Terms.integer(v);
        }
        out.add(Terms.tuple(Terms.atom(name), value));
      }
      return Terms.ok(new OtpErlangList(out.toArray(new OtpErlangObject[0])));
    } else if (req instanceof Request.Peername p) {
      return Terms.ok(socketAddress(sockets.peername(descriptors.lookup(p.handle()))));
    } else if (req instanceof Request.Sockname p) {
      return Terms.ok(socketAddress(sockets.sockname(descriptors.lookup(p.handle()))));
    } else if (req instanceof Request.FileInfo fi) {
      FileOps.Info info =
          fi.path() != null
              ? paths.fileInfo(fi.path())
              : files.fstat(descriptors.lookup(fi.handle()));
      return Terms.ok(fileInfo(info));
    } else if (req instanceof Request.ListDir l) {
      List<String> names = paths.listDir(l.path());
      OtpErlangObject[] bins = new OtpErlangObject[names.size()];
      for (int i = 0; i < bins.length; i++) {
        bins[i] =
            new OtpErlangBinary(names.get(i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      return Terms.ok(new OtpErlangList(bins));
    } else if (req instanceof Request.MakeDir m) {
      paths.makeDir(m.path(), DIR_MODE);
      return Terms.OK;
    } else if (req instanceof Request.DeleteFile d) {
      paths.deleteFile(d.path());
      return Terms.OK;
    } else if (req instanceof Request.DeleteDir d) {
      paths.deleteDir(d.path());
      return Terms.OK;
    } else if (req instanceof Request.Rename r) {
      paths.rename(r.from(), r.to());
      return Terms.OK;
    }
    throw new IllegalStateException("unhandled request " + req);
  }

  /**
   * An owner_down for {@code owner} may have overtaken this call: its sweep then missed the new
   * descriptor, so close it here rather than leak it.
   */
  private Opened owned(Pid owner, Opened opened) throws FdException {
    if (!downOwners.contains(owner)) return opened;
    try {
      descriptors.close(opened.inner());
    } catch (FdException e) {
      // already closed by the sweep
    }
    throw new FdException("closed", "owner exited during the call");
  }

  private void applyOptions(FdInner f, Request.SocketOptions o, boolean withReuse)
      throws FdException {
    if (withReuse && o.reuseaddr() != null)
      sockets.setOption(f, Sockets.Option.REUSEADDR, o.reuseaddr() ? 1 : 0);
    if (o.nodelay() != null) sockets.setOption(f, Sockets.Option.NODELAY, o.nodelay() ? 1 : 0);
    if (o.keepalive() != null)
      sockets.setOption(f, Sockets.Option.KEEPALIVE, o.keepalive() ? 1 : 0);
    if (o.sndbuf() > 0) sockets.setOption(f, Sockets.Option.SNDBUF, o.sndbuf());
    if (o.recbuf() > 0) sockets.setOption(f, Sockets.Option.RECBUF, o.recbuf());
  }

  private static void requirePassive(FdInner f) throws FdException {
    if (f.mode() != ReceiveMode.PASSIVE) throw new FdException("einval", "receive in active mode");
  }

  private static OtpErlangTuple socketAddress(InetSocketAddress a) {
    return Terms.tuple(ReplyEncoder.address(a.getAddress()), Terms.integer(a.getPort()));
  }

  private static OtpErlangMap fileInfo(FileOps.Info i) {
    OtpErlangMap m = new OtpErlangMap();
    m.put(Terms.atom("size"), Terms.integer(i.size()));
    m.put(Terms.atom("type"), Terms.atom(i.type()));
    m.put(Terms.atom("mode"), Terms.integer(i.mode()));
    m.put(Terms.atom("mtime"), Terms.integer(i.mtime()));
    return m;
  }
}
