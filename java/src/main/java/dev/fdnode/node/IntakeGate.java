package dev.fdnode.node;

import com.ericsson.otp.erlang.MailboxBacklog;
import com.ericsson.otp.erlang.OtpMbox;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Bounds what the node takes in: every distribution connection's reader waits before reading more
 * bytes while the mailbox holds more than {@link #limit} unhandled messages. The peer's sends then
 * back up into its distribution buffer and the BEAM suspends the senders (distribution
 * back-pressure), so a flood of calls of any kind costs the JVM a bounded backlog instead of an
 * unbounded queue. Calls for workers are bounded again by the worker queue ({@code eagain}).
 */
final class IntakeGate {
  /** Unhandled messages the mailbox may hold before readers wait. */
  static final int DEFAULT_LIMIT = 2048;

  private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  private final int limit;
  private volatile OtpMbox mbox; // null until the mailbox exists
  private volatile boolean open = true;
  private final AtomicLong waits = new AtomicLong();

  IntakeGate(int limit) {
    this.limit = limit;
  }

  /** The mailbox whose backlog bounds the intake. */
  void watch(OtpMbox m) {
    mbox = m;
  }

  /** Returns once the mailbox has room (or the node is closing). */
  void awaitRoom() {
    OtpMbox m = mbox;
    if (m == null || MailboxBacklog.of(m) <= limit) return;
    waits.incrementAndGet();
    while (open && MailboxBacklog.of(m) > limit) {
      LockSupport.parkNanos(PAUSE_NANOS); // the receivers drain it within milliseconds
    }
  }

  /** Times a reader had to wait (for logs and tests). */
  long waits() {
    return waits.get();
  }

  /** Lets every reader through: the node is closing. */
  void close() {
    open = false;
  }
}
