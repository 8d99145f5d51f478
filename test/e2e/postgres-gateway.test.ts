// The gateway on PostgreSQL (DATABASE_URL) over a real connection: calls land in the request log there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import pg from 'pg';
import { startTestGateway } from '../helpers/gateway.js';
import { postgresTestDatabase } from '../helpers/postgres.js';

test('a gateway on PostgreSQL logs each call with exact tokens and cost', async (t) => {
  const database = await postgresTestDatabase(t);
  if ('skip' in database) return;
  const gateway = await startTestGateway({ databaseUrl: database.url });
  try {
    assert.equal(gateway.store.dialect, 'postgres');
    const client = new OpenAI({ apiKey: gateway.adminKey, baseURL: gateway.v1, maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: 'gemini/gemini-2.5-flash', messages: [{ role: 'user', content: 'Hello from PostgreSQL [sim:cached=12]' }] })
      .withResponse();
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'Stream into PostgreSQL' }],
      stream: true,
    });
    for await (const _chunk of stream) void _chunk;
    await gateway.store.requestLog.flush();

    const client2 = new pg.Client({ connectionString: database.url });
    await client2.connect();
    try {
      const rows = await client2.query('select * from request_log order by created_at');
      assert.equal(rows.rowCount, 2);
      const first = rows.rows.find((row: { id: string }) => row.id === response.headers.get('x-request-id'));
      assert.ok(first, 'the row carries the X-Request-Id');
      assert.equal(Number(first.prompt_tokens), data.usage!.prompt_tokens);
      assert.equal(Number(first.completion_tokens), data.usage!.completion_tokens);
      assert.equal(Number(first.cached_tokens), 12);
      assert.equal(first.provider, 'gemini');
      const second = rows.rows.find((row: { id: string }) => row.id !== first.id);
      assert.equal(second.provider, 'openai');
      assert.ok(Number(second.completion_tokens) > 0, 'usage is metered from a stream whose client did not ask for it');
    } finally {
      await client2.end();
    }
  } finally {
    await gateway.close();
  }
});
