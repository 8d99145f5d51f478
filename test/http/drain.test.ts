// drainServer: requests in flight finish, kept-alive connections then close, the deadline cuts the rest.
import assert from 'node:assert/strict';
import { createServer, request, Agent, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { drainServer } from '../../src/http/drain.js';

/** A server whose answers wait for `release()`. */
async function slowServer() {
  const waiting: (() => void)[] = [];
  const server = createServer({ keepAliveTimeout: 65_000 }, (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.write('first half, ');
    waiting.push(() => response.end('second half'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, port, waiting };
}

function get(port: number, agent: Agent): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => request({ host: '127.0.0.1', port, agent, path: '/' }, resolve).on('error', reject).end());
}

const body = (response: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let text = '';
    response.on('data', (chunk: Buffer) => (text += chunk.toString()));
    response.on('end', () => resolve(text));
    response.on('error', reject);
  });

test('a response in flight on a kept-alive connection finishes, then the server closes without waiting for the keep-alive', async () => {
  const { server, port, waiting } = await slowServer();
  const agent = new Agent({ keepAlive: true });
  const response = await get(port, agent);
  const text = body(response);
  // Far below the 65 s keep-alive, far above the drain's own second.
  const drain = drainServer(server, 20_000);
  waiting.shift()!();
  assert.equal(await text, 'first half, second half');
  assert.deepEqual(await drain, { drained: true });
  agent.destroy();
});

test('past the deadline the connections still open are closed', async () => {
  const { server, port } = await slowServer();
  const agent = new Agent({ keepAlive: true });
  const response = await get(port, agent);
  const text = body(response);
  assert.deepEqual(await drainServer(server, 50), { drained: false });
  await assert.rejects(text, 'the client sees the response cut');
  agent.destroy();
});

test('a second signal (cut) ends the drain early', async () => {
  const { server, port } = await slowServer();
  const agent = new Agent({ keepAlive: true });
  const response = await get(port, agent);
  const text = body(response);
  const cut = new AbortController();
  const drain = drainServer(server, 60_000, cut.signal);
  cut.abort();
  assert.deepEqual(await drain, { drained: false });
  await assert.rejects(text);
  agent.destroy();
});
