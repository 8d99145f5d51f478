import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/simulator.js';
import {
  ANTHROPIC_HEADERS,
  GEMINI_HEADERS,
  OPENAI_HEADERS,
  parseSse,
  post,
  postJson,
  postSse,
  readUntilError,
  type SseEvent,
} from './helpers.js';

type Family = 'openai' | 'anthropic' | 'gemini';

function streamRequest(sim: SimulatorHandle, family: Family, text = 'one two three four five'): Promise<Response> {
  if (family === 'openai') {
    return post(`${sim.url}/v1/chat/completions`, { model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: text }] }, OPENAI_HEADERS);
  }
  if (family === 'anthropic') {
    return post(`${sim.url}/v1/messages`, { model: 'claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: text }] }, ANTHROPIC_HEADERS);
  }
  return post(`${sim.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, { contents: [{ role: 'user', parts: [{ text }] }] }, GEMINI_HEADERS);
}

function jsonRequest(sim: SimulatorHandle, family: Family, model?: string): Promise<Response> {
  if (family === 'openai') {
    return post(`${sim.url}/v1/chat/completions`, { model: model ?? 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }, OPENAI_HEADERS);
  }
  if (family === 'anthropic') {
    return post(`${sim.url}/v1/messages`, { model: model ?? 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }, ANTHROPIC_HEADERS);
  }
  return post(`${sim.url}/v1beta/models/${model ?? 'gemini-2.5-flash'}:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'x' }] }] }, GEMINI_HEADERS);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The answer text carried by the parsable events of a stream, in each dialect's delta shape. */
function answerText(family: Family, events: SseEvent[]): string {
  let text = '';
  for (const event of events) {
    if (event.data === '[DONE]' || !isJson(event.data)) continue;
    const data = JSON.parse(event.data) as Record<string, any>;
    if (family === 'openai') text += data.choices?.[0]?.delta?.content ?? '';
    else if (family === 'anthropic') text += data.delta?.text ?? '';
    else text += data.candidates?.[0]?.content?.parts?.[0]?.text ?? '';
  }
  return text;
}

/** The terminal marker each dialect sends on a healthy stream. */
const TERMINATORS: Record<Family, (text: string) => boolean> = {
  openai: (text) => text.includes('data: [DONE]'),
  anthropic: (text) => text.includes('event: message_stop'),
  gemini: (text) => text.includes('"finishReason"'),
};

describe('simulator faults', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startSimulator();
  });
  afterEach(() => sim.reset());
  after(() => sim.close());

  it('status: OpenAI 429 with retry-after, for `count` requests only', async () => {
    sim.inject({ kind: 'status', status: 429, retryAfter: 3, count: 2 });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await jsonRequest(sim, 'openai');
      assert.equal(response.status, 429);
      assert.equal(response.headers.get('retry-after'), '3');
      const body = (await response.json()) as { error: { code: string; type: string } };
      assert.equal(body.error.code, 'rate_limit_exceeded');
    }
    assert.equal((await jsonRequest(sim, 'openai')).status, 200);
  });

  it('status: Anthropic 529 overloaded_error with request-id', async () => {
    sim.inject({ kind: 'status', status: 529 });
    const response = await jsonRequest(sim, 'anthropic');
    assert.equal(response.status, 529);
    const body = (await response.json()) as { type: string; error: { type: string; message: string }; request_id: string };
    assert.deepEqual(body.error, { type: 'overloaded_error', message: 'Overloaded' });
    assert.equal(body.type, 'error');
    assert.equal(body.request_id, response.headers.get('request-id'));
  });

  it('status: Gemini 429 RESOURCE_EXHAUSTED with RetryInfo, custom message', async () => {
    sim.inject({ kind: 'status', status: 429, retryAfter: 20, message: 'Quota gone' });
    const response = await jsonRequest(sim, 'gemini');
    assert.equal(response.status, 429);
    const body = (await response.json()) as { error: { code: number; status: string; message: string; details: { '@type': string; retryDelay?: string }[] } };
    assert.equal(body.error.status, 'RESOURCE_EXHAUSTED');
    assert.equal(body.error.message, 'Quota gone');
    const retry = body.error.details.find((detail) => detail['@type'].endsWith('RetryInfo'));
    assert.equal(retry?.retryDelay, '20s');
  });

  it('matches faults by family and model', async () => {
    sim.inject({ kind: 'status', status: 503, family: 'gemini' });
    sim.inject({ kind: 'status', status: 500, family: 'openai', model: 'gpt-4.1' });
    assert.equal((await jsonRequest(sim, 'openai')).status, 200);
    assert.equal((await jsonRequest(sim, 'anthropic')).status, 200);
    assert.equal((await jsonRequest(sim, 'openai', 'gpt-4.1')).status, 500);
    assert.equal((await jsonRequest(sim, 'gemini')).status, 503);
    assert.equal((await jsonRequest(sim, 'gemini')).status, 200);
  });

  it('reset: the connection is destroyed before any response', async () => {
    sim.inject({ kind: 'reset' });
    await assert.rejects(jsonRequest(sim, 'openai'));
    assert.equal((await jsonRequest(sim, 'openai')).status, 200);
  });

  for (const family of ['openai', 'anthropic', 'gemini'] as const) {
    it(`cut-stream (${family}): the socket dies after N pieces of the answer, without the terminator`, async () => {
      sim.inject({ kind: 'cut-stream', afterChunks: 2 });
      const response = await streamRequest(sim, family);
      assert.equal(response.status, 200);
      const { text, error } = await readUntilError(response);
      assert.ok(error !== undefined, 'reading the body fails');
      assert.equal(answerText(family, parseSse(text)), 'Simulated answer');
      assert.ok(!TERMINATORS[family](text));
    });

    it(`malformed-chunk (${family}): one event is not JSON, the rest of the stream follows`, async () => {
      sim.inject({ kind: 'malformed-chunk', afterChunks: 1 });
      const text = await (await streamRequest(sim, family)).text();
      const events = parseSse(text);
      const broken = events.filter((event) => event.data !== '[DONE]' && !isJson(event.data));
      assert.equal(broken.length, 1);
      const before = events.slice(0, events.indexOf(broken[0]!));
      assert.equal(answerText(family, before), 'Simulated');
      assert.equal(answerText(family, events), 'Simulated answer to: one two three four five');
      assert.ok(TERMINATORS[family](text));
    });

    it(`stream-error (${family}): the dialect's in-band error ends the stream`, async () => {
      sim.inject({ kind: 'stream-error', afterChunks: 2 });
      const response = await streamRequest(sim, family);
      assert.equal(response.status, 200);
      const text = await response.text();
      const events = parseSse(text);
      assert.equal(answerText(family, events.slice(0, -1)), 'Simulated answer');
      const last = events.at(-1)!;
      const payload = JSON.parse(last.data) as { type?: string; error: { type?: string; status?: string } };
      if (family === 'anthropic') {
        assert.equal(last.event, 'error');
        assert.equal(payload.type, 'error');
        assert.equal(payload.error.type, 'overloaded_error');
      } else if (family === 'openai') {
        assert.equal(last.event, undefined);
        assert.equal(payload.error.type, 'server_error');
      } else {
        assert.equal(payload.error.status, 'UNAVAILABLE');
      }
      assert.ok(!TERMINATORS[family](text));
    });
  }

  it('a stream fault past the end of the answer still takes the terminator away', async () => {
    sim.inject({ kind: 'cut-stream', afterChunks: 99 });
    const { text, error } = await readUntilError(await streamRequest(sim, 'openai'));
    assert.ok(error !== undefined);
    assert.equal(answerText('openai', parseSse(text)), 'Simulated answer to: one two three four five');
    assert.ok(text.includes('"finish_reason":"stop"'));
    assert.ok(!TERMINATORS.openai(text));
  });

  it('stream faults never consume non-streamed requests', async () => {
    sim.inject({ kind: 'cut-stream', afterChunks: 1 });
    assert.equal((await jsonRequest(sim, 'openai')).status, 200);
    const { error } = await readUntilError(await streamRequest(sim, 'openai'));
    assert.ok(error !== undefined);
  });

  it('a stream error surfaces as an APIError in the openai SDK', async () => {
    sim.inject({ kind: 'stream-error', afterChunks: 1 });
    const client = new OpenAI({ apiKey: 'test-key', baseURL: `${sim.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] });
    await assert.rejects(
      (async () => {
        for await (const _chunk of stream) {
          // drain
        }
      })(),
      OpenAI.APIError,
    );
  });

  it('latency: no headers while the delay runs', async () => {
    sim.inject({ kind: 'latency', delayMs: 60_000 });
    let settled = false;
    const pending = jsonRequest(sim, 'openai').then(
      () => (settled = true),
      () => (settled = true),
    );
    while (sim.stats().requests === 0) await sleep(5);
    await sleep(50);
    assert.equal(settled, false);
    // Closing the simulator drops the delayed request.
    await sim.close();
    await pending;
    sim = await startSimulator();
  });

  it('slow-first-token: headers arrive, the first chunk does not', async () => {
    sim.inject({ kind: 'slow-first-token', delayMs: 60_000 });
    const response = await streamRequest(sim, 'openai');
    assert.equal(response.status, 200);
    const reader = response.body!.getReader();
    let received = false;
    const first = reader.read().then(
      () => (received = true),
      () => undefined,
    );
    await sleep(50);
    assert.equal(received, false);
    await sim.close();
    await first;
    sim = await startSimulator();
  });

  it('streams still complete with option delays', async () => {
    const slow = await startSimulator({ latencyMs: 2, firstTokenMs: 2, chunkDelayMs: 1 });
    try {
      const text = await (await streamRequest(slow, 'anthropic')).text();
      assert.ok(TERMINATORS.anthropic(text));
    } finally {
      await slow.close();
    }
  });

  it('directive faults apply to the request that carries them', async () => {
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'fail please [sim:fault=status:503]' }] };
    const failed = await postJson(`${sim.url}/v1/chat/completions`, body, OPENAI_HEADERS);
    assert.equal(failed.status, 503);
    assert.equal(failed.json.error.type, 'server_error');
    const cut = await streamRequest(sim, 'anthropic', 'cut [sim:fault=cut-stream:3]');
    const { text, error } = await readUntilError(cut);
    assert.ok(error !== undefined);
    assert.equal(answerText('anthropic', parseSse(text)), 'Simulated answer to:');
    // A stream-only directive does nothing to a non-streamed request.
    const ignored = await postJson(`${sim.url}/v1/chat/completions`, { model: 'gpt-4o', messages: [{ role: 'user', content: 'x [sim:fault=stream-error]' }] }, OPENAI_HEADERS);
    assert.equal(ignored.status, 200);
    assert.equal(ignored.json.choices[0].message.content, 'Simulated answer to: x');
  });
});

describe('simulator admin endpoints', () => {
  let sim: SimulatorHandle;
  before(async () => {
    sim = await startSimulator();
  });
  after(() => sim.close());

  it('injects, lists and clears faults, reports stats and resets', async () => {
    const added = await postJson(`${sim.url}/_sim/faults`, [{ kind: 'status', status: 500, count: 2 }, { kind: 'reset', family: 'gemini' }], {
      'content-type': 'application/json',
    });
    assert.equal(added.status, 200);
    assert.equal(added.json.faults.length, 2);
    assert.equal((await jsonRequest(sim, 'anthropic')).status, 500);
    const listed = (await (await fetch(`${sim.url}/_sim/faults`)).json()) as { faults: { count: number }[] };
    assert.equal(listed.faults[0]!.count, 1);
    await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
    assert.equal((await jsonRequest(sim, 'anthropic')).status, 200);
    assert.equal((await jsonRequest(sim, 'gemini')).status, 200);
    const stats = (await (await fetch(`${sim.url}/_sim/stats`)).json()) as { requests: number; byRoute: Record<string, number> };
    assert.deepEqual(stats, { requests: 3, byRoute: { 'anthropic.messages': 2, 'gemini.generateContent': 1 }, abandoned: 0, tailDelayed: 0 });
    const recorded = (await (await fetch(`${sim.url}/_sim/requests`)).json()) as { requests: { route: string }[] };
    assert.equal(recorded.requests.length, 3);
    await post(`${sim.url}/_sim/reset`, '', {});
    assert.deepEqual(sim.stats(), { requests: 0, byRoute: {}, abandoned: 0, tailDelayed: 0 });
  });

  it('rejects invalid faults with 400', async () => {
    const bad = await postJson(`${sim.url}/_sim/faults`, { kind: 'explode' }, { 'content-type': 'application/json' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /unknown fault kind/);
    const badStatus = await postJson(`${sim.url}/_sim/faults`, { kind: 'status', status: 42 }, { 'content-type': 'application/json' });
    assert.equal(badStatus.status, 400);
    assert.deepEqual(((await (await fetch(`${sim.url}/_sim/faults`)).json()) as { faults: unknown[] }).faults, []);
  });

  it('streamed faults injected over HTTP behave like inject()', async () => {
    await post(`${sim.url}/_sim/faults`, { kind: 'stream-error', afterChunks: 0, family: 'anthropic' }, { 'content-type': 'application/json' });
    const { events } = await postSse(
      `${sim.url}/v1/messages`,
      { model: 'claude', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'x' }] },
      ANTHROPIC_HEADERS,
    );
    // afterChunks 0: the preamble goes out, then the error instead of the first piece of the answer.
    assert.deepEqual(
      events.map((event) => event.event),
      ['message_start', 'content_block_start', 'ping', 'error'],
    );
  });
});
