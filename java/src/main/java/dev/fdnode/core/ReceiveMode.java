package dev.fdnode.core;

/** How the controlling process receives data, as with gen_tcp's {active, ...}. */
public enum ReceiveMode {
  PASSIVE,
  ACTIVE,
  ACTIVE_ONCE,
  /** {@code {active, N}}: N more messages ({@link FdInner#activeCount()}), then passive. */
  ACTIVE_N
}
