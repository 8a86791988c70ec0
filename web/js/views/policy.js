// A community's points policy: the version in force, announced ones, and a form that appends a
// new version from a date (earlier versions never change, so points keep the rules they were
// earned under).
import { get, put, h, t, field, bindForm, replace, load, number, todayInShanghai } from '../core.js';
import { staffCommunities, communityPicker } from './staff-areas.js';

const OPTIONAL = ['daily_cap', 'balance_cap', 'expiry_months', 'elder_redemption_age', 'honour_hours_yearly_cap'];

function terms(v) {
  const shown = (value) => (value === null || value === undefined ? t('policy.no_limit') : number(value));
  return h('dl', { class: 'facts' },
    h('dt', {}, t('policy.points_per_hour')), h('dd', { id: 'policy-points-per-hour' }, number(v.terms.points_per_hour)),
    h('dt', {}, t('policy.urgent_bonus_percent')), h('dd', {}, `${number(v.terms.urgent_bonus_percent)}%`),
    OPTIONAL.map((key) => [h('dt', {}, t(`policy.${key}`)), h('dd', {}, shown(v.terms[key]))]),
    h('dt', {}, t('policy.relative_transfers_allowed')), h('dd', {}, t(v.terms.relative_transfers_allowed ? 'policy.yes' : 'policy.no')),
    h('dt', {}, t('policy.effective_from')), h('dd', {}, v.effective_from || t('policy.default')));
}

function form(community, current, redraw) {
  const numberField = (name, min, max, value) => field(t(`policy.${name}`),
    h('input', { name, type: 'number', min, max, inputmode: 'numeric', value: value ?? '' }), OPTIONAL.includes(name) ? t('policy.empty_no_limit') : undefined);
  const f = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'policy-new-h' },
    h('h2', { id: 'policy-new-h' }, t('policy.new')),
    field(t('policy.effective_from'), h('input', { name: 'effective_from', type: 'date', value: todayInShanghai(1), required: true })),
    numberField('points_per_hour', 1, 1000, current.points_per_hour),
    numberField('urgent_bonus_percent', 0, 200, current.urgent_bonus_percent),
    OPTIONAL.map((key) => numberField(key, 0, undefined, current[key])),
    h('div', { class: 'check' },
      h('input', { type: 'checkbox', name: 'relative_transfers_allowed', id: 'policy-relatives', checked: current.relative_transfers_allowed }),
      h('label', { for: 'policy-relatives' }, t('policy.relative_transfers_allowed'))),
    h('button', { type: 'submit', class: 'primary' }, t('policy.save')));
  return bindForm(f, async (values) => {
    const optional = (name) => (values[name] === '' || values[name] === undefined ? null : Number(values[name]));
    await put(`/areas/${community}/points-policy`, {
      effective_from: values.effective_from,
      terms: {
        points_per_hour: Number(values.points_per_hour) || 0,
        urgent_bonus_percent: Number(values.urgent_bonus_percent) || 0,
        ...Object.fromEntries(OPTIONAL.map((key) => [key, optional(key)])),
        relative_transfers_allowed: values.relative_transfers_allowed === 'on',
      },
    });
    redraw(t('policy.saved'));
  }, { fieldFor: { policy_date_taken: 'effective_from' } });
}

export async function render(main) {
  const notice = h('div', { 'aria-live': 'polite' });
  const holder = h('div');
  main.append(h('h1', {}, t('nav.policy')));
  const communities = await staffCommunities();
  if (!communities.length) { main.append(h('p', { class: 'empty' }, t('dashboard.no_areas'))); return; }
  const picker = communityPicker(communities, () => draw());
  main.append(picker, notice, holder);
  const draw = (message) => {
    replace(notice, message ? h('p', { class: 'status-line', id: 'policy-saved' }, message) : null);
    const community = Number(picker.querySelector('select').value);
    load(holder, () => get(`/areas/${community}/points-policy`), (policy) => {
      holder.append(
        h('h2', {}, t('policy.in_force', { version: policy.in_force.version })), terms(policy.in_force),
        policy.versions.length > 1 || (policy.versions[0] && policy.versions[0].version !== policy.in_force.version)
          ? [h('h2', {}, t('policy.versions')), h('ul', { class: 'plain' }, policy.versions.map((v) => h('li', {}, t('policy.version_line', { version: v.version, from: v.effective_from || t('policy.default'), rate: number(v.terms.points_per_hour) }))))]
          : null,
        form(community, policy.in_force.terms, draw));
    });
  };
  draw();
}
