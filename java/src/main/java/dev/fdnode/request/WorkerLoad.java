package dev.fdnode.request;

/**
 * How busy the node's worker pool is, for {@code stats}: an operator sees a saturated pool (calls
 * then get {@code eagain}) before callers do.
 */
public interface WorkerLoad {
  /** A node without a pool (a dispatcher driven by tests). */
  WorkerLoad NONE =
      new WorkerLoad() {
        @Override
        public int busyWorkers() {
          return 0;
        }

        @Override
        public int queuedCalls() {
          return 0;
        }
      };

  /** Workers running a call now. */
  int busyWorkers();

  /** Calls waiting for a free worker. */
  int queuedCalls();
}
