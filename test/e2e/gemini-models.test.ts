// The catalogue in Gemini's Model shape, read with the official SDK.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GoogleGenAI } from '@google/genai';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gateway: TestGateway;
before(async () => {
  gateway = await startTestGateway();
});
after(async () => {
  await gateway.close();
});

test('ai.models.list() and ai.models.get() see the catalogue of every provider', async () => {
  const ai = new GoogleGenAI({ apiKey: gateway.adminKey, httpOptions: { baseUrl: gateway.url } });
  const names: string[] = [];
  for await (const model of await ai.models.list()) names.push(model.name ?? '');
  assert.ok(names.includes('models/gemini-2.5-flash'));
  assert.ok(names.includes('models/gpt-4o-mini'), 'models of other providers are listed too');
  const model = await ai.models.get({ model: 'gpt-4o-mini' });
  assert.equal(model.name, 'models/gpt-4o-mini');
  assert.ok((model.inputTokenLimit ?? 0) > 0);
  assert.ok(model.supportedActions?.includes('generateContent') ?? (model as { supportedGenerationMethods?: string[] }).supportedGenerationMethods?.includes('generateContent'));
  await assert.rejects(ai.models.get({ model: 'no-such-model' }), (error: unknown) => (error as { status?: number }).status === 404);
});
