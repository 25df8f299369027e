/**
 * IPv4 CIDR arithmetic for VPC and subnet ranges (node:net checks the address; the rest is 32-bit
 * integer arithmetic, small enough not to need a library).
 */
import { isIPv4 } from 'node:net';
import { Ec2Error, invalidParameterValue } from '../../protocol/errors.js';

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number;
  prefix: number;
  text: string;
}

const toInt = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
export const toIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
export const size = (c: Cidr) => 2 ** (32 - c.prefix);
export const lastAddress = (c: Cidr) => c.base + size(c) - 1;

/** Parses `a.b.c.d/n`; undefined when it is not an IPv4 CIDR block whose host bits are zero. */
export function parseCidr(text: string | undefined): Cidr | undefined {
  const match = /^([0-9.]+)\/(\d{1,2})$/.exec(text ?? '');
  if (!match || !isIPv4(match[1]!) || match[1]!.split('.').some((p) => p.length > 1 && p.startsWith('0'))) return undefined;
  const prefix = Number(match[2]);
  if (prefix > 32) return undefined;
  const base = toInt(match[1]!);
  if (base % 2 ** (32 - prefix) !== 0) return undefined;
  return { base, prefix, text: `${match[1]}/${prefix}` };
}

/** A CIDR block given as a parameter, with AWS's error for malformed ones. */
export function requireCidr(text: string, parameter: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr) throw invalidParameterValue(`Value (${text}) for parameter ${parameter} is invalid. This is not a valid CIDR block.`);
  return cidr;
}

/** VPC and subnet blocks must be /16 to /28 (AWS's limits). */
export function checkPrefix(cidr: Cidr, code: 'InvalidVpc.Range' | 'InvalidSubnet.Range'): void {
  if (cidr.prefix < 16 || cidr.prefix > 28) throw new Ec2Error(code, `The CIDR '${cidr.text}' is invalid.`);
}

export const contains = (outer: Cidr, inner: Cidr) => inner.prefix >= outer.prefix && inner.base >= outer.base && lastAddress(inner) <= lastAddress(outer);
export const overlaps = (a: Cidr, b: Cidr) => a.base <= lastAddress(b) && b.base <= lastAddress(a);
export const containsIp = (c: Cidr, ip: string) => isIPv4(ip) && toInt(ip) >= c.base && toInt(ip) <= lastAddress(c);

/** The address `offset` places into the block (AWS reserves the first four and the last). */
export const addressAt = (c: Cidr, offset: number) => toIp(offset >= 0 ? c.base + offset : lastAddress(c) + 1 + offset);

/** The smallest block holding all of these, widened to at most `maxPrefix`. */
export function covering(blocks: Cidr[], maxPrefix: number): Cidr {
  const low = Math.min(...blocks.map((b) => b.base));
  const high = Math.max(...blocks.map(lastAddress));
  let prefix = Math.min(maxPrefix, ...blocks.map((b) => b.prefix));
  const baseFor = (p: number) => low - (low % 2 ** (32 - p));
  while (prefix > 0 && baseFor(prefix) + 2 ** (32 - prefix) - 1 < high) prefix--;
  const base = baseFor(prefix);
  return { base, prefix, text: `${toIp(base)}/${prefix}` };
}

/** The first block of this prefix inside `outer` that overlaps none of `taken`. */
export function firstFreeBlock(outer: Cidr, prefix: number, taken: Cidr[]): Cidr | undefined {
  const step = 2 ** (32 - prefix);
  for (let base = outer.base; base + step - 1 <= lastAddress(outer); base += step) {
    const candidate = { base, prefix, text: `${toIp(base)}/${prefix}` };
    if (!taken.some((t) => overlaps(t, candidate))) return candidate;
  }
  return undefined;
}
