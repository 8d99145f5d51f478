import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCachedLoader } from '../../src/core/cached-loader.js';

test('one fetch per key at a time, then synchronous answers until the time to live runs out', async () => {
  let clock = 0;
  let fetches = 0;
  const loader = createCachedLoader(async (key) => `${key}:${++fetches}`, { ttlMs: 100, now: () => clock });
  const [a, b] = await Promise.all([loader.get('org'), loader.get('org')]);
  assert.deepEqual([a, b, fetches], ['org:1', 'org:1', 1]);
  assert.equal(loader.get('org'), 'org:1');
  clock = 100;
  assert.equal(await loader.get('org'), 'org:2');
});

test('forget drops the value, and a fetch in flight does not bring the old answer back', async () => {
  let release: (value: string) => void = () => undefined;
  let fetches = 0;
  const loader = createCachedLoader(
    (key) => (++fetches === 1 ? new Promise<string>((resolve) => (release = resolve)) : Promise.resolve(`${key}:fresh`)),
    { ttlMs: 1_000 },
  );
  const stale = loader.get('org');
  loader.forget('org');
  release('org:stale');
  assert.equal(await stale, 'org:stale');
  assert.equal(await loader.get('org'), 'org:fresh');
  assert.equal(loader.get('org'), 'org:fresh');
});
