import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * SSRF rules for webhook URLs. By default a target must be https, and every address its host resolves to must be
 * public: not loopback, private, shared (CGNAT), link-local (which holds the cloud metadata endpoint
 * 169.254.169.254), unspecified, multicast or reserved, in IPv4, IPv6, or IPv4 embedded in IPv6. The check runs when
 * a webhook is set and again at every delivery, and the delivery connects to the very address it checked, so a DNS
 * answer that changes in between (rebinding) cannot steer it inside. `allowPrivate`
 * (WEBHOOK_ALLOW_PRIVATE_TARGETS=true) lifts the rules for local development and tests: http and loopback allowed.
 */

const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  BLOCKED.addSubnet(network, prefix, 'ipv6');

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), -compatible (::a.b.c.d) or NAT64 (64:ff9b::) one. */
function embeddedIpv4(address: string): string | undefined {
  const groups = expandIpv6(address);
  if (!groups) return undefined;
  const high = groups.slice(0, 6);
  const mapped = high.slice(0, 5).every((g) => g === 0) && (high[5] === 0xffff || high[5] === 0);
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && high.slice(2, 6).every((g) => g === 0);
  if (!mapped && !nat64) return undefined;
  const [a = 0, b = 0] = groups.slice(6);
  return `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`;
}

/** Eight 16-bit groups of an IPv6 address (with a dotted IPv4 tail allowed). */
function expandIpv6(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return undefined;
  const groups = [...left, ...Array(missing).fill('0'), ...right].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** Whether an address is one a webhook may not reach by default. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family !== 6) return true;
  const inner = embeddedIpv4(address);
  if (inner) return BLOCKED.check(inner, 'ipv4');
  return BLOCKED.check(address.replace(/%.*$/, ''), 'ipv6');
}

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true });

export class WebhookTargetError extends Error {
  override readonly name = 'WebhookTargetError';
}

/** Checks a URL's form: http(s) (https only by default), no credentials. Throws WebhookTargetError. */
export function checkWebhookUrlForm(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetError('not a URL');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:'))
    throw new WebhookTargetError(allowPrivate ? 'must be an http or https URL' : 'must be an https URL');
  if (url.username || url.password) throw new WebhookTargetError('must not contain credentials');
  return url;
}

/**
 * Resolves the URL's host and returns the address to connect to; throws WebhookTargetError when the host does
 * not resolve or any of its addresses is blocked (all are checked: a client may pick any of them).
 */
export async function resolveWebhookTarget(
  url: URL,
  allowPrivate: boolean,
  resolve: Resolve = systemResolve,
): Promise<{ address: string; family: 4 | 6 }> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new WebhookTargetError(`its host ${host} does not resolve`);
    }
  }
  const first = addresses[0];
  if (!first) throw new WebhookTargetError(`its host ${host} does not resolve`);
  if (!allowPrivate) {
    const blocked = addresses.find((entry) => isBlockedAddress(entry.address));
    if (blocked)
      throw new WebhookTargetError(
        `its host resolves to ${blocked.address}, a loopback, private, link-local or reserved address`,
      );
  }
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
