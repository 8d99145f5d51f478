#!/usr/bin/env node
// Baseline (a): the thinnest honest Node pass-through, the practical limit for a Node gateway
// (bench/README.md). node:http server, one undici.Pool to the upstream, the request
// body buffered, the response piped with pool.stream(). GET /health answers locally.
//   node bench/baseline-proxy.mjs --port 0 --upstream http://127.0.0.1:PORT
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { forwardedRequestHeaders, forwardedResponseHeaders } from './lib/proxy-headers.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    upstream: { type: 'string' },
  },
});
if (!values.upstream) throw new Error('--upstream URL is required');
const pool = new Pool(values.upstream);

function fail(response, error) {
  if (response.headersSent) {
    response.destroy(error);
    return;
  }
  response.writeHead(502, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ error: { message: String(error?.message ?? error), type: 'upstream_error' } }));
}

function proxy(request, response, body) {
  pool.stream(
    { path: request.url, method: request.method, headers: forwardedRequestHeaders(request.headers), body },
    ({ statusCode, headers }) => {
      response.writeHead(statusCode, forwardedResponseHeaders(headers));
      return response;
    },
  ).catch((error) => fail(response, error));
}

const server = http.createServer((request, response) => {
  if (request.url === '/health') {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ok');
    return;
  }
  const parts = [];
  request.on('data', (part) => parts.push(part));
  request.on('end', () => proxy(request, response, Buffer.concat(parts)));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), values.host, () => {
  console.log(`baseline-proxy listening on http://${values.host}:${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close();
    pool.destroy().finally(() => process.exit(0));
  });
}
