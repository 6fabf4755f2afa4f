// @ts-check
/**
 * The architecture rules of this repository, checked on the shipped source of every package.
 *
 * - `packages/*` never depend on or import another `@coreflux/*` package: only `apps/*` compose.
 * - Relative imports stay inside their own package.
 * - `@coreflux/hierarchy` and `@coreflux/automation`: no runtime dependencies, no imports at all,
 *   no Node globals, no clock.
 * - `@coreflux/shelly-schema`: depends on zod only, imports zod only, no Node globals (no I/O).
 * - `@coreflux/mqtt-adapter`: knows nothing about Shelly or the hierarchy.
 * - `@coreflux/history`: only its database drivers (optional peers, loaded when used); knows
 *   nothing about Shelly, MQTT or the engine.
 * - `@coreflux/config`: depends on zod and smol-toml only, reads files with node:fs; the one
 *   package both apps share, so it validates every table itself (no other package's helpers).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** Globals that only exist in Node (or that do I/O or read time) and that pure code may not use. */
const NODE_GLOBALS = new Set([
  "process",
  "Buffer",
  "global",
  "require",
  "module",
  "__dirname",
  "__filename",
  "NodeJS",
  "setTimeout",
  "setInterval",
  "setImmediate",
  "clearTimeout",
  "clearInterval",
  "clearImmediate",
  "queueMicrotask",
  "fetch",
  "performance",
  "WebSocket",
  "XMLHttpRequest",
]);

/**
 * @typedef {object} PackageRule
 * @property {string[] | undefined} allowedDependencies runtime dependencies allowed (undefined: any)
 * @property {string[] | undefined} allowedImports bare module specifiers allowed (undefined: any)
 * @property {boolean} forbidNodeGlobals reject `process`, `Buffer`, timers, ... in shipped source
 * @property {boolean} forbidClock reject `Date.now()` and `new Date()` without arguments
 * @property {RegExp | undefined} forbiddenWord a concept the package must not know about
 */

/** @type {Record<string, PackageRule>} */
export const PACKAGE_RULES = {
  "@coreflux/automation": {
    allowedDependencies: [],
    allowedImports: [],
    forbidNodeGlobals: true,
    forbidClock: true,
    forbiddenWord: undefined,
  },
  "@coreflux/hierarchy": {
    allowedDependencies: [],
    allowedImports: [],
    forbidNodeGlobals: true,
    forbidClock: true,
    forbiddenWord: undefined,
  },
  "@coreflux/shelly-schema": {
    allowedDependencies: ["zod"],
    allowedImports: ["zod"],
    forbidNodeGlobals: true,
    forbidClock: false,
    forbiddenWord: undefined,
  },
  "@coreflux/history": {
    allowedDependencies: ["better-sqlite3", "mariadb"],
    // node:worker_threads: the SQLite connection has a thread of its own.
    allowedImports: [
      "better-sqlite3",
      "mariadb",
      "node:fs",
      "node:module",
      "node:path",
      "node:worker_threads",
    ],
    forbidNodeGlobals: false,
    forbidClock: false,
    forbiddenWord: /shelly|mqtt|hierarchy/i,
  },
  "@coreflux/config": {
    allowedDependencies: ["zod", "smol-toml"],
    allowedImports: ["zod", "smol-toml", "node:fs"],
    forbidNodeGlobals: false,
    forbidClock: false,
    forbiddenWord: undefined,
  },
  "@coreflux/mqtt-adapter": {
    allowedDependencies: undefined,
    allowedImports: undefined,
    forbidNodeGlobals: false,
    forbidClock: false,
    forbiddenWord: /shelly|hierarchy/i,
  },
};

/**
 * @typedef {object} Violation
 * @property {string} pkg package name
 * @property {string} file path relative to the repository root ("package.json" for manifests)
 * @property {number} line 1-based line, 0 for manifest problems
 * @property {string} message what is wrong
 */

/**
 * Checks every package under `<rootDir>/packages` against the rules above.
 * @param {string} rootDir repository root
 * @returns {{ checkedPackages: string[], violations: Violation[] }}
 */
export function checkArchitecture(rootDir) {
  /** @type {Violation[]} */
  const violations = [];
  /** @type {string[]} */
  const checkedPackages = [];
  const packagesDir = join(rootDir, "packages");
  for (const entry of readdirSync(packagesDir).sort()) {
    const pkgDir = join(packagesDir, entry);
    const manifestPath = join(pkgDir, "package.json");
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    const name = /** @type {string} */ (manifest.name);
    checkedPackages.push(name);
    const rule = PACKAGE_RULES[name];
    const report = (
      /** @type {string} */ file,
      /** @type {number} */ line,
      /** @type {string} */ message,
    ) => violations.push({ pkg: name, file: relative(rootDir, file), line, message });

    const runtimeDeps = {
      ...manifest.dependencies,
      ...manifest.peerDependencies,
      ...manifest.optionalDependencies,
    };
    for (const dep of Object.keys(runtimeDeps)) {
      if (dep.startsWith("@coreflux/")) {
        report(
          manifestPath,
          0,
          `depends on ${dep}: packages never depend on each other, only apps compose them`,
        );
      } else if (rule?.allowedDependencies && !rule.allowedDependencies.includes(dep)) {
        report(
          manifestPath,
          0,
          `runtime dependency "${dep}" is not allowed (allowed: ${rule.allowedDependencies.join(", ") || "none"})`,
        );
      }
    }

    for (const file of listSourceFiles(join(pkgDir, "src"))) {
      const text = readFileSync(file, "utf8");
      const source = ts.createSourceFile(
        file,
        text,
        ts.ScriptTarget.Latest,
        true,
        ts.ScriptKind.TS,
      );
      const lineOf = (/** @type {ts.Node} */ node) =>
        source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;

      for (const { specifier, node } of moduleSpecifiers(source)) {
        if (specifier.startsWith(".")) {
          const target = resolve(dirname(file), specifier);
          if (!(target + sep).startsWith(pkgDir + sep)) {
            report(file, lineOf(node), `relative import "${specifier}" leaves the package`);
          }
          continue;
        }
        if (specifier.startsWith("@coreflux/")) {
          report(
            file,
            lineOf(node),
            `imports ${specifier}: packages never import each other, only apps compose them`,
          );
        } else if (rule?.allowedImports && !rule.allowedImports.includes(packageOf(specifier))) {
          report(
            file,
            lineOf(node),
            `imports "${specifier}", which this package may not use (allowed: ${rule.allowedImports.join(", ") || "relative imports only"})`,
          );
        }
      }

      if (rule?.forbidNodeGlobals || rule?.forbidClock) {
        visit(source, (node) => {
          if (
            rule.forbidNodeGlobals &&
            ts.isIdentifier(node) &&
            NODE_GLOBALS.has(node.text) &&
            isFreeReference(node)
          ) {
            report(
              file,
              lineOf(node),
              `uses the Node/host global "${node.text}"; this package must stay pure`,
            );
          }
          if (rule.forbidClock && readsClock(node)) {
            report(file, lineOf(node), "reads the wall clock; time must be passed in");
          }
        });
      }

      if (rule?.forbiddenWord) {
        const lines = text.split("\n");
        lines.forEach((lineText, index) => {
          if (rule.forbiddenWord?.test(lineText)) {
            report(
              file,
              index + 1,
              `mentions ${rule.forbiddenWord}: this package must know nothing about it`,
            );
          }
        });
      }
    }
  }
  return { checkedPackages, violations };
}

/**
 * Shipped TypeScript files of a package: `src/**\/*.ts` except tests.
 * @param {string} dir
 * @returns {string[]}
 */
function listSourceFiles(dir) {
  if (!existsSync(dir)) return [];
  /** @type {string[]} */
  const files = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...listSourceFiles(path));
    else if (/\.(m|c)?tsx?$/.test(entry) && !/\.test\.(m|c)?tsx?$/.test(entry)) files.push(path);
  }
  return files;
}

/**
 * Every module specifier a file refers to: static imports and re-exports, `import()`,
 * `require()`, `import x = require()` and `import("...")` types.
 * @param {ts.SourceFile} source
 * @returns {Array<{ specifier: string, node: ts.Node }>}
 */
function moduleSpecifiers(source) {
  /** @type {Array<{ specifier: string, node: ts.Node }>} */
  const found = [];
  visit(source, (node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push({ specifier: node.moduleSpecifier.text, node });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference)
    ) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteral(expr)) found.push({ specifier: expr.text, node });
    } else if (ts.isCallExpression(node)) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === "require";
      const first = node.arguments[0];
      if ((isDynamicImport || isRequire) && first && ts.isStringLiteralLike(first)) {
        found.push({ specifier: first.text, node });
      }
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push({ specifier: node.argument.literal.text, node });
    }
  });
  return found;
}

/**
 * The npm package a bare specifier names: `zod/v4` → `zod`, `@scope/x/y` → `@scope/x`.
 * @param {string} specifier
 */
function packageOf(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/**
 * True when an identifier refers to a variable by that name (not a property name or a declaration).
 * @param {ts.Identifier} node
 */
function isFreeReference(node) {
  const parent = node.parent;
  if (!parent) return true;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isQualifiedName(parent) && parent.right === node) return false;
  if (
    (ts.isPropertyAssignment(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isMethodDeclaration(parent) ||
      ts.isMethodSignature(parent) ||
      ts.isGetAccessor(parent) ||
      ts.isSetAccessor(parent) ||
      ts.isEnumMember(parent)) &&
    parent.name === node
  )
    return false;
  if (
    (ts.isVariableDeclaration(parent) ||
      ts.isParameter(parent) ||
      ts.isFunctionDeclaration(parent) ||
      ts.isBindingElement(parent)) &&
    parent.name === node
  )
    return false;
  if (ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent)) return false;
  return true;
}

/**
 * `Date.now()`, `new Date()` without arguments, or `performance.now()`.
 * @param {ts.Node} node
 */
function readsClock(node) {
  if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
    const { expression, name } = node.expression;
    return ts.isIdentifier(expression) && expression.text === "Date" && name.text === "now";
  }
  if (
    ts.isNewExpression(node) &&
    ts.isIdentifier(node.expression) &&
    node.expression.text === "Date"
  ) {
    return !node.arguments || node.arguments.length === 0;
  }
  return false;
}

/**
 * Depth-first walk over every node.
 * @param {ts.Node} node
 * @param {(node: ts.Node) => void} fn
 */
function visit(node, fn) {
  fn(node);
  ts.forEachChild(node, (child) => visit(child, fn));
}
