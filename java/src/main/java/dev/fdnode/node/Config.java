package dev.fdnode.node;

import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;

/**
 * Everything the node needs to start, resolved and validated. Built only by {@link ConfigParser};
 * immutable so every thread can read it freely.
 *
 * @param nodeName full node name, {@code name@host}
 * @param longNames whether the host part is a long (dotted) name
 * @param cookie distribution cookie
 * @param roots real paths of the directories callers may open files under
 * @param maxFds most descriptors open at once (emfile beyond)
 * @param logLevel java.util.logging level for the whole process
 * @param exitOnStdinEof shut down when stdin closes (launched from an Erlang port)
 * @param workers request worker threads
 * @param queueDepth requests that may wait for a worker before eagain
 * @param listen address the distribution port listens on (127.0.0.1 unless told otherwise)
 */
public record Config(
    String nodeName,
    boolean longNames,
    String cookie,
    List<Path> roots,
    int maxFds,
    Level logLevel,
    boolean exitOnStdinEof,
    int workers,
    int queueDepth,
    String listen) {

  /** Loopback only: what the node listens on unless {@code --listen} says otherwise. */
  public static final String DEFAULT_LISTEN = "127.0.0.1";

  public Config {
    roots = List.copyOf(roots);
    if (listen == null) listen = DEFAULT_LISTEN;
  }

  /** The cookie must never reach a log line. */
  @Override
  public String toString() {
    return "Config[node="
        + nodeName
        + ", longNames="
        + longNames
        + ", roots="
        + roots
        + ", maxFds="
        + maxFds
        + ", logLevel="
        + logLevel
        + ", exitOnStdinEof="
        + exitOnStdinEof
        + ", workers="
        + workers
        + ", queueDepth="
        + queueDepth
        + ", listen="
        + listen
        + "]";
  }
}
