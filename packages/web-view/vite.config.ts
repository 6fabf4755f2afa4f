import { defineConfig } from "vite";

/**
 * The aggregator serves `dist/` at `/` under a Content-Security-Policy without 'unsafe-inline':
 * every script and style must be a file of its own, and nothing may come from elsewhere.
 */
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // No data: URIs for assets (fonts or scripts from data: would break the CSP): always files.
    assetsInlineLimit: 0,
    // Every browser that runs ES2022 supports modulepreload; no polyfill code in the entry.
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    sourcemap: false,
    reportCompressedSize: true,
  },
});
