// Address classification for outbound deliveries: public addresses pass, every forbidden range is named,
// and IPv6 forms that carry an IPv4 address are judged by that address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forbiddenAddressReason, parseAddress } from '../../src/webhooks/address-policy.js';

const publicAddresses = [
  '8.8.8.8',
  '1.1.1.1',
  '172.32.0.1',
  '172.15.255.255',
  '100.128.0.1',
  '100.63.255.255',
  '169.255.0.1',
  '2606:4700:4700::1111',
  '::ffff:8.8.8.8',
  '::ffff:808:808',
  '64:ff9b::808:808',
  '2002:808:808::1',
  'fe00::1',
];

const forbidden: [string, string][] = [
  ['127.0.0.1', 'a loopback address'],
  ['127.255.255.254', 'a loopback address'],
  ['10.0.0.1', 'a private address'],
  ['172.16.0.1', 'a private address'],
  ['172.31.255.255', 'a private address'],
  ['192.168.1.1', 'a private address'],
  ['100.64.0.1', 'a shared (CGNAT) address'],
  ['100.127.255.255', 'a shared (CGNAT) address'],
  ['169.254.0.1', 'a link-local address'],
  ['169.254.169.254', 'a cloud metadata address'],
  ['0.0.0.0', 'an unspecified address'],
  ['224.0.0.1', 'a multicast address'],
  ['255.255.255.255', 'a reserved address'],
  ['::', 'an unspecified address'],
  ['::1', 'a loopback address'],
  ['[::1]', 'a loopback address'],
  ['fc00::1', 'a private address'],
  ['fdff:ffff::1', 'a private address'],
  ['fe80::1', 'a link-local address'],
  ['fe80::1%eth0', 'a link-local address'],
  ['febf::1', 'a link-local address'],
  ['ff02::1', 'a multicast address'],
  ['fd00:ec2::254', 'a cloud metadata address'],
  ['::ffff:127.0.0.1', 'a loopback address'],
  ['::ffff:7f00:1', 'a loopback address'],
  ['::ffff:a00:1', 'a private address'],
  ['::ffff:169.254.169.254', 'a cloud metadata address'],
  ['0:0:0:0:0:ffff:c0a8:0101', 'a private address'],
  ['::127.0.0.1', 'a loopback address'],
  ['64:ff9b::a00:1', 'a private address'],
  ['2002:7f00:1::1', 'a loopback address'],
  ['example.com', 'not an IP address'],
  ['', 'not an IP address'],
];

test('public addresses pass', () => {
  for (const address of publicAddresses) assert.equal(forbiddenAddressReason(address), null, address);
});

test('forbidden addresses are refused with their reason', () => {
  for (const [address, reason] of forbidden) assert.equal(forbiddenAddressReason(address), reason, address);
});

test('IPv6 parsing expands every form to sixteen bytes', () => {
  assert.deepEqual(parseAddress('::1'), [...new Array<number>(15).fill(0), 1]);
  assert.deepEqual(parseAddress('fd00:ec2::254'), [0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54]);
  assert.deepEqual(parseAddress('::ffff:1.2.3.4'), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
  assert.deepEqual(parseAddress('1:2:3:4:5:6:7:8'), [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
  assert.equal(parseAddress('1::2::3'), null);
});
