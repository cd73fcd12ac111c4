package dev.fdnode.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigParserTest {
  @TempDir Path tmp;
  Path home;
  Path rootA;
  Path rootB;
  Map<String, String> env = new HashMap<>();

  @BeforeEach
  void setUp() throws Exception {
    Path base = tmp.toRealPath();
    home = Files.createDirectories(base.resolve("home"));
    rootA = Files.createDirectories(base.resolve("a"));
    rootB = Files.createDirectories(base.resolve("b"));
  }

  ConfigParser parser() {
    return new ConfigParser(
        env, home, () -> new ConfigParser.HostNames("myhost", "myhost.example.org"));
  }

  Config run(String... args) throws ConfigException {
    return assertInstanceOf(ConfigParser.Run.class, parser().parse(args)).config();
  }

  String fails(String... args) {
    return assertThrows(ConfigException.class, () -> parser().parse(args)).getMessage();
  }

  @Test
  void minimal() throws Exception {
    Config c = run("--cookie", "c", "--root", rootA.toString());
    assertEquals("fdnode@myhost", c.nodeName());
    assertFalse(c.longNames());
    assertEquals("c", c.cookie());
    assertEquals(List.of(rootA), c.roots());
    assertEquals(65536, c.maxFds());
    assertEquals(Level.INFO, c.logLevel());
    assertFalse(c.exitOnStdinEof());
  }

  @Test
  void everyFlag() throws Exception {
    Config c =
        run(
            "--name",
            "x",
            "--cookie=k",
            "--root",
            rootA.toString(),
            "--root=" + rootB,
            "--max-fds",
            "10",
            "--log-level",
            "debug",
            "--exit-on-stdin-eof",
            "--workers",
            "4",
            "--queue",
            "8");
    assertEquals("x@myhost", c.nodeName());
    assertEquals("k", c.cookie());
    assertEquals(List.of(rootA, rootB), c.roots());
    assertEquals(10, c.maxFds());
    assertEquals(Level.FINE, c.logLevel());
    assertTrue(c.exitOnStdinEof());
    assertEquals(4, c.workers());
    assertEquals(8, c.queueDepth());
  }

  @Test
  void longNames() throws Exception {
    Config c = run("--name", "x", "--longnames", "--cookie", "c", "--root", rootA.toString());
    assertEquals("x@myhost.example.org", c.nodeName());
    assertTrue(c.longNames());
    Config d = run("--name", "x@box.lan", "--cookie", "c", "--root", rootA.toString());
    assertEquals("x@box.lan", d.nodeName());
    assertTrue(d.longNames());
    Config e = run("--name", "x@box", "--cookie", "c", "--root", rootA.toString());
    assertEquals("x@box", e.nodeName());
    assertFalse(e.longNames());
  }

  @Test
  void shortNameCutsDottedHost() throws Exception {
    ConfigParser p =
        new ConfigParser(env, home, () -> new ConfigParser.HostNames("h.dom", "h.dom"));
    Config c = ((ConfigParser.Run) p.parse("--cookie", "c", "--root", rootA.toString())).config();
    assertEquals("fdnode@h", c.nodeName());
  }

  /** The long name may cost a reverse DNS lookup: a short-named node must never ask for it. */
  @Test
  void shortNamesNeverAskForTheLongName() throws Exception {
    ConfigParser.Hosts hosts =
        new ConfigParser.Hosts() {
          @Override
          public String shortName() {
            return "quick";
          }

          @Override
          public String longName() {
            throw new AssertionError("long name looked up for a short-named node");
          }
        };
    ConfigParser p = new ConfigParser(env, home, () -> hosts);
    Config c = ((ConfigParser.Run) p.parse("--cookie", "c", "--root", rootA.toString())).config();
    assertEquals("fdnode@quick", c.nodeName());
    assertThrows(
        AssertionError.class,
        () -> p.parse("--longnames", "--cookie", "c", "--root", rootA.toString()));
  }

  @Test
  void environment() throws Exception {
    env.put("FDNODE_COOKIE", "envcookie");
    env.put("FDNODE_ROOTS", rootA + ":" + rootB + ":");
    env.put("FDNODE_NAME", "envname");
    env.put("FDNODE_MAX_FDS", "77");
    env.put("FDNODE_LOG_LEVEL", "warning");
    Config c = run();
    assertEquals("envname@myhost", c.nodeName());
    assertEquals("envcookie", c.cookie());
    assertEquals(List.of(rootA, rootB), c.roots());
    assertEquals(77, c.maxFds());
    assertEquals(Level.WARNING, c.logLevel());
    // flags win over the environment
    Config d = run("--cookie", "flag", "--root", rootB.toString(), "--name", "n");
    assertEquals("flag", d.cookie());
    assertEquals(List.of(rootB), d.roots());
    assertEquals("n@myhost", d.nodeName());
  }

  @Test
  void cookieFile() throws Exception {
    Files.writeString(home.resolve(".erlang.cookie"), "FILECOOKIE\n");
    assertEquals("FILECOOKIE", run("--root", rootA.toString()).cookie());
  }

  @Test
  void noCookie() {
    assertTrue(fails("--root", rootA.toString()).contains("cookie"));
    assertTrue(fails("--cookie", "", "--root", rootA.toString()).contains("cookie"));
  }

  @Test
  void rootsRequiredAbsoluteAndExisting() {
    assertTrue(fails("--cookie", "c").contains("--root"));
    assertTrue(fails("--cookie", "c", "--root", "relative").contains("absolute"));
    assertTrue(fails("--cookie", "c", "--root", rootA + "/missing").contains("not a directory"));
  }

  @Test
  void rootsAreResolvedToRealPaths() throws Exception {
    Path link = Files.createSymbolicLink(home.resolve("link"), rootA);
    assertEquals(List.of(rootA), run("--cookie", "c", "--root", link.toString()).roots());
  }

  @Test
  void badValues() {
    String r = rootA.toString();
    assertTrue(fails("--cookie", "c", "--root", r, "--max-fds", "0").contains("--max-fds"));
    assertTrue(fails("--cookie", "c", "--root", r, "--max-fds", "x").contains("--max-fds"));
    assertTrue(fails("--cookie", "c", "--root", r, "--log-level", "loud").contains("--log-level"));
    assertTrue(fails("--cookie", "c", "--root", r, "--bogus").contains("unknown"));
    assertTrue(fails("--cookie", "c", "--root").contains("needs a value"));
    assertTrue(fails("--cookie", "c", "--root", r, "--name", "bad name").contains("node name"));
    assertTrue(fails("--cookie", "c", "--root", r, "--name", "a@b@c").contains("host"));
    assertTrue(fails("--cookie", "c", "--root", r, "--longnames=yes").contains("no value"));
  }

  @Test
  void help() throws Exception {
    assertInstanceOf(ConfigParser.Help.class, parser().parse("--help"));
    // --help wins even when the rest would not make a config (no cookie, no root)
    assertInstanceOf(ConfigParser.Help.class, parser().parse("--name", "x", "-h"));
  }

  @Test
  void toStringHidesCookie() throws Exception {
    assertFalse(
        run("--cookie", "sekrit", "--root", rootA.toString()).toString().contains("sekrit"));
  }

  @Test
  void logLevels() throws Exception {
    assertEquals(Level.SEVERE, ConfigParser.level("error"));
    assertEquals(Level.FINER, ConfigParser.level("TRACE"));
    assertEquals(Level.OFF, ConfigParser.level("off"));
  }
}
