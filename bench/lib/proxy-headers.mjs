// Header handling shared by the two baseline proxies: drop hop-by-hop headers (RFC 9110 §7.6.1)
// and the ones the HTTP client sets itself, forward the rest unchanged.
const hopByHop = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'host', 'content-length',
]);

export function forwardedRequestHeaders(incoming) {
  const headers = {};
  for (const name in incoming) {
    if (!hopByHop.has(name)) headers[name] = incoming[name];
  }
  return headers;
}

// Keeps content-length on responses: the body is passed through byte for byte.
export function forwardedResponseHeaders(upstream) {
  const headers = {};
  for (const name in upstream) {
    if (name === 'content-length' || !hopByHop.has(name)) headers[name] = upstream[name];
  }
  return headers;
}
