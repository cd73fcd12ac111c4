package dev.fdnode.net;

import dev.fdnode.core.Errnos;
import dev.fdnode.core.FdException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * TCP client sockets as raw descriptors, bound with jnr-ffi (JNR-POSIX has no
 * socket calls, and java.nio channels hide their fd). The descriptor a
 * successful {@link #connect} returns is blocking and close-on-exec, so the
 * core reads and writes it like a pipe; register it with
 * {@code Descriptors.openWith} and active delivery, passive reads, writes and
 * close all work on it.
 *
 * <p>Errors are POSIX atom names as everywhere else ({@code econnrefused},
 * {@code etimedout}, {@code enetunreach}, ...); a host name that does not
 * resolve is {@code nxdomain}, as with {@code gen_tcp}. Listening, accepting,
 * UDP and socket options are meant to be added here later.
 */
public final class Sockets {
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_ERROR = 4;
    static final int POLLOUT = 0x004;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int O_NONBLOCK = 0x800;
    static final int EINTR = 4;
    static final int EINPROGRESS = 115;

    /** The libc calls used here. */
    public interface LibC {
        int socket(int domain, int type, int protocol);

        int connect(int fd, @In Pointer addr, int len);

        int poll(Pointer fds, long nfds, int timeout);

        int getsockopt(int fd, int level, int name, @Out Pointer value, Pointer len);

        int fcntl(int fd, int cmd, int arg);

        int close(int fd);
    }

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    /**
     * Connects to {@code host:port} (a name, an IPv4 or an IPv6 literal) within
     * {@code timeoutMs} and returns the connected, blocking descriptor. Each
     * address the name resolves to is tried in turn within the same deadline;
     * the last failure is thrown.
     */
    public int connect(String host, int port, long timeoutMs) throws FdException {
        if (port < 1 || port > 65535) {
            throw new FdException("einval", "port " + port + " out of range");
        }
        if (timeoutMs < 0) {
            throw new FdException("einval", "negative timeout");
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new FdException("nxdomain", "cannot resolve " + host);
        } catch (SecurityException e) {
            throw new FdException("eacces", "resolve " + host + ": " + e.getMessage());
        }
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        FdException last = new FdException("nxdomain", "no address for " + host);
        for (InetAddress a : addresses) {
            try {
                return connect(a, port, deadline);
            } catch (FdException e) {
                last = e;
                if ("etimedout".equals(e.reason())) {
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
                if (err != EINPROGRESS && err != EINTR) {
                    throw Errnos.exception(err, "connect");
                }
                awaitWritable(fd, deadline);
                int soError = soError(fd);
                if (soError != 0) {
                    throw Errnos.exception(soError, "connect");
                }
            }
            int flags = LIBC.fcntl(fd, F_GETFL, 0);
            if (flags < 0 || LIBC.fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
                throw Errnos.exception(errno(), "fcntl");
            }
            ok = true;
            return fd;
        } finally {
            if (!ok) {
                LIBC.close(fd);
            }
        }
    }

    private static void awaitWritable(int fd, long deadline) throws FdException {
        Pointer pfd = Memory.allocateDirect(RUNTIME, 8, true); // struct pollfd {int fd; short events, revents;}
        while (true) {
            long left = Math.max(0, (deadline - System.nanoTime() + 999_999) / 1_000_000L);
            pfd.putInt(0, fd);
            pfd.putShort(4, (short) POLLOUT);
            pfd.putShort(6, (short) 0);
            int n = LIBC.poll(pfd, 1, (int) Math.min(left, Integer.MAX_VALUE));
            if (n > 0) {
                return; // writable, or an error/hang-up that SO_ERROR names
            }
            if (n == 0) {
                throw new FdException("etimedout", "connect: no answer in time");
            }
            int err = errno();
            if (err != EINTR) {
                throw Errnos.exception(err, "poll");
            }
        }
    }

    private static int soError(int fd) throws FdException {
        Pointer value = Memory.allocateDirect(RUNTIME, 4, true);
        Pointer len = Memory.allocateDirect(RUNTIME, 4, true);
        len.putInt(0, 4);
        if (LIBC.getsockopt(fd, SOL_SOCKET, SO_ERROR, value, len) < 0) {
            throw Errnos.exception(errno(), "getsockopt");
        }
        return value.getInt(0);
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

    private static int errno() {
        return LastError.getLastError(RUNTIME);
    }
}
