package dev.fdnode.node;

import dev.fdnode.active.ActiveDelivery;
import dev.fdnode.core.Descriptors;
import dev.fdnode.core.Reason;
import dev.fdnode.poll.Poller;
import dev.fdnode.request.Dispatcher;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The way down, in order: workers finish what they run (10 s at most), calls still unanswered fail
 * with {@code shutting_down}, active delivery and the poller stop, every descriptor closes (pending
 * ring ops complete or are cancelled), then the housekeeping and watcher threads end.
 */
record Drain(
    ThreadPoolExecutor workers,
    InFlightCalls calls,
    Dispatcher dispatcher,
    ActiveDelivery active,
    Poller poller,
    ExecutorService activeReaders,
    Descriptors descriptors,
    ExecutorService housekeeping,
    ExecutorService watcherTimer) {
  private static final Logger LOG = Logger.getLogger(Drain.class.getName());
  private static final long DRAIN_TIMEOUT_MS = 10_000;

  void run() throws InterruptedException {
    LOG.info("draining: new calls get shutting_down");
    workers.shutdown();
    if (!workers.awaitTermination(DRAIN_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
      LOG.warning(
          () ->
              workers.getActiveCount()
                  + " call(s) still running after "
                  + DRAIN_TIMEOUT_MS
                  + " ms; failing them with shutting_down and closing anyway");
      workers.shutdownNow();
    }
    // Every call not yet answered (stuck in a blocking read) is failed now.
    int failed = calls.failAll(Reason.SHUTTING_DOWN);
    dispatcher.close();
    int pendingOps = descriptors.stats().pendingRingOps();
    int open = descriptors.stats().openFds();
    active.close();
    poller.close();
    activeReaders.shutdownNow();
    descriptors.close(); // completes or cancels every pending ring op, closes every descriptor
    housekeeping.shutdown();
    housekeeping.awaitTermination(DRAIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    watcherTimer.shutdownNow();
    int left = descriptors.stats().openFds();
    LOG.info(
        () ->
            "stopped; closed "
                + open
                + " descriptor(s), "
                + left
                + " left open; "
                + pendingOps
                + " pending ring op(s) completed or cancelled; "
                + failed
                + " unfinished call(s) failed with shutting_down");
  }
}
