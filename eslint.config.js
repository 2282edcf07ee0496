// ESLint for both packages (the toolkit at the root and the collector workspace), type-aware:
// each file is checked against the tsconfig.json nearest to it. `npm run lint` runs it with zero
// warnings allowed; `npm test` runs `npm run lint` first. Import cycles are forbidden by
// test/conventions/import-cycles.test.ts (a lint plugin for them would pull in a native resolver).
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'cdktf.out/**', '**/*.d.ts', 'collector/test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      // The collector matches control characters on purpose (escaping them in log lines and syslog).
      'no-control-regex': 'off',
    },
  },
  {
    // Plain JavaScript: the CLI launcher, test launchers and this file, run by Node as they are.
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
