package dev.fdnode.node;

import dev.fdnode.core.Native;
import dev.fdnode.core.Posix;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * {@code java -jar fdnode.jar --name fdnode --cookie c --root /srv/data}; see {@link
 * ConfigParser#USAGE}.
 */
public final class Main {
  private static final Logger LOG = Logger.getLogger(Main.class.getName());

  private Main() {}

  /**
   * jnr-ffi's own x86 stub compiler, off unless asked for: its start-up work (and the C1
   * compilation of its large tables, which leaves ~12 MiB in a malloc arena about every other
   * start) costs more than it saves: the generic call path measured the same per call within JMH's
   * error (docs/perf-notes.md). Set before anything binds libc.
   */
  private static final String X86_STUBS = "jnr.ffi.x86asm.enabled";

  public static void main(String[] args) {
    if (System.getProperty(X86_STUBS) == null) System.setProperty(X86_STUBS, "false");
    ConfigParser.Command cmd;
    try {
      // Erlang finds ~/.erlang.cookie through $HOME; so do we.
      String home = System.getenv().getOrDefault("HOME", System.getProperty("user.home"));
      cmd =
          new ConfigParser(System.getenv(), Path.of(home), ConfigParser::localHostNames)
              .parse(args);
    } catch (ConfigException e) {
      System.err.println("fdnode: " + e.getMessage());
      System.err.println("try: java -jar fdnode.jar --help");
      System.exit(2);
      return;
    }
    if (cmd instanceof ConfigParser.Help) {
      System.out.println(ConfigParser.USAGE);
      return;
    }
    Config config = ((ConfigParser.Run) cmd).config();
    LogSetup.install(config.logLevel());

    Server server;
    try {
      server = Server.start(config);
    } catch (IOException | RuntimeException e) {
      LOG.severe(() -> "cannot start " + config.nodeName() + ": " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "fdnode-shutdown-hook"));
    Signals.onTerminate(
        () -> {
          LOG.info("signal received: shutting down");
          server.stopAsync();
        });
    if (config.exitOnStdinEof()) watchStdin(server);

    // Launchers wait for exactly this line.
    System.out.println("fdnode ready " + server.nodeName());
    System.out.flush();
    bindLibcInBackground();

    server.awaitStopped();
    System.exit(0);
  }

  /**
   * Binding libc with jnr-ffi is the longest part of a start: JNR-POSIX ({@link Posix#bind}, a
   * generated stub for each of some 300 functions) and the node's own calls ({@link Native#bind}).
   * Nothing before the ready line needs either (the poller has its own small binding), so they are
   * bound here, while the first caller connects; a request that needs one sooner waits for it
   * (class initialisation). Without libc the node cannot serve: it stops with status 1.
   */
  private static void bindLibcInBackground() {
    Thread t =
        new Thread(
            () -> {
              try {
                Posix.bind();
                Native.bind();
                LOG.fine("libc bound"); // scripts/appcds.sh waits for this line
              } catch (LinkageError | RuntimeException e) {
                LOG.severe(() -> "cannot bind libc: " + e + "; stopping");
                System.exit(1); // the shutdown hook stops the server
              }
            },
            "fdnode-bind-libc");
    t.setDaemon(true);
    t.start();
  }

  /** Started from an Erlang port: when the BEAM goes, stdin closes, and so do we. */
  private static void watchStdin(Server server) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[256];
              try (InputStream in = System.in) {
                while (in.read(buf) >= 0) {
                  // input is ignored; only its end matters
                }
              } catch (IOException e) {
                LOG.fine(() -> "stdin: " + e.getMessage());
              }
              LOG.info("stdin closed: shutting down");
              server.stopAsync();
            },
            "fdnode-stdin");
    t.setDaemon(true);
    t.start();
  }
}
