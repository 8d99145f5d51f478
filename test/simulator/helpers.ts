// Small HTTP helpers for the simulator tests: JSON posts and an SSE reader built on eventsource-parser.
import { createParser } from 'eventsource-parser';

export type SseEvent = { event: string | undefined; data: string };

export const OPENAI_HEADERS = { 'content-type': 'application/json', authorization: 'Bearer test-key' };
export const ANTHROPIC_HEADERS = { 'content-type': 'application/json', 'x-api-key': 'test-key', 'anthropic-version': '2023-06-01' };
export const GEMINI_HEADERS = { 'content-type': 'application/json', 'x-goog-api-key': 'test-key' };

export async function post(url: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; json: Record<string, any> }> {
  const response = await post(url, body, headers);
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, any> };
}

export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createParser({ onEvent: (message) => events.push({ event: message.event, data: message.data }) });
  parser.feed(text);
  return events;
}

export async function postSse(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; text: string; events: SseEvent[] }> {
  const response = await post(url, body, headers);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, events: parseSse(text) };
}

/** The JSON payloads of an SSE stream, `[DONE]` excluded. */
export function dataObjects(events: SseEvent[]): Record<string, any>[] {
  return events.filter((event) => event.data !== '[DONE]').map((event) => JSON.parse(event.data) as Record<string, any>);
}

/** Reads a body until it fails; returns what arrived and the error (undefined when it ended cleanly). */
export async function readUntilError(response: Response): Promise<{ text: string; error: unknown }> {
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of response.body!) text += decoder.decode(chunk as Uint8Array, { stream: true });
    return { text, error: undefined };
  } catch (error) {
    return { text, error };
  }
}
