// The communities a staff member looks after (where they are community staff, a social worker
// or an admin), and a labelled picker for them, shared by the catalogue and policy screens.
import { get, h, t, field, account, currentLang } from '../core.js';

const MANAGERS = ['social_worker', 'community_staff', 'street_admin', 'platform_admin'];

/** The communities at or below the areas the account manages, by name. */
export async function staffCommunities() {
  const areas = await get('/areas');
  const held = (account()?.roles || []).filter((r) => MANAGERS.includes(r.role));
  const all = held.some((r) => r.role === 'platform_admin');
  const roots = new Set(held.map((r) => r.area_id));
  const byId = new Map(areas.map((a) => [a.id, a]));
  return areas.filter((area) => {
    if (area.level !== 'community') return false;
    if (all) return true;
    for (let at = area; at; at = byId.get(at.parent_id)) if (roots.has(at.id)) return true;
    return false;
  });
}

/** A labelled select of `communities`; `onChange` runs when another one is chosen. */
export function communityPicker(communities, onChange) {
  const select = h('select', { name: 'community' }, communities.map((c) => h('option', { value: c.id }, currentLang() === 'en' ? c.name_en : c.name_zh)));
  select.addEventListener('change', onChange);
  return h('div', { class: 'card' }, field(t('catalogue.community'), select));
}
