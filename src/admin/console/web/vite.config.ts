import type { UserConfig } from "vite";

// The console's source root is this folder; the build lands in the repository's dist/console, which the admin
// serves (see ../console-page.ts). Paths are resolved from this file so the build works from any working directory.
//
// No plugin is needed: Vite compiles TSX itself, with the automatic JSX runtime that tsconfig.json names, and the
// console has no use for the React plugin's hot reload in production builds. The config imports nothing from
// "vite" at run time (only its type), which also keeps ESLint's import graph out of Vite's own typings.
const config: UserConfig = {
  root: new URL(".", import.meta.url).pathname,
  base: "/",
  build: {
    outDir: new URL("../../../../dist/console", import.meta.url).pathname,
    emptyOutDir: true,
    // Two chunks of about 600 kB (under 220 kB gzipped): the app with React and Chart.js, and the GLUE editor with
    // CodeMirror and its script languages, loaded on demand. Both are cached for good (hashed names).
    chunkSizeWarningLimit: 800,
  },
};

export default config;
