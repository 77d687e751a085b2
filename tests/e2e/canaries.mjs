// Canary secrets for the leak test (specs/leak.test.mjs): unique values seeded where users keep
// credentials, and a scanner that looks for each of them in text and in files, plain and in
// the encodings a secret takes on its way (base64 at any alignment, base64 of base64 as in a
// Secret's dockerconfigjson, UTF-16 as WebKit's storage keeps strings).
import { randomBytes } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";

/** A value no program would write by chance: `ksoc-<what>-<24 hex>`. */
export function canary(what) {
  return `ksoc-${what}-${randomBytes(12).toString("hex")}`;
}

/** The part of base64(prefix + value) that depends on `value` alone, for each of the three
 * alignments `value` can have inside a longer encoded text. */
function base64Cores(value) {
  const bytes = Buffer.from(value);
  const cores = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const start = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    if (end - start >= 8) cores.push(encoded.slice(start, end));
  }
  return cores;
}

/** Every form of `value` the scan looks for. */
export function forms(value) {
  const once = base64Cores(value);
  const twice = once.flatMap(base64Cores);
  return [value, ...once, ...twice];
}

/** A set of named secrets (canaries, and real credentials the run uses) to look for. */
export class SecretSet {
  #needles = [];
  names = [];

  add(name, value) {
    if (typeof value !== "string" || value.length < 8) throw new Error(`secret ${name} is too short to look for reliably: ${JSON.stringify(value)}`);
    this.names.push(name);
    for (const form of forms(value)) {
      this.#needles.push({ name, form, bytes: [Buffer.from(form), Buffer.from(form, "utf16le")] });
    }
  }

  /** The names of the secrets found in `data` (a string or a Buffer). */
  findIn(data) {
    const buffer = Buffer.isBuffer(data) ? data : Buffer.from(String(data));
    const found = new Set();
    for (const { name, bytes } of this.#needles) {
      if (!found.has(name) && bytes.some((b) => buffer.includes(b))) found.add(name);
    }
    return [...found];
  }
}

/** Regular files under `dir`, recursively (symbolic links not followed). */
export function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** A string as strace prints it (`\"`, `\\`, `\x41` or octal escapes), as far as paths need. */
function unescape(text) {
  return text.replace(/\\(x[0-9a-f]{2}|[0-7]{1,3}|.)/g, (_, e) =>
    e[0] === "x" ? String.fromCharCode(parseInt(e.slice(1), 16)) : /^[0-7]/.test(e) ? String.fromCharCode(parseInt(e, 8)) : e === "n" ? "\n" : e,
  );
}

const WRITE_FLAGS = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/;

/** The files an strace log (`-ff -e trace=openat,open,creat,rename,renameat,renameat2,link,linkat`)
 * shows written: opened for writing, created, or the target of a rename or link, by a call
 * that succeeded. Relative paths are taken against `cwd`. Returns a Map path → calls seen. */
export function writtenFiles(traceText, cwd) {
  const written = new Map();
  const note = (path, call) => {
    const absolute = isAbsolute(path) ? path : resolve(cwd, path);
    written.set(absolute, (written.get(absolute) ?? 0) + 1);
    return call;
  };
  for (const line of traceText.split("\n")) {
    if (/= -1 /.test(line) || !/\) = \d+/.test(line)) continue;
    const strings = [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unescape(m[1]));
    if (/\b(openat|open)\(/.test(line) && WRITE_FLAGS.test(line) && strings[0]) note(strings[0], "open");
    else if (/\bcreat\(/.test(line) && strings[0]) note(strings[0], "creat");
    else if (/\b(rename|renameat|renameat2|link|linkat)\(/.test(line) && strings.length >= 2) note(strings[strings.length - 1], "rename");
  }
  return written;
}

/** Scans each existing regular file in `paths`; returns { scanned, findings: [{path, secrets}] }. */
export function scanFiles(secrets, paths) {
  let scanned = 0;
  const findings = [];
  for (const path of paths) {
    let stat;
    try {
      stat = lstatSync(path);
    } catch {
      continue; // written, then removed or renamed away (a temporary file)
    }
    if (!stat.isFile()) continue;
    scanned++;
    const found = secrets.findIn(readFileSync(path));
    if (found.length) findings.push({ path, secrets: found });
  }
  return { scanned, findings };
}
