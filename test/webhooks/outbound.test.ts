// The outbound sender against a real local receiver: what arrives, what is refused before a connection is
// made, redirects, the deadline, the response cap, and a receiver that is down.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createOutboundSender, type OutboundSender } from '../../src/webhooks/outbound.js';
import { signDelivery, verifySignature } from '../../src/webhooks/signing.js';

type Received = { method: string; url: string; headers: IncomingMessage['headers']; body: string };
type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A receiver on 127.0.0.1 whose behaviour each test picks by path. */
async function startReceiver(routes: Record<string, Handler>) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() });
      const route = routes[new URL(request.url ?? '/', 'http://receiver').pathname];
      if (route) route(request, response);
      else response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

async function stop(server: Server) {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const payload = '{"event":"job.completed","id":"job_123"}';
const secret = 'whsec_test_secret';

describe('delivering to a local receiver (allowPrivate)', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let sender: OutboundSender;
  let hugeClosed: Promise<void>;
  let markHugeClosed: () => void;
  const openHandlers: ServerResponse[] = [];

  before(async () => {
    hugeClosed = new Promise((resolve) => (markHugeClosed = resolve));
    receiver = await startReceiver({
      '/hook': (_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('thanks'),
      '/fail': (_request, response) => response.writeHead(500).end('broken'),
      '/moved': (_request, response) => response.writeHead(302, { location: '/hook' }).end(),
      '/silent': (_request, response) => openHandlers.push(response),
      '/trickle': (_request, response) => {
        response.writeHead(200);
        response.write('first bytes');
        openHandlers.push(response);
      },
      '/huge': (_request, response) => {
        response.writeHead(200, { 'content-type': 'text/plain' });
        const block = Buffer.alloc(16 * 1024, 'x');
        const pump = () => {
          while (!response.destroyed && response.write(block));
          if (!response.destroyed) response.once('drain', pump);
        };
        response.on('close', markHugeClosed);
        pump();
      },
    });
    sender = createOutboundSender({ allowPrivate: true, timeoutMs: 300, maxResponseBytes: 1000 });
  });

  after(async () => {
    await stop(receiver.server);
    await sender.close();
  });

  test('the receiver gets a signed JSON POST with our headers, and the answer comes back', async () => {
    const signature = signDelivery(payload, [secret]);
    const result = await sender.send(`http://127.0.0.1:${receiver.port}/hook?delivery=1`, payload, {
      ...signature,
      'X-Custom': 'kept',
      host: 'evil.example',
      'content-type': 'text/plain',
    });
    assert.equal(result.ok, true);
    assert.equal(result.status, 200);
    assert.equal(result.responseBody, 'thanks');
    assert.equal(result.error, undefined);
    assert.ok(result.latencyMs >= 0);
    const delivery = receiver.received.find((entry) => entry.url === '/hook?delivery=1');
    assert.ok(delivery);
    assert.equal(delivery.method, 'POST');
    assert.equal(delivery.body, payload);
    assert.equal(delivery.headers['content-type'], 'application/json');
    assert.equal(delivery.headers['user-agent'], 'Switchyard-Webhooks/1');
    assert.equal(delivery.headers['x-custom'], 'kept');
    assert.equal(delivery.headers.host, `127.0.0.1:${receiver.port}`);
    assert.equal(verifySignature(delivery.body, delivery.headers, secret), true);
  });

  test('a non-2xx answer is a failed delivery with its status and body', async () => {
    const result = await sender.send(`http://127.0.0.1:${receiver.port}/fail`, payload, {});
    assert.deepEqual({ ...result, latencyMs: 0 }, { status: 500, ok: false, latencyMs: 0, responseBody: 'broken', error: 'receiver answered 500' });
  });

  test('a 302 is not followed', async () => {
    const before = receiver.received.filter((entry) => entry.url === '/hook').length;
    const result = await sender.send(`http://127.0.0.1:${receiver.port}/moved`, payload, {});
    assert.equal(result.ok, false);
    assert.equal(result.status, 302);
    assert.match(result.error ?? '', /redirect not followed \(302 to \/hook\)/);
    assert.equal(receiver.received.filter((entry) => entry.url === '/hook').length, before);
  });

  test('a receiver that never answers hits the timeout', async () => {
    const result = await sender.send(`http://127.0.0.1:${receiver.port}/silent`, payload, {});
    assert.equal(result.ok, false);
    assert.equal(result.status, 0);
    assert.equal(result.error, 'timed out after 300 ms');
  });

  test('the timeout also covers a response body that never ends', async () => {
    const result = await sender.send(`http://127.0.0.1:${receiver.port}/trickle`, payload, {});
    assert.equal(result.ok, false);
    assert.equal(result.error, 'timed out after 300 ms');
  });

  test('a huge response is capped and its connection dropped', async () => {
    const result = await sender.send(`http://127.0.0.1:${receiver.port}/huge`, payload, {});
    assert.equal(result.ok, true);
    assert.equal(result.status, 200);
    assert.equal(result.responseBody, 'x'.repeat(1000));
    // The receiver would write forever: it stops only because the sender closed the connection.
    await hugeClosed;
  });
});

describe('refusing URLs and addresses', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let sender: OutboundSender;

  before(async () => {
    receiver = await startReceiver({ '/hook': (_request, response) => response.writeHead(204).end() });
    sender = createOutboundSender({ timeoutMs: 2000 });
  });

  after(async () => {
    await stop(receiver.server);
    await sender.close();
  });

  const refused: [string, (port: number) => string, RegExp][] = [
    ['127.0.0.1', (port) => `http://127.0.0.1:${port}/hook`, /^refused: 127\.0\.0\.1 is a loopback address$/],
    ['localhost (resolves to loopback)', (port) => `http://localhost:${port}/hook`, /^refused: localhost \((127\.0\.0\.1|::1)\) is a loopback address$/],
    ['[::1]', (port) => `http://[::1]:${port}/hook`, /^refused: ::1 is a loopback address$/],
    ['10.x', () => 'http://10.1.2.3/hook', /^refused: 10\.1\.2\.3 is a private address$/],
    ['192.168.x over https', () => 'https://192.168.0.10/hook', /is a private address$/],
    ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/', /^refused: 169\.254\.169\.254 is a cloud metadata address$/],
    ['::ffff:127.0.0.1', (port) => `http://[::ffff:127.0.0.1]:${port}/hook`, /^refused: ::ffff:7f00:1 is a loopback address$/],
    ['127.0.0.1 written as a number', (port) => `http://2130706433:${port}/hook`, /^refused: 127\.0\.0\.1 is a loopback address$/],
    ['0.0.0.0', (port) => `http://0.0.0.0:${port}/hook`, /is an unspecified address$/],
    ['100.64.x', () => 'http://100.100.1.1/hook', /is a shared \(CGNAT\) address$/],
    ['fd00:ec2::254', () => 'http://[fd00:ec2::254]/hook', /is a cloud metadata address$/],
  ];

  for (const [name, url, reason] of refused) {
    test(`refuses ${name}, with the reason, and never connects`, async () => {
      const result = await sender.send(url(receiver.port), payload, {});
      assert.equal(result.ok, false);
      assert.equal(result.status, 0);
      assert.match(result.error ?? '', reason);
      assert.equal(receiver.received.length, 0);
    });
  }

  const invalid: [string, RegExp][] = [
    ['ftp://example.com/hook', /^only http and https URLs are allowed, not ftp:$/],
    ['file:///etc/passwd', /^only http and https URLs are allowed/],
    ['https://user:secret@example.com/hook', /^URLs with credentials are not allowed$/],
    ['not a url', /^invalid URL$/],
  ];

  for (const [url, reason] of invalid) {
    test(`refuses ${url}`, async () => {
      const result = await sender.send(url, payload, {});
      assert.equal(result.ok, false);
      assert.match(result.error ?? '', reason);
    });
  }

  test('an allowed host passes the check while others stay refused', async () => {
    const exempting = createOutboundSender({ allowedHosts: ['127.0.0.1'] });
    try {
      const result = await exempting.send(`http://127.0.0.1:${receiver.port}/hook`, payload, {});
      assert.equal(result.status, 204);
      assert.equal(result.ok, true);
      const other = await exempting.send(`http://localhost:${receiver.port}/hook`, payload, {});
      assert.match(other.error ?? '', /^refused: localhost/);
    } finally {
      await exempting.close();
      receiver.received.length = 0;
    }
  });
});

test('a receiver that is down is a failed delivery with an error, not a throw', async () => {
  const { server, port } = await startReceiver({});
  await stop(server);
  const sender = createOutboundSender({ allowPrivate: true, timeoutMs: 2000 });
  try {
    const result = await sender.send(`http://127.0.0.1:${port}/hook`, payload, {});
    assert.equal(result.ok, false);
    assert.equal(result.status, 0);
    assert.match(result.error ?? '', /ECONNREFUSED/);
  } finally {
    await sender.close();
  }
});
