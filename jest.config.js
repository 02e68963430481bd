// @kubernetes/client-node and a few of its dependencies ship only ES modules. Node runs them through
// require(esm); jest's module system cannot, so swc turns those packages into CommonJS for the tests.
const esmOnly = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose'];

const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  projects: undefined,
  testTimeout: 120_000,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Build output (dist/, and the compiled-worker test's build under .run/) holds a second package.json named sluice.
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.run/'],
};
