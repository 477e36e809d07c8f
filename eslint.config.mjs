// ESLint over all the JavaScript and TypeScript in the repo: the product (server/src, client/src), the tests, the
// benchmarks, the examples and the build scripts. The rule sets are ESLint's and typescript-eslint's recommended
// ones. Type checking itself is tsc's (npm run typecheck); the only type-aware rules here are the two promise
// rules, since a promise nobody awaits (a language-server handler, an assert.rejects) fails silently.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { defineConfig, globalIgnores } from 'eslint/config';

export default defineConfig(
  globalIgnores(['dist/', 'out/', 'test/e2e/.tools/', 'bench/results/', 'wabi-report/', 'test-artifacts/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // As with tsc's noUnusedParameters, a leading underscore marks a parameter (or a caught error) that an
      // interface or a callback signature requires but this code does not read.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    // CommonJS, loaded with require(): yaml-language-server's launcher and the suite VS Code's test host loads.
    files: ['**/*.cjs', 'test/e2e/suite/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    // require() is how a CommonJS file imports; the rule is meant for TypeScript and ES modules.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Type-aware, so only where tsconfig.json has types: every .ts file.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
);
