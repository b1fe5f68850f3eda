import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * A webhook URL is something a customer typed: only http(s), and never an address inside
 * our network (private, loopback, link-local, unique-local, CGNAT, multicast, reserved…)
 * unless KUSTIQ_ALLOW_PRIVATE_WEBHOOK_TARGETS says so (the demo and tests use loopback).
 * The check runs in the socket's own DNS lookup, on every attempt, so the address checked
 * is the address connected to (no DNS-rebinding gap).
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

/** Why an address may not be a webhook target, or null when it is a public unicast address. */
export function addressProblem(address: string): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const range = ipaddr.process(address).range();
  return range === 'unicast' ? null : `${address} is a ${range} address`;
}

/** A dns.lookup that refuses non-public addresses (unless allowed). */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      if (!allowPrivate) {
        const bad = list.map((a) => addressProblem(a.address)).find(Boolean);
        if (bad) return callback(new TargetRefused(`${hostname} resolves to a non-public address (${bad})`), '', 0);
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
  try {
    const addresses = ipaddr.isValid(host) ? [{ address: host }] : await dns.promises.lookup(host, { all: true });
    const bad = addresses.map((a) => addressProblem(a.address)).find(Boolean);
    return bad ? `must not point inside a private network: ${bad}` : null;
  } catch {
    return `host ${host} does not resolve`;
  }
}
