// The thread that owns a SQLite history's connection (see sqlite-driver.ts, which starts it).
// better-sqlite3 is synchronous: every statement runs here, so a large batch never holds up the
// event loop of the process that writes it. Plain CommonJS, loaded as it is from `src/` (tests)
// and from `dist/` (a copy made by the build), by the ESM and the CommonJS build alike.
//
// workerData: { driverPath, file, readOnly }. First message out: { ready: true } or
// { ready: false, stage: "load" | "open", error }. Then one reply per request, in order:
// { id, result } or { id, error }, where error is { name, message, code }.
"use strict";

const { mkdirSync } = require("node:fs");
const { dirname } = require("node:path");
const { parentPort, workerData } = require("node:worker_threads");

/** What the main thread needs to rebuild an error. */
function describe(error) {
  return {
    name: error instanceof Error ? error.name : "Error",
    message: error instanceof Error ? error.message : String(error),
    code: typeof error?.code === "string" ? error.code : undefined,
  };
}

function load() {
  return require(workerData.driverPath);
}

function open(Driver) {
  const { file, readOnly } = workerData;
  if (readOnly) {
    const db = new Driver(file, { readonly: true, fileMustExist: true });
    db.pragma("busy_timeout = 10000");
    return db;
  }
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const db = new Driver(file);
  // WAL: readers (the report, a web view) never block the writer, nor it them. FULL: a committed
  // batch survives a power cut, because the aggregator forgets it once committed.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 10000");
  return db;
}

let Driver;
try {
  Driver = load();
} catch (error) {
  parentPort.postMessage({ ready: false, stage: "load", error: describe(error) });
  process.exit(0);
}
let db;
try {
  db = open(Driver);
} catch (error) {
  parentPort.postMessage({ ready: false, stage: "open", error: describe(error) });
  process.exit(0);
}

const statements = new Map();
function prepare(sql) {
  let statement = statements.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}

function handle(request) {
  switch (request.op) {
    case "exec":
      db.exec(request.sql);
      return undefined;
    case "all":
      return prepare(request.sql).all(...request.params);
    case "run":
      prepare(request.sql).run(...request.params);
      return undefined;
    case "runMany": {
      const statement = prepare(request.sql);
      for (const row of request.rows) statement.run(...row);
      return undefined;
    }
    case "rollback":
      if (db.inTransaction) db.exec("ROLLBACK");
      return undefined;
    case "close":
      if (db.open) db.close();
      return undefined;
    default:
      throw new Error(`unknown request ${String(request.op)}`);
  }
}

parentPort.on("message", (request) => {
  let reply;
  try {
    reply = { id: request.id, result: handle(request) };
  } catch (error) {
    reply = { id: request.id, error: describe(error) };
  }
  parentPort.postMessage(reply);
  if (request.op === "close") parentPort.close();
});
parentPort.postMessage({ ready: true });
