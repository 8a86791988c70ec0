// End to end, in Debian's Chromium on a 360 px phone against the real server with demo data:
// a resident posts a need, a volunteer claims it, checks in and out with the resident's code,
// the resident confirms, and the volunteer's points rise. Key screens pass axe-core in both
// languages; the strict CSP is never violated.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, PEOPLE, PASSWORD, launch, phone, logIn, axe, withScreenshots, api, session, shanghaiToday,
} from './harness.js';

let browser;

before(async () => {
  browser = await launch();
  // The demo community earns points at the default 10 an hour; at that rate a check-out a few
  // seconds after check-in earns nothing. Community staff raise the rate from today, through
  // the API (no screen for the points policy is in this slice).
  const staff = await api('POST', '/sessions', { body: { phone: PEOPLE.communityStaff, password: PASSWORD } });
  assert.equal(staff.status, 201, JSON.stringify(staff.json));
  const areas = await api('GET', '/areas');
  const community = areas.json.find((a) => a.level === 'community' && a.code.endsWith('-dongdajie-dongguan'));
  assert.ok(community, 'the demo community exists');
  const policy = await api('PUT', `/areas/${community.id}/points-policy`, {
    token: staff.json.token,
    body: { effective_from: shanghaiToday(), terms: { points_per_hour: 1000, urgent_bonus_percent: 20, relative_transfers_allowed: true } },
  });
  assert.ok([201, 409].includes(policy.status), JSON.stringify(policy.json));
  // Only verified volunteers see open needs: the demo volunteer states a real name and staff
  // verify it, through the API so every scenario starts from a verified volunteer.
  const volunteer = await api('POST', '/sessions', { body: { phone: PEOPLE.volunteer, password: PASSWORD } });
  assert.equal(volunteer.status, 201, JSON.stringify(volunteer.json));
  const profile = await api('PUT', '/me/volunteer-profile', {
    token: volunteer.json.token,
    body: { service_radius: 'community', real_name: '陈晓东', id_number: '11010519491231002X' },
  });
  assert.equal(profile.status, 200, JSON.stringify(profile.json));
  const verified = await api('POST', `/volunteers/${volunteer.json.user.id}/verification`, { token: staff.json.token });
  assert.ok([200, 409].includes(verified.status), JSON.stringify(verified.json));
});

after(async () => {
  await browser?.close();
});

async function screenIsClean(page, context, label) {
  const violations = await axe(page);
  assert.deepEqual(violations, [], `axe on ${label}`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `${label} fits a 360 px screen (scroll width ${width})`);
  assert.deepEqual(context.problems, [], `no CSP violations or errors on ${label}`);
}

test('the shell is served with a strict policy and loads in Chinese by default', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('shell', browser, async () => {
    const response = await page.goto(`${BASE}/`);
    const csp = response.headers()['content-security-policy'];
    assert.match(csp, /default-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    await page.locator('input[name=phone]').waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    assert.equal(await page.locator('h1').textContent(), '登录邻里');
    await screenIsClean(page, context, 'login (zh-CN)');
    await page.getByRole('button', { name: /English|切换语言/ }).click();
    await page.locator('h1', { hasText: 'Log in to Linli' }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await screenIsClean(page, context, 'login (en)');
  });
  await context.close();
});

test('a wrong password is explained next to the password, and the phone stays filled in', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('wrong-password', browser, async () => {
    await page.goto(`${BASE}/#/login`);
    await page.locator('input[name=phone]').fill(PEOPLE.resident);
    await page.locator('input[name=password]').fill('not-the-password');
    await page.locator('form button[type=submit]').click();
    const error = page.locator('#' + await page.locator('input[name=password]').getAttribute('id') + '-error');
    await error.waitFor();
    assert.match(await error.textContent(), /手机号或密码不对|密码不对/);
    assert.equal(await page.locator('input[name=password]').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('input[name=phone]').inputValue(), PEOPLE.resident);
  });
  await context.close();
});

test('elder-friendly mode is remembered and still passes axe', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('elder', browser, async () => {
    await logIn(page, PEOPLE.resident);
    await page.getByRole('button', { name: '大字模式' }).click();
    assert.equal(await page.getAttribute('html', 'class'), 'elder');
    await page.reload();
    await page.locator('h1[data-screen=home]').waitFor();
    assert.equal(await page.getAttribute('html', 'class'), 'elder');
    assert.equal(await page.getByRole('button', { name: '大字模式' }).getAttribute('aria-pressed'), 'true');
    const size = await page.evaluate(() => getComputedStyle(document.querySelector('.actions .button')).minHeight);
    assert.ok(parseFloat(size) >= 60, `big touch targets (${size})`);
    await screenIsClean(page, context, 'home in elder mode');
  });
  await context.close();
});

test('a reload draws the home from the data its page carried, and signing out forgets the cookie', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('home-in-page', browser, async () => {
    await logIn(page, PEOPLE.resident);
    const cookie = (await context.cookies()).find((c) => c.name === 'linli_session');
    assert.ok(cookie, 'signing in set the session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    const reads = [];
    page.on('request', (request) => { if (request.url().includes('/api/v1/me/home')) reads.push(request.url()); });
    await page.reload();
    await page.locator('#home-points').waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(reads, [], 'the home needed no read of its own');
    assert.equal(await page.locator('#linli-home').count(), 0, 'the data block is gone once read');
    assert.equal(await page.evaluate(() => document.cookie.includes('linli_session')), false, 'no script reads the cookie');
    await screenIsClean(page, context, 'home drawn from the page');
    await page.getByRole('button', { name: '退出' }).click();
    await page.locator('input[name=phone]').waitFor();
    await page.waitForLoadState('networkidle');
    assert.equal((await context.cookies()).some((c) => c.name === 'linli_session'), false, 'signing out forgot the cookie');
  });
  await context.close();
});

test('a resident posts a need, a volunteer delivers it with the code, and earns points', async () => {
  const residentContext = await phone(browser);
  const volunteerContext = await phone(browser);
  const resident = await residentContext.newPage();
  const volunteer = await volunteerContext.newPage();
  const description = `陪我去东关菜市场买菜 <b>e2e ${Date.now()}</b>`;
  await withScreenshots('delivery', browser, async () => {
    // The volunteer's points before.
    await logIn(volunteer, PEOPLE.volunteer);
    await volunteer.goto(`${BASE}/#/points`);
    const before = Number((await volunteer.locator('#points-available').textContent()).replace(/\D/g, ''));

    // The resident posts, in three steps; the first send fails on the network and is retried.
    await logIn(resident, PEOPLE.resident);
    await screenIsClean(resident, residentContext, 'resident home (zh-CN)');
    await resident.locator('a[href="#/needs/new"]').first().click();
    await resident.locator('input[name=category_code]').first().waitFor();
    await screenIsClean(resident, residentContext, 'post a need, step 1');
    await resident.locator('form button.primary', { hasText: '下一步' }).click();
    assert.match(await resident.locator('#category_code-error').textContent(), /请选择/);
    await resident.locator('label.choice', { has: resident.locator('#cat-companionship') }).click();
    await resident.locator('form button.primary', { hasText: '下一步' }).click();
    await resident.locator('input[name=window_start]').fill('09:00');
    await resident.locator('input[name=window_end]').fill('11:00');
    await screenIsClean(resident, residentContext, 'post a need, step 2');
    await resident.locator('form button.primary', { hasText: '下一步' }).click();
    await resident.locator('textarea[name=description]').fill(description);
    await screenIsClean(resident, residentContext, 'post a need, step 3');
    await resident.route('**/api/v1/needs', (route) => (route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.continue()));
    await resident.locator('form button[type=submit]').click();
    const retry = resident.getByRole('button', { name: '重试' });
    await retry.waitFor();
    assert.equal(await resident.locator('textarea[name=description]').inputValue(), description, 'input kept');
    await resident.unroute('**/api/v1/needs');
    await retry.click();
    await resident.locator('#check-code').waitFor();
    const needId = resident.url().split('/').pop();
    const code = (await resident.locator('#check-code').textContent()).trim();
    assert.match(code, /^\d{4}$/);
    // User text is text: the markup in the description did not become an element.
    assert.equal(await resident.locator('.need-text b').count(), 0);
    assert.ok((await resident.locator('.need-text').textContent()).includes('<b>'));
    // Shown in Asia/Shanghai although this browser is in London.
    assert.match(await resident.locator('.facts dd').first().textContent(), /09:00/);
    await screenIsClean(resident, residentContext, 'need detail with the code');

    // The volunteer finds and claims it.
    await volunteer.goto(`${BASE}/#/open`);
    await volunteer.locator(`[data-claim="${needId}"]`).waitFor();
    await screenIsClean(volunteer, volunteerContext, 'open needs');
    await volunteer.locator(`[data-claim="${needId}"]`).click();
    await volunteer.locator('input[name=code]').waitFor();
    await screenIsClean(volunteer, volunteerContext, 'check-in');

    // A wrong code is explained next to the code field.
    const wrong = code === '0000' ? '1111' : '0000';
    await volunteer.locator('input[name=code]').fill(wrong);
    await volunteer.locator('form button[type=submit]').click();
    const codeError = volunteer.locator('#' + await volunteer.locator('input[name=code]').getAttribute('id') + '-error');
    await codeError.waitFor();
    assert.match(await codeError.textContent(), /签到码不对/);

    await volunteer.locator('input[name=code]').fill(code);
    await volunteer.locator('form button[type=submit]').click();
    await volunteer.locator('h2', { hasText: '完成后签退' }).waitFor();
    await volunteer.locator('input[name=code]').fill(code);
    await volunteer.locator('form button[type=submit]').click();
    await volunteer.locator('.status-line', { hasText: '已签退' }).waitFor();

    // The resident confirms with a rating.
    await resident.reload();
    await resident.locator('h2', { hasText: '帮忙完成了吗' }).waitFor();
    await screenIsClean(resident, residentContext, 'confirm and rate');
    await resident.locator('form button[type=submit]', { hasText: '确认完成' }).click();
    await resident.locator('.badge.status-completed').waitFor();

    // The volunteer's points rose.
    await volunteer.goto(`${BASE}/#/points`);
    await volunteer.locator('#points-available').waitFor();
    const after = Number((await volunteer.locator('#points-available').textContent()).replace(/\D/g, ''));
    assert.ok(after > before, `points rose from ${before} to ${after}`);
    await screenIsClean(volunteer, volunteerContext, 'points (zh-CN)');

    // The same screens in English.
    await volunteer.getByRole('button', { name: /English/ }).click();
    await volunteer.locator('h1', { hasText: 'Points' }).waitFor();
    await screenIsClean(volunteer, volunteerContext, 'points (en)');
    await volunteer.goto(`${BASE}/#/tasks`);
    await volunteer.locator('h1', { hasText: 'My tasks' }).waitFor();
    await screenIsClean(volunteer, volunteerContext, 'tasks (en)');
    await resident.getByRole('button', { name: /English/ }).click();
    await resident.locator('h1', { hasText: 'Companionship' }).waitFor();
    await screenIsClean(resident, residentContext, 'need detail (en)');
    await resident.goto(`${BASE}/#/`);
    await resident.locator('h1[data-screen=home]').waitFor();
    await screenIsClean(resident, residentContext, 'resident home (en)');
    await resident.goto(`${BASE}/#/notifications`);
    await resident.locator('h1', { hasText: 'Messages' }).waitFor();
    await screenIsClean(resident, residentContext, 'notifications (en)');
  });
  await residentContext.close();
  await volunteerContext.close();
});

test('a grid worker sees the area dashboard and can post for a resident', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('staff', browser, async () => {
    await logIn(page, PEOPLE.gridWorker);
    await page.goto(`${BASE}/#/staff`);
    await page.locator('#open-h').waitFor();
    await screenIsClean(page, context, 'staff dashboard (zh-CN)');
    await page.goto(`${BASE}/#/staff/proxy`);
    await page.locator('input[name=resident_id]').waitFor();
    await screenIsClean(page, context, 'post for a resident');
  });
  await context.close();
});

/** Tomorrow's date in Asia/Shanghai (YYYY-MM-DD). */
function shanghaiTomorrow() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() + 86400000));
}

test('staff dispatch from the candidate list', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('dispatch', browser, async () => {
    // A resident's need tomorrow afternoon, nobody has claimed it yet.
    const resident = await api('POST', '/sessions', { body: { phone: PEOPLE.resident, password: PASSWORD } });
    const volunteer = await api('POST', '/sessions', { body: { phone: PEOPLE.volunteer, password: PASSWORD } });
    const day = shanghaiTomorrow();
    const posted = await api('POST', '/needs', {
      token: resident.json.token,
      body: {
        category_code: 'companionship', description: `派单测试 ${Date.now()}`, duration_minutes: 60, headcount: 1,
        window_start: new Date(`${day}T14:00:00+08:00`).toISOString(), window_end: new Date(`${day}T16:00:00+08:00`).toISOString(),
      },
    });
    assert.equal(posted.status, 201, JSON.stringify(posted.json));
    const needId = posted.json.id;
    const volunteerId = volunteer.json.user.id;

    // Community staff open it from their dashboard and see the ranked candidates, each score explained.
    await logIn(page, PEOPLE.communityStaff);
    await page.goto(`${BASE}/#/staff`);
    await page.locator(`[data-find-helper="${needId}"]`).click();
    const candidate = page.locator(`[data-candidate="${volunteerId}"]`);
    await candidate.waitFor();
    assert.equal(await candidate.locator('tbody tr').count(), 6, 'six parts: skills, distance, availability, reliability, fairness, continuity');
    assert.match(await candidate.locator('tr[data-factor=distance] td').first().textContent(), /同一|较远/);
    await screenIsClean(page, context, 'dispatch candidates (zh-CN)');

    // Dispatch to the demo volunteer: the offer is pending and reaches them.
    await candidate.locator(`[data-dispatch="${volunteerId}"]`).click();
    await page.locator('#dispatch-sent').waitFor();
    await page.locator('#offers [data-offer-status=pending]').waitFor();
    const offers = await api('GET', '/me/offers', { token: volunteer.json.token });
    assert.ok(offers.json.some((o) => o.offer.need_id === needId && o.offer.status === 'pending'), JSON.stringify(offers.json));
    // Dispatching again while the offer is pending is explained.
    await candidate.locator(`[data-dispatch="${volunteerId}"]`).click();
    await page.locator('.alert', { hasText: '已在派单中' }).waitFor();
    await page.getByRole('button', { name: /English/ }).click();
    await page.locator('h1', { hasText: 'Dispatch' }).waitFor();
    await page.locator(`[data-candidate="${volunteerId}"]`).waitFor();
    await screenIsClean(page, context, 'dispatch candidates (en)');
  });
  await context.close();
});

test('the community dashboard shows charts and figures and downloads the report', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('dashboard', browser, async () => {
    await logIn(page, PEOPLE.communityStaff);
    await page.goto(`${BASE}/#/dashboard`);
    await page.locator('#stat-needs').waitFor();
    assert.ok(Number((await page.locator('#stat-needs').textContent()).replace(/\D/g, '')) >= 1, 'the needs posted by the other tests count');
    for (const kind of ['needs_over_time', 'needs_by_category', 'points']) {
      const image = page.locator(`figure[data-chart=${kind}] img`);
      await image.waitFor();
      assert.ok(await image.evaluate((img) => img.complete && img.naturalWidth > 0), `${kind} is drawn`);
      assert.match(await image.getAttribute('src'), /^blob:/);
    }
    await screenIsClean(page, context, 'community dashboard (zh-CN)');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-report').click()]);
    assert.match(download.suggestedFilename(), /^linli-.*\.csv$/);
    const { readFile } = await import('node:fs/promises');
    const csv = await readFile(await download.path(), 'utf8');
    assert.match(csv, /^\uFEFFsection,start,end,key,value\r\n/);
    assert.match(csv, /\r\nneeds,[0-9-]+,[0-9-]+,total,\d+\r\n/);
    // A start after the end is explained beside the start date, and the dates stay as typed.
    await page.locator('input[name=from]').fill('2026-12-31');
    await page.locator('input[name=to]').fill('2026-01-01');
    await page.locator('form button[type=submit]').click();
    const error = page.locator('#' + await page.locator('input[name=from]').getAttribute('id') + '-error');
    await error.waitFor();
    assert.match(await error.textContent(), /开始日期不能晚于结束日期/);
    assert.equal(await page.locator('input[name=to]').inputValue(), '2026-01-01');
    await page.getByRole('button', { name: /English/ }).click();
    await page.locator('h1', { hasText: 'Community figures' }).waitFor();
    await page.locator('figure[data-chart=needs_over_time] img').waitFor();
    await screenIsClean(page, context, 'community dashboard (en)');
  });
  await context.close();
});

test('staff verify a volunteer, offer a reward and set the policy; a resident redeems it', async () => {
  const staffContext = await phone(browser);
  const residentContext = await phone(browser);
  const page = await staffContext.newPage();
  const resident = await residentContext.newPage();
  await withScreenshots('catalogue', browser, async () => {
    // Someone new states a real name and a credential: they wait in the queues.
    const areas = await api('GET', '/areas');
    const grid = areas.json.find((a) => a.level === 'grid' && a.code.endsWith('-dongguan-g1'));
    const newcomerPhone = `137${String(Date.now()).slice(-8)}`;
    const secret = '东关社区的老槐树2026';
    const registered = await api('POST', '/accounts', { body: { phone: newcomerPhone, password: secret, display_name: '新志愿者', home_grid_id: grid.id } });
    assert.equal(registered.status, 201, JSON.stringify(registered.json));
    const newcomer = await api('POST', '/sessions', { body: { phone: newcomerPhone, password: secret } });
    const stated = await api('PUT', '/me/volunteer-profile', { token: newcomer.json.token, body: { service_radius: 'grid', real_name: '新志愿者', id_number: '11010519491231002X' } });
    assert.equal(stated.status, 200, JSON.stringify(stated.json));
    const newcomerId = registered.json.id;

    await logIn(page, PEOPLE.communityStaff);
    await page.goto(`${BASE}/#/staff/verify`);
    await page.locator(`[data-verify-volunteer="${newcomerId}"]`).waitFor();
    await screenIsClean(page, staffContext, 'verification queues (zh-CN)');
    const entry = page.locator('li', { has: page.locator(`[data-verify-volunteer="${newcomerId}"]`) });
    await entry.getByRole('button', { name: /查看填写的姓名和证件号/ }).click();
    await entry.locator('dd', { hasText: '11010519491231002X' }).waitFor();
    await page.locator(`[data-verify-volunteer="${newcomerId}"]`).click();
    await page.locator('#verified').waitFor();
    assert.equal(await page.locator(`[data-verify-volunteer="${newcomerId}"]`).count(), 0, 'verified people leave the queue');

    // A reward joins the catalogue; its name is text, not markup.
    const title = `e2e 大米 <b>${Date.now()}</b>`;
    await page.goto(`${BASE}/#/staff/rewards`);
    await page.locator('input[name=title_zh]').waitFor();
    await screenIsClean(page, staffContext, 'reward catalogue (zh-CN)');
    await page.locator('input[name=points_cost]').fill('0');
    await page.locator('input[name=title_zh]').fill(title);
    await page.locator('form button[type=submit]').click();
    const costError = page.locator('#' + await page.locator('input[name=points_cost]').getAttribute('id') + '-error');
    await costError.waitFor();
    assert.equal(await page.locator('input[name=title_zh]').inputValue(), title, 'input kept');
    await page.locator('input[name=points_cost]').fill('5');
    await page.locator('input[name=stock]').fill('3');
    await page.locator('form button[type=submit]').click();
    const offered = page.locator('[data-reward]', { hasText: title });
    await offered.waitFor();
    const rewardId = await offered.getAttribute('data-reward');
    assert.equal(await page.locator('[data-reward] b').count(), 0);

    // The points policy: in force, and a new version from tomorrow.
    await page.goto(`${BASE}/#/staff/policy`);
    await page.locator('#policy-points-per-hour').waitFor();
    await screenIsClean(page, staffContext, 'points policy (zh-CN)');
    await page.locator('form button[type=submit]').click();
    await page.locator('#policy-saved').waitFor();

    // The resident, given points by staff, redeems the reward.
    const staff = await api('POST', '/sessions', { body: { phone: PEOPLE.communityStaff, password: PASSWORD } });
    const me = await api('POST', '/sessions', { body: { phone: PEOPLE.resident, password: PASSWORD } });
    const award = await fetch(`${BASE}/api/v1/points/awards`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${staff.json.token}`, 'idempotency-key': `e2e-${Date.now()}` },
      body: JSON.stringify({ awards: [{ user_id: me.json.user.id, points: 20, reason: 'e2e' }] }),
    });
    assert.equal(award.status, 201, await award.text());
    await logIn(resident, PEOPLE.resident);
    await resident.goto(`${BASE}/#/rewards`);
    await resident.locator(`[data-redeem="${rewardId}"]`).waitFor();
    await screenIsClean(resident, residentContext, 'rewards (zh-CN)');
    await resident.locator(`[data-redeem="${rewardId}"]`).click();
    await resident.locator('#redeemed').waitFor();
    await resident.locator('#my-redemptions [data-redemption-state=placed]').first().waitFor();
    await resident.getByRole('button', { name: /English/ }).click();
    await resident.locator('h1', { hasText: 'Rewards' }).waitFor();
    await screenIsClean(resident, residentContext, 'rewards (en)');
    await page.getByRole('button', { name: /English/ }).click();
    await page.goto(`${BASE}/#/staff/verify`);
    await page.locator('h1', { hasText: 'Verification' }).waitFor();
    await page.locator('#volunteers-h').waitFor();
    await screenIsClean(page, staffContext, 'verification queues (en)');
  });
  await staffContext.close();
  await residentContext.close();
});

/** The 15th of the month `months` after this one in Asia/Shanghai (YYYY-MM-DD): a month whose subsidy cap the demo orders have not used. */
function shanghaiMonthsAhead(months) {
  const [year, month] = shanghaiToday().split('-').map(Number);
  const index = year * 12 + (month - 1) + months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-15`;
}

/** The demo provider's offering titled `title` (zh), through the API. */
async function demoOffering(token, title) {
  const me = await api('GET', '/me', { token });
  const areas = await api('GET', '/areas');
  const grid = areas.json.find((a) => a.id === me.json.home_grid_id);
  const offerings = await api('GET', `/offerings?community_id=${grid.parent_id}`, { token });
  const found = offerings.json.find((o) => o.title_zh === title);
  assert.ok(found, `the demo offering ${title} exists: ${JSON.stringify(offerings.json)}`);
  return found;
}

test('a resident books a subsidised order and sees the split before confirming', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('book', browser, async () => {
    const me = await session(PEOPLE.resident);
    const token = me.token;
    const bathing = await demoOffering(token, '上门助浴');
    const ordersBefore = (await api('GET', '/orders?limit=200', { token })).json.length;
    const balance = (await api('GET', '/points/balance', { token })).json.available;
    const points = balance >= 10 ? 10 : 0;
    const day = shanghaiMonthsAhead(2);

    await logIn(page, PEOPLE.resident);
    await page.goto(`${BASE}/#/services`);
    await page.locator(`[data-book="${bathing.id}"]`).waitFor();
    await screenIsClean(page, context, 'services (zh-CN)');
    await page.locator(`[data-book="${bathing.id}"]`).click();
    await page.locator('select[name=quantity]').waitFor();
    assert.match(await page.locator('#offering-price').textContent(), /¥80\.00/);
    await page.locator('select[name=quantity]').selectOption('2');
    await page.locator('input[name=date]').fill(day);
    await page.locator('input[name=from]').fill('09:00');
    await page.locator('input[name=to]').fill('11:00');
    // More points than the balance are explained beside the points before any quote.
    await page.locator('input[name=points]').fill(String(balance + 1));
    await page.locator('#get-quote').click();
    const pointsError = page.locator('#' + await page.locator('input[name=points]').getAttribute('id') + '-error');
    await pointsError.waitFor();
    assert.match(await pointsError.textContent(), /积分不够/);
    assert.equal(await page.locator('#confirm-booking').count(), 0);
    await page.locator('input[name=points]').fill(String(points));
    await screenIsClean(page, context, 'book a service (zh-CN)');

    // The quote: the split is shown, exactly as the API computes it, and nothing is booked yet.
    await page.locator('#get-quote').click();
    const quote = page.locator('#quote');
    await quote.locator('[data-split=copay]').waitFor();
    const body = {
      offering_id: bathing.id, quantity: 2, points,
      window_start: new Date(`${day}T09:00:00+08:00`).toISOString(), window_end: new Date(`${day}T11:00:00+08:00`).toISOString(),
    };
    const expected = (await api('POST', '/orders/quote', { token, body })).json;
    assert.equal(expected.gross, '160.00');
    assert.ok(expected.subsidies.length >= 1 && expected.subsidy !== '0.00', `subsidised: ${JSON.stringify(expected)}`);
    assert.match(await quote.locator('[data-split=gross] td').textContent(), /¥160\.00/);
    const subsidy = quote.locator(`[data-split=subsidy][data-program="${expected.subsidies[0].program_id}"]`);
    assert.match(await subsidy.locator('th').textContent(), /高龄老人居家养老服务补贴/);
    assert.equal(await subsidy.locator('td').textContent(), `−¥${expected.subsidies[0].amount}`);
    assert.equal(await quote.locator('[data-split=points] td').textContent(), `−¥${expected.points_value}`);
    assert.equal(await quote.locator('[data-split=copay] td').textContent(), `¥${expected.copay}`);
    assert.equal((await api('GET', '/orders?limit=200', { token })).json.length, ordersBefore, 'a quote books nothing');
    await screenIsClean(page, context, 'the quote and its split (zh-CN)');

    // A changed form makes the quote stale: it goes until asked for again.
    await page.locator('select[name=quantity]').selectOption('1');
    assert.equal(await page.locator('#confirm-booking').count(), 0, 'no confirming a stale quote');
    await page.locator('select[name=quantity]').selectOption('2');
    await page.locator('#get-quote').click();
    await page.locator('#confirm-booking').click();

    // The order: placed, with its code and the same split.
    await page.locator('[data-order-state=placed]').waitFor();
    assert.match((await page.locator('#order-code').textContent()).trim(), /^\d{4}$/);
    assert.equal(await page.locator('#split [data-split=copay] td').textContent(), `¥${expected.copay}`);
    const orders = (await api('GET', '/orders?limit=200', { token })).json;
    assert.equal(orders.length, ordersBefore + 1, 'booked once');
    await screenIsClean(page, context, 'order detail (zh-CN)');
    await page.goto(`${BASE}/#/orders`);
    await page.locator(`#my-orders [data-order="${orders[0].id}"]`).waitFor();
    await screenIsClean(page, context, 'my orders (zh-CN)');
    await page.getByRole('button', { name: /English/ }).click();
    await page.locator('h1', { hasText: 'My orders' }).waitFor();
    await page.locator(`#my-orders [data-order="${orders[0].id}"]`).waitFor();
    await screenIsClean(page, context, 'my orders (en)');
    await page.goto(`${BASE}/#/services/${bathing.id}`);
    await page.locator('#get-quote').click();
    await page.locator('#quote [data-split=copay]').waitFor();
    assert.match(await page.locator('#quote [data-split=subsidy] th').first().textContent(), /Subsidy/);
    await screenIsClean(page, context, 'the quote and its split (en)');
    await page.getByRole('button', { name: 'Large text' }).click();
    await screenIsClean(page, context, 'the quote and its split (en, elder mode)');
  });
  await context.close();
});

test('a grid worker books for a resident who consented, and is told when one did not', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('proxy-book', browser, async () => {
    const staff = await session(PEOPLE.communityStaff);
    const resident = await session(PEOPLE.resident);
    const worker = await session(PEOPLE.gridWorker);
    const consent = await api('POST', '/proxy-consents', {
      token: staff.token,
      body: { resident_id: resident.user.id, proxy_id: worker.user.id, relationship: 'grid_worker' },
    });
    assert.ok([200, 201].includes(consent.status), JSON.stringify(consent.json));
    const bathing = await demoOffering(resident.token, '上门助浴');
    const other = await session('13900000009');

    await logIn(page, PEOPLE.gridWorker);
    await page.goto(`${BASE}/#/services/${bathing.id}`);
    const who = page.locator('input[name=for_user_id]');
    await who.waitFor();
    await page.locator('input[name=date]').fill(shanghaiMonthsAhead(4));
    // Someone who gave no consent: explained beside the resident's number, which stays.
    await who.fill(String(other.user.id));
    await page.locator('#get-quote').click();
    const error = page.locator('#' + await who.getAttribute('id') + '-error');
    await error.waitFor();
    assert.match(await error.textContent(), /没有授权您代办/);
    assert.equal(await who.inputValue(), String(other.user.id), 'input kept');
    await who.fill(String(resident.user.id));
    await page.locator('#get-quote').click();
    await page.locator('#quote [data-split=copay]').waitFor();
    await screenIsClean(page, context, 'booking for a resident (zh-CN)');
    await page.locator('#confirm-booking').click();
    await page.locator('[data-order-state=placed]').waitFor();
    const orderId = Number(page.url().split('/').pop());
    const seen = await api('GET', `/orders/${orderId}`, { token: resident.token });
    assert.equal(seen.json.resident_id, resident.user.id, 'the order is the resident\'s');
    assert.match((await page.locator('#order-code').textContent()).trim(), /^\d{4}$/, 'the proxy sees the code to pass on');
  });
  await context.close();
});

test('a provider accepts, starts and completes an order with the code, and the resident confirms', async () => {
  const providerContext = await phone(browser);
  const residentContext = await phone(browser);
  const page = await providerContext.newPage();
  const resident = await residentContext.newPage();
  await withScreenshots('provider', browser, async () => {
    const me = await session(PEOPLE.resident);
    const tidy = await demoOffering(me.token, '居家助洁');
    const day = shanghaiMonthsAhead(3);
    const booked = await fetch(`${BASE}/api/v1/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${me.token}`, 'idempotency-key': `e2e-order-${Date.now()}` },
      body: JSON.stringify({
        offering_id: tidy.id, quantity: 2,
        window_start: new Date(`${day}T14:00:00+08:00`).toISOString(), window_end: new Date(`${day}T16:00:00+08:00`).toISOString(),
      }),
    });
    const order = await booked.json();
    assert.equal(booked.status, 201, JSON.stringify(order));
    const code = order.check_code;

    // The provider's admin answers from the incoming orders.
    await logIn(page, PEOPLE.providerAdmin);
    await page.locator('#nav a[href="#/provider"]').click();
    await page.locator(`[data-accept="${order.id}"]`).waitFor();
    await screenIsClean(page, providerContext, 'provider orders (zh-CN)');
    await page.locator(`[data-accept="${order.id}"]`).click();
    await page.locator('#provider-notice').waitFor();
    await page.locator(`[data-carry-out="${order.id}"]`).click();

    // Start: a wrong code is explained beside the code, then the right one.
    await page.locator('#order-start').waitFor();
    await screenIsClean(page, providerContext, 'start an order');
    const wrong = code === '0000' ? '1111' : '0000';
    await page.locator('input[name=code]').fill(wrong);
    await page.locator('#order-start').click();
    const codeError = page.locator('#' + await page.locator('input[name=code]').getAttribute('id') + '-error');
    await codeError.waitFor();
    assert.match(await codeError.textContent(), /验证码不对/);
    await page.locator('input[name=code]').fill(code);
    await page.locator('#order-start').click();
    await page.locator('[data-order-state=started]').waitFor();
    await page.locator('input[name=code]').fill(code);
    await page.locator('#order-complete').click();
    await page.locator('[data-order-state=completed]').waitFor();
    await screenIsClean(page, providerContext, 'completed order (provider)');

    // The resident confirms.
    await logIn(resident, PEOPLE.resident);
    await resident.goto(`${BASE}/#/orders/${order.id}`);
    await resident.locator('#confirm-order').waitFor();
    await screenIsClean(resident, residentContext, 'confirm an order');
    await resident.locator('#confirm-order').click();
    await resident.locator('[data-order-state=confirmed]').waitFor();

    // The provider's other screens: offerings, settlements (the statement downloads), API access.
    await page.goto(`${BASE}/#/provider/offerings`);
    const offering = page.locator(`[data-offering="${tidy.id}"]`);
    await offering.waitFor();
    await screenIsClean(page, providerContext, 'offerings (zh-CN)');
    // A price with three decimals is explained beside the price and kept; two decimals are saved.
    await offering.locator('summary').click();
    const price = offering.locator('input[name=unit_price]');
    await price.fill('45.555');
    await offering.locator('button[type=submit]').click();
    await page.locator('#' + await price.getAttribute('id') + '-error').waitFor();
    assert.equal(await price.inputValue(), '45.555', 'input kept');
    await price.fill('45.50');
    await offering.locator('button[type=submit]').click();
    await page.locator('#offering-notice').waitFor();
    assert.match(await page.locator(`[data-offering="${tidy.id}"]`).textContent(), /¥45\.50/);
    // Unpublished, it cannot be booked; published again, it can.
    await page.locator(`[data-toggle-offering="${tidy.id}"]`).click();
    await page.locator('#offering-notice', { hasText: '下架' }).waitFor();
    const hidden = await api('GET', `/offerings?organization_id=${tidy.organization_id}`, { token: me.token });
    assert.ok(!hidden.json.some((o) => o.id === tidy.id && o.published), 'unpublished for residents');
    await page.locator(`[data-toggle-offering="${tidy.id}"]`).click();
    await page.locator('#offering-notice', { hasText: '上架' }).waitFor();
    await page.goto(`${BASE}/#/provider/settlements`);
    await page.locator('#settlements [data-settlement] a').first().click();
    await page.locator('#settlement-lines').waitFor();
    await screenIsClean(page, providerContext, 'settlement statement (zh-CN)');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-statement').click()]);
    assert.match(download.suggestedFilename(), /^linli-settlement-\d+\.csv$/);
    await page.goto(`${BASE}/#/org/partner`);
    await page.locator('input[name=name]').waitFor();
    await screenIsClean(page, providerContext, 'API keys and webhooks (zh-CN)');
    await page.getByRole('button', { name: /English/ }).click();
    await page.goto(`${BASE}/#/provider`);
    await page.locator('#incoming-h').waitFor();
    await screenIsClean(page, providerContext, 'provider orders (en)');
  });
  await providerContext.close();
  await residentContext.close();
});

test('an organization admin creates an API key, sees its secret once, and revokes it', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('api-keys', browser, async () => {
    await logIn(page, PEOPLE.providerAdmin);
    await page.goto(`${BASE}/#/org/partner`);
    await page.locator('input[name=name]').waitFor();
    const name = `e2e <i>${Date.now()}</i>`;
    // No scope chosen: explained beside the scopes, and the name stays.
    await page.locator('input[name=name]').fill(name);
    await page.locator('form[aria-labelledby=new-key-h] button[type=submit]').click();
    await page.locator('form[aria-labelledby=new-key-h] .field-error:not([hidden]), form[aria-labelledby=new-key-h] .alert').first().waitFor();
    assert.equal(await page.locator('input[name=name]').inputValue(), name, 'input kept');
    await page.locator('input[name=scopes][value="orders:read"]').check();
    await page.locator('form[aria-labelledby=new-key-h] button[type=submit]').click();
    const secret = page.locator('#new-key-secret');
    await secret.waitFor();
    assert.match(await secret.textContent(), /^lk_/);
    const key = page.locator('#api-keys li', { hasText: name });
    await key.waitFor();
    assert.equal(await page.locator('#api-keys i').count(), 0, 'names are text');
    await screenIsClean(page, context, 'a new API key (zh-CN)');
    await page.reload();
    await page.locator('#api-keys').waitFor();
    assert.equal(await page.locator('#new-key-secret').count(), 0, 'the secret is shown once');
    const row = page.locator('#api-keys li', { hasText: name });
    await row.getByRole('button', { name: /^撤销/ }).click();
    await row.getByRole('button', { name: /^确定撤销/ }).click();
    await page.locator('#partner-notice').waitFor();
    await page.locator('#api-keys li[data-key-status=revoked]', { hasText: name }).waitFor();

    // A webhook endpoint on a private address is refused, explained beside the URL.
    const webhook = page.locator('form[aria-labelledby=new-webhook-h]');
    await webhook.locator('input[name=url]').fill('http://10.0.0.1/hooks/linli');
    await webhook.locator('input[name=events][value="order.placed"]').check();
    await webhook.locator('button[type=submit]').click();
    const urlError = page.locator('#' + await webhook.locator('input[name=url]').getAttribute('id') + '-error');
    await urlError.waitFor();
    assert.match(await urlError.textContent(), /不能推送到这个地址/);
    assert.equal(await webhook.locator('input[name=url]').inputValue(), 'http://10.0.0.1/hooks/linli', 'input kept');
    await screenIsClean(page, context, 'a refused webhook endpoint (zh-CN)');

    // One on this machine (allowed for the tests) is registered, its secret shown once; it is
    // tested, paused, its delivery log opened, and removed.
    const url = `http://127.0.0.1:9/hooks/${Date.now()}`;
    await webhook.locator('input[name=url]').fill(url);
    await webhook.locator('button[type=submit]').click();
    await page.locator('#new-webhook-secret').waitFor();
    assert.match(await page.locator('#new-webhook-secret').textContent(), /^whsec_/);
    const endpoint = page.locator('#webhooks li', { hasText: url });
    await endpoint.waitFor();
    await endpoint.locator('[data-test-webhook]').click();
    await page.locator('#partner-notice', { hasText: '测试' }).waitFor();
    await page.locator('#webhooks li', { hasText: url }).locator('[data-toggle-webhook]').click();
    await page.locator('#partner-notice', { hasText: '暂停' }).waitFor();
    await page.locator('#webhooks li', { hasText: url }).locator('[data-deliveries]').click();
    await page.locator('#webhooks li', { hasText: url }).locator('details table, details .empty').first().waitFor();
    await screenIsClean(page, context, 'webhook endpoints and a delivery log (zh-CN)');
    const registered = page.locator('#webhooks li', { hasText: url });
    await registered.getByRole('button', { name: /^删除/ }).click();
    await registered.getByRole('button', { name: /^确定删除/ }).click();
    await page.locator('#partner-notice', { hasText: '已删除' }).waitFor();
    assert.equal(await page.locator('#webhooks li', { hasText: url }).count(), 0, 'removed');
  });
  await context.close();
});

const sessions = new Map();

/** One API session per demo person for the setup below, so sign-ins stay under their limit. */
async function sessionOnce(phone) {
  if (!sessions.has(phone)) sessions.set(phone, await session(phone));
  return sessions.get(phone);
}

/** Books `title` for the demo resident, has the provider deliver it, and the resident dispute it. */
async function disputedOrder(title) {
  const resident = await sessionOnce(PEOPLE.resident);
  const provider = await sessionOnce(PEOPLE.providerAdmin);
  const offering = await demoOffering(resident.token, title);
  const day = shanghaiMonthsAhead(4);
  const booked = await fetch(`${BASE}/api/v1/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${resident.token}`, 'idempotency-key': `e2e-dispute-${Date.now()}` },
    body: JSON.stringify({
      offering_id: offering.id, quantity: 2,
      window_start: new Date(`${day}T09:00:00+08:00`).toISOString(), window_end: new Date(`${day}T11:00:00+08:00`).toISOString(),
    }),
  });
  const order = await booked.json();
  assert.equal(booked.status, 201, JSON.stringify(order));
  for (const [path, body] of [['response', { accept: true }], ['start', { code: order.check_code }], ['completion', { code: order.check_code }]]) {
    const step = await api('POST', `/orders/${order.id}/${path}`, { token: provider.token, body });
    assert.equal(step.status, 200, `${path}: ${JSON.stringify(step.json)}`);
  }
  const disputed = await api('POST', `/orders/${order.id}/confirmation`, { token: resident.token, body: { dispute_reason: '地面没有拖干净' } });
  assert.equal(disputed.status, 200, JSON.stringify(disputed.json));
  assert.equal(disputed.json.state, 'disputed');
  const me = await api('GET', '/me', { token: resident.token });
  const areas = await api('GET', '/areas');
  const grid = areas.json.find((a) => a.id === me.json.home_grid_id);
  return { order, offering, communityId: grid.parent_id };
}

test('community staff find a disputed order and resolve it with a part refund', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('resolve-dispute', browser, async () => {
    const { order, communityId } = await disputedOrder('居家助洁');

    // Community staff open their community's orders, disputed ones shown first.
    await logIn(page, PEOPLE.communityStaff);
    await page.locator('#nav a[href="#/staff/orders"]').click();
    await page.locator('#orders-community').selectOption(String(communityId));
    const card = page.locator(`#community-orders [data-order="${order.id}"]`);
    await card.waitFor();
    await screenIsClean(page, context, 'community orders (zh-CN)');
    await card.locator('a').click();
    await page.locator('#resolve-dispute').waitFor();
    await screenIsClean(page, context, 'resolve a dispute (zh-CN)');

    // A refund above the order's gross is explained beside the amount, and the input is kept.
    await page.locator('[data-outcome=refund]').check();
    const amount = page.locator('#resolve-dispute input[name=refund_amount]');
    await amount.fill('99999.00');
    await page.locator('#resolve-dispute textarea[name=reason]').fill('回访核实：少拖了一间屋');
    await page.locator('#resolve-submit').click();
    const amountError = page.locator('#' + await amount.getAttribute('id') + '-error');
    await amountError.waitFor();
    assert.match(await amountError.textContent(), /退款超过/);
    assert.equal(await amount.inputValue(), '99999.00', 'input kept');

    // A part refund confirms the order and gives ¥10.00 back.
    await amount.fill('10.00');
    await page.locator('#resolve-submit').click();
    await page.locator('#order-notice', { hasText: '已退款 ¥10.00' }).waitFor();
    await page.locator('[data-order-state=confirmed]').waitFor();
    const after = await api('GET', `/orders/${order.id}`, { token: (await sessionOnce(PEOPLE.resident)).token });
    assert.equal(after.json.state, 'confirmed');
    assert.equal(after.json.refunded, '10.00');
    await screenIsClean(page, context, 'resolved order (zh-CN)');
    await page.getByRole('button', { name: /English/ }).click();
    await page.locator('html[lang=en] #main:not([aria-busy]) #refund-order').waitFor({ state: 'attached' });
    await screenIsClean(page, context, 'resolved order (en)');
    await page.getByRole('button', { name: 'Large text' }).click();
    await page.locator('#refund-order summary, details:has(#refund-order) > summary').first().click();
    await screenIsClean(page, context, 'refund form (en, elder mode)');
    await page.getByRole('button', { name: 'Large text' }).click();
  });
  await context.close();
});

test('a street admin approves a settlement, marks it paid, and downloads a subsidy claim', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('settle', browser, async () => {
    // Orders confirmed since the demo's paid batch are settled into a new draft batch.
    const resident = await sessionOnce(PEOPLE.resident);
    const admin = await sessionOnce(PEOPLE.streetAdmin);
    const tidy = await demoOffering(resident.token, '居家助洁');
    const provider = tidy.organization_id;
    const before = await api('GET', `/settlements?organization_id=${provider}`, { token: admin.token });
    assert.equal(before.status, 200, JSON.stringify(before.json));
    const start = before.json.map((b) => b.period_end).sort().pop();
    const created = await api('POST', '/settlements', {
      token: admin.token,
      body: { organization_id: provider, period_start: start, period_end: new Date(Date.now() - 1000).toISOString() },
    });
    assert.ok([200, 201].includes(created.status), JSON.stringify(created.json));
    const batch = created.json;
    assert.equal(batch.state, 'draft');

    await logIn(page, PEOPLE.streetAdmin);
    await page.locator('#nav a[href="#/staff/settlements"]').click();
    await page.locator('#settlement-provider').selectOption(String(provider));
    await page.locator(`#settlements [data-settlement="${batch.id}"] a`).click();
    await page.locator('#approve-settlement').waitFor();
    await screenIsClean(page, context, 'approve a settlement (zh-CN)');
    await page.locator('#approve-settlement button[type=submit]').click();
    await page.locator('#settlement-notice', { hasText: '审核通过' }).waitFor();

    // A payout needs its bank reference: missing, it is asked for beside the field.
    const reference = page.locator('#pay-settlement input[name=reference]');
    await page.locator('#pay-settlement button[type=submit]').click();
    await page.locator('#' + await reference.getAttribute('id') + '-error').waitFor();
    await reference.fill('ICBC-E2E-0001');
    await page.locator('#pay-settlement button[type=submit]').click();
    await page.locator('#settlement-notice', { hasText: '已打款' }).waitFor();
    assert.match(await page.locator('main').textContent(), /ICBC-E2E-0001/);
    const paid = await api('GET', `/settlements/${batch.id}`, { token: admin.token });
    assert.equal(paid.json.settlement.state, 'paid');
    await screenIsClean(page, context, 'paid settlement (zh-CN)');

    // The subsidy claim of the programme the street funds, seen and downloaded.
    await page.locator('a[href="#/staff/settlements"]').first().click();
    await page.locator('#programmes [data-programme] a').first().click();
    await page.locator('#claim-total').waitFor();
    assert.match(await page.locator('#claim-total').textContent(), /^¥[\d,]+\.\d\d$/);
    await screenIsClean(page, context, 'subsidy claim (zh-CN)');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-claim').click()]);
    assert.match(download.suggestedFilename(), /^linli-subsidy-claim-\d+\.csv$/);
    await page.getByRole('button', { name: /English/ }).click();
    await page.locator('#claim-total').waitFor();
    await screenIsClean(page, context, 'subsidy claim (en)');
  });
  await context.close();
});

test('a resident sees the alternatives to a declined order', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('alternatives', browser, async () => {
    const resident = await sessionOnce(PEOPLE.resident);
    const declined = await api('GET', '/orders?state=declined', { token: resident.token });
    assert.equal(declined.status, 200, JSON.stringify(declined.json));
    assert.ok(declined.json.length, 'the demo has a declined order');
    const order = declined.json[0];
    const offered = await api('GET', `/orders/${order.id}/alternatives`, { token: resident.token });
    assert.equal(offered.status, 200, JSON.stringify(offered.json));

    await logIn(page, PEOPLE.resident);
    await page.goto(`${BASE}/#/orders/${order.id}`);
    await page.locator('#alternatives').waitFor();
    if (offered.json.alternatives.length) {
      // The first one's quote comes before the rebooking button.
      const first = offered.json.alternatives[0];
      await page.locator(`[data-quote-alternative="${first.offering.id}"]`).click();
      await page.locator(`[data-rebook="${first.offering.id}"]`).waitFor();
      assert.match(await page.locator('#alternative-split-0 [data-split=copay]').textContent(), /¥/);
    } else {
      await page.locator('#alternatives .empty').waitFor();
    }
    await screenIsClean(page, context, 'alternatives to a declined order (zh-CN)');
  });
  await context.close();
});

test('a volunteer adds a skill and a weekly time to the profile, and a bad time is explained', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('volunteer-profile', browser, async () => {
    await logIn(page, PEOPLE.volunteer);
    await page.locator('nav a[href="#/profile"]').click();
    await page.locator('#profile-form').waitFor();
    assert.match(await page.locator('#profile-verification').textContent(), /已实名认证/);
    await screenIsClean(page, context, 'volunteer profile (zh-CN)');

    // A skill not yet ticked, and a Saturday morning.
    const skill = await page.locator('#profile-form input[name=skills]:not(:checked)').first().getAttribute('value');
    await page.locator(`#skill-${skill}`).check();
    const slots = await page.locator('#profile-form li[data-slot]').count();
    await page.locator('[data-add-slot]').click();
    await page.locator(`select[name="weekday-${slots}"]`).selectOption('6');
    await page.locator(`input[name="start-${slots}"]`).fill('08:30');
    await page.locator(`input[name="availability[${slots}]"]`).fill('10:45');
    await page.locator('#profile-form button[type=submit]').click();
    await page.locator('#profile-saved').waitFor();

    await page.reload();
    await page.locator('#profile-form').waitFor();
    assert.ok(await page.locator(`#skill-${skill}`).isChecked(), 'the skill was kept');
    assert.equal(await page.locator(`select[name="weekday-${slots}"]`).inputValue(), '6');
    assert.equal(await page.locator(`input[name="start-${slots}"]`).inputValue(), '08:30');
    assert.equal(await page.locator(`input[name="availability[${slots}]"]`).inputValue(), '10:45');
    assert.match(await page.locator('#profile-verification').textContent(), /已实名认证/, 'saving kept the verification');

    // A time that ends before it starts is explained beside its end, and nothing typed is lost.
    await page.locator('[data-add-slot]').click();
    const bad = slots + 1;
    await page.locator(`input[name="start-${bad}"]`).fill('15:00');
    await page.locator(`input[name="availability[${bad}]"]`).fill('14:00');
    await page.locator('#profile-form button[type=submit]').click();
    const end = page.locator(`input[name="availability[${bad}]"]`);
    const error = page.locator('#' + await end.getAttribute('id') + '-error');
    await error.waitFor();
    assert.match(await error.textContent(), /结束时间要晚于开始时间/);
    assert.equal(await end.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator(`input[name="start-${bad}"]`).inputValue(), '15:00');
    await screenIsClean(page, context, 'volunteer profile with a bad time (zh-CN)');
    await page.getByRole('button', { name: '大字模式' }).click();
    await screenIsClean(page, context, 'volunteer profile (zh-CN, elder mode)');
    await page.getByRole('button', { name: '大字模式' }).click();
  });
  await context.close();
});

/** A companionship need of the demo resident from `start` for `minutes`, through the API. */
async function residentNeed(start, minutes, description) {
  const resident = await sessionOnce(PEOPLE.resident);
  const posted = await api('POST', '/needs', {
    token: resident.token,
    body: {
      category_code: 'companionship', description, duration_minutes: Math.min(minutes, 60), headcount: 1,
      window_start: start.toISOString(), window_end: new Date(start.getTime() + minutes * 60000).toISOString(),
    },
  });
  assert.equal(posted.status, 201, JSON.stringify(posted.json));
  return posted.json;
}

/** `days` from today in Asia/Shanghai at `time` (HH:MM), as a Date. */
function shanghaiAt(days, time) {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() + days * 86400000));
  return new Date(`${day}T${time}:00+08:00`);
}

test('a volunteer sees the needs recommended to them with why, and claims one', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('recommended', browser, async () => {
    const need = await residentNeed(shanghaiAt(5, '10:00'), 60, `推荐测试 ${Date.now()}`);
    await logIn(page, PEOPLE.volunteer);
    await page.locator('a[href="#/open"]').first().click();
    const card = page.locator(`#recommended [data-recommended="${need.id}"]`);
    await card.waitFor();
    assert.match(await card.locator('.badge.match').textContent(), /匹配度 \d+%/);
    const reasons = await card.locator('.reason').allTextContents();
    assert.ok(reasons.length >= 1, 'at least one reason');
    assert.ok(reasons.some((r) => /同一网格|同一社区|陪伴|帮助过/.test(r)), `reasons in words: ${reasons.join(' / ')}`);
    assert.equal(await page.locator(`[data-claim="${need.id}"]`).count(), 1, 'listed once, among the recommended');
    await screenIsClean(page, context, 'recommended needs (zh-CN)');
    await page.getByRole('button', { name: /English/ }).click();
    await page.locator('html[lang=en] #main:not([aria-busy]) #recommended-h').waitFor();
    assert.match((await card.locator('.reason').allTextContents()).join(' '), /grid|community|skills|helped/i);
    await screenIsClean(page, context, 'recommended needs (en)');
    await page.getByRole('button', { name: 'Large text' }).click();
    await screenIsClean(page, context, 'recommended needs (en, elder mode)');
    await page.getByRole('button', { name: 'Large text' }).click();
    await card.locator(`[data-claim="${need.id}"]`).click();
    await page.locator('input[name=code]').waitFor();
    const seen = await api('GET', `/needs/${need.id}`, { token: (await sessionOnce(PEOPLE.volunteer)).token });
    assert.equal(seen.json.my_claim.status, 'assigned', JSON.stringify(seen.json.my_claim));
  });
  await context.close();
});

test('a volunteer accepts an offer dispatched to them and is reminded when it starts', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('accept-offer', browser, async () => {
    // A need starting in three hours, offered by community staff to the demo volunteer.
    const start = new Date(Math.ceil((Date.now() + 3 * 3600000) / 60000) * 60000);
    const need = await residentNeed(start, 60, `派单答复测试 ${Date.now()}`);
    const staff = await sessionOnce(PEOPLE.communityStaff);
    const volunteer = await sessionOnce(PEOPLE.volunteer);
    const dispatched = await api('POST', `/needs/${need.id}/offers`, {
      token: staff.token, body: { targets: [{ user_id: volunteer.user.id }], response_minutes: 60 },
    });
    assert.equal(dispatched.status, 201, JSON.stringify(dispatched.json));
    const offerId = dispatched.json[0].id;

    await logIn(page, PEOPLE.volunteer);
    await page.locator('.actions a[href="#/tasks"]').click();
    const card = page.locator(`#my-offers [data-offer="${offerId}"]`);
    await card.waitFor();
    assert.match(await card.locator('.deadline').textContent(), /前答复（北京时间）/);
    await screenIsClean(page, context, 'offers for me (zh-CN)');
    await card.locator(`[data-accept-offer="${offerId}"]`).click();
    await page.locator('#offers-notice', { hasText: '已接受' }).waitFor();
    const reminder = page.locator(`#upcoming [data-reminder="${need.id}"]`);
    await reminder.waitFor();
    assert.match(await reminder.textContent(), /小时后开始|明天 \d\d:\d\d 开始/);
    assert.equal(await page.locator(`#my-offers [data-offer="${offerId}"]`).count(), 0, 'answered offers leave the list');
    const offers = await api('GET', '/me/offers', { token: volunteer.token });
    assert.equal(offers.json.find((o) => o.offer.id === offerId).offer.status, 'accepted');
    await screenIsClean(page, context, 'my tasks with a reminder (zh-CN)');
    await page.getByRole('button', { name: /English/ }).click();
    await page.locator('html[lang=en] #main:not([aria-busy]) #upcoming').waitFor();
    assert.match(await page.locator(`#upcoming [data-reminder="${need.id}"]`).textContent(), /Starts (in \d+ h|tomorrow)/);
    await page.getByRole('button', { name: 'Large text' }).click();
    await screenIsClean(page, context, 'my tasks (en, elder mode)');
    await page.getByRole('button', { name: 'Large text' }).click();
  });
  await context.close();
});

test('staff dispatch a need to a volunteer team, whose leader accepts and assigns a member', async () => {
  const staffContext = await phone(browser);
  const leaderContext = await phone(browser);
  const staffPage = await staffContext.newPage();
  const leader = await leaderContext.newPage();
  await withScreenshots('dispatch-team', browser, async () => {
    const need = await residentNeed(shanghaiAt(6, '15:00'), 60, `派给队伍测试 ${Date.now()}`);
    const staff = await sessionOnce(PEOPLE.communityStaff);
    const teams = await api('GET', '/organizations?kind=volunteer_team&verified=true', { token: staff.token });
    const team = teams.json.find((o) => o.name_zh === '东关社区志愿服务队');
    assert.ok(team, `the demo team exists: ${JSON.stringify(teams.json)}`);
    const member = await sessionOnce(PEOPLE.teamMember);

    // Staff offer it to the team from the dispatch screen; the offer names the team.
    await logIn(staffPage, PEOPLE.communityStaff);
    await staffPage.goto(`${BASE}/#/staff/needs/${need.id}`);
    const choice = staffPage.locator(`#dispatch-organizations [data-organization="${team.id}"]`);
    await choice.waitFor();
    await screenIsClean(staffPage, staffContext, 'dispatch to organizations (zh-CN)');
    await choice.locator(`[data-dispatch-org="${team.id}"]`).click();
    await staffPage.locator('#dispatch-sent', { hasText: team.name_zh }).waitFor();
    const offered = staffPage.locator(`#offers [data-offer-organization="${team.id}"][data-offer-status=pending]`);
    await offered.waitFor();
    assert.match(await offered.textContent(), /东关社区志愿服务队/);
    await staffPage.getByRole('button', { name: /English/ }).click();
    await staffPage.locator(`html[lang=en] #main:not([aria-busy]) [data-dispatch-org="${team.id}"]`).waitFor();
    await screenIsClean(staffPage, staffContext, 'dispatch to organizations (en)');
    const offers = await api('GET', `/needs/${need.id}/offers`, { token: staff.token });
    const offerId = offers.json.find((o) => o.target_organization_id === team.id).id;

    // The team's admin accepts it and assigns a member, who then holds a place.
    await logIn(leader, PEOPLE.volunteer);
    await leader.goto(`${BASE}/#/tasks`);
    const card = leader.locator(`#my-offers [data-offer="${offerId}"]`);
    await card.waitFor();
    assert.match(await card.textContent(), /东关社区志愿服务队/);
    await card.locator(`[data-accept-offer="${offerId}"]`).click();
    const form = leader.locator(`form[data-assign-offer="${offerId}"]`);
    await form.locator(`[data-member="${member.user.id}"]`).waitFor();
    // Assigning nobody is explained beside the members.
    await form.locator('button[type=submit]').click();
    await form.locator('.field-error', { hasText: '请至少选一位成员' }).waitFor();
    await screenIsClean(leader, leaderContext, 'assign team members (zh-CN)');
    await form.locator(`[data-member="${member.user.id}"]`).check();
    await form.locator('button[type=submit]').click();
    await leader.locator('#offers-notice', { hasText: '已安排 1 位成员' }).waitFor();
    const seen = await api('GET', `/needs/${need.id}`, { token: staff.token });
    assert.equal(seen.json.assigned_count, 1);
    assert.ok(seen.json.claims.some((c) => c.helper_id === member.user.id && c.status === 'assigned'), JSON.stringify(seen.json.claims));
    await screenIsClean(leader, leaderContext, 'offers after assigning (zh-CN)');
  });
  await staffContext.close();
  await leaderContext.close();
});

test('community staff find a disputed volunteer task and adjust its minutes', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('need-dispute', browser, async () => {
    // A team member delivers a need; the resident disputes how long they stayed.
    const need = await residentNeed(shanghaiAt(7, '09:00'), 60, `异议测试 ${Date.now()}`);
    const helper = await sessionOnce(PEOPLE.teamMember);
    const resident = await sessionOnce(PEOPLE.resident);
    const claimed = await api('POST', `/needs/${need.id}/claims`, { token: helper.token, body: {} });
    assert.equal(claimed.status, 201, JSON.stringify(claimed.json));
    for (const step of ['check-in', 'check-out']) {
      const done = await api('POST', `/needs/${need.id}/${step}`, { token: helper.token, body: { code: need.check_code } });
      assert.equal(done.status, 200, `${step}: ${JSON.stringify(done.json)}`);
    }
    const disputed = await api('POST', `/needs/${need.id}/disputes`, { token: resident.token, body: { reason: '志愿者只待了十分钟' } });
    assert.equal(disputed.status, 201, JSON.stringify(disputed.json));

    await logIn(page, PEOPLE.communityStaff);
    await page.goto(`${BASE}/#/staff`);
    await page.locator('#staff-disputes-link').click();
    const card = page.locator(`#disputed-needs [data-disputed-need="${need.id}"]`);
    await card.waitFor();
    assert.match(await card.textContent(), /志愿者只待了十分钟/);
    assert.match(await card.textContent(), /居民提出/);
    await screenIsClean(page, context, 'disputed volunteer tasks (zh-CN)');

    // An adjustment without minutes is explained beside the minutes; the reason stays.
    const form = card.locator(`form[data-resolve-dispute="${disputed.json.id}"]`);
    await form.locator('[data-resolution=adjust]').check();
    await form.locator('textarea[name=reason]').fill('电话回访核实为 30 分钟');
    await form.locator('button[type=submit]').click();
    const minutes = form.locator('input[name=minutes]');
    await page.locator('#' + await minutes.getAttribute('id') + '-error', { hasText: '时长不正确' }).waitFor();
    assert.equal(await form.locator('textarea[name=reason]').inputValue(), '电话回访核实为 30 分钟', 'input kept');
    await minutes.fill('30');
    await form.locator('button[type=submit]').click();
    await page.locator('#dispute-notice', { hasText: '已调整为每人 30 分钟' }).waitFor();
    assert.equal(await page.locator(`[data-disputed-need="${need.id}"]`).count(), 0, 'resolved disputes leave the list');
    const after = await api('GET', `/needs/${need.id}`, { token: resident.token });
    assert.equal(after.json.status, 'completed');
    assert.equal(after.json.claims[0].minutes, 30);
    assert.equal(after.json.disputes[0].resolution, 'adjust');
    await screenIsClean(page, context, 'disputes after a decision (zh-CN)');
    await page.getByRole('button', { name: /English/ }).click();
    await page.locator('html[lang=en] #main:not([aria-busy]) #disputes-h').waitFor();
    await page.getByRole('button', { name: 'Large text' }).click();
    await screenIsClean(page, context, 'task disputes (en, elder mode)');
    await page.getByRole('button', { name: 'Large text' }).click();
  });
  await context.close();
});

test('a social organization admin finds an offer to the organization from the navigation and declines it', async () => {
  const context = await phone(browser);
  const page = await context.newPage();
  await withScreenshots('organization-offer', browser, async () => {
    const need = await residentNeed(shanghaiAt(8, '10:00'), 60, `派给社会组织测试 ${Date.now()}`);
    const staff = await sessionOnce(PEOPLE.communityStaff);
    const socialOrgs = await api('GET', '/organizations?kind=social_org&verified=true', { token: staff.token });
    const centre = socialOrgs.json.find((o) => o.name_zh === '汉台区阳光社工服务中心');
    assert.ok(centre, `the demo social organization exists: ${JSON.stringify(socialOrgs.json)}`);
    const dispatched = await api('POST', `/needs/${need.id}/offers`, {
      token: staff.token, body: { targets: [{ organization_id: centre.id }], response_minutes: 120 },
    });
    assert.equal(dispatched.status, 201, JSON.stringify(dispatched.json));
    const offerId = dispatched.json[0].id;

    // The social worker who runs the centre is no volunteer: the navigation still leads to its offers.
    await logIn(page, PEOPLE.socialWorker);
    await page.locator('#nav a[href="#/tasks"]').click();
    const card = page.locator(`#my-offers [data-offer="${offerId}"]`);
    await card.waitFor();
    assert.match(await card.textContent(), /汉台区阳光社工服务中心/);
    await screenIsClean(page, context, 'offers to a social organization (zh-CN)');
    await card.locator(`[data-decline-offer="${offerId}"]`).click();
    await page.locator('#offers-notice', { hasText: '已婉拒' }).waitFor();
    const offers = await api('GET', `/needs/${need.id}/offers`, { token: staff.token });
    assert.equal(offers.json.find((o) => o.id === offerId).status, 'declined');
  });
  await context.close();
});
