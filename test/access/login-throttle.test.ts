import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryLoginThrottle, type LoginThrottle } from '../../src/access/login-throttle.js';

const account = 'account:ada@example.com';
const address = 'address:203.0.113.7';
const both = [account, address];
const t0 = 1_700_000_000_000;
const seconds = (n: number) => t0 + n * 1000;

function fail(throttle: LoginThrottle, keys: string[], times: number, at: number) {
  for (let index = 0; index < times; index += 1) throttle.failed(keys, at);
}

test('free failures, then a wait that doubles from the last failure', () => {
  const throttle = createMemoryLoginThrottle({ freeFailures: 5, baseDelaySeconds: 1, maxDelaySeconds: 900 });
  fail(throttle, both, 5, t0);
  assert.deepEqual(throttle.check(both, t0), { allowed: true });
  throttle.failed(both, t0);
  assert.deepEqual(throttle.check(both, t0), { allowed: false, retryAfterSeconds: 1 });
  assert.deepEqual(throttle.check(both, seconds(1)), { allowed: true });
  throttle.failed(both, seconds(1));
  assert.deepEqual(throttle.check(both, seconds(1)), { allowed: false, retryAfterSeconds: 2 });
  assert.deepEqual(throttle.check(both, seconds(2)), { allowed: false, retryAfterSeconds: 1 });
  assert.deepEqual(throttle.check(both, seconds(3)), { allowed: true });
  throttle.failed(both, seconds(3));
  assert.deepEqual(throttle.check(both, seconds(3)), { allowed: false, retryAfterSeconds: 4 });
});

test('the wait is rounded up to whole seconds', () => {
  const throttle = createMemoryLoginThrottle({ freeFailures: 0, baseDelaySeconds: 4 });
  throttle.failed([account], t0);
  assert.deepEqual(throttle.check([account], t0 + 1500), { allowed: false, retryAfterSeconds: 3 });
  assert.deepEqual(throttle.check([account], t0 + 3999), { allowed: false, retryAfterSeconds: 1 });
  assert.deepEqual(throttle.check([account], t0 + 4000), { allowed: true });
});

test('the wait stops growing at the ceiling', () => {
  const throttle = createMemoryLoginThrottle({ freeFailures: 2, baseDelaySeconds: 1, maxDelaySeconds: 10 });
  const waits: number[] = [];
  for (let failure = 1; failure <= 8; failure += 1) {
    throttle.failed([account], t0);
    const decision = throttle.check([account], t0);
    waits.push(decision.allowed ? 0 : decision.retryAfterSeconds);
  }
  assert.deepEqual(waits, [0, 0, 1, 2, 4, 8, 10, 10]);
  fail(throttle, [account], 1000, t0);
  assert.deepEqual(throttle.check([account], t0), { allowed: false, retryAfterSeconds: 10 });
});

test('the defaults: five free failures, one second, at most 900', () => {
  const throttle = createMemoryLoginThrottle();
  fail(throttle, [account], 5, t0);
  assert.deepEqual(throttle.check([account], t0), { allowed: true });
  throttle.failed([account], t0);
  assert.deepEqual(throttle.check([account], t0), { allowed: false, retryAfterSeconds: 1 });
  fail(throttle, [account], 20, t0);
  assert.deepEqual(throttle.check([account], t0), { allowed: false, retryAfterSeconds: 900 });
});

test('check reports the longest wait over all keys', () => {
  const throttle = createMemoryLoginThrottle({ freeFailures: 0, baseDelaySeconds: 1 });
  fail(throttle, [account], 1, t0);
  fail(throttle, [address], 4, t0);
  assert.deepEqual(throttle.check([account], t0), { allowed: false, retryAfterSeconds: 1 });
  assert.deepEqual(throttle.check([account, address], t0), { allowed: false, retryAfterSeconds: 8 });
  assert.deepEqual(throttle.check([address, account], t0), { allowed: false, retryAfterSeconds: 8 });
  assert.deepEqual(throttle.check(['account:someone-else'], t0), { allowed: true });
  assert.deepEqual(throttle.check([], t0), { allowed: true });
});

test('success clears only the keys given: the address stays slowed', () => {
  const throttle = createMemoryLoginThrottle({ freeFailures: 1 });
  fail(throttle, both, 3, t0);
  throttle.succeeded([account]);
  assert.deepEqual(throttle.check([account], t0), { allowed: true });
  assert.deepEqual(throttle.check([address], t0), { allowed: false, retryAfterSeconds: 2 });
  // The account starts again from zero: one free failure before any wait.
  throttle.failed([account], t0);
  assert.deepEqual(throttle.check([account], t0), { allowed: true });
});

test('failures are forgotten a window after the last one', () => {
  const throttle = createMemoryLoginThrottle({ freeFailures: 2, windowSeconds: 60 });
  fail(throttle, [account], 2, t0);
  throttle.failed([account], seconds(59));
  assert.deepEqual(throttle.check([account], seconds(59)), { allowed: false, retryAfterSeconds: 1 });
  // Inside the window the count continues...
  throttle.failed([account], seconds(100));
  assert.deepEqual(throttle.check([account], seconds(100)), { allowed: false, retryAfterSeconds: 2 });
  // ...a full window of quiet resets it.
  throttle.failed([account], seconds(160));
  assert.deepEqual(throttle.check([account], seconds(160)), { allowed: true });
  throttle.failed([account], seconds(160));
  assert.deepEqual(throttle.check([account], seconds(160)), { allowed: true });
  throttle.failed([account], seconds(160));
  assert.deepEqual(throttle.check([account], seconds(160)), { allowed: false, retryAfterSeconds: 1 });
});

test('a ceiling longer than the window is still honoured', () => {
  const throttle = createMemoryLoginThrottle({ freeFailures: 0, windowSeconds: 60, baseDelaySeconds: 600, maxDelaySeconds: 600 });
  throttle.failed([account], t0);
  assert.deepEqual(throttle.check([account], seconds(120)), { allowed: false, retryAfterSeconds: 480 });
  assert.deepEqual(throttle.check([account], seconds(600)), { allowed: true });
});

test('a key repeated in one call counts once', () => {
  const throttle = createMemoryLoginThrottle({ freeFailures: 1 });
  throttle.failed([account, account], t0);
  assert.deepEqual(throttle.check([account], t0), { allowed: true });
});

test('the map is bounded: the entry with the oldest failure goes first', () => {
  const throttle = createMemoryLoginThrottle({ freeFailures: 0, maxEntries: 2 });
  throttle.failed(['a'], t0);
  throttle.failed(['b'], t0);
  throttle.failed(['a'], t0);
  throttle.failed(['c'], t0);
  assert.deepEqual(throttle.check(['b'], t0), { allowed: true });
  assert.deepEqual(throttle.check(['a'], t0), { allowed: false, retryAfterSeconds: 2 });
  assert.deepEqual(throttle.check(['c'], t0), { allowed: false, retryAfterSeconds: 1 });
});

test('options are validated', () => {
  assert.throws(() => createMemoryLoginThrottle({ freeFailures: -1 }), RangeError);
  assert.throws(() => createMemoryLoginThrottle({ freeFailures: 1.5 }), RangeError);
  assert.throws(() => createMemoryLoginThrottle({ windowSeconds: Number.NaN }), RangeError);
  assert.throws(() => createMemoryLoginThrottle({ maxEntries: 0 }), RangeError);
});
