package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many threads read, write and close the same handles while new descriptors are opened (by the
 * facade and by an unmanaged "intruder") and take over the freed numbers. Each managed file has its
 * own byte value; afterwards no file may contain another's byte and the intruder's file must be
 * untouched.
 */
@ExtendWith(FdLeakCheck.class)
class FdReuseStressTest {
  static final Pid OWNER = new Pid("stress@host", 1, 0, 1);
  static final int SLOTS = 4;
  static final int WORKERS = 4;
  static final int OPS_PER_WORKER = 150;
  static final int RING = 64;

  static Posix posix;

  @TempDir Path dir;

  record Target(FdInner f, byte pattern, Path path) {}

  @BeforeAll
  static void init() {
    posix = new Posix();
  }

  @RepeatedTest(100)
  void everyByteLandsInItsOwnFile() throws Exception {
    AtomicInteger nextPattern = new AtomicInteger(1);
    ConcurrentLinkedQueue<Target> all = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    AtomicReferenceArray<Target> slots = new AtomicReferenceArray<>(SLOTS);
    Path intruderFile = dir.resolve("intruder");
    Files.createFile(intruderFile);

    try (Descriptors d = new Descriptors(posix, 512, RING, 2, Duration.ofSeconds(5))) {
      for (int i = 0; i < SLOTS; i++) {
        slots.set(i, openTarget(d, nextPattern, all));
      }
      AtomicBoolean running = new AtomicBoolean(true);
      Object ringRoom = new Object(); // notified on every completion
      CyclicBarrier start = new CyclicBarrier(WORKERS + 1);
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < WORKERS; w++) {
        threads.add(
            new Thread(() -> work(d, slots, nextPattern, all, violations, start, ringRoom)));
      }
      Thread intruder = new Thread(() -> intrude(intruderFile, running, violations));
      threads.forEach(Thread::start);
      intruder.start();
      start.await();
      for (Thread t : threads) {
        t.join();
      }
      running.set(false);
      intruder.join();
    }

    assertTrue(violations.isEmpty(), () -> "violations: " + violations);
    assertEquals(0, Files.size(intruderFile), "a stale operation wrote into a reused fd");
    assertTrue(all.size() > SLOTS, "the run replaced descriptors");
    for (Target t : all) {
      assertEquals(FdState.CLOSED, t.f().state());
      byte[] content = Files.readAllBytes(t.path());
      for (int i = 0; i < content.length; i++) {
        if (content[i] != t.pattern()) {
          fail(
              t.path().getFileName()
                  + " (pattern "
                  + t.pattern()
                  + ") holds byte "
                  + content[i]
                  + " at "
                  + i);
        }
      }
    }
  }

  private Target openTarget(
      Descriptors d, AtomicInteger nextPattern, ConcurrentLinkedQueue<Target> all)
      throws FdException {
    int p = nextPattern.getAndIncrement();
    assertTrue(p < 128, "patterns must stay distinct");
    Path path = dir.resolve("f" + p);
    FdInner f = d.open(path.toString(), OpenOptions.readWrite(), OWNER).inner();
    Target t = new Target(f, (byte) p, path);
    all.add(t);
    d.write(f, fill(t.pattern(), 64)); // pwrites stay inside this: no zero-filled holes
    return t;
  }

  private void work(
      Descriptors d,
      AtomicReferenceArray<Target> slots,
      AtomicInteger nextPattern,
      ConcurrentLinkedQueue<Target> all,
      ConcurrentLinkedQueue<String> violations,
      CyclicBarrier start,
      Object ringRoom) {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    try {
      start.await();
      for (int k = 0; k < OPS_PER_WORKER; k++) {
        int slot = rnd.nextInt(SLOTS);
        Target t = slots.get(slot);
        try {
          int op = rnd.nextInt(12);
          if (op < 4) {
            d.write(t.f(), fill(t.pattern(), 1 + rnd.nextInt(24)));
          } else if (op < 6) {
            d.pwrite(t.f(), rnd.nextInt(56), fill(t.pattern(), 1 + rnd.nextInt(8)));
          } else if (op < 8) {
            // Every file holds at least 64 bytes: eof at offset 0 means a stale fd read
            // another (the intruder's empty) file.
            byte[] data = d.pread(t.f(), 0, 32);
            if (data == null) {
              violations.add("eof at offset 0 on pattern " + t.pattern());
            } else {
              check(t, data, violations);
            }
          } else if (op < 10) {
            // The offset is shared: other workers' reads and writes may move it to the end
            // between these two calls, so eof is a legal outcome here.
            d.position(t.f(), 0, Posix.SEEK_SET);
            byte[] data = d.read(t.f(), 16);
            if (data != null) {
              check(t, data, violations);
            }
          } else {
            if (op == 10) {
              d.close(t.f());
            } else {
              closeAsync(d, t.f(), ringRoom);
            }
            Target fresh = openTarget(d, nextPattern, all);
            if (!slots.compareAndSet(slot, t, fresh)) {
              d.close(fresh.f());
            }
          }
        } catch (FdException e) {
          if (!e.reason().equals("closed")) {
            violations.add("unexpected " + e.reason() + ": " + e.getMessage());
          }
        }
      }
    } catch (Exception e) {
      violations.add("worker failed: " + e);
    }
  }

  /**
   * A full ring is back-pressure, not a failure: on eagain, wait until a completion has made room
   * (the ring counts an op as pending until just before its listener runs, and every listener
   * notifies {@code ringRoom}), then submit again. A ring that stops completing fails the test.
   */
  private static void closeAsync(Descriptors d, FdInner f, Object ringRoom)
      throws FdException, InterruptedException {
    while (true) {
      try {
        d.closeAsync(
            f,
            c -> {
              synchronized (ringRoom) {
                ringRoom.notifyAll();
              }
            });
        return;
      } catch (FdException e) {
        if (!e.reason().equals("eagain")) {
          throw e;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        synchronized (ringRoom) {
          while (d.ring().pendingCount() >= RING) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
              throw new FdException(Reason.TIMEOUT, "a full ring made no room in 30 s");
            }
            ringRoom.wait(left);
          }
        }
      }
    }
  }

  /** Opens and closes an unmanaged file as fast as it can, grabbing freed numbers. */
  private static void intrude(
      Path file, AtomicBoolean running, ConcurrentLinkedQueue<String> violations) {
    OpenOptions rw = new OpenOptions(true, true, false, false, false, false, false, 0644);
    while (running.get()) {
      try {
        int fd = posix.open(file.toString(), rw);
        Thread.yield();
        posix.close(fd);
      } catch (FdException e) {
        violations.add("intruder: " + e.reason());
        return;
      }
    }
  }

  private static void check(Target t, byte[] data, ConcurrentLinkedQueue<String> violations) {
    for (byte b : data) {
      if (b != t.pattern()) {
        violations.add("read byte " + b + " from the file of pattern " + t.pattern());
        return;
      }
    }
  }

  private static byte[] fill(byte value, int n) {
    byte[] b = new byte[n];
    Arrays.fill(b, value);
    return b;
  }
}
