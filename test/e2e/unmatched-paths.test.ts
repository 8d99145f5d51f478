// A path or method no route serves is answered in the envelope of the surface the path belongs to.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;
before(async () => {
  gateway = await startTestGateway();
});
after(async () => {
  await gateway.close();
});

async function get(path: string, method = 'GET') {
  const response = await fetch(`${gateway.url}${path}`, { method, headers: { authorization: `Bearer ${gateway.adminKey}` } });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

test('Gemini paths answer in Google’s envelope', async () => {
  const { status, body } = await get('/v1beta/models/gemini-2.5-flash:generateContent');
  assert.equal(status, 405);
  assert.equal(body.error.code, 405);
  assert.equal(typeof body.error.status, 'string');
});

test('Anthropic paths answer in Anthropic’s envelope', async () => {
  const { status, body } = await get('/v1/messages');
  assert.equal(status, 405);
  assert.equal(body.type, 'error');
  assert.equal(typeof body.error.type, 'string');
});

test('platform paths answer in the platform envelope, others in OpenAI’s', async () => {
  const platform = await get('/api/nothing-here');
  assert.equal(platform.status, 404);
  assert.equal(platform.body.success, false);
  const other = await get('/v3/nothing-here');
  assert.equal(other.status, 404);
  assert.equal(typeof other.body.error.message, 'string');
  assert.equal(other.body.error.type, 'not_found_error');
});
