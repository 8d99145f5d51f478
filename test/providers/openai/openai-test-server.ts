// The OpenAI side of the replay server (test/helpers/replay-server.ts): OpenAI-compatible adapters (any preset)
// pointed at it, the recorded fixtures, and their SSE framing. The compatible-preset tests use it too.
import { readFileSync } from 'node:fs';
import type { CompatiblePreset } from '../../../src/providers/compatible/presets.js';
import { createOpenAIAdapter } from '../../../src/providers/openai/openai-adapter.js';
import type { ProviderAdapter } from '../../../src/providers/spec.js';
import { startReplayServer, type ReplayServer } from '../../helpers/replay-server.js';

const fixtureDirectories = {
  openai: new URL('../../../src/providers/openai/__fixtures__/', import.meta.url),
  compatible: new URL('../../../src/providers/compatible/__fixtures__/', import.meta.url),
};

export function fixture(name: string, folder: keyof typeof fixtureDirectories = 'openai'): string {
  return readFileSync(new URL(name, fixtureDirectories[folder]), 'utf8');
}

/** The data payloads of a `.chunks.txt` fixture: one event a line. */
export function chunkLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

/** Frames `.chunks.txt` payloads as the upstream sent them: `data: <json>` and a blank line each, then `[DONE]`. */
export function toSse(lines: string[], done = true): string {
  return lines.map((line) => `data: ${line}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : '');
}

export type AdapterChoice = {
  preset?: CompatiblePreset;
  /** Default 'test-key'; pass undefined for a keyless preset. */
  apiKey?: string | undefined;
  headers?: Record<string, string>;
  id?: string;
};

export type TestUpstream = ReplayServer & {
  /** A new adapter pointed at `${origin}/v1/`: OpenAI itself unless a preset is given. */
  adapter(options?: AdapterChoice): ProviderAdapter;
};

export async function startTestUpstream(): Promise<TestUpstream> {
  const server = await startReplayServer();
  const adapter = (options: AdapterChoice = {}) =>
    createOpenAIAdapter({
      id: options.id ?? 'openai',
      apiKey: 'apiKey' in options ? options.apiKey : 'test-key',
      baseURL: `${server.origin}/v1/`,
      dispatcher: server.dispatcher,
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.preset ? { preset: options.preset } : {}),
    });
  return { ...server, adapter };
}
