// The Anthropic side of the replay server (test/helpers/replay-server.ts): an adapter pointed at it, the recorded
// fixtures, and their framing as api.anthropic.com sends it.
import { readFileSync } from 'node:fs';
import { createAnthropicAdapter } from '../../../src/providers/anthropic/anthropic-adapter.js';
import type { ProviderAdapter } from '../../../src/providers/spec.js';
import { startReplayServer, type ReplayServer } from '../../helpers/replay-server.js';

const fixtureDirectory = new URL('../../../src/providers/anthropic/__fixtures__/', import.meta.url);

export function fixture(name: string): string {
  return readFileSync(new URL(name, fixtureDirectory), 'utf8');
}

/** A `.chunks.txt` fixture (one data JSON a line) framed as Anthropic sends it: `event:` line, `data:` line, blank line. */
export function chunksToSse(text: string): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
    .join('');
}

export type TestUpstream = ReplayServer & { adapter: ProviderAdapter };

export async function startTestUpstream(adapterHeaders?: Record<string, string>): Promise<TestUpstream> {
  const server = await startReplayServer();
  const adapter = createAnthropicAdapter({
    id: 'anthropic',
    apiKey: 'test-key',
    baseURL: `${server.origin}/`,
    dispatcher: server.dispatcher,
    ...(adapterHeaders ? { headers: adapterHeaders } : {}),
  });
  return { ...server, adapter };
}
