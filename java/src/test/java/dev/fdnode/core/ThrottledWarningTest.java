package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class ThrottledWarningTest {
  @Test
  void logsTheFirstTwentyThenEveryThousandthWithItsCount() {
    Logger log = Logger.getAnonymousLogger();
    log.setUseParentHandlers(false);
    List<LogRecord> records = new ArrayList<>();
    log.addHandler(
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            records.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        });
    ThrottledWarning w = new ThrottledWarning(log);
    for (int i = 0; i < 3000; i++) {
      w.log(n -> "dropped #" + n);
    }
    List<String> expected = new ArrayList<>();
    for (int n = 1; n <= 20; n++) expected.add("dropped #" + n);
    expected.addAll(List.of("dropped #1000", "dropped #2000", "dropped #3000"));
    assertEquals(expected, records.stream().map(LogRecord::getMessage).toList());
    assertEquals(Level.WARNING, records.get(0).getLevel());
  }
}
