// Builds a Gleam application together with its path dependencies, each as a
// package of its own, in the layout a native `gleam build` gives them:
//
//   node tools/gleam/build-app.mjs APP_DIR OUT_DIR
//
// OUT_DIR/<package>/ebin holds each package's .beam files and its <package>.app,
// and OUT_DIR/<package>/priv links to the package's priv/ when it has one, so
// code:priv_dir/1 finds it (fdnode's jar). The compile is Gleam 0.30.5 (npm,
// on every machine), which builds dependencies as their own packages from
// /build/packages/<name>; the application and its dependencies must also
// compile with Gleam 1.3.0 (when present, compilers.mjs) with no error and no
// warning. Only path dependencies (`name = { path = "..." }`) are supported:
// no package registry is reachable here. Used by the dependency tests
// (gleam/test/fdnode_dependency_erl_test.erl).
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { as1x, compile13, loadGleam030, loadGleam13, toGleam030, walk } from "./compilers.mjs";

function fail(message) {
  process.stderr.write(`gleam build-app: ${message}\n`);
  process.exit(1);
}

if (process.argv.length !== 4) fail("usage: build-app.mjs APP_DIR OUT_DIR");
const appDir = path.resolve(process.argv[2]);
const outDir = path.resolve(process.argv[3]);

// The few gleam.toml fields this needs: name, version, description and the
// [dependencies] table (path dependencies only).
function readToml(dir) {
  const file = path.join(dir, "gleam.toml");
  if (!fs.existsSync(file)) fail(`no gleam.toml in ${dir}`);
  const pkg = { name: "", version: "0.0.0", description: "", dir, deps: {} };
  let section = "";
  for (const raw of fs.readFileSync(file, "utf8").split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    const header = /^\[([^\]]+)\]$/.exec(line);
    const string = /^(name|version|description)\s*=\s*"([^"]*)"$/.exec(line);
    if (line === "") continue;
    if (header) {
      section = header[1];
    } else if (section === "" && string) {
      pkg[string[1]] = string[2];
    } else if (section === "dependencies") {
      const m = /^([a-z][a-z0-9_]*)\s*=\s*\{\s*path\s*=\s*"([^"]+)"\s*\}$/.exec(line);
      if (!m) fail(`${file}: only path dependencies are supported here: ${line}`);
      pkg.deps[m[1]] = path.resolve(dir, m[2]);
    }
  }
  if (!pkg.name) fail(`${file}: no name`);
  return pkg;
}

// The application first, then every dependency once (transitively).
const app = readToml(appDir);
const packages = new Map([[app.name, app]]);
const pending = Object.entries(app.deps);
while (pending.length > 0) {
  const [name, dir] = pending.shift();
  if (packages.has(name)) continue;
  const pkg = readToml(dir);
  if (pkg.name !== name) fail(`${dir}/gleam.toml names ${pkg.name}, not ${name}`);
  packages.set(name, pkg);
  pending.push(...Object.entries(pkg.deps));
}
const deps = [...packages.values()].filter((p) => p !== app);

// Gleam 0.30.5: the application at /src, each dependency at
// /build/packages/<name> with a gleam.toml naming it and its own
// dependencies (only their names count there).
const files030 = {};
for (const pkg of packages.values()) {
  const base = pkg === app ? "" : `/build/packages/${pkg.name}`;
  if (pkg !== app) {
    files030[`${base}/gleam.toml`] = `name = "${pkg.name}"\nversion = "${pkg.version}"\n` +
      `[dependencies]\n${Object.keys(pkg.deps).map((d) => `${d} = ">= 0.0.0"\n`).join("")}`;
  }
  for (const f of walk(path.join(pkg.dir, "src"), ".gleam")) {
    files030[`${base}/src/${path.relative(path.join(pkg.dir, "src"), f).split(path.sep).join("/")}`] =
      toGleam030(f, fs.readFileSync(f, "utf8"), fail);
  }
}
const wasm = await loadGleam030(fail);
const result = wasm.compile({
  target: "erlang", sourceFiles: files030, dependencies: deps.map((d) => d.name), mode: "Prod",
});
if (result.Err !== undefined) {
  process.stderr.write(as1x(result.Err) + "\n");
  fail(`${app.name}: Gleam compilation failed`);
}

// Gleam 1.3.0 compiles one package at a time: the application's and its
// dependencies' modules together, as written.
const gleam13 = await loadGleam13();
if (gleam13) {
  const files13 = {};
  for (const pkg of packages.values()) {
    for (const f of [...walk(path.join(pkg.dir, "src"), ".gleam"), ...walk(path.join(pkg.dir, "src"), ".erl")]) {
      files13[`/src/${path.relative(path.join(pkg.dir, "src"), f).split(path.sep).join("/")}`] =
        fs.readFileSync(f, "utf8");
    }
  }
  const { error, warnings } = compile13(files13);
  if (error) fail(`Gleam 1.3.0 compilation failed:\n${error}`);
  if (warnings.length > 0) fail(`Gleam 1.3.0 reported warnings:\n${warnings.join("\n")}`);
}

// Each package: generated Erlang plus its own FFI (.erl/.hrl in src/) ->
// OUT_DIR/<name>/ebin, its .app, and priv/.
fs.rmSync(outDir, { recursive: true, force: true });
for (const pkg of packages.values()) {
  const compiledAs = pkg === app ? "gleam-wasm" : pkg.name; // 0.30 names the root package so
  const prefix = `/build/dev/erlang/${compiledAs}/_gleam_artefacts/`;
  const erlDir = path.join(outDir, pkg.name, "_gleam_artefacts");
  const ebin = path.join(outDir, pkg.name, "ebin");
  fs.mkdirSync(erlDir, { recursive: true });
  fs.mkdirSync(ebin, { recursive: true });
  const sources = [];
  for (const [file, text] of result.Ok) {
    const name = path.posix.basename(file);
    if (!file.startsWith(prefix) || name.includes("@@")) continue; // the compiler's own escript helpers
    fs.writeFileSync(path.join(erlDir, name), text);
    if (name.endsWith(".erl")) sources.push(path.join(erlDir, name));
  }
  for (const f of [...walk(path.join(pkg.dir, "src"), ".erl"), ...walk(path.join(pkg.dir, "src"), ".hrl")]) {
    fs.copyFileSync(f, path.join(erlDir, path.basename(f)));
    if (f.endsWith(".erl")) sources.push(path.join(erlDir, path.basename(f)));
  }
  const erlc = spawnSync("erlc", ["-I", erlDir, "-o", ebin, ...sources], { stdio: ["ignore", 2, 2] });
  if (erlc.status !== 0) fail(`${pkg.name}: erlc failed`);
  const modules = fs.readdirSync(ebin).filter((f) => f.endsWith(".beam")).map((f) => `'${f.slice(0, -5)}'`);
  const apps = ["kernel", "stdlib", ...Object.keys(pkg.deps)].join(", ");
  fs.writeFileSync(path.join(ebin, `${pkg.name}.app`),
    `{application, ${pkg.name}, [{vsn, ${JSON.stringify(pkg.version)}}, ` +
    `{description, ${JSON.stringify(pkg.description)}}, {applications, [${apps}]}, ` +
    `{modules, [${modules.sort().join(", ")}]}, {registered, []}]}.\n`);
  const priv = path.join(pkg.dir, "priv");
  if (fs.existsSync(priv) && fs.statSync(priv).isDirectory()) {
    fs.symlinkSync(priv, path.join(outDir, pkg.name, "priv"));
  }
}
process.stdout.write(`gleam build-app: ${[...packages.keys()].join(", ")} -> ${outDir}` +
  `; Gleam 1.3.0 check: ${gleam13 ? "0 errors, 0 warnings" : "skipped"}\n`);
