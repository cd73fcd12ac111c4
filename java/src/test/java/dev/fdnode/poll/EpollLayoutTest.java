package dev.fdnode.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import jnr.ffi.Pointer;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.junit.jupiter.api.Test;

/**
 * The epoll_event layout the poller reads and writes, checked against what the kernel itself fills
 * in: a wrong stride or offset would hand the selector another event's id.
 */
class EpollLayoutTest {
  private static final POSIX POSIX = POSIXFactory.getNativePOSIX();

  @Test
  void eventsPastTheFirstAreReadWhereTheKernelWroteThem() {
    LinuxEpoll.Calls libc = LinuxEpoll.libc();
    int epfd = libc.epoll_create1(LinuxEpoll.O_CLOEXEC);
    assertTrue(epfd >= 0);
    int[] a = new int[2];
    int[] b = new int[2];
    assertEquals(0, POSIX.pipe(a));
    assertEquals(0, POSIX.pipe(b));
    try {
      Pointer one = LinuxEpoll.allocateEvents(1);
      LinuxEpoll.putEvent(one, 0, LinuxEpoll.EPOLLIN, 0x1_0000_0007L);
      assertEquals(0, libc.epoll_ctl(epfd, LinuxEpoll.EPOLL_CTL_ADD, a[0], one));
      LinuxEpoll.putEvent(one, 0, LinuxEpoll.EPOLLIN, 0x2_0000_0008L);
      assertEquals(0, libc.epoll_ctl(epfd, LinuxEpoll.EPOLL_CTL_ADD, b[0], one));
      assertEquals(1, POSIX.write(a[1], new byte[] {1}, 1));
      POSIX.close(b[1]); // hang-up on b: a second kind of event
      b[1] = -1;

      Pointer events = LinuxEpoll.allocateEvents(4);
      int n = libc.epoll_wait(epfd, events, 4, 5_000);
      assertEquals(2, n);
      Map<Long, Integer> flagsById = new HashMap<>();
      for (int i = 0; i < n; i++) {
        flagsById.put(LinuxEpoll.eventData(events, i), LinuxEpoll.eventFlags(events, i));
      }
      assertEquals(
          LinuxEpoll.EPOLLIN,
          flagsById.get(0x1_0000_0007L),
          "the readable pipe: input only, under its own id");
      assertEquals(
          LinuxEpoll.EPOLLHUP,
          flagsById.get(0x2_0000_0008L) & LinuxEpoll.EPOLLHUP,
          "the closed pipe: hang-up, under its own id");
    } finally {
      for (int fd : new int[] {a[0], a[1], b[0], b[1], epfd}) {
        if (fd >= 0) {
          POSIX.close(fd);
        }
      }
    }
  }

  @Test
  void anEventWrittenAtAnIndexLeavesTheOthersAlone() {
    Pointer events = LinuxEpoll.allocateEvents(3);
    LinuxEpoll.putEvent(events, 0, LinuxEpoll.EPOLLIN, 10);
    LinuxEpoll.putEvent(events, 1, LinuxEpoll.EPOLLERR, 11);
    LinuxEpoll.putEvent(events, 2, LinuxEpoll.EPOLLHUP, 12);
    for (int i = 0; i < 3; i++) {
      assertEquals(10 + i, LinuxEpoll.eventData(events, i));
    }
    assertEquals(LinuxEpoll.EPOLLIN, LinuxEpoll.eventFlags(events, 0));
    assertEquals(LinuxEpoll.EPOLLERR, LinuxEpoll.eventFlags(events, 1));
    assertEquals(LinuxEpoll.EPOLLHUP, LinuxEpoll.eventFlags(events, 2));
  }
}
