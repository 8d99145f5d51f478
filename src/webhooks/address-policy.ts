// Which IP addresses a webhook may be delivered to. A customer-supplied URL must not reach the gateway
// itself, the operator's private network or a cloud metadata service, so every address a delivery would
// connect to is classified here. IPv6 forms that embed an IPv4 address (IPv4-mapped, IPv4-compatible,
// NAT64, 6to4) are judged by the IPv4 address they carry.
// Ranges: RFC 6890 (special-purpose registries), RFC 1918, RFC 6598 (CGNAT), RFC 4193 (ULA), RFC 4291.
import { isIP } from 'node:net';

type Range = { bytes: readonly number[]; prefix: number; reason: string };

/** Most specific first: the first range that matches names the reason. */
const ipv4Ranges: readonly Range[] = [
  { bytes: [169, 254, 169, 254], prefix: 32, reason: 'a cloud metadata address' },
  { bytes: [0, 0, 0, 0], prefix: 8, reason: 'an unspecified address' },
  { bytes: [127, 0, 0, 0], prefix: 8, reason: 'a loopback address' },
  { bytes: [10, 0, 0, 0], prefix: 8, reason: 'a private address' },
  { bytes: [172, 16, 0, 0], prefix: 12, reason: 'a private address' },
  { bytes: [192, 168, 0, 0], prefix: 16, reason: 'a private address' },
  { bytes: [100, 64, 0, 0], prefix: 10, reason: 'a shared (CGNAT) address' },
  { bytes: [169, 254, 0, 0], prefix: 16, reason: 'a link-local address' },
  { bytes: [192, 0, 0, 0], prefix: 24, reason: 'a reserved address' },
  { bytes: [198, 18, 0, 0], prefix: 15, reason: 'a reserved address' },
  { bytes: [224, 0, 0, 0], prefix: 4, reason: 'a multicast address' },
  { bytes: [240, 0, 0, 0], prefix: 4, reason: 'a reserved address' },
];

const ipv6Ranges: readonly Range[] = [
  { bytes: [0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54], prefix: 128, reason: 'a cloud metadata address' },
  { bytes: new Array<number>(16).fill(0), prefix: 128, reason: 'an unspecified address' },
  { bytes: [...new Array<number>(15).fill(0), 1], prefix: 128, reason: 'a loopback address' },
  { bytes: [0xfc, ...new Array<number>(15).fill(0)], prefix: 7, reason: 'a private address' },
  { bytes: [0xfe, 0x80, ...new Array<number>(14).fill(0)], prefix: 10, reason: 'a link-local address' },
  { bytes: [0xfe, 0xc0, ...new Array<number>(14).fill(0)], prefix: 10, reason: 'a site-local address' },
  { bytes: [0xff, ...new Array<number>(15).fill(0)], prefix: 8, reason: 'a multicast address' },
];

/** IPv6 prefixes whose last 32 bits (6to4: bits 16–48) are an IPv4 address. */
const embeddingPrefixes: readonly { bytes: readonly number[]; prefix: number; offset: number }[] = [
  { bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], prefix: 96, offset: 12 }, // ::ffff:a.b.c.d
  { bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], prefix: 96, offset: 12 }, // ::a.b.c.d (deprecated)
  { bytes: [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], prefix: 96, offset: 12 }, // NAT64
  { bytes: [0x20, 0x02], prefix: 16, offset: 2 }, // 6to4
];

/** Why `address` must not be connected to, or null when it is a public address. Unparseable input is refused. */
export function forbiddenAddressReason(address: string): string | null {
  const bytes = parseAddress(address);
  if (bytes === null) return 'not an IP address';
  if (bytes.length === 4) return matchRange(bytes, ipv4Ranges);
  const ownReason = matchRange(bytes, ipv6Ranges);
  if (ownReason !== null) return ownReason;
  for (const embedding of embeddingPrefixes) {
    if (!matchesPrefix(bytes, embedding.bytes, embedding.prefix)) continue;
    const reason = matchRange(bytes.slice(embedding.offset, embedding.offset + 4), ipv4Ranges);
    if (reason !== null) return reason;
  }
  return null;
}

function matchRange(bytes: readonly number[], ranges: readonly Range[]): string | null {
  for (const range of ranges) if (matchesPrefix(bytes, range.bytes, range.prefix)) return range.reason;
  return null;
}

function matchesPrefix(bytes: readonly number[], network: readonly number[], prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit += 8) {
    const width = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - width)) & 0xff;
    const index = bit / 8;
    if (((bytes[index] ?? 0) & mask) !== ((network[index] ?? 0) & mask)) return false;
  }
  return true;
}

/** An address as 4 or 16 bytes; accepts bracketed IPv6 and zone ids (`fe80::1%eth0`). */
export function parseAddress(input: string): number[] | null {
  let address = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  const zone = address.indexOf('%');
  if (zone !== -1) address = address.slice(0, zone);
  const family = isIP(address);
  if (family === 4) return address.split('.').map(Number);
  if (family === 6) return parseIpv6(address);
  return null;
}

function parseIpv6(address: string): number[] | null {
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    tail.push(...last.split('.').map(Number));
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  if (missing < 0 || (rest === undefined && missing !== 0)) return null;
  const groups = [...headGroups, ...new Array<string>(missing).fill('0'), ...restGroups];
  const bytes = groups.flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes.some((byte) => Number.isNaN(byte)) ? null : bytes;
}
