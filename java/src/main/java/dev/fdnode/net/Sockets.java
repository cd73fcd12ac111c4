package dev.fdnode.net;

import static dev.fdnode.core.Native.LIBC;
import static dev.fdnode.core.Native.RUNTIME;

import dev.fdnode.core.Errnos;
import dev.fdnode.core.FdException;
import dev.fdnode.core.FdInner;
import dev.fdnode.core.Native;
import dev.fdnode.core.Reason;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * TCP and UDP sockets as raw descriptors, bound with jnr-ffi (JNR-POSIX has no socket calls, and
 * java.nio channels hide their fd). Every descriptor made here is close-on-exec; connected and
 * accepted TCP sockets are blocking, so the core reads and writes them like a pipe; listeners are
 * non-blocking (an accept never blocks past its poll). Register them with {@code
 * Descriptors.openWith}.
 *
 * <p>Calls that wait ({@link #accept}, {@link #recv}, {@link #recvFrom}) poll in slices of at most
 * {@link Native#SLICE_MS} and take a fresh {@link FdInner.Use} per slice, so a concurrent close is
 * never held up by a long wait: the wait then ends with {@code closed}. {@link #send} uses send(2)
 * with MSG_NOSIGNAL, so a peer that went away gives {@code closed}, never SIGPIPE.
 *
 * <p>Errors are POSIX atom names as everywhere else ({@code econnrefused}, {@code etimedout}, ...);
 * a host name that does not resolve is {@code nxdomain}, a wait that ran out is {@code timeout}.
 */
public final class Sockets {
  static final int AF_INET = 2;
  static final int AF_INET6 = 10;
  static final int SOCK_STREAM = 1;
  static final int SOCK_DGRAM = 2;
  static final int SOCK_NONBLOCK = 0x800;
  static final int SOCK_CLOEXEC = 0x80000;
  static final int SOL_SOCKET = 1;
  static final int SO_REUSEADDR = 2;
  static final int SO_TYPE = 3;
  static final int SO_ERROR = 4;
  static final int SO_SNDBUF = 7;
  static final int SO_RCVBUF = 8;
  static final int SO_KEEPALIVE = 9;
  static final int IPPROTO_TCP = 6;
  static final int TCP_NODELAY = 1;
  static final int IPPROTO_IPV6 = 41;
  static final int IPV6_V6ONLY = 26;
  static final int POLLIN = Native.POLLIN;
  static final int POLLOUT = Native.POLLOUT;
  static final int F_GETFL = 3;
  static final int F_SETFL = 4;
  static final int O_NONBLOCK = 0x800;
  static final int MSG_DONTWAIT = 0x40;
  static final int MSG_NOSIGNAL = 0x4000;
  static final int EAGAIN = 11;
  static final int EINPROGRESS = 115;
  static final int EPIPE = 32;
  static final int ECONNRESET = 104;
  static final int ECONNABORTED = 103;
  static final int ENOTSOCK = 88;

  /** Largest datagram (IPv4/IPv6 UDP payload without jumbograms). */
  public static final int MAX_DATAGRAM = 65_535;

  /** A received datagram: the sender's address (4 or 16 bytes) and port. */
  public record Datagram(InetAddress from, int port, byte[] data) {}

  /** A socket option and its value as an int (booleans are 0/1). */
  public enum Option {
    NODELAY(IPPROTO_TCP, TCP_NODELAY, true),
    KEEPALIVE(SOL_SOCKET, SO_KEEPALIVE, true),
    REUSEADDR(SOL_SOCKET, SO_REUSEADDR, true),
    SNDBUF(SOL_SOCKET, SO_SNDBUF, false),
    RECBUF(SOL_SOCKET, SO_RCVBUF, false);

    final int level;
    final int name;
    public final boolean bool;

    Option(int level, int name, boolean bool) {
      this.level = level;
      this.name = name;
      this.bool = bool;
    }
  }

  // ---------------------------------------------------------------- TCP client

  /**
   * Connects to {@code host:port} (a name, an IPv4 or an IPv6 literal) within {@code timeoutMs} and
   * returns the connected, blocking descriptor. Each address the name resolves to is tried in turn
   * within the same deadline ({@code timeout} once it has passed); the last failure is thrown.
   */
  public int connect(String host, int port, long timeoutMs) throws FdException {
    if (port < 1 || port > 65535) {
      throw new FdException(Reason.EINVAL, "port " + port + " out of range");
    }
    if (timeoutMs < 0) {
      throw new FdException(Reason.EINVAL, "negative timeout");
    }
    InetAddress[] addresses = resolveAll(host);
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    FdException last = new FdException(Reason.NXDOMAIN, "no address for " + host);
    for (InetAddress a : addresses) {
      try {
        return connect(a, port, deadline);
      } catch (FdException e) {
        last = e;
        if (e.is(Reason.TIMEOUT)) {
          break; // the deadline is shared: nothing left for the others
        }
      }
    }
    throw last;
  }

  private int connect(InetAddress address, int port, long deadline) throws FdException {
    Pointer sa = sockaddr(address, port);
    int family = address instanceof Inet6Address ? AF_INET6 : AF_INET;
    int fd = LIBC.socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      throw Errnos.exception(errno(), "socket");
    }
    boolean ok = false;
    try {
      if (LIBC.connect(fd, sa, (int) sa.size()) < 0) {
        int err = errno();
        if (err != EINPROGRESS && err != Native.EINTR) {
          throw Errnos.exception(err, "connect");
        }
        if (!awaitReady(fd, POLLOUT, deadline)) {
          // The caller's deadline, as for accept and recv: timeout. A kernel
          // ETIMEDOUT (SO_ERROR below) stays etimedout.
          throw new FdException(Reason.TIMEOUT, "connect: no answer in time");
        }
        int soError = getInt(fd, SOL_SOCKET, SO_ERROR);
        if (soError != 0) {
          throw Errnos.exception(soError, "connect");
        }
      }
      setBlocking(fd, true);
      ok = true;
      return fd;
    } finally {
      if (!ok) {
        LIBC.close(fd);
      }
    }
  }

  // ---------------------------------------------------------------- TCP server

  /**
   * A listening TCP socket bound to {@code ip} (a literal or name; null for every address of the
   * family) and {@code port} (0 for any free port). Non-blocking, so {@link #accept} never blocks
   * past its poll. With {@code inet6} and no address it binds {@code ::} (dual stack).
   */
  public int listen(String ip, int port, int backlog, boolean reuseaddr, boolean inet6)
      throws FdException {
    checkPort0(port);
    InetAddress address = bindAddress(ip, inet6);
    int fd = boundSocket(address, port, SOCK_STREAM, reuseaddr);
    boolean ok = false;
    try {
      if (LIBC.listen(fd, Math.max(1, backlog)) < 0) {
        throw Errnos.exception(errno(), "listen");
      }
      ok = true;
      return fd;
    } finally {
      if (!ok) {
        LIBC.close(fd);
      }
    }
  }

  /**
   * Waits up to {@code timeoutMs} for a connection on {@code listener} and returns the accepted,
   * blocking, close-on-exec descriptor. {@code timeout} when none came, {@code closed} when the
   * listener was closed meanwhile.
   */
  public int accept(FdInner listener, long timeoutMs) throws FdException {
    long deadline = deadline(timeoutMs);
    while (true) {
      try (FdInner.Use u = listener.use()) {
        int fd = LIBC.accept4(u.fd(), null, null, SOCK_CLOEXEC);
        if (fd >= 0) {
          return fd;
        }
        int err = errno();
        if (err != EAGAIN && err != Native.EINTR && err != ECONNABORTED) {
          throw Errnos.exception(err, "accept");
        }
        if (!awaitSlice(u.fd(), POLLIN, deadline) && System.nanoTime() - deadline >= 0) {
          throw new FdException(Reason.TIMEOUT, "accept: no connection in time");
        }
      }
    }
  }

  // ---------------------------------------------------------------- stream I/O

  /**
   * Sends every byte of {@code data} (partial sends continue). A peer that has gone (EPIPE,
   * ECONNRESET) is {@code closed}; no SIGPIPE is raised.
   */
  public void send(FdInner f, byte[] data) throws FdException {
    try (FdInner.Use u = f.use()) {
      int done = 0;
      while (done < data.length) {
        byte[] rest = done == 0 ? data : Arrays.copyOfRange(data, done, data.length);
        long n = LIBC.send(u.fd(), rest, rest.length, MSG_NOSIGNAL);
        if (n < 0) {
          int err = errno();
          if (err == Native.EINTR) {
            continue;
          }
          if (err == EPIPE || err == ECONNRESET) {
            throw new FdException(Reason.CLOSED, "send: peer gone (" + Errnos.reason(err) + ")");
          }
          throw Errnos.exception(err, "send");
        }
        done += (int) n;
      }
    }
  }

  /**
   * Waits up to {@code timeoutMs} until {@code f} is readable, then reads up to {@code max} bytes:
   * null at end of input, {@code timeout} if nothing came. Works on any pollable descriptor
   * (socket, pipe, FIFO).
   */
  public byte[] recv(FdInner f, int max, long timeoutMs) throws FdException {
    long deadline = deadline(timeoutMs);
    byte[] buf = new byte[Math.max(1, max)];
    while (true) {
      try (FdInner.Use u = f.use()) {
        if (awaitSlice(u.fd(), POLLIN, deadline)) {
          long n = LIBC.recv(u.fd(), buf, buf.length, MSG_DONTWAIT);
          if (n < 0 && errno() == ENOTSOCK) {
            n = LIBC.read(u.fd(), buf, buf.length); // a pipe or FIFO: readable, so no wait
          }
          if (n > 0) {
            return n == buf.length ? buf : Arrays.copyOf(buf, (int) n);
          }
          if (n == 0) {
            return null;
          }
          int err = errno();
          if (err != EAGAIN && err != Native.EINTR) {
            throw Errnos.exception(err, "recv");
          }
        } else if (System.nanoTime() - deadline >= 0) {
          throw new FdException(Reason.TIMEOUT, "recv: nothing in time");
        }
      }
    }
  }

  // ---------------------------------------------------------------- UDP

  /**
   * A UDP socket bound to {@code ip} (null: every address of the family) and {@code port} (0: any).
   */
  public int udpOpen(String ip, int port, boolean reuseaddr, boolean inet6) throws FdException {
    checkPort0(port);
    return boundSocket(bindAddress(ip, inet6), port, SOCK_DGRAM, reuseaddr);
  }

  /** Sends one datagram to {@code host:port}. */
  public void sendTo(FdInner f, String host, int port, byte[] data) throws FdException {
    if (port < 1 || port > 65535) {
      throw new FdException(Reason.EINVAL, "port " + port + " out of range");
    }
    InetAddress to = resolveAll(host)[0];
    try (FdInner.Use u = f.use()) {
      Pointer sa = sockaddr(mapForFamily(u.fd(), to), port);
      while (true) {
        long n = LIBC.sendto(u.fd(), data, data.length, MSG_NOSIGNAL, sa, (int) sa.size());
        if (n >= 0) {
          return;
        }
        int err = errno();
        if (err != Native.EINTR) {
          throw Errnos.exception(err, "sendto");
        }
      }
    }
  }

  /** Waits up to {@code timeoutMs} for one datagram; {@code timeout} if none came. */
  public Datagram recvFrom(FdInner f, long timeoutMs) throws FdException {
    long deadline = deadline(timeoutMs);
    while (true) {
      try (FdInner.Use u = f.use()) {
        if (awaitSlice(u.fd(), POLLIN, deadline)) {
          Datagram d = receiveNow(u.fd());
          if (d != null) {
            return d;
          }
        } else if (System.nanoTime() - deadline >= 0) {
          throw new FdException(Reason.TIMEOUT, "recv_from: nothing in time");
        }
      }
    }
  }

  /** One datagram if one is waiting, else null; never blocks. */
  public static Datagram receiveNow(int fd) throws FdException {
    byte[] buf = new byte[MAX_DATAGRAM];
    Pointer sa = Memory.allocateDirect(RUNTIME, 28, true);
    Pointer len = Memory.allocateDirect(RUNTIME, 4, true);
    while (true) {
      len.putInt(0, 28);
      long n = LIBC.recvfrom(fd, buf, buf.length, MSG_DONTWAIT, sa, len);
      if (n >= 0) {
        InetSocketAddress from = parse(sa);
        return new Datagram(from.getAddress(), from.getPort(), Arrays.copyOf(buf, (int) n));
      }
      int err = errno();
      if (err == EAGAIN) {
        return null;
      }
      if (err != Native.EINTR) {
        throw Errnos.exception(err, "recvfrom");
      }
    }
  }

  /** Whether {@code fd} is a datagram socket (SO_TYPE); false for anything else. */
  public static boolean isDatagram(int fd) {
    Pointer value = Memory.allocateDirect(RUNTIME, 4, true);
    Pointer len = Memory.allocateDirect(RUNTIME, 4, true);
    len.putInt(0, 4);
    return LIBC.getsockopt(fd, SOL_SOCKET, SO_TYPE, value, len) == 0
        && value.getInt(0) == SOCK_DGRAM;
  }

  // ---------------------------------------------------------------- options and names

  public void setOption(FdInner f, Option o, int value) throws FdException {
    try (FdInner.Use u = f.use()) {
      setInt(u.fd(), o.level, o.name, value);
    }
  }

  /**
   * The option's value; SO_SNDBUF/SO_RCVBUF are what the kernel reports (it doubles what was set).
   */
  public int getOption(FdInner f, Option o) throws FdException {
    try (FdInner.Use u = f.use()) {
      return getInt(u.fd(), o.level, o.name);
    }
  }

  public InetSocketAddress sockname(FdInner f) throws FdException {
    try (FdInner.Use u = f.use()) {
      return name(u.fd(), false);
    }
  }

  public InetSocketAddress peername(FdInner f) throws FdException {
    try (FdInner.Use u = f.use()) {
      return name(u.fd(), true);
    }
  }

  private static InetSocketAddress name(int fd, boolean peer) throws FdException {
    Pointer sa = Memory.allocateDirect(RUNTIME, 28, true);
    Pointer len = Memory.allocateDirect(RUNTIME, 4, true);
    len.putInt(0, 28);
    int r = peer ? LIBC.getpeername(fd, sa, len) : LIBC.getsockname(fd, sa, len);
    if (r < 0) {
      throw Errnos.exception(errno(), peer ? "getpeername" : "getsockname");
    }
    return parse(sa);
  }

  // ---------------------------------------------------------------- helpers

  private static int boundSocket(InetAddress address, int port, int type, boolean reuseaddr)
      throws FdException {
    boolean v6 = address instanceof Inet6Address;
    int fd = LIBC.socket(v6 ? AF_INET6 : AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      throw Errnos.exception(errno(), "socket");
    }
    boolean ok = false;
    try {
      if (reuseaddr) {
        setInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
      }
      if (v6 && address.isAnyLocalAddress()) {
        setInt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0); // :: takes IPv4 too
      }
      Pointer sa = sockaddr(address, port);
      if (LIBC.bind(fd, sa, (int) sa.size()) < 0) {
        throw Errnos.exception(errno(), "bind");
      }
      if (type == SOCK_DGRAM) {
        setBlocking(fd, true); // receives use MSG_DONTWAIT after poll
      }
      ok = true;
      return fd;
    } finally {
      if (!ok) {
        LIBC.close(fd);
      }
    }
  }

  /** An IPv4 target on an IPv6 socket is sent to as ::ffff:a.b.c.d. */
  private static InetAddress mapForFamily(int fd, InetAddress to) throws FdException {
    if (to instanceof Inet4Address && sockFamily(fd) == AF_INET6) {
      byte[] v4 = to.getAddress();
      byte[] mapped = new byte[16];
      mapped[10] = (byte) 0xff;
      mapped[11] = (byte) 0xff;
      System.arraycopy(v4, 0, mapped, 12, 4);
      try {
        return Inet6Address.getByAddress(null, mapped, -1);
      } catch (UnknownHostException e) {
        throw new FdException(Reason.EINVAL, "bad address");
      }
    }
    return to;
  }

  private static int sockFamily(int fd) throws FdException {
    Pointer sa = Memory.allocateDirect(RUNTIME, 28, true);
    Pointer len = Memory.allocateDirect(RUNTIME, 4, true);
    len.putInt(0, 28);
    if (LIBC.getsockname(fd, sa, len) < 0) {
      throw Errnos.exception(errno(), "getsockname");
    }
    return sa.getShort(0);
  }

  private static InetAddress bindAddress(String ip, boolean inet6) throws FdException {
    if (ip == null) {
      try {
        return InetAddress.getByName(inet6 ? "::" : "0.0.0.0");
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e);
      }
    }
    InetAddress a = resolveAll(ip)[0];
    if (inet6 && a instanceof Inet4Address) {
      throw new FdException(Reason.EINVAL, "inet6 socket with an IPv4 address");
    }
    return a;
  }

  static InetAddress[] resolveAll(String host) throws FdException {
    try {
      return InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new FdException(Reason.NXDOMAIN, "cannot resolve " + host);
    } catch (SecurityException e) {
      throw new FdException(Reason.EACCES, "resolve " + host + ": " + e.getMessage());
    }
  }

  private static void checkPort0(int port) throws FdException {
    if (port < 0 || port > 65535) {
      throw new FdException(Reason.EINVAL, "port " + port + " out of range");
    }
  }

  private static long deadline(long timeoutMs) throws FdException {
    if (timeoutMs < 0) {
      throw new FdException(Reason.EINVAL, "negative timeout");
    }
    return System.nanoTime() + Math.min(timeoutMs, 86_400_000L) * 1_000_000L;
  }

  private static void setBlocking(int fd, boolean blocking) throws FdException {
    int flags = LIBC.fcntl(fd, F_GETFL, 0);
    int wanted = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK;
    if (flags < 0 || LIBC.fcntl(fd, F_SETFL, wanted) < 0) {
      throw Errnos.exception(errno(), "fcntl");
    }
  }

  /** Polls until the deadline; true when ready (or an error/hang-up is pending). */
  private static boolean awaitReady(int fd, int events, long deadline) throws FdException {
    while (true) {
      if (Native.poll(fd, events, msLeft(deadline))) {
        return true;
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
    }
  }

  /** One poll of at most {@link Native#SLICE_MS}: true when ready. */
  private static boolean awaitSlice(int fd, int events, long deadline) throws FdException {
    return Native.poll(fd, events, Math.min(Native.SLICE_MS, msLeft(deadline)));
  }

  private static long msLeft(long deadline) {
    return Math.max(0, (deadline - System.nanoTime() + 999_999) / 1_000_000L);
  }

  private static int getInt(int fd, int level, int name) throws FdException {
    Pointer value = Memory.allocateDirect(RUNTIME, 4, true);
    Pointer len = Memory.allocateDirect(RUNTIME, 4, true);
    len.putInt(0, 4);
    if (LIBC.getsockopt(fd, level, name, value, len) < 0) {
      throw Errnos.exception(errno(), "getsockopt");
    }
    return value.getInt(0);
  }

  private static void setInt(int fd, int level, int name, int v) throws FdException {
    Pointer value = Memory.allocateDirect(RUNTIME, 4, true);
    value.putInt(0, v);
    if (LIBC.setsockopt(fd, level, name, value, 4) < 0) {
      throw Errnos.exception(errno(), "setsockopt");
    }
  }

  /** struct sockaddr_in (16 bytes) or sockaddr_in6 (28 bytes); port in network order. */
  static Pointer sockaddr(InetAddress address, int port) {
    byte[] ip = address.getAddress();
    boolean v6 = address instanceof Inet6Address;
    Pointer p = Memory.allocateDirect(RUNTIME, v6 ? 28 : 16, true);
    p.putShort(0, (short) (v6 ? AF_INET6 : AF_INET)); // sa_family: host byte order
    p.putByte(2, (byte) (port >>> 8));
    p.putByte(3, (byte) port);
    if (v6) {
      p.put(8, ip, 0, 16); // after sin6_flowinfo
      p.putInt(24, ((Inet6Address) address).getScopeId());
    } else {
      assert address instanceof Inet4Address;
      p.put(4, ip, 0, 4);
    }
    return p;
  }

  /**
   * The address and port of a sockaddr_in or sockaddr_in6; an IPv4-mapped IPv6 address comes back
   * as IPv4.
   */
  static InetSocketAddress parse(Pointer sa) throws FdException {
    int family = sa.getShort(0);
    int port = ((sa.getByte(2) & 0xff) << 8) | (sa.getByte(3) & 0xff);
    byte[] ip;
    if (family == AF_INET6) {
      ip = new byte[16];
      sa.get(8, ip, 0, 16);
    } else if (family == AF_INET) {
      ip = new byte[4];
      sa.get(4, ip, 0, 4);
    } else {
      throw new FdException(Reason.EAFNOSUPPORT, "address family " + family);
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), port);
    } catch (UnknownHostException e) {
      throw new FdException(Reason.EINVAL, "bad address");
    }
  }

  private static int errno() {
    return Native.errno();
  }
}
