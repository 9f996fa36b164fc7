// Builds the one web front end (web/) into dist/web: `npm run build` and the browser tests' global setup run it.
// No dev-server proxy or CDN: the pages are served by the service itself (src/http/pages.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  resolve: {
    alias: { 'isomorphic-webcrypto': fileURLToPath(new URL('src/native-webcrypto.ts', import.meta.url)) },
  },
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // No inline scripts or data: URLs for scripts (the CSP allows only this origin).
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: 'es2022',
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
