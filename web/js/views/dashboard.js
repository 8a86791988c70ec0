// Community dashboard: an area's figures over a period — needs by status and category, how long
// needs waited, volunteer hours, points issued, redeemed and expired — as charts the server
// draws in SVG (fetched with the token and shown as images, so no script runs from them), the
// same figures as tables, and the CSV report to download.
import { get, fetchBlob, h, t, field, bindForm, replace, number, currentLang, account, todayInShanghai, alertBox } from '../core.js';

const READERS = ['social_worker', 'grid_worker', 'community_staff', 'street_admin', 'platform_admin'];
const BUCKETS = ['day', 'week', 'month'];
let objectUrls = [];

/** The areas the account may read: those its reader roles are held on, and everything below. */
function readableAreas(areas) {
  const held = (account()?.roles || []).filter((r) => READERS.includes(r.role));
  if (held.some((r) => r.role === 'platform_admin')) return areas;
  const roots = new Set(held.map((r) => r.area_id));
  const byId = new Map(areas.map((a) => [a.id, a]));
  return areas.filter((area) => {
    for (let at = area; at; at = byId.get(at.parent_id)) if (roots.has(at.id)) return true;
    return false;
  });
}

const name = (thing) => (currentLang() === 'en' ? thing.name_en : thing.name_zh);

/** Seconds as minutes or hours, or a dash when there is no figure. */
function waited(seconds) {
  if (seconds === null || seconds === undefined) return t('dashboard.none');
  if (seconds < 3600) return t('dashboard.minutes', { n: Math.round(seconds / 60) });
  return t('dashboard.hours_value', { n: (seconds / 3600).toFixed(1) });
}

function stat(value, label, id) {
  return h('div', { class: 'stat' }, h('span', { class: 'stat-value', id }, value), h('span', {}, label));
}

function table(label, headers, rows) {
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': label },
    h('table', {},
      h('thead', {}, h('tr', {}, headers.map((text, i) => h('th', { scope: 'col', class: i ? 'num' : undefined }, text)))),
      h('tbody', {}, rows.map(([first, ...rest]) => h('tr', {},
        h('th', { scope: 'row' }, first), rest.map((cell) => h('td', { class: 'num' }, cell)))))));
}

/** One chart: fetched as SVG with the token, shown as an image described by its alt text. */
function chart(kind, query, area, alt) {
  const figure = h('figure', { class: 'chart', 'data-chart': kind },
    h('figcaption', {}, t(`dashboard.chart.${kind}`)),
    h('p', { class: 'loading', role: 'status' }, t('status.loading')));
  fetchBlob(`/areas/${area}/charts/${kind}`, { ...query, lang: currentLang() })
    .then((blob) => {
      const url = URL.createObjectURL(blob);
      objectUrls.push(url);
      figure.querySelector('.loading')?.replaceWith(h('img', { src: url, alt, width: 640, height: 320 }));
    })
    .catch((error) => figure.querySelector('.loading')?.replaceWith(alertBox(error)));
  return figure;
}

async function download(area, query, code, slot) {
  replace(slot);
  try {
    const blob = await fetchBlob(`/areas/${area}/report.csv`, query);
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: `linli-${code}-${query.from}-${query.to}.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) {
    replace(slot, alertBox(error, () => download(area, query, code, slot)));
  }
}

function draw(results, stats, query) {
  objectUrls.forEach((url) => URL.revokeObjectURL(url));
  objectUrls = [];
  const area = stats.area.id;
  const points = stats.points;
  const slot = h('div', { 'aria-live': 'assertive' });
  const unmet = stats.top_unmet.map((c) => [name(c.category), number(c.unmet), number(c.needs)]);
  const summary = [t('dashboard.alt.needs', { n: stats.needs }), t('dashboard.alt.unmet', { n: stats.top_unmet.reduce((s, c) => s + c.unmet, 0) })].join(' ');
  replace(results,
    h('h2', { id: 'figures-h' }, t('dashboard.figures', { area: name(stats.area), from: stats.period.from, to: stats.period.to })),
    h('div', { class: 'summary' },
      stat(number(stats.needs), t('dashboard.needs'), 'stat-needs'),
      stat(waited(stats.timing.median_seconds_to_claim), t('dashboard.to_claim')),
      stat(waited(stats.timing.median_seconds_to_complete), t('dashboard.to_complete')),
      stat(stats.volunteering.hours, t('dashboard.volunteer_hours')),
      points ? stat(number(points.issued), t('dashboard.points_issued')) : null,
      points ? stat(number(points.redeemed), t('dashboard.points_redeemed')) : null,
      points ? stat(number(points.expired), t('dashboard.points_expired')) : null),
    h('div', { class: 'buttons' },
      h('button', { type: 'button', class: 'secondary', id: 'download-report', onclick: () => download(area, query, stats.area.code, slot) }, t('dashboard.download'))),
    slot,
    chart('needs_over_time', query, area, `${t('dashboard.chart.needs_over_time')}. ${summary}`),
    chart('needs_by_category', query, area, `${t('dashboard.chart.needs_by_category')}. ${summary}`),
    points ? chart('points', query, area, `${t('dashboard.chart.points')}. ${t('dashboard.alt.points', points)}`) : null,
    h('h3', {}, t('dashboard.by_status')),
    table(t('dashboard.by_status'), [t('dashboard.status'), t('dashboard.needs')],
      stats.by_status.map((s) => [t(`status.${s.status}`), number(s.needs)])),
    h('h3', {}, t('dashboard.top_unmet')),
    unmet.length
      ? table(t('dashboard.top_unmet'), [t('dashboard.category'), t('dashboard.unmet'), t('dashboard.needs')], unmet)
      : h('p', { class: 'empty' }, t('dashboard.no_unmet')));
}

export async function render(main) {
  const results = h('section', { 'aria-labelledby': 'figures-h' });
  const holder = h('div');
  main.append(h('h1', {}, t('nav.dashboard')), h('p', { class: 'lead' }, t('dashboard.lead')), holder, results);
  let areas;
  try {
    areas = readableAreas(await get('/areas'));
  } catch (error) {
    replace(holder, alertBox(error, () => { replace(main); render(main); }));
    return;
  }
  if (!areas.length) {
    holder.append(h('p', { class: 'empty' }, t('dashboard.no_areas')));
    return;
  }
  const form = h('form', { class: 'card', novalidate: true, 'aria-label': t('dashboard.choose') },
    field(t('dashboard.area'), h('select', { name: 'area' }, areas.map((a) => h('option', { value: a.id }, `${name(a)} (${t(`level.${a.level}`)})`)))),
    h('div', { class: 'row' },
      field(t('dashboard.from'), h('input', { name: 'from', type: 'date', value: todayInShanghai(-29), required: true })),
      field(t('dashboard.to'), h('input', { name: 'to', type: 'date', value: todayInShanghai(), required: true }))),
    field(t('dashboard.bucket'), h('select', { name: 'bucket' }, BUCKETS.map((b) => h('option', { value: b }, t(`dashboard.bucket.${b}`))))),
    h('button', { type: 'submit', class: 'primary' }, t('dashboard.show')));
  holder.append(form);
  bindForm(form, async (values) => {
    const query = { from: values.from, to: values.to, bucket: values.bucket };
    const stats = await get(`/areas/${values.area}/stats`, query);
    draw(results, stats, query);
  }, { fieldFor: { invalid_period: 'from', period_too_long: 'from', invalid_bucket: 'bucket', area_not_found: 'area', forbidden: 'area' } });
  form.requestSubmit();
}
