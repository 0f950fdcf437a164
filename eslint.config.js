// Lint rules and the layer rules of STYLE.md §3: each message names the right alternative.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import n from "eslint-plugin-n";
import globals from "globals";

const restrict = (patterns, paths = []) => ["error", { patterns, paths }];
const CHILD_PROCESS = {
  name: "node:child_process",
  message: "spawn through the ToolRunner of src/exec (docs/architecture.md)",
};
const IO_MODULES = ["node:fs", "node:fs/promises", "node:child_process", "node:net", "node:os"].map(
  (name) => ({ name, message: "domain/ is pure: do the IO in actions/ or fs/ and pass data in" }),
);

export default tseslint.config(
  { ignores: ["dist/**", "coverage/**", "node_modules/**", "test/fixtures/**"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    plugins: { n },
    rules: {
      "n/prefer-node-protocol": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/only-throw-error": "error",
      "@typescript-eslint/prefer-promise-reject-errors": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  // Only exec/ spawns processes.
  {
    files: ["src/**/*.ts"],
    ignores: ["src/exec/**", "src/domain/**"],
    rules: { "no-restricted-imports": restrict([], [CHILD_PROCESS]) },
  },
  // Only cli/ touches the console and ends the process.
  {
    files: ["src/**/*.ts"],
    ignores: ["src/cli/**"],
    rules: {
      "no-console": "error",
      "n/no-process-exit": "error",
      "no-restricted-globals": [
        "error",
        {
          name: "process",
          message:
            "only src/cli touches process: take what you need through RunContext or parameters",
        },
      ],
      "no-restricted-properties": [
        "error",
        { object: "process", message: "only src/cli touches process" },
      ],
    },
  },
  {
    files: ["src/domain/**/*.ts"],
    rules: {
      "no-restricted-imports": restrict(
        [
          {
            group: ["../*", "!../errors", "!../errors/*"],
            message: "domain/ is pure and may import only errors/",
          },
        ],
        IO_MODULES,
      ),
    },
  },
  {
    files: ["src/exec/**/*.ts"],
    rules: {
      "no-restricted-imports": restrict([
        {
          group: ["../*", "!../errors", "!../errors/*", "!../log", "!../log/*"],
          message: "exec/ may import only errors/ and log/",
        },
      ]),
    },
  },
  {
    files: ["src/programs/**/*.ts"],
    rules: {
      "no-restricted-imports": restrict(
        [
          {
            group: [
              "../config/*",
              "../actions/*",
              "../run/*",
              "../peers/*",
              "../media/*",
              "../extensions/*",
              "../cli/*",
            ],
            message:
              "programs/ adapters take plain options; map Config in actions/ (docs/architecture.md)",
          },
        ],
        [CHILD_PROCESS],
      ),
    },
  },
  {
    files: ["src/peers/**/*.ts", "src/media/**/*.ts"],
    rules: {
      "no-restricted-imports": restrict(
        [
          {
            group: ["../config/*", "../actions/*", "../run/*", "../cli/*", "../extensions/*"],
            message: "peers/ and media/ take plain options so the library API can reuse them",
          },
        ],
        [CHILD_PROCESS],
      ),
    },
  },
  {
    files: ["src/archive/**/*.ts"],
    rules: {
      "no-restricted-imports": restrict(
        [
          {
            group: [
              "../config/*",
              "../actions/*",
              "../run/*",
              "../cli/*",
              "../extensions/*",
              "../peers/*",
              "../media/*",
            ],
            message: "archive/ writes archives from plain member lists; map Config in actions/",
          },
        ],
        [CHILD_PROCESS],
      ),
    },
  },
  {
    files: ["src/config/**/*.ts"],
    rules: {
      "no-restricted-imports": restrict(
        [
          {
            group: [
              "../actions/*",
              "../run/*",
              "../cli/*",
              "../extensions/*",
              "../peers/*",
              "../media/*",
              "../programs/*",
              "../exec/*",
              "../fs/*",
              "../../actions/*",
              "../../run/*",
              "../../cli/*",
              "../../extensions/*",
              "../../exec/*",
              "../../programs/*",
            ],
            message: "config/ parses only: it knows extensions through the SectionReader interface",
          },
        ],
        [CHILD_PROCESS],
      ),
    },
  },
  {
    files: ["src/extensions/**/*.ts"],
    ignores: ["src/extensions/registry.ts", "src/extensions/types.ts"],
    rules: {
      "no-restricted-imports": restrict(
        [
          {
            group: ["../../actions/*", "../../run/*", "../../cli/*"],
            message:
              "an extension is a plug-in: it uses programs/, peers/, fs/ and domain/, not the runner",
          },
        ],
        [CHILD_PROCESS],
      ),
    },
  },
  {
    files: ["src/actions/**/*.ts"],
    rules: {
      "no-restricted-imports": restrict(
        [
          {
            group: ["../run/*", "../cli/*", "../extensions/*"],
            message: "actions do not know how they were chosen or ordered",
          },
        ],
        [CHILD_PROCESS],
      ),
    },
  },
  {
    files: ["src/run/**/*.ts"],
    rules: {
      "no-restricted-imports": restrict(
        [
          {
            group: ["../cli/*"],
            message: "run/ is the library entry: the CLI calls it, not the other way",
          },
        ],
        [CHILD_PROCESS],
      ),
    },
  },
  {
    files: ["test/**/*.ts", "src/**/*.test.ts", "bench/**/*.ts"],
    rules: {
      "no-restricted-globals": "off",
      "no-restricted-properties": "off",
      "no-console": "off",
      "no-restricted-imports": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
