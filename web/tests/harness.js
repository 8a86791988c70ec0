// What the browser tests share: the server under test, Debian's Chromium, demo logins, axe-core
// (run through the DevTools protocol, so the page's strict CSP stays on), and screenshots of
// every open page when a test fails.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

export const BASE = process.env.WEB_TEST_URL || 'http://127.0.0.1:8080';
export const PASSWORD = process.env.WEB_TEST_PASSWORD || 'linli-demo-2026';
export const SHOTS = process.env.WEB_TEST_SCREENSHOTS || new URL('./screenshots/', import.meta.url).pathname;
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** The demo people the scenarios use (see `linli seed --demo`). */
export const PEOPLE = {
  resident: '13900000008',
  /** 陈晓东: a verified volunteer, admin of the demo volunteer team 东关社区志愿服务队. */
  volunteer: '13900000006',
  /** 刘芳: a verified volunteer, a member of that team. */
  teamMember: '13900000007',
  gridWorker: '13900000005',
  communityStaff: '13900000003',
  /** 孙丽: a social worker, admin of the demo social organizations. */
  socialWorker: '13900000004',
  /** The street admin who funds the demo subsidy programme and approves settlements. */
  streetAdmin: '13900000002',
  /** The platform admin, also the admin of the demo provider 安康 and the demo charity. */
  providerAdmin: '13900000001',
};

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Starts Chromium the way it works as root on CI machines. */
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A phone-sized context (360 × 740) that records CSP violations and page errors. */
export async function phone(browser) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Europe/London' });
  context.problems = [];
  context.on('page', (page) => watch(context, page));
  return context;
}

function watch(context, page) {
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      context.problems.push(`CSP: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => context.problems.push(`page error: ${error.message}`));
}

/** Logs `phone` in through the login screen and waits for the home screen. */
export async function logIn(page, phone) {
  await page.goto(`${BASE}/#/login`);
  await page.locator('input[name=phone]').fill(phone);
  await page.locator('input[name=password]').fill(PASSWORD);
  await page.locator('form button[type=submit]').click();
  await page.locator('h1[data-screen=home]').waitFor();
}

/** Runs axe-core (WCAG 2.1 A and AA) on the page; returns the violations, summarised. */
export async function axe(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

/** Runs `body`; on failure saves a full-page screenshot of every open page, then rethrows. */
export async function withScreenshots(name, browser, body) {
  try {
    await body();
  } catch (error) {
    mkdirSync(SHOTS, { recursive: true });
    let n = 0;
    for (const context of browser.contexts()) {
      for (const page of context.pages()) {
        n += 1;
        await page.screenshot({ path: `${SHOTS}/${name}-${n}.png`, fullPage: true }).catch(() => {});
      }
    }
    throw error;
  }
}

/** Calls the API directly (setup only: what no screen of this slice offers). */
export async function api(method, path, { token, body } = {}) {
  const response = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

/** Logs `phone` in through the API; returns the session ({token, user}). */
export async function session(phone) {
  const created = await api('POST', '/sessions', { body: { phone, password: PASSWORD } });
  if (created.status !== 201) throw new Error(`cannot log ${phone} in: ${JSON.stringify(created.json)}`);
  return created.json;
}

/** Today's date in Asia/Shanghai (YYYY-MM-DD). */
export function shanghaiToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}
