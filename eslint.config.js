// @ts-check
import js from "@eslint/js";
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["src/gen/**", "dist/**", "node_modules/**", "data/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "import-x": importX },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "import-x/no-cycle": "error",
    },
  },
  {
    // The admin and the executor SDK meet only through src/gen contracts and src/shared.
    files: ["src/admin/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/executor/**", "**/executor/index.js"], message: "src/admin must not import src/executor; share through src/gen or src/shared." }] }],
    },
  },
  {
    files: ["src/executor/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/admin/**", "**/admin/index.js"], message: "src/executor must not import src/admin; share through src/gen or src/shared." }] }],
    },
  },
  {
    files: ["src/shared/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/admin/**", "**/executor/**"], message: "src/shared must not depend on src/admin or src/executor." }] }],
    },
  },
  {
    // Plain JavaScript (this config, CI scripts) is linted without type information: the
    // TypeScript project service only knows the files that tsconfig.json includes.
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false, project: null },
      // The scripts run on Node; these are the only Node globals they use.
      globals: { console: "readonly", process: "readonly", URL: "readonly" },
    },
  },
);
