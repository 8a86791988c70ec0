// Staff catalogue: a community's rewards (withdrawn ones too), a form to offer a new one, and
// a way to withdraw or offer again; the community's points policy lives at #/staff/policy.
// Admins of a charity (or provider, or social organization) offer their own rewards in the
// communities their organization serves.
import { get, post, call, h, t, field, bindForm, replace, load, number, currentLang, alertBox, isStaff, myOrganizations } from '../core.js';
import { staffCommunities } from './staff-areas.js';

/** Where rewards may be offered: each community staff look after, and each (organization, community) an admin's organization serves. */
async function places() {
  const [staff, areas] = await Promise.all([isStaff() ? staffCommunities() : [], get('/areas')]);
  const name = (a) => (currentLang() === 'en' ? a.name_en : a.name_zh);
  const list = staff.map((c) => ({ community: c.id, label: name(c) }));
  for (const org of myOrganizations(['charity', 'provider', 'social_org'], ['admin'])) {
    const orgName = currentLang() === 'en' && org.name_en ? org.name_en : org.name_zh;
    for (const id of org.service_area_ids) {
      const area = areas.find((a) => a.id === id);
      if (area) list.push({ community: id, organization: org.id, label: t('catalogue.as_organization', { community: name(area), organization: orgName }) });
    }
  }
  return list;
}

function placePicker(list, onChange) {
  const select = h('select', { name: 'community' }, list.map((p, i) => h('option', { value: i }, p.label)));
  select.addEventListener('change', onChange);
  return h('div', { class: 'card' }, field(t('catalogue.community'), select));
}

function rewardRow(reward, redraw) {
  const name = currentLang() === 'en' && reward.title_en ? reward.title_en : reward.title_zh;
  const slot = h('div', { 'aria-live': 'assertive' });
  const toggle = h('button', { type: 'button', class: 'secondary', 'aria-label': t(reward.active ? 'catalogue.withdraw_named' : 'catalogue.offer_again_named', { name }) },
    t(reward.active ? 'catalogue.withdraw' : 'catalogue.offer_again'));
  toggle.addEventListener('click', async () => {
    toggle.disabled = true;
    try {
      await call('PATCH', `/rewards/${reward.id}`, { body: { active: !reward.active } });
      redraw();
    } catch (error) {
      replace(slot, alertBox(error, () => toggle.click()));
      toggle.disabled = false;
    }
  });
  return h('li', { class: 'need', 'data-reward': reward.id },
    h('p', { class: 'need-title' }, name, ' ', reward.active ? null : h('span', { class: 'badge' }, t('catalogue.withdrawn'))),
    h('p', {}, t('rewards.cost', { points: number(reward.points_cost) }), ' · ',
      reward.stock === null || reward.stock === undefined ? t('catalogue.unlimited') : t('rewards.stock', { n: number(reward.stock) })),
    h('div', { class: 'buttons' }, toggle), slot);
}

function createForm(community, organization, redraw) {
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'new-reward-h' },
    h('h2', { id: 'new-reward-h' }, t('catalogue.new')),
    field(t('catalogue.title_zh'), h('input', { name: 'title_zh', required: true, maxlength: 64 })),
    field(t('catalogue.title_en'), h('input', { name: 'title_en', maxlength: 128, lang: 'en' })),
    field(t('catalogue.description_zh'), h('textarea', { name: 'description_zh', rows: 3, maxlength: 2000 })),
    field(t('catalogue.kind'), h('select', { name: 'kind' },
      h('option', { value: 'item' }, t('catalogue.kind.item')), h('option', { value: 'service' }, t('catalogue.kind.service')))),
    h('div', { class: 'row' },
      field(t('catalogue.points_cost'), h('input', { name: 'points_cost', type: 'number', min: 1, inputmode: 'numeric', required: true })),
      field(t('catalogue.stock'), h('input', { name: 'stock', type: 'number', min: 0, inputmode: 'numeric' }), t('catalogue.stock_hint'))),
    h('button', { type: 'submit', class: 'primary' }, t('catalogue.create')));
  return bindForm(form, async (values) => {
    await post('/rewards', {
      community_id: community,
      organization_id: organization,
      kind: values.kind,
      title_zh: values.title_zh,
      title_en: values.title_en || undefined,
      description_zh: values.description_zh || '',
      points_cost: Number(values.points_cost) || 0,
      stock: values.stock === '' ? undefined : Number(values.stock),
    });
    form.reset();
    redraw();
  });
}

export async function render(main) {
  const list = h('section', { 'aria-labelledby': 'catalogue-h' });
  const formHolder = h('div');
  main.append(h('h1', {}, t('nav.catalogue')));
  if (isStaff()) main.append(h('p', {}, h('a', { href: '#/staff/policy' }, t('catalogue.policy_link'))));
  const communities = await places();
  if (!communities.length) { main.append(h('p', { class: 'empty' }, t('dashboard.no_areas'))); return; }
  const picker = placePicker(communities, () => show());
  main.append(picker, formHolder, list);
  const show = () => {
    const { community, organization } = communities[Number(picker.querySelector('select').value)];
    const redraw = () => load(list, () => get('/rewards', { community_id: community }), (rewards) => {
      list.append(h('h2', { id: 'catalogue-h' }, t('catalogue.rewards')),
        rewards.length ? h('ul', { class: 'needs' }, rewards.map((r) => rewardRow(r, redraw))) : h('p', { class: 'empty' }, t('rewards.none')));
    });
    replace(formHolder, createForm(community, organization, redraw));
    redraw();
  };
  show();
}
