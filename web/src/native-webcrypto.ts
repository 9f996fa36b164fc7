// fhirclient (its browser security module) uses the browser's own `globalThis.crypto` and falls back to the
// `isomorphic-webcrypto` polyfill only where there is none. Every browser these pages support has Web Crypto, so the
// build points the polyfill at this module instead (web/vite.config.mjs): the fallback is never bundled, and the
// polyfill's CommonJS shim no longer warns on every build.
export default globalThis.crypto;
