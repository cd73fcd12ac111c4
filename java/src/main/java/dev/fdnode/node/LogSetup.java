package dev.fdnode.node;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** java.util.logging to stderr, one line per record (stack traces only at debug). */
public final class LogSetup {
  private LogSetup() {}

  public static void install(Level level) {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) root.removeHandler(h);
    ConsoleHandler console = new ConsoleHandler(); // writes to System.err
    console.setLevel(level);
    console.setFormatter(new OneLine(level.intValue() <= Level.FINE.intValue()));
    root.addHandler(console);
    root.setLevel(level);
  }

  static final class OneLine extends Formatter {
    private static final DateTimeFormatter TIME =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private final boolean traces;

    OneLine(boolean traces) {
      this.traces = traces;
    }

    @Override
    public String format(LogRecord r) {
      StringBuilder sb =
          new StringBuilder(128)
              .append(TIME.format(Instant.ofEpochMilli(r.getMillis())))
              .append(' ')
              .append(r.getLevel().getName())
              .append(' ')
              .append(shortName(r.getLoggerName()))
              .append(": ")
              .append(formatMessage(r).replace('\n', ' '));
      Throwable t = r.getThrown();
      if (t != null) {
        sb.append(" (").append(t).append(')');
        if (traces) {
          StringWriter w = new StringWriter();
          t.printStackTrace(new PrintWriter(w));
          sb.append(System.lineSeparator()).append(w.toString().stripTrailing());
        }
      }
      return sb.append(System.lineSeparator()).toString();
    }

    private static String shortName(String logger) {
      if (logger == null) return "-";
      int dot = logger.lastIndexOf('.');
      return dot < 0 ? logger : logger.substring(dot + 1);
    }
  }
}
