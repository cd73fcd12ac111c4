package dev.fdnode.core;

/**
 * Bit layout of {@link FdInner}'s single 64-bit state word. Keeping lifecycle, in-flight count and
 * reference count in one word means every transition is one CAS and the "who performs the OS close"
 * decision is made atomically with the count change that enables it.
 *
 * <pre>
 *  63  62 ........... 33  32 ............ 2   1        0
 *  [0][ refs (30 bits) ][ uses (31 bits)  ][CLOSED][CLOSING]
 * </pre>
 *
 * Invariants: CLOSED implies CLOSING. Once CLOSING is set, uses never grows again, so the
 * transition to (CLOSING and uses == 0) happens exactly once; the thread whose CAS makes it owns
 * the OS close and then sets CLOSED.
 */
final class StateWord {
  private StateWord() {}

  static final long CLOSING = 1L;
  static final long CLOSED = 1L << 1;

  static final int USE_SHIFT = 2;
  static final long USE_UNIT = 1L << USE_SHIFT;
  static final long MAX_USES = (1L << 31) - 1;

  static final int REF_SHIFT = 33;
  static final long REF_UNIT = 1L << REF_SHIFT;
  static final long MAX_REFS = (1L << 30) - 1;

  static long uses(long w) {
    return (w >>> USE_SHIFT) & MAX_USES;
  }

  static long refs(long w) {
    return (w >>> REF_SHIFT) & MAX_REFS;
  }

  static boolean closing(long w) {
    return (w & CLOSING) != 0;
  }

  static boolean closed(long w) {
    return (w & CLOSED) != 0;
  }

  /** The word that must make its setter perform the OS close. */
  static boolean closeDue(long w) {
    return closing(w) && !closed(w) && uses(w) == 0;
  }

  static FdState state(long w) {
    if (closed(w)) return FdState.CLOSED;
    if (closing(w)) return FdState.CLOSING;
    return FdState.OPEN;
  }

  static String describe(long w) {
    return state(w) + "(uses=" + uses(w) + ", refs=" + refs(w) + ")";
  }
}
