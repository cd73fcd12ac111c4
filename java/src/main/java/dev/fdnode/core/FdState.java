package dev.fdnode.core;

/** Lifecycle of a managed descriptor; only ever moves forward. */
public enum FdState {
  OPEN,
  CLOSING,
  CLOSED
}
