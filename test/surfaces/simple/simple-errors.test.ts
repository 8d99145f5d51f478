// The simple surface's error envelope, as JSON and as the terminal stream event.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../../../src/core/errors.js';
import { simpleErrorBody, simpleStreamErrorEvent } from '../../../src/surfaces/simple/simple-errors.js';

describe('simpleErrorBody', () => {
  test('code, message, retry_after and status, as the contract shows them', () => {
    const error = new GatewayError('rate_limited', 'Slow down.', { retryAfter: 60, publicCode: 'rate_limit_exceeded' });
    assert.deepEqual(simpleErrorBody(error, 'req-1'), {
      error: { code: 'rate_limit_exceeded', message: 'Slow down.', retry_after: 60, status: 429, request_id: 'req-1' },
    });
  });

  test('any 429 reads rate_limit_exceeded', () => {
    assert.equal(simpleErrorBody(new GatewayError('rate_limited', 'x'), 'r').error.code, 'rate_limit_exceeded');
  });

  test('the public code first, our code when the public one is withheld; param when known; no retry_after when unknown', () => {
    const named = simpleErrorBody(new GatewayError('invalid_request', 'bad', { publicCode: 'invalid_value', param: 'temperature' }), 'r');
    assert.deepEqual(named.error, { code: 'invalid_value', message: 'bad', status: 400, param: 'temperature', request_id: 'r' });
    const withheld = simpleErrorBody(new GatewayError('upstream_error', 'broken', { publicCode: null, status: 502 }), 'r');
    assert.equal(withheld.error.code, 'upstream_error');
    assert.equal('retry_after' in withheld.error, false);
  });

  test('the stream error is one data event', () => {
    const event = simpleStreamErrorEvent(new GatewayError('upstream_bad_response', 'cut'), 'r');
    assert.ok(event.startsWith('data: {"error":{'));
    assert.ok(event.endsWith('}\n\n'));
    assert.equal(JSON.parse(event.slice('data: '.length)).error.status, 502);
  });
});
