// The gateway's version, read once from the nearest package.json (works from src/ under tsx and from dist/).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findVersion(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    const candidate = join(directory, 'package.json');
    if (existsSync(candidate)) {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'switchyard' && parsed.version) return parsed.version;
    }
    directory = dirname(directory);
  }
  return '0.0.0';
}

export const version = findVersion();
