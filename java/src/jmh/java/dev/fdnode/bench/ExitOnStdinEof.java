package dev.fdnode.bench;

import java.io.IOException;

/** The benchmark helpers run under an Erlang port: when it closes their stdin, they exit. */
final class ExitOnStdinEof {
  private ExitOnStdinEof() {}

  static void start() {
    Thread watch =
        new Thread(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // a port closing ends us
                }
              } catch (IOException ignored) {
                // treat like end of input
              }
              System.exit(0);
            },
            "stdin-watch");
    watch.setDaemon(true);
    watch.start();
  }
}
