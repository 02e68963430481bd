// @ts-check
const tseslint = require('typescript-eslint');

// Workflow code runs in Temporal's deterministic sandbox: every side effect belongs in activities/.
const forbiddenInWorkflows = [
  'node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'stream', 'util', 'events',
  '@kubernetes/client-node', 'isomorphic-git', 'isomorphic-git/*', 'pino', 'prom-client',
  '@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing',
];

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.run/**', 'coverage/**', '*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests mutate fixtures freely.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: forbiddenInWorkflows, message: 'workflows/ and domain/ must stay free of I/O; move this to activities/.' }],
      }],
      // Every bundle preloads workflows/ and what it imports, so one module instance serves every workflow of the
      // worker (worker/workflow-source.ts): a module-level variable would be shared between workflows.
      'no-restricted-syntax': ['error', {
        selector: 'Program > VariableDeclaration[kind!="const"], Program > ExportNamedDeclaration > VariableDeclaration[kind!="const"]',
        message: 'workflows/ and domain/ modules are shared by every workflow of a worker: keep state inside functions, not in module-level let or var.',
      }],
    },
  },
  {
    // The package's index loads every generated API and model (about 32 MiB); see activities/cluster/k8s.ts.
    files: ['activities/**/*.ts', 'worker/**/*.ts', 'client/**/*.ts', 'config/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: '@kubernetes/client-node', message: 'import KubeConfig and Watch from activities/cluster/k8s instead.' }],
      }],
    },
  },
);
