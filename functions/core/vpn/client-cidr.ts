import { ValidationError } from '../errors.js';

/** An IPv4 block as the inclusive range of addresses it covers (unsigned 32-bit numbers). */
export interface Ipv4Cidr {
  readonly text: string;
  readonly prefix: number;
  readonly first: number;
  readonly last: number;
}

/** Client VPN assigns client addresses from a block between /12 and /22 (AWS quota). */
export const CLIENT_CIDR_PREFIX = { min: 12, max: 22 } as const;

/**
 * Default client address pool: a /22 at the top of 10/8, chosen because VPCs are usually carved
 * from the bottom of 10/8 or from 172.31/16 (the default VPC). It is still checked for overlap.
 */
export const DEFAULT_CLIENT_CIDR = '10.255.252.0/22';

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

export function parseIpv4Cidr(text: string, field = 'cidr'): Ipv4Cidr {
  const match = CIDR.exec(text);
  const octets = match?.slice(1, 5).map(Number) ?? [];
  const prefix = Number(match?.[5]);
  if (!match || octets.some((o) => o > 255) || prefix > 32) {
    throw new ValidationError(`"${text}" is not an IPv4 CIDR block (a.b.c.d/n)`, field);
  }
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) {
    const network = address - (address % size);
    const dotted = [24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join('.');
    throw new ValidationError(`"${text}" has host bits set; the block is ${dotted}/${prefix}`, field);
  }
  return { text, prefix, first: address, last: address + size - 1 };
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}

export interface ClientCidrCheck {
  readonly clientCidr: string;
  /** The VPC's CIDR blocks (primary first). */
  readonly vpcCidrs: readonly string[];
}

/**
 * Why a client CIDR cannot be used, or nothing. Client VPN refuses a client range that overlaps
 * the VPC's local CIDR, and one outside /12-/22; checking here turns a
 * failed deployment (after minutes of CloudFormation) into a synth-time error naming both blocks.
 */
export function clientCidrProblems(check: ClientCidrCheck): string[] {
  const client = parseIpv4Cidr(check.clientCidr, 'clientCidr');
  const problems: string[] = [];
  if (client.prefix < CLIENT_CIDR_PREFIX.min || client.prefix > CLIENT_CIDR_PREFIX.max) {
    problems.push(
      `clientCidr ${client.text} must be between /${CLIENT_CIDR_PREFIX.min} and /${CLIENT_CIDR_PREFIX.max} (Client VPN quota)`,
    );
  }
  for (const text of check.vpcCidrs) {
    if (cidrsOverlap(client, parseIpv4Cidr(text, 'vpcCidr'))) {
      problems.push(
        `clientCidr ${client.text} overlaps the VPC CIDR ${text}; client addresses must come from outside the VPC`,
      );
    }
  }
  return problems;
}
