import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { z } from "zod";
import type { EnvOverride } from "./env-overrides";
import { loadTomlConfig, parseTomlConfig } from "./load";
import { formatProblem } from "./problem";

const schema = z.strictObject({
  server: z
    .strictObject({
      url: z.string().optional(),
      token: z.string().optional(),
      port: z.number().int().default(80),
    })
    .prefault({}),
  extra: z.strictObject({ secret: z.string().optional() }).optional(),
  items: z.array(z.strictObject({ name: z.string() })).default([]),
});

const overrides: EnvOverride[] = [
  {
    variable: "APP_URL",
    key: "server.url",
    validate: (v) => (v.startsWith("https://") ? undefined : "must start with https://"),
  },
  { variable: "APP_TOKEN", key: "server.token" },
  { variable: "APP_SECRET", key: "extra.secret" },
];

const problems = (source: string) => {
  const result = parseTomlConfig(source, "app.toml", schema);
  if (result.ok) throw new Error("expected problems");
  return result.errors.map(formatProblem);
};

describe("parseTomlConfig", () => {
  it("validates with the schema and applies its defaults", () => {
    const result = parseTomlConfig("[server]\nurl = 'https://a'\n", "app.toml", schema);
    expect(result).toEqual({
      ok: true,
      config: { server: { url: "https://a", port: 80 }, items: [] },
      warnings: [],
    });
  });

  it("names file, line and key of every problem, unknown keys one by one, in file order", () => {
    expect(problems('[[items]]\nname = 1\n[server]\nport = "80"\nprot = 1\n[other]\n')).toEqual([
      "app.toml:2: items[0].name: expected string, got number",
      "app.toml:4: server.port: expected number, got string",
      "app.toml:5: server.prot: unknown key",
      "app.toml:6: other: unknown key",
    ]);
    expect(problems("[[items]]\n")).toEqual(["app.toml:1: items[0].name: is required"]);
  });

  it("reports TOML syntax errors with their line instead of throwing", () => {
    expect(problems("[server]\nport = 80\nurl = 'x\n")).toEqual([
      expect.stringMatching(/^app\.toml:3: invalid TOML: /),
    ]);
    expect(problems("[server]\nport = 80\nport = 81\n")).toEqual([
      expect.stringMatching(/^app\.toml:3: invalid TOML: /),
    ]);
  });

  it("applies environment overrides in order and says so, never with the value", () => {
    const result = parseTomlConfig("[server]\nurl = 'https://file'\n", "app.toml", schema, {
      env: { APP_URL: "https://env", APP_TOKEN: "t0ken", APP_SECRET: "ignored" },
      overrides,
    });
    expect(result).toEqual({
      ok: true,
      config: { server: { url: "https://env", token: "t0ken", port: 80 }, items: [] },
      warnings: ["server.url is taken from APP_URL", "server.token is taken from APP_TOKEN"],
    });
  });

  it("sets an override inside an optional table only when the file has that table", () => {
    const result = parseTomlConfig("[extra]\n", "app.toml", schema, {
      env: { APP_SECRET: "s3cret", APP_TOKEN: "" },
      overrides,
    });
    expect(result.ok && result.config.extra).toEqual({ secret: "s3cret" });
    expect(result.ok && result.warnings).toEqual(["extra.secret is taken from APP_SECRET"]);
  });

  it("reports an override its validator refuses, naming the variable", () => {
    const result = parseTomlConfig("", "app.toml", schema, {
      env: { APP_URL: "http://plain" },
      overrides,
    });
    expect(result.ok || result.errors.map(formatProblem)).toEqual([
      "environment APP_URL: server.url: must start with https://",
    ]);
  });

  it("runs the checks after the overrides and locates what they find", () => {
    const result = parseTomlConfig("[server]\nport = 8080\n", "app.toml", schema, {
      env: { APP_TOKEN: "t" },
      overrides,
      checks: [
        (config) =>
          config.server.token && config.server.port !== 443
            ? [{ path: ["server", "port"], message: "a token needs port 443" }]
            : [],
      ],
    });
    expect(result.ok || result.errors.map(formatProblem)).toEqual([
      "app.toml:2: server.port: a token needs port 443",
    ]);
  });
});

describe("loadTomlConfig", () => {
  it("reads the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "coreflux-config-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "app.toml");
    writeFileSync(file, "[server]\nport = 8080\n");
    const result = loadTomlConfig(file, schema);
    expect(result.ok && result.config.server.port).toBe(8080);
  });

  it("reports a missing file as a problem", () => {
    const result = loadTomlConfig("/nonexistent/app.toml", schema);
    expect(result.ok || result.errors.map(formatProblem)).toEqual([
      "/nonexistent/app.toml: cannot read the configuration: file not found",
    ]);
  });

  it("reports a directory as a problem", () => {
    const result = loadTomlConfig(tmpdir(), schema);
    expect(result.ok || result.errors.map(formatProblem)).toEqual([
      expect.stringMatching(/: cannot read the configuration: EISDIR/),
    ]);
  });
});
