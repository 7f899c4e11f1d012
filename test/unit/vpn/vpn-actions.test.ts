import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '../../../functions/core/errors.js';
import { initPki, issueCert, revokeCert } from '../../../bin/cli/pki/pki-actions.js';
import { SandboxClock } from '../../../local/sandbox/clock.js';
import { Ec2ClientVpnModel } from '../../../local/sandbox/models/ec2-client-vpn/index.js';
import { Sandbox } from '../../../local/sandbox/sandbox.js';
import { bootstrapVpn, writeVpnProfile } from '../../../bin/cli/vpn/vpn-actions.js';

let root: string;
let store: string;
const read = (...parts: string[]): string => readFileSync(join(...parts), 'utf8');
const mode = (path: string): number => statSync(path).mode & 0o777;

beforeAll(async () => {
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  root = mkdtempSync(join(tmpdir(), 'cachegate-vpn-actions-'));
  store = join(root, 'pki');
  await initPki({ store, cn: 'VPN CA' });
  await issueCert({ store, cn: 'alice' });
});

afterAll(() => {
  jest.restoreAllMocks();
});

describe('vpn bootstrap', () => {
  it('issues the server certificate and stages certificate, key (0600) and CA chain in acm/ (0700)', async () => {
    const result = await bootstrapVpn({ store });
    expect(result).toMatchObject({ serverCn: 'server', issued: true });
    expect(mode(join(store, 'acm'))).toBe(0o700);
    expect(mode(result.privateKey)).toBe(0o600);
    expect(readdirSync(join(store, 'acm')).sort()).toEqual(['ca-chain.crt', 'server.crt', 'server.key']);
    const cert = new X509Certificate(read(result.certificate));
    expect(cert.subject).toBe('CN=server');
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    expect(cert.checkPrivateKey(createPrivateKey(read(result.privateKey)))).toBe(true);
    expect(cert.checkIssued(new X509Certificate(read(result.certificateChain)))).toBe(true);
    expect(read(result.certificateChain)).toBe(read(store, 'ca.crt'));
    expect(result.importCommand).toBe(
      `aws acm import-certificate --certificate fileb://${result.certificate} --private-key fileb://${result.privateKey} --certificate-chain fileb://${result.certificateChain}`,
    );
  });

  it('never stages the CA private key', () => {
    const caKey = read(store, 'private', 'ca.key').trim();
    for (const file of readdirSync(join(store, 'acm'))) expect(read(store, 'acm', file)).not.toContain(caKey);
  });

  it('reuses a valid server certificate on a second run (same certificate, same key)', async () => {
    const before = read(store, 'acm', 'server.crt');
    const result = await bootstrapVpn({ store });
    expect(result.issued).toBe(false);
    expect(read(result.certificate)).toBe(before);
    await expect(bootstrapVpn({ store, days: '30' })).rejects.toThrow(
      'days: issued/server.crt already exists and is reused; --days applies only to a new certificate',
    );
  });

  it('refuses a client certificate as the server certificate and stages nothing', async () => {
    const fresh = join(root, 'client-as-server');
    await initPki({ store: fresh, cn: 'VPN CA' });
    await issueCert({ store: fresh, cn: 'vpn.example.com' });
    const error = await bootstrapVpn({ store: fresh, serverCn: 'vpn.example.com' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(
      /^server-cn: issued\/vpn\.example\.com\.crt cannot be used: it lacks the serverAuth extended key usage.*; revoke it \("cachegate cert revoke/,
    );
    expect(existsSync(join(fresh, 'acm'))).toBe(false);
  });

  it('issues a new server certificate after the old one is revoked', async () => {
    const fresh = join(root, 'renew');
    await initPki({ store: fresh, cn: 'VPN CA' });
    const first = await bootstrapVpn({ store: fresh });
    const firstCert = read(first.certificate);
    await revokeCert({ store: fresh, cn: 'server', reason: 'superseded' });
    const second = await bootstrapVpn({ store: fresh });
    expect(second.issued).toBe(true);
    expect(read(second.certificate)).not.toBe(firstCert);
  });

  it('rejects a server CN that cannot name a file, and a directory that is not a CA store', async () => {
    await expect(bootstrapVpn({ store, serverCn: '../x' })).rejects.toThrow(/^server-cn: must be/);
    await expect(bootstrapVpn({ store: join(root, 'missing') })).rejects.toThrow(NotFoundError);
  });
});

describe('vpn profile', () => {
  const endpoint = 'cvpn-endpoint-0123456789abcdef0';
  const dnsName = `*.${endpoint}.prod.clientvpn.eu-west-1.amazonaws.com`;

  it('writes the profile (0600) with the DNS name, CA, certificate and key', async () => {
    const out = join(root, 'alice.ovpn');
    const result = await writeVpnProfile({ store, cn: 'alice', endpoint, dnsName, out });
    expect(result).toMatchObject({
      path: out,
      remote: `${endpoint}.prod.clientvpn.eu-west-1.amazonaws.com`,
      port: 443,
    });
    expect(mode(out)).toBe(0o600);
    const profile = read(out);
    expect(profile).toContain(`remote ${endpoint}.prod.clientvpn.eu-west-1.amazonaws.com 443\n`);
    expect(profile).toContain(`<key>\n${read(store, 'private', 'alice.key').trim()}\n</key>`);
    expect(profile).toContain(`<cert>\n${read(store, 'issued', 'alice.crt').trim()}\n</cert>`);
    expect(profile).toContain(`<ca>\n${read(store, 'ca.crt').trim()}\n</ca>`);
  });

  it.each([
    [{ endpoint: 'vpn-123' }, 'endpoint: must be a Client VPN endpoint ID'],
    [
      { dnsName: '*.cvpn-endpoint-fffffffffffffffff.prod.clientvpn.eu-west-1.amazonaws.com' },
      'dns-name: must be the DNS name of',
    ],
    [{ dnsName: `${endpoint} x` }, 'dns-name: must be the endpoint DNS name'],
    [{ cn: 'server' }, 'cn: issued/server.crt cannot be used: it lacks the clientAuth extended key usage'],
    [{ cn: 'nobody' }, 'no certificate for CN "nobody"'],
    [{ cn: 'a/b' }, 'cn: must be'],
  ])('refuses %p and writes nothing', async (override, message) => {
    const out = join(root, 'refused.ovpn');
    await expect(
      writeVpnProfile({ store, cn: 'alice', endpoint, dnsName, out, ...override }),
    ).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a certificate whose private key is not in the store (as after issuing from a CSR)', async () => {
    await issueCert({ store, cn: 'bob' });
    const { rm } = await import('node:fs/promises');
    await rm(join(store, 'private', 'bob.key'));
    await expect(
      writeVpnProfile({ store, cn: 'bob', endpoint, dnsName, out: join(root, 'bob.ovpn') }),
    ).rejects.toThrow(/no private key for CN "bob".*keeps its key with the requester/);
  });

  describe('looking the endpoint up through EC2 (sandbox)', () => {
    let sandbox: Sandbox;
    let model: Ec2ClientVpnModel;
    let endpointId: string;

    beforeEach(() => {
      const clock = new SandboxClock({ speed: 0 });
      sandbox = new Sandbox({ clock, region: 'eu-west-1' });
      model = new Ec2ClientVpnModel(clock, { region: 'eu-west-1', accountId: sandbox.accountId });
      sandbox.register(model).install();
      endpointId = model.seedEndpoint({ caCertPem: read(store, 'ca.crt') });
    });

    afterEach(async () => {
      await sandbox.close();
    });

    it("uses the endpoint's DNS name, protocol and port from DescribeClientVpnEndpoints", async () => {
      const out = join(root, 'looked-up.ovpn');
      const result = await writeVpnProfile({ store, cn: 'alice', endpoint: endpointId, out });
      expect(result).toEqual({
        path: out,
        cn: 'alice',
        remote: `${endpointId}.prod.clientvpn.eu-west-1.amazonaws.com`,
        port: 443,
        protocol: 'udp',
        endpointStatus: 'available',
      });
      expect(read(out)).toContain(
        `remote ${endpointId}.prod.clientvpn.eu-west-1.amazonaws.com 443\nremote-random-hostname`,
      );
    });

    it('reports an unknown endpoint as not found', async () => {
      await expect(
        writeVpnProfile({
          store,
          cn: 'alice',
          endpoint: 'cvpn-endpoint-00000000000000000',
          out: join(root, 'x.ovpn'),
        }),
      ).rejects.toThrow(
        new NotFoundError(
          'Client VPN endpoint cvpn-endpoint-00000000000000000 does not exist (in this account and region)',
        ),
      );
    });

    it('turns an EC2 failure into one line that suggests --dns-name', async () => {
      sandbox.faults.inject({ service: 'EC2', command: 'DescribeClientVpnEndpoints', mode: 'throw' });
      await expect(
        writeVpnProfile({ store, cn: 'alice', endpoint: endpointId, out: join(root, 'y.ovpn') }),
      ).rejects.toThrow(
        /DescribeClientVpnEndpoints for cvpn-endpoint-.* failed .*; pass --dns-name to skip the lookup/,
      );
    });
  });
});
