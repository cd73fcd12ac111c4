package dev.fdnode.request;

import dev.fdnode.active.ActiveDelivery;
import dev.fdnode.active.ActiveSink;
import dev.fdnode.core.Descriptors;
import dev.fdnode.poll.PollException;
import dev.fdnode.poll.Poller;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The mode control the node runs with ({@link ActiveModeControl} over an epoll {@link
 * ActiveDelivery}), for request tests: a descriptor set active is really read and its input goes to
 * {@code sink}.
 */
final class RealModes implements AutoCloseable {
  private final ExecutorService readers =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "test-active");
            t.setDaemon(true);
            return t;
          });
  private final Poller poller;
  private final ActiveDelivery active;

  RealModes(Descriptors descriptors, ActiveSink sink) throws PollException {
    poller = new Poller("test-poller", readers);
    active = new ActiveDelivery(descriptors, poller, readers, sink, 4096);
  }

  /** Active delivery whose messages nobody reads. */
  RealModes(Descriptors descriptors) throws PollException {
    this(descriptors, (to, handle, event) -> {});
  }

  ModeControl control() {
    return new ActiveModeControl(active);
  }

  @Override
  public void close() {
    active.close();
    poller.close();
    readers.shutdownNow();
  }
}
