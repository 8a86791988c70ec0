// Measures the first visit on a throttled phone: bytes transferred and the time until the
// resident home shows its content, on Lighthouse's "slow 4G" as DevTools applies it (562.5 ms
// round trip, 1.47 Mbit/s down, 675 kbit/s up) with the CPU slowed 4×, cold cache, 360 px.
// Prints medians and ranges over several runs as JSON.
import { BASE, PASSWORD, PEOPLE, launch } from './harness.js';

const RUNS = Number(process.env.LINLI_MEASURE_RUNS || 5);
const SLOW_4G = {
  offline: false,
  latency: 562.5,
  downloadThroughput: (1474.56 * 1024) / 8,
  uploadThroughput: (675 * 1024) / 8,
};

async function visit(context, path, ready) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  let bytes = 0;
  let requests = 0;
  cdp.on('Network.loadingFinished', (event) => { bytes += event.encodedDataLength; requests += 1; });
  await page.goto(`${BASE}${path}`, { waitUntil: 'commit' });
  await page.locator(ready).waitFor({ timeout: 60000 });
  const shown = await page.evaluate(() => new Promise((resolve) => {
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())));
  }));
  await page.waitForLoadState('networkidle');
  const paints = await page.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return { fcp: fcp ? fcp.startTime : null };
  });
  await page.close();
  return { ms: Math.round(shown), fcp: Math.round(paints.fcp), bytes, requests };
}

function summary(runs, key) {
  const values = runs.map((r) => r[key]).sort((a, b) => a - b);
  return { median: values[Math.floor(values.length / 2)], min: values[0], max: values[values.length - 1] };
}

const browser = await launch();
try {
  const anonymous = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
  const login = [];
  for (let i = 0; i < RUNS; i += 1) login.push(await visit(anonymous, '/#/login', 'input[name=phone]'));
  const signedIn = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
  const page = await signedIn.newPage();
  await page.goto(`${BASE}/#/login`);
  await page.locator('input[name=phone]').fill(PEOPLE.resident);
  await page.locator('input[name=password]').fill(PASSWORD);
  await page.locator('input[name=remember]').check();
  await page.locator('form button[type=submit]').click();
  await page.locator('h1[data-screen=home]').waitFor();
  await page.close();
  const home = [];
  for (let i = 0; i < RUNS; i += 1) home.push(await visit(signedIn, '/#/', '#home-points'));
  console.log(JSON.stringify({
    profile: 'slow 4G (562.5 ms RTT, 1474.56 kbit/s down, 675 kbit/s up), CPU 4x, cold cache, 360x740',
    runs: RUNS,
    login_page: { shown_ms: summary(login, 'ms'), fcp_ms: summary(login, 'fcp'), bytes: summary(login, 'bytes'), requests: summary(login, 'requests') },
    resident_home: { shown_ms: summary(home, 'ms'), fcp_ms: summary(home, 'fcp'), bytes: summary(home, 'bytes'), requests: summary(home, 'requests') },
  }, null, 1));
} finally {
  await browser.close();
}
