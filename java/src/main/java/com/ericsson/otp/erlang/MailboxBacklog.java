package com.ericsson.otp.erlang;

/**
 * How many messages wait in a mailbox's queue. JInterface keeps that count package-private (its
 * queue grows without bound); fdnode needs it to stop reading from peers while the mailbox is
 * behind ({@code dev.fdnode.node.IntakeGate}). The one class of fdnode in JInterface's package.
 */
public final class MailboxBacklog {
  private MailboxBacklog() {}

  public static int of(OtpMbox mbox) {
    return mbox.queue.getCount();
  }
}
