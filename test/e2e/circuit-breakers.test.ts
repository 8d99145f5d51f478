// Circuit breakers end to end: a deployment that keeps failing is skipped, shown open in /health/deployments,
// probed after its cool-down and restored, with the openai SDK as the client and the simulator failing on cue.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;
let openai: OpenAI;

before(async () => {
  gateway = await startTestGateway({
    config: (simulator) => ({
      routing: {
        breaker: { failureThreshold: 2, cooldownMs: 400, maxCooldownMs: 400 },
        groups: {
          pair: {
            strategy: 'cost-first',
            deployments: [
              { id: 'cheap', provider: 'openai', model: 'gpt-4o-mini', baseURL: `${simulator}/v1` },
              { id: 'dear', provider: 'openai', model: 'gpt-4o', baseURL: `${simulator}/v1` },
            ],
          },
        },
      },
    }),
  });
  openai = new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 });
});

after(async () => {
  await gateway?.close();
});

type Deployments = { breakers_enabled: boolean; data: Array<{ deployment: string; breaker: string; recent_failures: number; times_opened: number; in_flight: number }> };

async function deployments(key = gateway.adminKey): Promise<{ status: number; body: Deployments }> {
  const response = await fetch(`${gateway.url}/health/deployments`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: (await response.json()) as Deployments };
}

const breakerOf = async (id: string) => (await deployments()).body.data.find((entry) => entry.deployment === id)?.breaker;
const ask = () => openai.chat.completions.create({ model: 'pair', messages: [{ role: 'user', content: 'Say hello' }] }).withResponse();
const upstreamModels = (from: number) => gateway.simulator.requests().slice(from).map((request) => (request.body as { model: string }).model);

test('failing twice opens the breaker: the deployment is skipped, then probed after the cool-down and restored', async () => {
  const initial = await deployments();
  assert.equal(initial.status, 200);
  assert.equal(initial.body.breakers_enabled, true);
  assert.deepEqual(initial.body.data.map((entry) => [entry.deployment, entry.breaker]), [
    ['cheap', 'closed'],
    ['dear', 'closed'],
  ]);

  gateway.simulator.inject({ kind: 'status', status: 500, model: 'gpt-4o-mini', count: 100 } as never);
  for (let index = 0; index < 2; index++) {
    const { response } = await ask();
    assert.equal(response.headers.get('x-switchyard-deployment'), 'dear');
  }
  for (let tries = 0; tries < 50 && (await breakerOf('cheap')) !== 'open'; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(await breakerOf('cheap'), 'open');

  // Open: the failing deployment gets no traffic at all.
  const before = gateway.simulator.requests().length;
  const skipped = await ask();
  assert.equal(skipped.response.headers.get('x-switchyard-attempts'), '1');
  assert.deepEqual(upstreamModels(before), ['gpt-4o']);

  // After the cool-down one request probes it; the provider has recovered, so the breaker closes.
  for (let tries = 0; tries < 100 && (await breakerOf('cheap')) !== 'half-open'; tries++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(await breakerOf('cheap'), 'half-open');
  gateway.simulator.reset();
  const probe = await ask();
  assert.equal(probe.response.headers.get('x-switchyard-deployment'), 'cheap');
  assert.equal(await breakerOf('cheap'), 'closed');
  const entry = (await deployments()).body.data.find((each) => each.deployment === 'cheap')!;
  assert.equal(entry.times_opened, 0, 'closed breakers start over');
});

test('a breaker never refuses on its own: with every candidate open the request is still tried', async () => {
  gateway.simulator.reset();
  gateway.simulator.inject({ kind: 'status', status: 500, count: 100 } as never);
  for (let index = 0; index < 2; index++) {
    await assert.rejects(ask(), (error: unknown) => error instanceof OpenAI.APIError && error.status === 502);
  }
  for (let tries = 0; tries < 50 && ((await breakerOf('cheap')) !== 'open' || (await breakerOf('dear')) !== 'open'); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  gateway.simulator.reset();
  const { data } = await ask();
  assert.ok(data.choices[0]!.message.content);
});

test('/health/deployments needs an admin key with the models domain', async () => {
  const response = await fetch(`${gateway.url}/health/deployments`);
  assert.equal(response.status, 401);
});
