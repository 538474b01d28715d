'use strict'
// Tests import the package by its name, through index.js, exactly as the server does.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__test__'],
  testMatch: ['**/*.spec.ts', '**/*.spec.js'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/__test__/tsconfig.json' }] },
  moduleNameMapper: { '^incremental-writer$': '<rootDir>/index.js' },
  testTimeout: 120000,
  setupFilesAfterEnv: ['<rootDir>/__test__/quiet-console.js'],
}
