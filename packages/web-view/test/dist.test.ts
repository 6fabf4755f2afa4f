/**
 * The built page as the aggregator serves it: everything local, nothing inline (the server's
 * Content-Security-Policy has no 'unsafe-inline'), and within the 150 KB gzip budget.
 * Runs after `build` (turbo's `test` depends on it).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const dist = join(import.meta.dirname, "..", "dist");
const BUDGET_GZIP_BYTES = 150 * 1024;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe.skipIf(!existsSync(join(dist, "index.html")) && !process.env.CI)("dist", () => {
  const all = files(dist);
  const html = readFileSync(join(dist, "index.html"), "utf8");

  it("has index.html and hashed assets under /assets/ only", () => {
    expect(all.map((f) => relative(dist, f)).filter((f) => f !== "index.html")).toEqual(
      expect.arrayContaining([expect.stringMatching(/^assets\/.+-[\w-]{8}\.js$/)]),
    );
    for (const f of all) {
      const rel = relative(dist, f);
      expect(rel === "index.html" || /^assets\/[\w.-]+-[\w-]{8}\.(js|css)$/.test(rel), rel).toBe(
        true,
      );
    }
  });

  it("loads every script and style from a file of the same origin", () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\ssrc="\/assets\/[^"]+\.js"/);
      expect(body?.trim()).toBe("");
    }
    expect(html).toMatch(/<link rel="stylesheet"[^>]* href="\/assets\/[^"]+\.css"/);
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
    for (const [, url] of html.matchAll(/\s(?:src|href)="([^"]*)"/g)) {
      expect(url === "data:," || url?.startsWith("/assets/"), url).toBe(true);
    }
  });

  it("fetches nothing from elsewhere (no CDN, no web fonts)", () => {
    for (const f of all.filter((p) => p.endsWith(".css"))) {
      const css = readFileSync(f, "utf8");
      expect(css).not.toMatch(/@import|@font-face|url\(\s*["']?(https?:)?\/\//i);
    }
    for (const f of all.filter((p) => p.endsWith(".js"))) {
      const js = readFileSync(f, "utf8");
      // The only absolute URL allowed is the SVG namespace name, which is never fetched.
      const urls = [...js.matchAll(/https?:\/\/[^"'`\s)]+/g)].map((m) => m[0]);
      expect(urls.filter((u) => !u.startsWith("http://www.w3.org/"))).toEqual([]);
      expect(js).not.toMatch(/\binnerHTML\s*=|insertAdjacentHTML|document\.write\(/);
    }
  });

  it("weighs at most 150 KB gzipped, every file counted", () => {
    const total = all.reduce((sum, f) => sum + gzipSync(readFileSync(f), { level: 9 }).length, 0);
    console.log(`web view: ${all.length} files, ${(total / 1024).toFixed(1)} KB gzipped`);
    expect(total).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  });
});
