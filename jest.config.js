// Jest runs the compiled tests in dist/ (tsc builds them first), as native ES modules.
const common = { transform: {}, testEnvironment: 'node' };
export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/dist/node/src/**/*.test.js', '<rootDir>/dist/operator/src/**/*.test.js'],
    },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/dist/test/**/*.test.js'] },
  ],
  testTimeout: 30000,
};
