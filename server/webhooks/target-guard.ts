import dns from 'node:dns';
import net from 'node:net';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * A webhook URL is something a customer typed: only http(s), and never an address inside
 * our network (private, loopback, link-local, unique-local, CGNAT, multicast, reserved…)
 * unless KUSTIQ_ALLOW_PRIVATE_WEBHOOK_TARGETS says so (the demo and tests use loopback).
 * The check runs in the socket's own DNS lookup, on every attempt, so the address checked
 * is the address connected to (no DNS-rebinding gap).
 *
 * A refusal names the host and the kind of address, never the address a host name resolved
 * to: the customer reads these messages, and our network's layout is not theirs to map.
 */
export class TargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefused';
  }
}

/** A URL's shape: http(s), a host, no credentials. Returns the problem, or null. */
export function urlProblem(raw: string): string | null {
  let u: URL;
  try { u = new URL(raw); } catch { return 'must be a full URL, e.g. https://example.com/kustiq'; }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `must be http or https, not ${u.protocol.replace(':', '')}`;
  if (u.username || u.password) return 'must not carry a user name or password';
  if (!u.hostname) return 'must name a host';
  return null;
}

const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parse('2000::');
const COMPATIBLE_V6 = ipaddr.IPv6.parse('::');

/**
 * An address as the socket would read it. Node decides what connects, so Node's parsers
 * decide what the text means: ipaddr.js reads "::127.0.0.1" as IPv4-mapped where it is
 * IPv4-compatible, so IPv6 text goes through the WHATWG URL parser (Node's) first, which
 * writes every notation (dotted tail, zeros, case) as canonical hex.
 */
function parse(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const a = address.replace(/^\[|\]$/g, '');
  if (net.isIPv4(a)) return ipaddr.IPv4.parse(a);
  if (!net.isIPv6(a)) return null;
  try {
    return ipaddr.IPv6.parse(new URL(`http://[${a}]/`).hostname.slice(1, -1));
  } catch {
    return null; // a zone id or a form URLs do not take: nothing a webhook URL can hold
  }
}

/**
 * What kind of non-public address this is ("a loopback address"), or null when it is public.
 * IPv4: anything but ipaddr's unicast. IPv6: only global unicast (2000::/3) outside the
 * special-purpose blocks; every form that embeds an IPv4 address is refused whatever it
 * embeds (IPv4-mapped ::ffff:0:0/96, IPv4-compatible ::/96, translated, NAT64, 6to4,
 * Teredo), so no notation of a private IPv4 address gets through as IPv6.
 */
export function nonPublicKind(address: string): string | null {
  const ip = parse(address);
  if (!ip) return 'not an IP address';
  if (ip.kind() === 'ipv4') {
    const range = ip.range();
    return range === 'unicast' ? null : `a ${range} address`;
  }
  const v6 = ip as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return 'an IPv4-mapped IPv6 address (::ffff:0:0/96)';
  const range = v6.range();
  if (range === 'unspecified' || range === 'loopback') return `a ${range} address`;
  if (v6.match(COMPATIBLE_V6, 96)) return 'an IPv4-compatible IPv6 address (::/96)';
  if (range !== 'unicast') return `a ${range} address`;
  if (!v6.match(GLOBAL_UNICAST_V6, 3)) return 'an IPv6 address outside global unicast (2000::/3)';
  return null;
}

/** Why an address may not be a webhook target (naming the address: use it for addresses the customer wrote), or null. */
export function addressProblem(address: string): string | null {
  const kind = nonPublicKind(address);
  return kind ? `${address} is ${kind}` : null;
}

/** Why a host name's addresses may not be a target, without saying what they are, or null. */
function resolvedProblem(hostname: string, addresses: { address: string }[]): string | null {
  const kind = addresses.map((a) => nonPublicKind(a.address)).find(Boolean);
  return kind ? `${hostname} resolves to ${kind}` : null;
}

/** A dns.lookup that refuses non-public addresses (unless allowed). */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      if (!allowPrivate) {
        const bad = resolvedProblem(hostname, list);
        if (bad) return callback(new TargetRefused(`non-public address: ${bad}`), '', 0);
      }
      if (options.all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  }) as LookupFunction;
}

/** The same check up front (saving an endpoint), with a readable answer. */
export async function targetProblem(raw: string, allowPrivate: boolean): Promise<string | null> {
  const shape = urlProblem(raw);
  if (shape) return shape;
  if (allowPrivate) return null;
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) {
    const bad = addressProblem(host);
    return bad ? `must not point inside a private network: ${bad}` : null;
  }
  let addresses: { address: string }[];
  try {
    addresses = await dns.promises.lookup(host, { all: true });
  } catch {
    return `host ${host} does not resolve`;
  }
  const bad = resolvedProblem(host, addresses);
  return bad ? `must not point inside a private network: ${bad}` : null;
}
