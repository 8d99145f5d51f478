// Copies the non-TypeScript files the code reads at run time (the Redis Lua scripts) next to the compiled
// JavaScript, keeping their place under src/.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const source = join(root, 'src');
const target = join(root, 'dist', 'src');

function walk(directory) {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.lua')) cpSync(path, join(target, relative(source, path)));
  }
}
walk(source);
