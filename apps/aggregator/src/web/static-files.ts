import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

/** A file of the web view, read once at start. */
export interface StaticFile {
  body: Buffer;
  type: string;
  /** Hashed asset names never change: cached for a year; index.html is revalidated. */
  immutable: boolean;
}

/**
 * The built web view (`@coreflux/web-view`, copied into `dist/web` by the aggregator's build),
 * by URL path. Read into memory once: a few files, a hundred kilobytes.
 */
export function loadStaticFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(join(dir, "index.html"))) return files;
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const url = `/${relative(dir, path).split("\\").join("/")}`;
        files.set(url, {
          body: readFileSync(path),
          type: TYPES[extname(path)] ?? "application/octet-stream",
          immutable: url.startsWith("/assets/"),
        });
      }
    }
  };
  walk(dir);
  const index = files.get("/index.html");
  if (index !== undefined) files.set("/", index);
  return files;
}
