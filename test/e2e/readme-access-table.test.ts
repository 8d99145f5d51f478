// The README's access table is the documentation of every endpoint's scope and domain: it must list
// exactly the routes the gateway serves, with the access each route declares. A row may name several
// methods (`GET\|POST /path`) and `{provider}` stands for every native pass-through prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTestGateway } from '../helpers/gateway.js';
import { providerIds } from '../../src/providers/registry.js';
import { nativePrefixes } from '../../src/surfaces/native/native-paths.js';

test('the README access table matches the routes and their declared scope and domain', async () => {
  const gateway = await startTestGateway();
  try {
    const fromCode = new Map<string, string>();
    for (const route of gateway.app.routes) {
      const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((method) => method !== 'HEAD');
      const access = route.access === 'public' ? 'public —' : `${route.access.scope} ${route.access.domain ?? 'any'}`;
      for (const method of methods) fromCode.set(`${method} ${route.path}`, access);
    }

    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = /<!-- access-table -->([\s\S]*?)<!-- \/access-table -->/.exec(readme)?.[1];
    assert.ok(table, 'README has the access table between its markers');
    const prefixes = [...nativePrefixes(providerIds).keys()];
    const fromReadme = new Map<string, string>();
    for (const line of table.split('\n')) {
      const match = /^\| `([A-Z|\\]+) ([^`]+)` \| (\w+) \| (\S+)/.exec(line);
      if (!match) continue;
      const paths = match[2]!.includes('{provider}') ? prefixes.map((prefix) => match[2]!.replace('{provider}', prefix)) : [match[2]!];
      for (const method of match[1]!.split(/\\?\|/)) {
        for (const path of paths) fromReadme.set(`${method} ${path}`, `${match[3]} ${match[4]}`);
      }
    }
    assert.deepEqual([...fromReadme.keys()].sort(), [...fromCode.keys()].sort(), 'the same endpoints');
    for (const [endpoint, access] of fromCode) assert.equal(fromReadme.get(endpoint), access, endpoint);
  } finally {
    await gateway.close();
  }
});
