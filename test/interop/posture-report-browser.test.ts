import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { setCrlAuthority } from '../../functions/aws/crl-authority.js';
import { gatherPostureSnapshot } from '../../functions/aws/posture-snapshot.js';
import { auditPosture } from '../../functions/core/posture/audit.js';
import { DEFAULT_POSTURE_POLICY } from '../../functions/core/posture/findings.js';
import { renderHtml } from '../../functions/core/posture/report-html.js';
import { buildReport, type PostureReport } from '../../functions/core/posture/report.js';
import { repoRoot } from '../../workflows/repo-root.js';
import { createSandbox } from '../../local/sandbox/index.js';
import { POSTURE_CACHE_SUBNET, seedPostureAccount } from '../../local/sandbox/posture-seed.js';
import { requireBinary } from './require-binary.js';

/**
 * The HTML posture report as a person sees it, in Debian's chromium driven by playwright-core
 * (no browser download): the summary, the findings by severity, the expiry chart, and no request
 * for anything outside the page. Writes test-artifacts/posture-report.png.
 */
const CHROMIUM = '/usr/bin/chromium';
/** An SVG element as the page's script sees it (the tests compile without the DOM types). */
type Boxed = { getBoundingClientRect(): { left: number; width: number } };
const haveChromium = requireBinary('chromium');
const suite = haveChromium ? describe : describe.skip;

async function seededReport(): Promise<PostureReport> {
  const sandbox = await createSandbox({ speed: 0 });
  try {
    await seedPostureAccount(sandbox, { problems: true });
    const snapshot = await gatherPostureSnapshot({
      region: sandbox.region,
      cacheSubnetCidrs: [POSTURE_CACHE_SUBNET],
      withCa: true,
    });
    const now = sandbox.clock.now();
    const findings = auditPosture(snapshot, DEFAULT_POSTURE_POLICY, now);
    return buildReport([{ region: sandbox.region, findings }], DEFAULT_POSTURE_POLICY, now);
  } finally {
    setCrlAuthority(undefined);
    await sandbox.close();
  }
}

suite('HTML posture report in a real browser', () => {
  let browser: Browser;
  let page: Page;
  let report: PostureReport;
  const outside: string[] = [];

  beforeAll(async () => {
    report = await seededReport();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // The machine has no network: without these, chromium keeps trying to reach its services.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('request', (request) => {
      if (!request.url().startsWith('data:') && request.url() !== 'about:blank') outside.push(request.url());
    });
    await page.setContent(renderHtml(report), { waitUntil: 'load' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the title and the count of findings per severity', async () => {
    await expect(page.title()).resolves.toBe('cachegate posture — us-east-1');
    const cards = await page.locator('#summary .card').allInnerTexts();
    expect(cards.map((t) => t.replace(/\s+/g, ' ').trim())).toEqual([
      `${report.summary.total} total`,
      `${report.summary.critical} critical`,
      `${report.summary.high} high`,
      `${report.summary.medium} medium`,
      `${report.summary.low} low`,
      `${report.summary.info} info`,
    ]);
    expect(report.summary.critical).toBeGreaterThan(0);
  });

  it('lists every finding under its severity, with its evidence and fix visible', async () => {
    for (const severity of ['critical', 'high', 'medium', 'low'] as const) {
      const section = page.locator(`#severity-${severity}`);
      const expected = report.findings.filter((f) => f.severity === severity);
      await expect(section.locator('h2').innerText()).resolves.toBe(
        `${severity[0]?.toUpperCase()}${severity.slice(1)} (${expected.length})`,
      );
      await expect(section.locator('tbody tr').count()).resolves.toBe(expected.length);
    }
    await expect(page.locator('#severity-info').count()).resolves.toBe(0);
    const row = page.locator('#severity-critical tr[data-kind="memorydb-open-access"]');
    await expect(row.isVisible()).resolves.toBe(true);
    await expect(row.innerText()).resolves.toContain('cachegate migrate-to-rbac --cluster legacy-cache');
  });

  it('charts the upcoming expiries, soonest first, each bar with its days left', async () => {
    const dated = report.findings.filter((f) => f.expiresAt !== undefined);
    expect(dated.length).toBeGreaterThanOrEqual(3);
    const bars = page.locator('#expiry-chart svg g');
    await expect(bars.count()).resolves.toBe(dated.length);
    const labels = await bars.locator('text:last-of-type').allTextContents();
    const days = labels.map((l) => Number.parseInt(l, 10));
    expect(days).toEqual([...days].sort((a, b) => a - b));
    const boxes = await bars
      .locator('rect')
      .evaluateAll((rects) => rects.map((r) => (r as unknown as Boxed).getBoundingClientRect().width));
    // Longer to go, longer bar: a person reads the chart by bar length.
    for (let i = 1; i < boxes.length; i++) expect(boxes[i]).toBeGreaterThanOrEqual(boxes[i - 1] ?? 0);
    await expect(page.locator('#expiry-chart').isVisible()).resolves.toBe(true);
    // Every label is whole on screen: none starts left of the page.
    const lefts = await bars
      .locator('text:first-of-type')
      .evaluateAll((texts) => texts.map((t) => (t as unknown as Boxed).getBoundingClientRect().left));
    for (const left of lefts) expect(left).toBeGreaterThanOrEqual(0);
    await expect(bars.first().locator('text').first().textContent()).resolves.toMatch(
      /^CRL · cvpn-endpoint-/,
    );
  });

  it('is self-contained: the page asks for nothing outside itself', () => {
    expect(outside).toEqual([]);
  });

  it('writes a screenshot as a test artifact', async () => {
    const dir = join(repoRoot(), 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    const buffer = await page.screenshot({ path: join(dir, 'posture-report.png'), fullPage: true });
    expect(buffer.length).toBeGreaterThan(10_000);
  });
});
