#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's test runner (TypeScript loaded by tsx).
// Usage: node scripts/run-tests.mjs [path-filter ...]   e.g. `npm test -- providers/anthropic`
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function find(directory) {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : find(path);
    return name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

const files = find(join(root, 'test'))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`No test files match ${filters.join(' ') || 'test/**/*.test.ts'}.`);
  process.exit(1);
}
console.log(`Running ${files.length} test files${process.env.CI === 'true' ? ' (CI: PostgreSQL and Redis tests are mandatory)' : ''}.`);
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
  cwd: root,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
