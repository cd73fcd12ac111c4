package dev.fdnode.node;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.regex.Pattern;

/**
 * Turns flags, environment and {@code ~/.erlang.cookie} into a {@link Config}. Pure apart from
 * reading the cookie file and resolving roots, so tests pass their own environment, home directory
 * and host name.
 */
public final class ConfigParser {

  public static final String USAGE =
      String.join(
          "\n",
          "usage: java -jar fdnode.jar [options]",
          "",
          "  --name NAME            node name: 'fdnode' -> fdnode@<short host>; a name@host is used as is",
          "                         (env FDNODE_NAME, default fdnode)",
          "  --longnames            use the long (dotted) host name, like erl -name",
          "  --cookie COOKIE        distribution cookie (env FDNODE_COOKIE, else ~/.erlang.cookie)",
          "  --root DIR             allow files under DIR; repeatable, at least one required",
          "                         (env FDNODE_ROOTS, colon-separated, used when no --root is given)",
          "  --max-fds N            most descriptors open at once (env FDNODE_MAX_FDS, default 65536)",
          "  --log-level LEVEL      error|warning|info|debug|trace or a java.util.logging level",
          "                         (env FDNODE_LOG_LEVEL, default info)",
          "  --workers N            request worker threads (env FDNODE_WORKERS, default 32)",
          "  --queue N              requests waiting for a worker before eagain (default 1024)",
          "  --listen ADDRESS       address the distribution port listens on (env FDNODE_LISTEN,",
          "                         default 127.0.0.1: loopback only; 0.0.0.0 for every interface)",
          "  --exit-on-stdin-eof    shut down when stdin closes (when started from an Erlang port)",
          "  --help                 this text",
          "",
          "Prints 'fdnode ready <node>' on stdout once the node is registered and serving.");

  /** What the command line asks for. */
  public sealed interface Command permits Run, Help {}

  public record Run(Config config) implements Command {}

  public record Help() implements Command {}

  private static final Pattern NAME_PART = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern HOST_PART = Pattern.compile("[A-Za-z0-9_.-]+");

  private final Map<String, String> env;
  private final Path home;
  private final Supplier<? extends Hosts> hosts;

  /** Local host names: short (no dots) and long (fully qualified if known). */
  public interface Hosts {
    String shortName();

    String longName();
  }

  /** Host names given as they are. */
  public record HostNames(String shortName, String longName) implements Hosts {}

  public ConfigParser(Map<String, String> env, Path home, Supplier<? extends Hosts> hosts) {
    this.env = Map.copyOf(env);
    this.home = home;
    this.hosts = hosts;
  }

  public Command parse(String... args) throws ConfigException {
    String name = null;
    String cookie = null;
    boolean longNames = false;
    List<String> roots = new ArrayList<>();
    String maxFds = null;
    String logLevel = null;
    String workers = null;
    String queue = null;
    String listen = null;
    boolean exitOnEof = false;

    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String flag = arg;
      String inline = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        flag = arg.substring(0, eq);
        inline = arg.substring(eq + 1);
      }
      switch (flag) {
        case "--help", "-h" -> {
          return new Help();
        }
        case "--longnames" -> longNames = noValue(flag, inline, true);
        case "--exit-on-stdin-eof" -> exitOnEof = noValue(flag, inline, true);
        case "--name",
            "--cookie",
            "--root",
            "--max-fds",
            "--log-level",
            "--workers",
            "--queue",
            "--listen" -> {
          String value;
          if (inline != null) {
            value = inline;
          } else if (i + 1 < args.length) {
            value = args[++i];
          } else {
            throw new ConfigException(flag + " needs a value");
          }
          switch (flag) {
            case "--name" -> name = value;
            case "--cookie" -> cookie = value;
            case "--root" -> roots.add(value);
            case "--max-fds" -> maxFds = value;
            case "--log-level" -> logLevel = value;
            case "--workers" -> workers = value;
            case "--listen" -> listen = value;
            default -> queue = value;
          }
        }
        default -> throw new ConfigException("unknown argument: " + arg);
      }
    }

    if (name == null) name = env.getOrDefault("FDNODE_NAME", "fdnode");
    if (maxFds == null) maxFds = env.get("FDNODE_MAX_FDS");
    if (logLevel == null) logLevel = env.get("FDNODE_LOG_LEVEL");
    if (workers == null) workers = env.get("FDNODE_WORKERS");
    if (listen == null) listen = env.get("FDNODE_LISTEN");
    if (roots.isEmpty() && env.get("FDNODE_ROOTS") != null) {
      for (String r : env.get("FDNODE_ROOTS").split(":")) {
        if (!r.isEmpty()) roots.add(r);
      }
    }

    String[] node = nodeName(name, longNames);
    return new Run(
        new Config(
            node[0] + "@" + node[1],
            node[1].contains(".") || longNames,
            cookie(cookie),
            realRoots(roots),
            positive("--max-fds", maxFds, 65536),
            level(logLevel),
            exitOnEof,
            positive("--workers", workers, 32),
            positive("--queue", queue, 1024),
            listenAddress(listen)));
  }

  /** An IP literal (no name lookup); default loopback. */
  static String listenAddress(String value) throws ConfigException {
    if (value == null) return Config.DEFAULT_LISTEN;
    String v = value.trim();
    boolean literal =
        v.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")
            || (v.contains(":") && v.matches("[0-9A-Fa-f:.]+"));
    if (literal) {
      try {
        return InetAddress.getByName(v).getHostAddress();
      } catch (IOException e) {
        // fall through
      }
    }
    throw new ConfigException(
        "--listen needs an IP address (127.0.0.1, 0.0.0.0, ::1, ...), got '" + value + "'");
  }

  private static boolean noValue(String flag, String inline, boolean v) throws ConfigException {
    if (inline != null) throw new ConfigException(flag + " takes no value");
    return v;
  }

  private String[] nodeName(String name, boolean longNames) throws ConfigException {
    String alive = name;
    String host;
    int at = name.indexOf('@');
    if (at >= 0) {
      alive = name.substring(0, at);
      host = name.substring(at + 1);
      if (!HOST_PART.matcher(host).matches()) {
        throw new ConfigException("bad host in node name: " + name);
      }
    } else {
      Hosts h = hosts.get();
      host = longNames ? h.longName() : h.shortName();
    }
    if (!NAME_PART.matcher(alive).matches()) {
      throw new ConfigException("bad node name '" + name + "': use letters, digits, '_' and '-'");
    }
    if (!longNames && at < 0 && host.contains(".")) {
      host = host.substring(0, host.indexOf('.'));
    }
    return new String[] {alive, host};
  }

  private String cookie(String flag) throws ConfigException {
    if (flag != null) return nonEmptyCookie(flag, "--cookie");
    String fromEnv = env.get("FDNODE_COOKIE");
    if (fromEnv != null) return nonEmptyCookie(fromEnv, "FDNODE_COOKIE");
    Path file = home.resolve(".erlang.cookie");
    if (!Files.isReadable(file)) {
      throw new ConfigException("no cookie: pass --cookie, set FDNODE_COOKIE or create " + file);
    }
    try {
      return nonEmptyCookie(
          Files.readString(file, StandardCharsets.ISO_8859_1).trim(), file.toString());
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage());
    }
  }

  private static String nonEmptyCookie(String c, String where) throws ConfigException {
    if (c.isEmpty()) throw new ConfigException("empty cookie from " + where);
    return c;
  }

  private static List<Path> realRoots(List<String> given) throws ConfigException {
    if (given.isEmpty()) {
      throw new ConfigException("at least one --root DIR (or FDNODE_ROOTS) is required");
    }
    List<Path> out = new ArrayList<>();
    for (String r : given) {
      Path p = Path.of(r);
      if (!p.isAbsolute()) throw new ConfigException("--root must be absolute: " + r);
      if (!Files.isDirectory(p)) throw new ConfigException("--root is not a directory: " + r);
      try {
        out.add(p.toRealPath());
      } catch (IOException e) {
        throw new ConfigException("cannot resolve --root " + r + ": " + e.getMessage());
      }
    }
    return out;
  }

  private static int positive(String flag, String value, int dflt) throws ConfigException {
    if (value == null) return dflt;
    try {
      int n = Integer.parseInt(value.trim());
      if (n > 0) return n;
    } catch (NumberFormatException e) {
      // fall through to the message below
    }
    throw new ConfigException(flag + " must be a positive integer, got '" + value + "'");
  }

  static Level level(String value) throws ConfigException {
    if (value == null) return Level.INFO;
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "error", "severe" -> Level.SEVERE;
      case "warning", "warn" -> Level.WARNING;
      case "info" -> Level.INFO;
      case "debug", "fine" -> Level.FINE;
      case "trace", "finer" -> Level.FINER;
      case "finest" -> Level.FINEST;
      case "all" -> Level.ALL;
      case "off", "none" -> Level.OFF;
      default ->
          throw new ConfigException(
              "unknown --log-level '" + value + "': use error, warning, info, debug or trace");
    };
  }

  /**
   * Host names of this machine as Erlang would pick them for -sname and -name. The long one may
   * take a reverse DNS lookup, so it is looked up only when asked for (a short-named node, the
   * launcher's default, never asks).
   */
  public static Hosts localHostNames() {
    String host = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("");
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      if (host.isEmpty()) host = "localhost";
    }
    return new LocalHosts(host);
  }

  private record LocalHosts(String host) implements Hosts {
    @Override
    public String shortName() {
      return host.contains(".") ? host.substring(0, host.indexOf('.')) : host;
    }

    @Override
    public String longName() {
      if (host.contains(".")) return host;
      try {
        String canonical = InetAddress.getLocalHost().getCanonicalHostName();
        if (canonical.contains(".") && !canonical.matches("[0-9.]+")) return canonical;
      } catch (IOException e) {
        // keep the short name; erl -name would fail the same way
      }
      return host;
    }
  }
}
