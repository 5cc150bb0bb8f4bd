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
    // CodeMirror with its script languages, Chart.js and React make one chunk of about 1.2 MB (400 kB gzipped);
    // the console is an internal tool served by the admin itself, so one cached chunk is simpler than manual splits.
    chunkSizeWarningLimit: 1500,
  },
};

export default config;
