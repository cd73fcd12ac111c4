package dev.fdnode.request;

import com.ericsson.otp.erlang.OtpErlangList;
import com.ericsson.otp.erlang.OtpErlangObject;
import com.ericsson.otp.erlang.OtpErlangTuple;
import dev.fdnode.active.ActiveEvent;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Framer;
import dev.fdnode.core.Handle;
import dev.fdnode.core.Opened;
import dev.fdnode.core.Packet;
import dev.fdnode.core.Reason;
import dev.fdnode.core.ReceiveMode;
import dev.fdnode.net.Sockets;
import dev.fdnode.terms.ReplyEncoder;
import dev.fdnode.terms.Terms;
import dev.fdnode.terms.UncopiedBinary;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * TCP and UDP sockets (docs/protocol.md "Sockets"): connect, listen, accept, send/recv, UDP, socket
 * options and names. New sockets are owned by the caller, like an open; receives are passive only.
 */
sealed interface SocketRequests extends Request {

  /**
   * {@code {tcp_connect, Host, Port, TimeoutMs}} or {@code {tcp_connect, Host, Port, TimeoutMs,
   * Options}}: a connected TCP socket, owned by the caller.
   */
  record TcpConnect(String host, int port, long timeoutMs, SocketOptions options)
      implements SocketRequests, Owning {
    public TcpConnect(String host, int port, long timeoutMs) {
      this(host, port, timeoutMs, SocketOptions.NONE);
    }

    static TcpConnect decode(Args a) throws FdException {
      return new TcpConnect(a.host(1), a.port(2), a.timeoutMs(3));
    }

    static TcpConnect decodeWithOptions(Args a) throws FdException {
      return new TcpConnect(a.host(1), a.port(2), a.timeoutMs(3), a.socketOptions(4));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      Opened opened = c.adoptOne(() -> c.sockets().connect(host, port, timeoutMs));
      try {
        options.applyTo(c.sockets(), opened.inner(), true);
      } catch (FdException e) {
        c.descriptors().close(opened.inner());
        throw e;
      }
      return Terms.ok(c.encoder().handle(opened.handle()));
    }
  }

  record TcpListen(int port, SocketOptions options) implements SocketRequests, Owning {
    static TcpListen decode(Args a) throws FdException {
      return new TcpListen(a.bindPort(1), a.socketOptions(2));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      boolean reuse = options.reuseaddr() == null || options.reuseaddr(); // a quick restart
      int backlog = options.backlog() < 0 ? 128 : options.backlog();
      Opened opened =
          c.adoptOne(() -> c.sockets().listen(options.ip(), port, backlog, reuse, options.inet6()));
      options.applyTo(c.sockets(), opened.inner(), false);
      return Terms.ok(c.encoder().handle(opened.handle()));
    }
  }

  record Accept(Handle listener, long timeoutMs) implements SocketRequests, Owning {
    static Accept decode(Args a) throws FdException {
      return new Accept(a.handle(1), a.timeoutMs(2));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      FdInner l = c.lookup(listener);
      Opened opened = c.adoptOne(() -> c.sockets().accept(l, timeoutMs));
      if (l.framer() != null) opened.inner().setPacket(l.packet()); // inherited, as with gen_tcp
      return Terms.ok(c.encoder().handle(opened.handle()));
    }
  }

  record Send(Handle handle, byte[] data) implements SocketRequests {
    static Send decode(Args a) throws FdException {
      return new Send(a.handle(1), a.data(2));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      FdInner f = c.lookup(handle);
      c.sockets().send(f, f.packet().frame(data)); // {packet, 1 | 2 | 4}: with its header
      c.descriptors().countTraffic(0, data.length);
      return Terms.OK;
    }
  }

  /**
   * {@code size} 0 means "what is there", up to 64 KiB; with a packet option, one packet (and then
   * it must be 0).
   */
  record Recv(Handle handle, int size, long timeoutMs) implements SocketRequests {
    static Recv decode(Args a) throws FdException {
      return new Recv(a.handle(1), a.size(2), a.timeoutMs(3));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      FdInner f = c.lookupPassive(handle, "receive");
      Framer framer = f.framer();
      if (framer != null) { // one packet per receive, or the bytes it holds first
        byte[] data =
            FramedReads.read(
                c,
                f,
                framer,
                size,
                timeoutMs,
                (max, ms) -> {
                  byte[] got = c.sockets().recv(f, max, ms);
                  if (got != null) c.descriptors().countTraffic(got.length, 0);
                  return got;
                });
        return data == null ? Terms.EOF : Terms.ok(UncopiedBinary.owning(data));
      }
      int size = this.size == 0 ? 65_536 : this.size;
      byte[] kept = c.modes().takePending(f); // read by active delivery as the fd turned passive
      byte[] data = kept != null ? kept : c.sockets().recv(f, size, timeoutMs);
      if (data == null) return Terms.EOF;
      if (kept == null) c.descriptors().countTraffic(data.length, 0); // kept: counted when read
      return Terms.ok(UncopiedBinary.owning(data));
    }
  }

  record UdpOpen(int port, SocketOptions options) implements SocketRequests, Owning {
    static UdpOpen decode(Args a) throws FdException {
      return new UdpOpen(a.bindPort(1), a.socketOptions(2));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      if (options.framing()) throw new FdException(Reason.EINVAL, "packet options on a UDP socket");
      boolean reuse = options.reuseaddr() != null && options.reuseaddr();
      Opened opened =
          c.adoptOne(() -> c.sockets().udpOpen(options.ip(), port, reuse, options.inet6()));
      options.applyTo(c.sockets(), opened.inner(), false);
      return Terms.ok(c.encoder().handle(opened.handle()));
    }
  }

  record SendTo(Handle handle, String host, int port, byte[] data) implements SocketRequests {
    static SendTo decode(Args a) throws FdException {
      return new SendTo(a.handle(1), a.address(2), a.port(3), a.data(4));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      c.sockets().sendTo(c.lookup(handle), host, port, data);
      c.descriptors().countTraffic(0, data.length);
      return Terms.OK;
    }
  }

  /** {@code {ok, {Address, Port, Data}}}. */
  record RecvFrom(Handle handle, long timeoutMs) implements SocketRequests {
    static RecvFrom decode(Args a) throws FdException {
      return new RecvFrom(a.handle(1), a.timeoutMs(2));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      FdInner f = c.lookupPassive(handle, "receive");
      ActiveEvent.Datagram kept = c.modes().takePendingDatagram(f); // counted when it was read
      if (kept != null) return Terms.ok(datagram(kept.from(), kept.port(), kept.data()));
      Sockets.Datagram d = c.sockets().recvFrom(f, timeoutMs);
      c.descriptors().countTraffic(d.data().length, 0);
      return Terms.ok(datagram(d.from(), d.port(), d.data()));
    }
  }

  /** {@code active} is null when not set; it is then set as set_mode sets it. */
  record SetOpts(Handle handle, SocketOptions options, Args.Activity active)
      implements SocketRequests {
    static SetOpts decode(Args a) throws FdException {
      Handle h = a.handle(1);
      Args.Activity[] active = new Args.Activity[1];
      SocketOptions o = a.setOptions(2, active);
      return new SetOpts(h, o, active[0]);
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      options.applyTo(c.sockets(), c.lookup(handle), true);
      if (active != null) return new ControlRequests.SetMode(handle, active).run(c);
      return Terms.OK;
    }
  }

  /** {@code {ok, [{Name, Value}]}}; {@code active} is {@code true | once | false | N}. */
  record GetOpts(Handle handle, List<String> names) implements SocketRequests {
    static GetOpts decode(Args a) throws FdException {
      return new GetOpts(a.handle(1), a.optionNames(2));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      FdInner f = c.lookup(handle);
      List<OtpErlangObject> out = new ArrayList<>();
      for (String name : names) {
        OtpErlangObject value;
        if (name.equals("active")) {
          value =
              Terms.atom(
                  switch (f.mode()) {
                    case ACTIVE -> "true";
                    case ACTIVE_ONCE -> "once";
                    default -> "false";
                  });
          if (f.mode() == ReceiveMode.ACTIVE_N) value = Terms.integer(f.activeCount());
        } else if (name.equals("packet")) {
          Packet.Type t = f.packet().type();
          value = t.header > 0 ? Terms.integer(t.header) : Terms.atom(t.wire);
        } else if (name.equals("packet_size")) {
          value = Terms.integer(f.packet().size());
        } else {
          Sockets.Option o = Sockets.Option.valueOf(name.toUpperCase(Locale.ROOT));
          int v = c.sockets().getOption(f, o);
          value = o.bool ? Terms.atom(v != 0 ? "true" : "false") : Terms.integer(v);
        }
        out.add(Terms.tuple(Terms.atom(name), value));
      }
      return Terms.ok(new OtpErlangList(out.toArray(new OtpErlangObject[0])));
    }
  }

  record Peername(Handle handle) implements SocketRequests {
    static Peername decode(Args a) throws FdException {
      return new Peername(a.handle(1));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      return Terms.ok(socketAddress(c.sockets().peername(c.lookup(handle))));
    }
  }

  record Sockname(Handle handle) implements SocketRequests {
    static Sockname decode(Args a) throws FdException {
      return new Sockname(a.handle(1));
    }

    @Override
    public OtpErlangObject run(Context c) throws FdException {
      return Terms.ok(socketAddress(c.sockets().sockname(c.lookup(handle))));
    }
  }

  private static OtpErlangTuple socketAddress(InetSocketAddress a) {
    return Terms.tuple(ReplyEncoder.address(a.getAddress()), Terms.integer(a.getPort()));
  }

  private static OtpErlangTuple datagram(InetAddress from, int port, byte[] data) {
    return Terms.tuple(
        ReplyEncoder.address(from), Terms.integer(port), UncopiedBinary.owning(data));
  }
}
