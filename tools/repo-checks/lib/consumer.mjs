// @ts-check
/**
 * The consumer check: what a user gets from npm, tried the way a user would try it.
 *
 * Every publishable package is packed with `pnpm pack`, the tarballs are installed with npm into a
 * scratch project outside the workspace, and then each package is
 *  1. `require()`d from a CommonJS file and `import()`ed from an ES module, with the same exports;
 *  2. typechecked from a `.cts` and a `.mts` file (TypeScript `nodenext`), every runtime export
 *     named in the types;
 *  3. exercised by its own `examples/*.mjs|cjs` files, which the package README shows.
 * Every publishable service under `apps/` is packed and installed with them, and its bins are run
 * from `node_modules/.bin` with `--help` and `--check` (a valid config: 0; a typo: 2).
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const require = createRequire(import.meta.url);

/**
 * @typedef {object} Publishable
 * @property {string} name
 * @property {string} dir absolute package directory
 */

/**
 * Publishable (non-private) packages under `<rootDir>/packages`.
 * @param {string} rootDir
 * @returns {Publishable[]}
 */
export function publishablePackages(rootDir) {
  const dir = join(rootDir, "packages");
  return readdirSync(dir)
    .sort()
    .map((entry) => join(dir, entry))
    .filter((pkgDir) => existsSync(join(pkgDir, "package.json")))
    .map((pkgDir) => ({
      pkgDir,
      manifest: JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")),
    }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ pkgDir, manifest }) => ({ name: manifest.name, dir: pkgDir }));
}

/**
 * Publishable (non-private) services under `<rootDir>/apps`, with their bins.
 * @param {string} rootDir
 * @returns {(Publishable & { bins: string[] })[]}
 */
export function publishableApps(rootDir) {
  const dir = join(rootDir, "apps");
  return readdirSync(dir)
    .sort()
    .map((entry) => join(dir, entry))
    .filter((appDir) => existsSync(join(appDir, "package.json")))
    .map((appDir) => ({
      appDir,
      manifest: JSON.parse(readFileSync(join(appDir, "package.json"), "utf8")),
    }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ appDir, manifest }) => ({
      name: manifest.name,
      dir: appDir,
      bins: Object.keys(manifest.bin ?? {}),
    }));
}

/**
 * Runs the whole consumer check; throws with a clear message at the first failure.
 * @param {string} rootDir repository root (packages must be built)
 * @param {{ log?: (line: string) => void, keep?: boolean }} [options]
 * @returns {{ scratchDir: string, exportsByPackage: Record<string, string[]> }}
 */
export function runConsumerCheck(rootDir, options = {}) {
  const log = options.log ?? ((line) => console.log(line));
  const packages = publishablePackages(rootDir);
  const apps = publishableApps(rootDir);
  const scratchDir = mkdtempSync(join(tmpdir(), "coreflux-consumer-"));
  const tarballDir = join(scratchDir, "tarballs");
  mkdirSync(tarballDir);
  try {
    for (const pkg of [...packages, ...apps]) {
      if (!existsSync(join(pkg.dir, "dist")))
        throw new Error(`${pkg.name} is not built: run pnpm build first`);
      run("pnpm", ["pack", "--pack-destination", tarballDir], pkg.dir);
    }
    const tarballs = readdirSync(tarballDir).filter((f) => f.endsWith(".tgz"));
    if (tarballs.length !== packages.length + apps.length) {
      throw new Error(
        `expected ${packages.length + apps.length} tarballs, found ${tarballs.length}: ${tarballs.join(", ")}`,
      );
    }
    log(`packed ${tarballs.join(", ")}`);

    writeFileSync(
      join(scratchDir, "package.json"),
      `${JSON.stringify({ name: "coreflux-consumer-check", private: true, version: "0.0.0" }, null, 2)}\n`,
    );
    run(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        "--no-package-lock",
        "--loglevel=error",
        ...tarballs.map((t) => `./tarballs/${t}`),
        // Optional peers (database drivers) are what a user installs beside the package; the
        // examples use them.
        ...peerSpecs(packages),
        "@types/node@20",
      ],
      scratchDir,
    );
    log(`installed into ${scratchDir}`);

    const names = packages.map((p) => p.name);
    writeFileSync(
      join(scratchDir, "exports.cjs"),
      "const out = {};\nfor (const name of JSON.parse(process.argv[2])) out[name] = Object.keys(require(name)).sort();\nprocess.stdout.write(JSON.stringify(out));\n",
    );
    writeFileSync(
      join(scratchDir, "exports.mjs"),
      "const out = {};\nfor (const name of JSON.parse(process.argv[2])) out[name] = Object.keys(await import(name)).sort();\nprocess.stdout.write(JSON.stringify(out));\n",
    );
    /** @type {Record<string, string[]>} */
    const viaRequire = JSON.parse(
      run(process.execPath, ["exports.cjs", JSON.stringify(names)], scratchDir),
    );
    /** @type {Record<string, string[]>} */
    const viaImport = JSON.parse(
      run(process.execPath, ["exports.mjs", JSON.stringify(names)], scratchDir),
    );
    for (const name of names) {
      const cjs = viaRequire[name] ?? [];
      const esm = viaImport[name] ?? [];
      if (cjs.length === 0) throw new Error(`require("${name}") exposes no exports`);
      if (JSON.stringify(cjs) !== JSON.stringify(esm)) {
        throw new Error(
          `${name}: require() and import() disagree\n  require: ${cjs.join(", ")}\n  import:  ${esm.join(", ")}`,
        );
      }
      log(`${name}: require() and import() both expose ${cjs.length} exports`);
    }

    writeTypeChecks(scratchDir, viaImport);
    const tsc = require.resolve("typescript/lib/tsc.js");
    run(process.execPath, [tsc, "-p", "tsconfig.json"], scratchDir);
    log("typechecked check.cts (require) and check.mts (import) against the installed types");

    for (const pkg of packages) {
      const examplesDir = join(pkg.dir, "examples");
      if (!existsSync(examplesDir)) continue;
      const target = join(scratchDir, "examples", pkg.name.replace("/", "__"));
      cpSync(examplesDir, target, { recursive: true });
      for (const file of readdirSync(target)
        .filter((f) => /\.(mjs|cjs)$/.test(f))
        .sort()) {
        run(process.execPath, [join(target, file)], scratchDir);
        log(`${pkg.name}: examples/${file} ran`);
      }
    }
    checkBins(scratchDir, apps, log);
    return { scratchDir, exportsByPackage: viaImport };
  } finally {
    if (!options.keep) rmSync(scratchDir, { recursive: true, force: true });
  }
}

/**
 * Runs every installed service bin the way a user would after `npm i -g`: `--help` (exit 0),
 * `--check` of a valid system config (exit 0) and of one with a typo (exit 2, naming the line).
 * @param {string} scratchDir
 * @param {{ name: string, bins: string[] }[]} apps
 * @param {(line: string) => void} log
 */
function checkBins(scratchDir, apps, log) {
  const valid = join(scratchDir, "config.toml");
  writeFileSync(
    valid,
    '[company]\ntopic = "Coreflux/#"\n[history]\nperiod_minutes = 15\n[automatism]\nenabled = true\n[[automatism.rules]]\nname = "night"\nwindows = ["20:30-08:30"]\n',
  );
  const typo = join(scratchDir, "typo.toml");
  writeFileSync(typo, '[company]\ntopic = "Coreflux/#"\n[publish]\nintervall = 5\n');
  for (const app of apps) {
    for (const bin of app.bins) {
      const path = join(scratchDir, "node_modules", ".bin", bin);
      const help = spawnSync(path, ["--help"], { cwd: scratchDir, encoding: "utf8" });
      if (help.status !== 0 || !help.stdout.includes("--check")) {
        throw new Error(`${bin} --help: exit ${help.status}\n${help.stdout}${help.stderr}`);
      }
      const ok = spawnSync(path, ["--config", valid, "--check"], {
        cwd: scratchDir,
        encoding: "utf8",
      });
      if (ok.status !== 0)
        throw new Error(`${bin} --check (valid): exit ${ok.status}\n${ok.stderr}`);
      const bad = spawnSync(path, ["--config", typo, "--check"], {
        cwd: scratchDir,
        encoding: "utf8",
      });
      if (bad.status !== 2 || !bad.stderr.includes(`${typo}:4: publish.intervall: unknown key`)) {
        throw new Error(`${bin} --check (typo): exit ${bad.status}\n${bad.stderr}`);
      }
      log(
        `${app.name}: ${bin} --help, --check (valid: 0, typo: 2) work from the installed tarball`,
      );
    }
  }
}

/**
 * `name@range` of every peer dependency the packages declare (each once).
 * @param {{ dir: string }[]} packages
 * @returns {string[]}
 */
function peerSpecs(packages) {
  const specs = new Map();
  for (const pkg of packages) {
    const manifest = JSON.parse(readFileSync(join(pkg.dir, "package.json"), "utf8"));
    for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
      if (!name.startsWith("@coreflux/")) specs.set(name, `${name}@${range}`);
    }
  }
  return [...specs.values()];
}

/**
 * Writes check.mts / check.cts naming every runtime export through the installed types.
 * @param {string} scratchDir
 * @param {Record<string, string[]>} exportsByPackage
 */
function writeTypeChecks(scratchDir, exportsByPackage) {
  const entries = Object.entries(exportsByPackage);
  const body = entries
    .map(
      ([, keys], i) =>
        `const keys${i}: ReadonlyArray<keyof typeof pkg${i}> = ${JSON.stringify(keys)};\nvoid keys${i};`,
    )
    .join("\n");
  const esmImports = entries.map(([name], i) => `import * as pkg${i} from "${name}";`).join("\n");
  const cjsImports = entries.map(([name], i) => `import pkg${i} = require("${name}");`).join("\n");
  writeFileSync(join(scratchDir, "check.mts"), `${esmImports}\n${body}\nexport {};\n`);
  writeFileSync(join(scratchDir, "check.cts"), `${cjsImports}\n${body}\nexport {};\n`);
  const tsconfig = {
    compilerOptions: {
      module: "nodenext",
      moduleResolution: "nodenext",
      target: "es2022",
      strict: true,
      noEmit: true,
      types: ["node"],
      skipLibCheck: false,
    },
    files: ["check.mts", "check.cts"],
  };
  writeFileSync(join(scratchDir, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
}

/**
 * Runs a command and returns its stdout; on failure throws with its output.
 * @param {string} command
 * @param {string[]} args
 * @param {string} cwd
 */
function run(command, args, cwd) {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const e = /** @type {{ stdout?: string, stderr?: string, message: string }} */ (error);
    throw new Error(
      `${command} ${args.join(" ")} failed in ${cwd}\n${e.stdout ?? ""}${e.stderr ?? e.message}`,
    );
  }
}
