// The Gemini side of the replay server (test/helpers/replay-server.ts): an adapter pointed at it, the recorded
// fixtures, and replies framed as generativelanguage.googleapis.com sends them.
import { readFileSync } from 'node:fs';
import { createGeminiAdapter } from '../../../src/providers/gemini/gemini-adapter.js';
import type { ProviderAdapter } from '../../../src/providers/spec.js';
import { startReplayServer, type ReplayServer, type Reply } from '../../helpers/replay-server.js';

export type GeminiHarness = ReplayServer & { adapter: ProviderAdapter };

const fixtureDirectory = new URL('../../../src/providers/gemini/__fixtures__/', import.meta.url);

export function fixture(name: string): string {
  return readFileSync(new URL(name, fixtureDirectory), 'utf8');
}

/** Vercel's one-JSON-chunk-a-line transcripts, framed as Gemini sends them (`data: …` + CRLF CRLF). */
export function sseFromLines(text: string, delimiter = '\r\n\r\n'): string[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `data: ${line}${delimiter}`);
}

export function json(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=UTF-8', ...headers }, body };
}

export function sse(chunks: string[]): Reply {
  return { status: 200, headers: { 'content-type': 'text/event-stream' }, chunks };
}

export async function startGemini(options: { headers?: Record<string, string> } = {}): Promise<GeminiHarness> {
  const server = await startReplayServer();
  const adapter = createGeminiAdapter({
    id: 'gemini',
    apiKey: 'test-key',
    baseURL: `${server.origin}/`,
    dispatcher: server.dispatcher,
    headers: options.headers,
  });
  return { ...server, adapter };
}
