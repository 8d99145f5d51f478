// The README's access table is the documentation of every endpoint's scope and domain: it must list
// exactly the routes the gateway serves, with the access each route declares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startTestGateway } from '../helpers/gateway.js';
import { healthRoute } from '../../src/surfaces/health.js';
import { openAIRoutes } from '../../src/surfaces/openai/openai-routes.js';
import { platformRoutes } from '../../src/surfaces/platform/platform-routes.js';
import type { Route } from '../../src/http/server.js';

test('the README access table matches the routes and their declared scope and domain', async () => {
  const gateway = await startTestGateway();
  try {
    const routes: Route[] = [
      healthRoute('test'),
      ...openAIRoutes({ directory: gateway.app.directory, vault: gateway.app.identity.vault, meter: {} as never, bodyLimit: 1 }),
      ...platformRoutes({ identity: gateway.app.identity, bodyLimit: 1, trustProxy: false }),
    ];
    const fromCode = new Map<string, string>();
    for (const route of routes) {
      const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((method) => method !== 'HEAD');
      const access = route.access === 'public' ? 'public —' : `${route.access.scope} ${route.access.domain ?? 'any'}`;
      for (const method of methods) fromCode.set(`${method} ${route.path}`, access);
    }

    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = /<!-- access-table -->([\s\S]*?)<!-- \/access-table -->/.exec(readme)?.[1];
    assert.ok(table, 'README has the access table between its markers');
    const fromReadme = new Map<string, string>();
    for (const line of table.split('\n')) {
      const match = /^\| `([A-Z]+ [^`]+)` \| (\w+) \| (\S+)/.exec(line);
      if (match) fromReadme.set(match[1]!, `${match[2]} ${match[3]}`);
    }
    assert.deepEqual([...fromReadme.keys()].sort(), [...fromCode.keys()].sort(), 'the same endpoints');
    for (const [endpoint, access] of fromCode) assert.equal(fromReadme.get(endpoint), access, endpoint);
  } finally {
    await gateway.close();
  }
});
