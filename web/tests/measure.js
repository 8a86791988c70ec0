// Measures the first visit on a throttled phone: bytes transferred and the time until the
// resident home shows its content, on Lighthouse's "slow 4G" as DevTools applies it (562.5 ms
// round trip, 1.47 Mbit/s down, 675 kbit/s up) with the CPU slowed 4×, cold cache, 360 px.
// Prints medians and ranges over several runs as JSON.
import { BASE, PASSWORD, PEOPLE, launch } from './harness.js';

const RUNS = Number(process.env.WEB_TEST_RUNS || 5);
const SLOW_4G = {
  offline: false,
  latency: 562.5,
  downloadThroughput: (1474.56 * 1024) / 8,
  uploadThroughput: (675 * 1024) / 8,
};

/** Records, in the page, when each selector first matches (a MutationObserver, before paint). */
function watchFor(selectors) {
  window.__marks = {};
  const check = () => {
    for (const selector of selectors) {
      if (!(selector in window.__marks) && document.querySelector(selector)) {
        window.__marks[selector] = performance.now();
      }
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true });
}

async function visit(context, path, ready, marks) {
  const page = await context.newPage();
  await page.addInitScript(watchFor, marks);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  // A first visit: nothing cached (the shell is never cached anyway). The cache itself stays
  // on, as in a real browser, so a preload is taken by the request it was made for.
  await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  let bytes = 0;
  let requests = 0;
  let homeReads = 0;
  cdp.on('Network.loadingFinished', (event) => { bytes += event.encodedDataLength; requests += 1; });
  cdp.on('Network.requestWillBeSent', (event) => { if (event.request.url.includes('/api/v1/me/home')) homeReads += 1; });
  await page.goto(`${BASE}${path}`, { waitUntil: 'commit' });
  await page.locator(ready).waitFor({ timeout: 60000 });
  await page.waitForLoadState('networkidle');
  const seen = await page.evaluate(() => window.__marks);
  const paints = await page.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return { fcp: fcp ? fcp.startTime : null };
  });
  if (process.env.WEB_MEASURE_TIMELINE) {
    const timeline = await page.evaluate(() => performance.getEntriesByType('resource')
      .map((e) => `${Math.round(e.startTime)}-${Math.round(e.responseEnd)} ${e.name.replace(location.origin, '')}`));
    console.error(timeline.join('\n'));
  }
  await page.close();
  const result = { fcp: Math.round(paints.fcp), bytes, requests, homeReads };
  for (const [name, selector] of Object.entries(marksNamed(marks))) result[name] = Math.round(seen[selector]);
  return result;
}

function marksNamed(marks) {
  return Object.fromEntries(marks.map((selector, i) => [`mark${i}`, selector]));
}

function summary(runs, key) {
  const values = runs.map((r) => r[key]).sort((a, b) => a - b);
  return { median: values[Math.floor(values.length / 2)], min: values[0], max: values[values.length - 1] };
}

const browser = await launch();
try {
  const anonymous = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true });
  const login = [];
  for (let i = 0; i < RUNS; i += 1) login.push(await visit(anonymous, '/#/login', 'input[name=phone]', ['input[name=phone]']));
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
  const homeMarks = ['h1[data-screen=home]', '#home-points', '#home-needs'];
  for (let i = 0; i < RUNS; i += 1) home.push(await visit(signedIn, '/#/', '#home-needs', homeMarks));
  console.log(JSON.stringify({
    profile: 'slow 4G (562.5 ms RTT, 1474.56 kbit/s down, 675 kbit/s up), CPU 4x, cold cache, 360x740',
    runs: RUNS,
    login_page: {
      form_shown_ms: summary(login, 'mark0'), fcp_ms: summary(login, 'fcp'), bytes: summary(login, 'bytes'), requests: summary(login, 'requests'),
    },
    resident_home: {
      greeting_and_actions_ms: summary(home, 'mark0'), points_ms: summary(home, 'mark1'), needs_ms: summary(home, 'mark2'),
      fcp_ms: summary(home, 'fcp'), bytes: summary(home, 'bytes'), requests: summary(home, 'requests'),
      home_reads: summary(home, 'homeReads'),
    },
  }, null, 1));
} finally {
  await browser.close();
}
