// Benchmark: `cachegate crl build` vs `openssl ca -gencrl` on the same 20,000-entry index, each run
// as a whole process (start-up included), alternating, median of several repetitions.
// cachegate runs as an operator runs it: bin/cachegate through its shebang (the launcher drops
// NODE_EXTRA_CA_CERTS for `crl build`, docs/pki.md "Start-up"). When that variable is set, the
// bench also times `node bin/cachegate` with it kept, for comparison (not the measured ratio).
// Usage: node bench/crl-bench.mjs [--entries 20000] [--runs 9] [--scan]
// By default the index is unchanged between builds (a scheduled refresh), so cachegate reuses the
// previous CRL's entries (docs/pki.md, "build record"). --scan removes that record before every
// run: each build scans index.txt, as the first build after a revoke does.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from '../scripts/build.mjs';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '9' },
    scan: { type: 'boolean', default: false },
  },
});
const entries = Number(values.entries);
const runs = Number(values.runs);
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'bin', 'cachegate');

function run(command, args, cwd) {
  const started = process.hrtime.bigint();
  const r = spawnSync(command, args, { cwd, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

await build();
const dir = mkdtempSync(join(tmpdir(), 'cachegate-crl-bench-'));
try {
  const store = join(dir, 'pki');
  run(process.execPath, [cli, 'pki', 'init', '--store', store, '--cn', 'Bench CA'], dir);

  // Revoked, unexpired entries in easy-rsa index.txt format (random 128-bit serials, some with reasons).
  const reasons = ['', ',keyCompromise', ',superseded', ',cessationOfOperation'];
  const lines = [];
  for (let i = 0; i < entries; i++) {
    const serial = randomBytes(16);
    serial[0] = (serial[0] & 0x7f) | 0x01;
    lines.push(
      `R\t300101000000Z\t250101000000Z${reasons[i % 4]}\t${serial.toString('hex').toUpperCase()}\tunknown\t/CN=user-${i}\n`,
    );
  }
  writeFileSync(join(store, 'index.txt'), lines.join(''));
  writeFileSync(join(store, 'crlnumber.openssl'), '01\n');
  const cnf = join(dir, 'openssl.cnf');
  writeFileSync(
    cnf,
    [
      '[ ca ]',
      'default_ca = CA_default',
      '[ CA_default ]',
      `dir = ${store}`,
      'database = $dir/index.txt',
      'crlnumber = $dir/crlnumber.openssl',
      'certificate = $dir/ca.crt',
      'private_key = $dir/private/ca.key',
      'default_md = sha256',
      'default_crl_days = 180',
      'crl_extensions = crl_ext',
      '[ crl_ext ]',
      'authorityKeyIdentifier = keyid:always',
      '',
    ].join('\n'),
  );

  const cachegateArgs = ['crl', 'build', '--store', store, '--out', join(dir, 'cachegate-crl.pem')];
  const opensslArgs = ['ca', '-gencrl', '-config', cnf, '-out', join(dir, 'openssl-crl.pem')];
  // Warm-up (file cache, first crl.pem) before measuring.
  run(cli, cachegateArgs, dir);
  run('openssl', opensslArgs, dir);

  const extraCaCerts = Boolean(process.env.NODE_EXTRA_CA_CERTS);
  const times = { cachegate: [], openssl: [], nodeWithExtraCaCerts: [] };
  const removeBuildRecord = () => values.scan && rmSync(join(store, '.cachegate-crl.json'), { force: true });
  for (let i = 0; i < runs; i++) {
    removeBuildRecord();
    times.cachegate.push(run(cli, cachegateArgs, dir));
    times.openssl.push(run('openssl', opensslArgs, dir));
    if (extraCaCerts) {
      removeBuildRecord();
      times.nodeWithExtraCaCerts.push(run(process.execPath, [cli, ...cachegateArgs], dir));
    }
  }
  // Both CRLs must be complete and valid for the comparison to mean anything.
  for (const file of ['cachegate-crl.pem', 'openssl-crl.pem']) {
    const r = spawnSync(
      process.execPath,
      [cli, 'crl', 'verify', '--ca', join(store, 'ca.crt'), '--crl', join(dir, file), '--json'],
      { encoding: 'utf8' },
    );
    const report = JSON.parse(r.stdout);
    if (!report.valid || report.entries !== entries) throw new Error(`${file}: ${r.stdout}`);
  }
  const cg = median(times.cachegate);
  const os = median(times.openssl);
  const mode = values.scan ? 'index scanned every run' : 'unchanged index, entries reused';
  console.log(
    `CRL build, ${entries} revoked entries (${mode}), median of ${runs} alternating runs (whole process):`,
  );
  console.log(`  cachegate crl build   ${cg.toFixed(1)} ms`);
  console.log(`  openssl ca -gencrl    ${os.toFixed(1)} ms`);
  console.log(`  ratio cachegate/openssl = ${(cg / os).toFixed(2)}x`);
  if (extraCaCerts) {
    const kept = median(times.nodeWithExtraCaCerts);
    console.log(
      `  (node bin/cachegate, NODE_EXTRA_CA_CERTS kept: ${kept.toFixed(1)} ms = ${(kept / os).toFixed(2)}x)`,
    );
  }
} finally {
  if (!process.env.KEEP_BENCH_DIR) rmSync(dir, { recursive: true, force: true });
  else console.log(dir);
}
