package dev.fdnode.poll;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;

/**
 * One epoll selector thread for many descriptors.
 *
 * <p>Every registration is one-shot: after a readiness event is handed to its handler, the
 * descriptor stays disarmed until the handler calls {@link Registration#rearm()}. That gives each
 * descriptor at most one handler running at a time and makes back-pressure natural: a descriptor
 * whose data has not been delivered yet is simply not watched.
 *
 * <p>Events carry a registration id, never the fd number, so an event that races with a cancel is
 * dropped instead of reaching whatever reuses the number. Callers must hold the descriptor open (an
 * in-flight use) while they register, rearm or cancel, so that those calls never name a reused fd.
 */
public final class Poller implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Poller.class.getName());
  private static final int BATCH = 64;
  private static final long WAKE_ID = 0;
  private static final int WATCH =
      LinuxEpoll.EPOLLIN | LinuxEpoll.EPOLLRDHUP | LinuxEpoll.EPOLLONESHOT;

  private final LinuxEpoll.Calls libc = LinuxEpoll.libc();
  private final int epfd;
  private final int wakeFd;
  private final Executor handlers;
  private final ConcurrentHashMap<Long, Registration> registrations = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong(WAKE_ID + 1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread thread;

  /** Starts the selector thread; ready handlers run on {@code handlers}. */
  public Poller(String name, Executor handlers) throws PollException {
    this.handlers = handlers;
    this.epfd = libc.epoll_create1(LinuxEpoll.O_CLOEXEC);
    if (epfd < 0) {
      throw new PollException("epoll_create1", LinuxEpoll.errno());
    }
    this.wakeFd = libc.eventfd(0, LinuxEpoll.O_CLOEXEC | LinuxEpoll.EFD_NONBLOCK);
    if (wakeFd < 0) {
      int errno = LinuxEpoll.errno();
      libc.close(epfd);
      throw new PollException("eventfd", errno);
    }
    try {
      control(LinuxEpoll.EPOLL_CTL_ADD, wakeFd, LinuxEpoll.EPOLLIN, WAKE_ID);
    } catch (PollException e) {
      libc.close(wakeFd);
      libc.close(epfd);
      throw e;
    }
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Watches {@code fd} for input; {@code onReady} runs once, then the fd waits for a rearm. */
  public Registration register(int fd, Runnable onReady) throws PollException {
    if (closed.get()) {
      throw new PollException("register on closed poller", LinuxEpoll.EINTR);
    }
    Registration registration = new Registration(nextId.getAndIncrement(), fd, onReady);
    registrations.put(registration.id, registration);
    try {
      control(LinuxEpoll.EPOLL_CTL_ADD, fd, WATCH, registration.id);
    } catch (PollException e) {
      registrations.remove(registration.id);
      throw e;
    }
    return registration;
  }

  /**
   * Bytes that can be read from {@code fd} without blocking (FIONREAD), or -1 when the kernel can't
   * say. The caller must hold the fd open.
   */
  public static int available(int fd) {
    IntByReference n = new IntByReference();
    return LinuxEpoll.libc().ioctl(fd, LinuxEpoll.FIONREAD, n) < 0 ? -1 : n.intValue();
  }

  /**
   * Asks for a pipe buffer of {@code bytes} (F_SETPIPE_SZ); returns the size the kernel granted, or
   * -1 (not a pipe, or above the system's limit). The caller must hold the fd open.
   */
  public static int growPipe(int fd, int bytes) {
    return LinuxEpoll.libc().fcntl(fd, LinuxEpoll.F_SETPIPE_SZ, bytes);
  }

  /** Number of live registrations (for stats and tests). */
  public int size() {
    return registrations.size();
  }

  private void control(int op, int fd, int flags, long id) throws PollException {
    Pointer event = LinuxEpoll.allocateEvents(1);
    LinuxEpoll.putEvent(event, 0, flags, id);
    if (libc.epoll_ctl(epfd, op, fd, event) < 0) {
      throw new PollException("epoll_ctl", LinuxEpoll.errno());
    }
  }

  private void run() {
    Pointer events = LinuxEpoll.allocateEvents(BATCH);
    while (!closed.get()) {
      int n = libc.epoll_wait(epfd, events, BATCH, -1);
      if (n < 0) {
        int errno = LinuxEpoll.errno();
        if (errno == LinuxEpoll.EINTR) {
          continue;
        }
        LOG.log(Level.SEVERE, "epoll_wait failed, errno {0}; poller stops", errno);
        return;
      }
      for (int i = 0; i < n; i++) {
        long id = LinuxEpoll.eventData(events, i);
        if (id == WAKE_ID) {
          continue; // close() woke us; the loop condition decides
        }
        Registration registration = registrations.get(id);
        if (registration != null && registration.live.get()) {
          handlers.execute(registration.onReady);
        }
      }
    }
  }

  /** Stops the selector thread and releases the epoll and eventfd descriptors. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Pointer one = LinuxEpoll.allocateEvents(1);
    one.putLong(0, 1L);
    libc.write(wakeFd, one, 8);
    // An interrupt must not cut the wait short: closing the eventfd before the selector has seen
    // the wake-up drops the event, and the selector would then block in epoll_wait for good.
    boolean interrupted = false;
    while (true) {
      try {
        thread.join(5_000);
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    registrations.clear();
    libc.close(wakeFd);
    libc.close(epfd);
  }

  /** One watched descriptor. */
  public final class Registration {
    private final long id;
    private final int fd;
    private final Runnable onReady;
    private final AtomicBoolean live = new AtomicBoolean(true);

    private Registration(long id, int fd, Runnable onReady) {
      this.id = id;
      this.fd = fd;
      this.onReady = onReady;
    }

    /** Arms the descriptor for one more readiness event. */
    public void rearm() throws PollException {
      if (!live.get()) {
        return;
      }
      control(LinuxEpoll.EPOLL_CTL_MOD, fd, WATCH, id);
    }

    /**
     * Drops the registration without touching epoll: for a descriptor that is already closing,
     * whose number must not be named again. The kernel removes the epoll entry when the descriptor
     * is closed.
     */
    public void forget() {
      if (live.compareAndSet(true, false)) {
        registrations.remove(id);
      }
    }

    /** Stops watching; idempotent. Call before the descriptor is closed. */
    public void cancel() {
      if (!live.compareAndSet(true, false)) {
        return;
      }
      registrations.remove(id);
      if (!closed.get()) {
        try {
          control(LinuxEpoll.EPOLL_CTL_DEL, fd, 0, id);
        } catch (PollException e) {
          // ENOENT/EBADF: the kernel already dropped it with the fd; nothing to undo.
          LOG.log(Level.FINE, "epoll_ctl DEL: {0}", e.getMessage());
        }
      }
    }
  }
}
