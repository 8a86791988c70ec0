// The app shell: language, elder-friendly mode, the signed-in account, the navigation for the
// roles it holds, and a hash router that loads one module per screen on demand.
import { get, onUnauthorized, call, h, replace, loadLang, t, currentLang, languages, account, setAccount, token, signOutLocally, isStaff, isVolunteer, holds, alertBox, memberships, setMemberships, myOrganizations } from './core.js';

/** Screens: a pattern of the fragment, the module that draws it, and whether it needs a session. */
const ROUTES = [
  { path: '/login', view: './views/login.js', open: true },
  { path: '/signup', view: './views/signup.js', open: true },
  { path: '/', view: './views/home.js' },
  { path: '/needs/new', view: './views/need-new.js' },
  { path: '/needs', view: './views/needs-mine.js' },
  { path: '/needs/:id', view: './views/need-detail.js' },
  { path: '/notifications', view: './views/notifications.js' },
  { path: '/points', view: './views/points.js' },
  { path: '/open', view: './views/open-needs.js' },
  { path: '/tasks', view: './views/tasks.js' },
  { path: '/profile', view: './views/profile.js' },
  { path: '/staff', view: './views/staff.js' },
  { path: '/staff/proxy', view: './views/need-new.js', proxy: true },
  { path: '/staff/needs/:id', view: './views/dispatch.js' },
  { path: '/staff/disputes', view: './views/staff-disputes.js' },
  { path: '/dashboard', view: './views/dashboard.js' },
  { path: '/staff/verify', view: './views/verify.js' },
  { path: '/staff/rewards', view: './views/catalogue.js' },
  { path: '/staff/policy', view: './views/policy.js' },
  { path: '/staff/orders', view: './views/staff-orders.js' },
  { path: '/staff/settlements', view: './views/staff-settlements.js' },
  { path: '/staff/settlements/:id', view: './views/staff-settlements.js' },
  { path: '/staff/claims/:id', view: './views/subsidy-claim.js' },
  { path: '/rewards', view: './views/rewards.js' },
  { path: '/services', view: './views/services.js' },
  { path: '/services/:id', view: './views/book.js' },
  { path: '/orders', view: './views/orders.js' },
  { path: '/orders/:id', view: './views/order.js' },
  { path: '/provider', view: './views/provider.js' },
  { path: '/provider/offerings', view: './views/offerings.js' },
  { path: '/provider/settlements', view: './views/settlements.js' },
  { path: '/provider/settlements/:id', view: './views/settlements.js' },
  { path: '/org/partner', view: './views/partner.js' },
];

const ELDER = 'linli.elder';

/** Roles that verify people and run a community's catalogue and points policy. */
const MANAGERS = ['social_worker', 'community_staff', 'street_admin', 'platform_admin'];

/** Roles that look after a community's paid orders (and decide their disputes). */
const OVERSEERS = ['community_staff', 'street_admin', 'platform_admin'];

/** Organizations that take dispatched needs, and the members who answer for them. */
const TAKERS = ['volunteer_team', 'social_org'];
const LEADERS = ['admin', 'leader'];

/** Roles that approve and pay providers' settlements and read subsidy claims. */
const FUNDERS = ['street_admin', 'platform_admin'];

function match(fragment) {
  const path = fragment.replace(/^#/, '').split('?')[0] || '/';
  for (const route of ROUTES) {
    const names = [];
    const pattern = new RegExp(`^${route.path.replace(/:(\w+)/g, (_, name) => { names.push(name); return '([^/]+)'; })}$`);
    const found = path.match(pattern);
    if (found) {
      const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      return { route, params };
    }
  }
  return null;
}

/** Goes to a screen. */
export function go(path) {
  if (location.hash === `#${path}`) {
    render();
  } else {
    location.hash = path;
  }
}

function setElder(on) {
  document.documentElement.classList.toggle('elder', on);
  localStorage.setItem(ELDER, on ? '1' : '0');
}

function drawTools() {
  const tools = document.getElementById('tools');
  const elderOn = document.documentElement.classList.contains('elder');
  const other = languages().find((l) => l !== currentLang());
  replace(tools,
    h('button', {
      type: 'button', class: 'tool', lang: other, 'aria-label': t('lang.switch_to'),
      onclick: async () => { await loadLang(other); drawChrome(); render(); },
    }, t(`lang.name.${other}`)),
    h('button', {
      type: 'button', class: 'tool', 'aria-pressed': String(elderOn),
      onclick: () => { setElder(!document.documentElement.classList.contains('elder')); drawTools(); },
    }, t('elder.toggle')),
    account() && h('button', {
      type: 'button', class: 'tool', onclick: async () => {
        try { await call('DELETE', '/sessions/current', { cookies: true }); } catch { /* the session ends here anyway */ }
        signOutLocally(); drawChrome(); go('/login');
      },
    }, t('action.logout')));
}

function drawNav() {
  const nav = document.getElementById('nav');
  if (!account()) { nav.hidden = true; replace(nav); return; }
  const links = [['/', 'nav.home'], ['/needs', 'nav.my_needs']];
  if (isVolunteer()) links.push(['/open', 'nav.open_needs'], ['/tasks', 'nav.tasks'], ['/profile', 'nav.profile']);
  else if (myOrganizations(TAKERS, LEADERS).length) links.push(['/tasks', 'nav.tasks']);
  if (isStaff()) links.push(['/staff', 'nav.staff'], ['/dashboard', 'nav.dashboard']);
  if (MANAGERS.some(holds)) links.push(['/staff/verify', 'nav.verify'], ['/staff/rewards', 'nav.catalogue']);
  else if (myOrganizations(['charity'], ['admin']).length) links.push(['/staff/rewards', 'nav.catalogue']);
  links.push(['/services', 'nav.services'], ['/orders', 'nav.orders']);
  if (OVERSEERS.some(holds)) links.push(['/staff/orders', 'nav.staff_orders']);
  if (FUNDERS.some(holds)) links.push(['/staff/settlements', 'nav.staff_settlements']);
  if (myOrganizations(['provider']).length) links.push(['/provider', 'nav.provider']);
  if (myOrganizations([], ['admin']).length) links.push(['/org/partner', 'nav.partner']);
  links.push(['/points', 'nav.points'], ['/rewards', 'nav.rewards'], ['/notifications', 'nav.notifications']);
  nav.setAttribute('aria-label', t('nav.label'));
  const here = (location.hash.replace(/^#/, '') || '/').split('?')[0];
  replace(nav, h('ul', {}, links.map(([path, key]) => h('li', {},
    h('a', { href: `#${path}`, 'aria-current': here === path ? 'page' : undefined }, t(key))))));
  nav.hidden = false;
}

function drawChrome() {
  document.querySelector('.brand').textContent = t('app.name');
  drawTools();
  drawNav();
}

let looking = null;

/**
 * Looks up, once per session, which organizations the account belongs to (`mine=true` lists
 * them with `my_role`), so the navigation can offer provider and partner screens.
 */
export function refreshMemberships() {
  looking ||= (async () => {
    const found = await get('/organizations', { mine: true, limit: 200 });
    setMemberships(found);
    drawNav();
  })().catch(() => { /* tried again next session */ }).finally(() => { looking = null; });
  return looking;
}

let rendering = 0;

/** Draws the screen for the current fragment. */
export async function render() {
  const main = document.getElementById('main');
  const found = match(location.hash);
  if (!found) { go('/'); return; }
  if (!found.route.open && !token()) { go('/login'); return; }
  const mine = ++rendering;
  // Busy until this screen is drawn: assistive technology (and the browser tests) can tell a
  // screen being replaced from a finished one.
  main.setAttribute('aria-busy', 'true');
  try {
    // Memberships are read beside the account, not after the screen: provider, partner and
    // leader screens decide from them what to show, and a link opened straight after sign-in
    // must not find them still unknown.
    const [module] = await Promise.all([
      import(found.route.view),
      !found.route.open && !account() ? get('/me').then(setAccount) : null,
      !found.route.open && memberships() === null ? refreshMemberships() : null,
    ]);
    drawChrome();
    if (mine !== rendering) return;
    replace(main);
    await module.render(main, { ...found.params, proxy: Boolean(found.route.proxy) });
    if (mine === rendering) {
      main.removeAttribute('aria-busy');
      main.querySelector('h1')?.setAttribute('tabindex', '-1');
      if (document.activeElement === document.body || !main.contains(document.activeElement)) {
        main.querySelector('h1')?.focus({ preventScroll: true });
      }
    }
  } catch (error) {
    if (mine !== rendering) return;
    main.removeAttribute('aria-busy');
    replace(main, h('h1', {}, t('app.name')), alertBox(error, render));
  }
}

async function boot() {
  setElder(localStorage.getItem(ELDER) === '1');
  await loadLang();
  onUnauthorized(() => { signOutLocally(); drawChrome(); go('/login'); });
  window.addEventListener('hashchange', render);
  drawChrome();
  if (token() && account()) {
    get('/me').then((fresh) => { setAccount(fresh); drawChrome(); }).catch(() => { /* a 401 signs out */ });
  }
  await render();
}

boot();
