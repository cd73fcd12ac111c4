package dev.fdnode.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.ericsson.otp.erlang.OtpServerTransport;
import dev.fdnode.distribution.BoundTransportFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --listen}: loopback by default, IP literals only, and the socket really bound there. */
class ListenAddressTest {
  @TempDir Path tmp;

  private ConfigParser parser(Map<String, String> env) {
    return new ConfigParser(env, tmp, () -> new ConfigParser.HostNames("h", "h.example"));
  }

  private Config parse(Map<String, String> env, String... extra) throws Exception {
    String[] args = new String[extra.length + 4];
    args[0] = "--cookie";
    args[1] = "c";
    args[2] = "--root";
    args[3] = tmp.toString();
    System.arraycopy(extra, 0, args, 4, extra.length);
    return ((ConfigParser.Run) parser(env).parse(args)).config();
  }

  @Test
  void defaultIsLoopback() throws Exception {
    assertEquals("127.0.0.1", parse(Map.of()).listen());
  }

  @Test
  void flagAndEnvironment() throws Exception {
    assertEquals("0.0.0.0", parse(Map.of(), "--listen", "0.0.0.0").listen());
    assertEquals("0.0.0.0", parse(Map.of(), "--listen=0.0.0.0").listen());
    assertEquals("10.1.2.3", parse(Map.of("FDNODE_LISTEN", "10.1.2.3")).listen());
    assertEquals(
        "127.0.0.1", parse(Map.of("FDNODE_LISTEN", "0.0.0.0"), "--listen", "127.0.0.1").listen());
    assertEquals("0:0:0:0:0:0:0:1", parse(Map.of(), "--listen", "::1").listen());
  }

  @Test
  void namesAndJunkAreRefused() {
    for (String bad :
        new String[] {"localhost", "example.com", "", "1.2.3", "127.0.0.1 x", ":::x"}) {
      assertThrows(ConfigException.class, () -> parse(Map.of(), "--listen", bad), bad);
    }
    assertThrows(ConfigException.class, () -> parse(Map.of(), "--listen"));
  }

  @Test
  void serverSocketIsBoundToTheAddress() throws Exception {
    OtpServerTransport t =
        new BoundTransportFactory(InetAddress.getByName("127.0.0.1")).createServerTransport(0);
    try {
      int port = t.getLocalPort();
      // /proc/net/tcp{,6}: "sl local_address rem_address st ...", st 0A = LISTEN. Java's
      // dual-stack socket shows 127.0.0.1 as the v4-mapped ::ffff:127.0.0.1 in tcp6.
      String hex = String.format(":%04X", port);
      java.util.Set<String> listening = new java.util.HashSet<>();
      for (String file : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
        for (String line : Files.readAllLines(Path.of(file))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 3 && f[1].endsWith(hex) && f[3].equals("0A")) {
            listening.add(f[1].substring(0, f[1].length() - hex.length()));
          }
        }
      }
      assertEquals(
          true,
          listening.contains("0100007F") || listening.contains("0000000000000000FFFF00000100007F"),
          "not on 127.0.0.1: " + listening);
      assertEquals(
          false,
          listening.contains("00000000") || listening.contains("00000000000000000000000000000000"),
          "on every interface: " + listening);
    } finally {
      t.close();
    }
  }
}
