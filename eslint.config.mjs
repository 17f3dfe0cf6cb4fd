// Lint: typescript-eslint's type-checked recommendations over every TypeScript source (the app's with its own
// tsconfig), eslint's recommendations for the few JavaScript files; formatting is prettier's (`npm run format`).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const nodeGlobals = { require: "readonly", module: "writable", process: "readonly", __dirname: "readonly", console: "readonly", Buffer: "readonly" };

export default tseslint.config(
  {
    ignores: ["node_modules/", "app/node_modules/", "dist/", "app/dist/", "cdktf.out/", "cdktf.out.*/", ".cache/", ".tmp/", ".gen/", "coverage/"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["describe", "it", "test", "suite", "before", "after", "beforeEach", "afterEach"] },
          ],
        },
      ],
    },
  },
  {
    // Tests navigate parsed Terraform JSON, Helm values and rendered manifests: documents without a static type,
    // whose shape the assertions themselves check. `any` and its propagation stay forbidden everywhere else.
    files: ["__tests__/**/*.ts", "app/test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: "commonjs", globals: nodeGlobals },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["**/*.mjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: "module", globals: nodeGlobals },
  },
);
