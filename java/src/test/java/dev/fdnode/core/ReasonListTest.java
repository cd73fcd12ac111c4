package dev.fdnode.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fdnode.testing.Epmd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jnr.constants.platform.Errno;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Reason} is the one list of reasons, and the BEAM side agrees with it: the Erlang types
 * {@code fdnode_ffi:posix()} and {@code fdnode_reason()} (read by the Erlang parser), the decoder
 * {@code fdnode_gleam_ffi:to_error/1} (compiled and run) and Gleam's {@code FdError} (its
 * constructors, read from the source).
 */
class ReasonListTest {
  static final Path SRC = Path.of("gleam/src");

  /** FdError constructors that no Java reason gives: the launcher's, and the catch-all. */
  static final Set<String> BEAM_ONLY = Set.of("not_started", "unknown");

  static Map<String, Set<String>> erlangTypes;
  static Map<String, String> decoded;

  /** One erl run: the atoms of the two types, then to_error of every Java atom and errno_131. */
  @BeforeAll
  static void askErlang() throws Exception {
    List<String> atoms = new ArrayList<>();
    for (Reason r : Reason.values()) atoms.add(r.atom());
    atoms.add("errno_131");
    String script =
        String.join(
            "\n",
            "{ok, Forms} = epp:parse_file(\"" + SRC.resolve("fdnode_ffi.erl") + "\", []),",
            "Atoms = fun F({type, _, union, Ts}) -> lists:flatmap(F, Ts);",
            "            F({atom, _, A}) -> [A];",
            "            F(_) -> [] end,",
            "[io:format(\"type ~s~s~n\", [N, [[\" \", atom_to_list(A)] || A <- Atoms(T)]])",
            " || {attribute, _, type, {N, T, []}} <- Forms, lists:member(N, [posix, fdnode_reason])],",
            "{ok, M, Bin} = compile:file(\""
                + SRC.resolve("fdnode_gleam_ffi.erl")
                + "\", [binary, report_errors]),",
            "{module, M} = code:load_binary(M, \"fdnode_gleam_ffi.erl\", Bin),",
            "[io:format(\"to_error ~s ~0p~n\", [A, M:to_error(A)]) || A <- "
                + atoms.stream().collect(Collectors.joining(", ", "[", "]"))
                + "],",
            "halt().");
    Epmd.Result r = Epmd.run(List.of("erl", "-noshell", "-eval", script), 60);
    assertEquals(0, r.exitCode(), r.output());
    erlangTypes = new LinkedHashMap<>();
    decoded = new LinkedHashMap<>();
    for (String line : r.output().split("\n")) {
      String[] w = line.trim().split(" ");
      if (w[0].equals("type")) {
        erlangTypes.put(w[1], new TreeSet<>(Arrays.asList(w).subList(2, w.length)));
      } else if (w[0].equals("to_error")) {
        decoded.put(w[1], w[2]);
      }
    }
  }

  static Set<String> atoms(boolean posix) {
    return Arrays.stream(Reason.values())
        .filter(r -> r.posix() == posix)
        .map(Reason::atom)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void theErlangTypesListTheJavaReasons() {
    assertEquals(atoms(true), erlangTypes.get("posix"), "fdnode_ffi:posix()");
    assertEquals(atoms(false), erlangTypes.get("fdnode_reason"), "fdnode_ffi:fdnode_reason()");
  }

  /** Every reason the node sends reaches Gleam as its own constructor, never as Unknown. */
  @Test
  void everyJavaReasonDecodesToAGleamConstructorOfItsOwn() throws Exception {
    Set<String> constructors = fdErrorConstructors();
    Set<String> reached = new TreeSet<>();
    for (Reason r : Reason.values()) {
      String gleam = decoded.get(r.atom());
      assertTrue(
          gleam != null && gleam.matches("[a-z_]+") && !BEAM_ONLY.contains(gleam),
          r.atom() + " decodes to " + gleam);
      assertTrue(constructors.contains(gleam), r.atom() + " -> " + gleam + ": no such FdError");
      reached.add(gleam);
    }
    Set<String> unreached = new TreeSet<>(constructors);
    unreached.removeAll(reached);
    assertEquals(BEAM_ONLY, unreached, "FdError constructors no Java reason gives");
    assertEquals("{unknown,<<\"errno_131\">>}", decoded.get("errno_131"));
  }

  /** POSIX reasons are this platform's errnos, and an errno maps back to its reason. */
  @Test
  void posixReasonsAreErrnosBothWays() {
    for (Reason r : Reason.values()) {
      if (!r.posix()) continue;
      Errno e = Errno.valueOf(r.name());
      assertTrue(e.defined(), r + " is no errno here");
      assertEquals(r.atom(), Errnos.reason(e.intValue()));
      FdException failure = Errnos.exception(e.intValue(), "test");
      assertTrue(failure.is(r), r.atom());
      assertEquals(r.atom(), failure.reason());
    }
    assertEquals("eagain", Errnos.reason(Errno.EWOULDBLOCK.intValue()));
    assertEquals("enotsup", Errnos.reason(Errno.EOPNOTSUPP.intValue()));
    FdException unnamed = Errnos.exception(Errno.ENOTRECOVERABLE.intValue(), "test");
    assertEquals("errno_" + Errno.ENOTRECOVERABLE.intValue(), unnamed.reason());
    for (Reason r : Reason.values()) assertTrue(!unnamed.is(r), "an unnamed errno is no " + r);
  }

  /** FdError's constructors in snake case, as Gleam writes them in Erlang. */
  static Set<String> fdErrorConstructors() throws Exception {
    String src = Files.readString(SRC.resolve("fdnode.gleam"));
    Matcher type = Pattern.compile("(?s)pub type FdError \\{(.*?)\\n\\}").matcher(src);
    assertTrue(type.find(), "no FdError in fdnode.gleam");
    Set<String> names = new TreeSet<>();
    Matcher c = Pattern.compile("(?m)^  ([A-Z][A-Za-z0-9]*)").matcher(type.group(1));
    while (c.find()) names.add(c.group(1).replaceAll("(?<!^)([A-Z])", "_$1").toLowerCase());
    return names;
  }
}
