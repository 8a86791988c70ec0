// A volunteer's own profile: whether staff have verified the real name, the skills (from the
// managed list), the weekly times they are usually free, how far they travel and the languages
// they speak, and their credentials with expiry and whether staff have checked them. The real
// name and ID number are sent back as they are, since changing them asks for a new check.
import { get, post, put, h, t, field, bindForm, showOnField, replace, load, uid, currentLang, ApiError, ZONE, shanghaiToUtc } from '../core.js';

const RADII = ['grid', 'community', 'street'];
const KINDS = ['training', 'health_certificate', 'background_check'];
const MONDAY = Date.UTC(2024, 0, 1);

function minutes(clock) {
  const [hours, mins] = String(clock || '').split(':').map(Number);
  return (hours || 0) * 60 + (mins || 0);
}

function clock(minute) {
  const m = Math.max(0, Math.min(minute, 1439));
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

function dayName(weekday) {
  return new Intl.DateTimeFormat(currentLang(), { weekday: 'long', timeZone: 'UTC' })
    .format(new Date(MONDAY + (weekday - 1) * 86400000));
}

function dateOnly(iso) {
  return new Intl.DateTimeFormat(currentLang(), { timeZone: ZONE, year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(iso));
}

function skillName(skill) {
  return currentLang() === 'en' ? skill.name_en : skill.name_zh;
}

/** The profile, or an empty one when the volunteer has not filled it in yet. */
async function myProfile() {
  try {
    return await get('/me/volunteer-profile');
  } catch (error) {
    if (error instanceof ApiError && error.code === 'volunteer_not_found') {
      return { service_radius: 'community', languages: [], skills: [], availability: [], credentials: [] };
    }
    throw error;
  }
}

/** The weekly slots: one row each (weekday, start, end, remove), and a button to add one. */
function slotEditor(slots) {
  const list = h('ul', { class: 'plain slots' });
  const draw = (focusLast) => {
    replace(list, slots.map((slot, i) => {
      const day = h('select', { name: `weekday-${i}`, id: uid('weekday'), onchange: (e) => { slot.weekday = Number(e.target.value); } },
        [1, 2, 3, 4, 5, 6, 7].map((d) => h('option', { value: d, selected: d === slot.weekday }, dayName(d))));
      const start = h('input', { type: 'time', name: `start-${i}`, id: uid('start'), value: slot.start, required: true, onchange: (e) => { slot.start = e.target.value; } });
      const end = h('input', { type: 'time', name: `availability[${i}]`, id: uid('end'), value: slot.end, required: true, onchange: (e) => { slot.end = e.target.value; } });
      return h('li', { class: 'card slot', dataset: { slot: i } }, h('fieldset', {}, h('legend', {}, t('profile.slot_n', { n: i + 1 })),
        field(t('profile.slot_day'), day),
        h('div', { class: 'row' }, field(t('profile.slot_start'), start), field(t('profile.slot_end'), end)),
        h('button', {
          type: 'button', class: 'secondary',
          onclick: () => { slots.splice(i, 1); draw(false); addButton.focus(); },
        }, t('profile.slot_remove'))));
    }));
    if (!slots.length) list.append(h('li', { class: 'empty' }, t('profile.no_slots')));
    if (focusLast) list.querySelector('li:last-child select')?.focus();
  };
  const addButton = h('button', {
    type: 'button', class: 'secondary', 'data-add-slot': true,
    onclick: () => { slots.push({ weekday: 1, start: '09:00', end: '11:00' }); draw(true); },
  }, t('profile.slot_add'));
  draw(false);
  return h('fieldset', {}, h('legend', {}, t('profile.availability')), h('p', { class: 'hint' }, t('profile.availability_hint')), list, addButton);
}

function profileForm(profile, skills, saved) {
  const slots = profile.availability.map((s) => ({ weekday: s.weekday, start: clock(s.start_minute), end: s.end_minute >= 1440 ? '23:59' : clock(s.end_minute) }));
  const skillChecks = skills.map((skill) => {
    const id = `skill-${skill.code}`;
    return h('div', { class: 'check' },
      h('input', { type: 'checkbox', name: 'skills', value: skill.code, id, checked: profile.skills.includes(skill.code), 'aria-describedby': 'skills-error' }),
      h('label', { for: id }, skillName(skill)));
  });
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'profile-form-h', id: 'profile-form' },
    h('h2', { id: 'profile-form-h' }, t('profile.edit')),
    h('fieldset', { class: 'checks' }, h('legend', {}, t('profile.skills')), skillChecks,
      h('p', { class: 'field-error', id: 'skills-error', hidden: true })),
    slotEditor(slots),
    field(t('profile.radius'), h('select', { name: 'service_radius' },
      RADII.map((r) => h('option', { value: r, selected: r === profile.service_radius }, t(`profile.radius.${r}`))))),
    field(t('profile.languages'), h('input', { name: 'languages', maxlength: 230, value: profile.languages.join('、') }), t('profile.languages_hint')),
    field(t('profile.real_name'), h('input', { name: 'real_name', maxlength: 40, autocomplete: 'name', value: profile.real_name || '' }), t('profile.identity_hint')),
    field(t('profile.id_number'), h('input', { name: 'id_number', maxlength: 18, autocomplete: 'off', value: profile.id_number || '' })),
    h('button', { type: 'submit', class: 'primary' }, t('profile.save')));
  return bindForm(form, async (values) => {
    const body = {
      service_radius: values.service_radius,
      skills: new FormData(form).getAll('skills'),
      languages: String(values.languages || '').split(/[,，、;；]/).map((l) => l.trim()).filter(Boolean),
      availability: slots.map((s) => ({ weekday: s.weekday, start_minute: minutes(s.start), end_minute: minutes(s.end) })),
    };
    if (values.real_name?.trim()) body.real_name = values.real_name.trim();
    if (values.id_number?.trim()) body.id_number = values.id_number.trim();
    try {
      await put('/me/volunteer-profile', body);
    } catch (error) {
      // A slot's rule is explained beside that slot's end time, in words about times.
      const slotErrors = error instanceof ApiError ? error.errors.filter((e) => /^availability\[\d+\]$/.test(e.field)) : [];
      if (!slotErrors.length || slotErrors.length !== error.errors.length) throw error;
      for (const e of [...slotErrors].reverse()) {
        showOnField(form, e.field, t(`profile.slot_error.${e.code === 'overlap' ? 'overlap' : 'out_of_range'}`));
      }
      return;
    }
    saved();
  });
}

function credentialState(c) {
  if (c.valid) return ['', t('profile.credential_valid')];
  if (c.verified_at) return ['out', t('profile.credential_expired')];
  return ['', t('profile.credential_waiting')];
}

function credentials(list) {
  if (!list.length) return h('p', { class: 'empty' }, t('profile.no_credentials'));
  return h('ul', { class: 'needs', id: 'credentials' }, list.map((c) => {
    const [tone, state] = credentialState(c);
    return h('li', { class: 'need', dataset: { credential: c.id } },
      h('p', { class: 'need-title' }, c.title),
      h('p', {}, t(`credential.${c.kind}`)),
      h('p', { class: 'small' }, c.expires_at ? t('profile.expires', { when: dateOnly(c.expires_at) }) : t('profile.no_expiry')),
      h('p', { class: `status-line ${tone}`.trim() }, state));
  }));
}

function credentialForm(added) {
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'credential-form-h' },
    h('h2', { id: 'credential-form-h' }, t('profile.add_credential')),
    field(t('profile.credential_kind'), h('select', { name: 'kind' }, KINDS.map((k) => h('option', { value: k }, t(`credential.${k}`))))),
    field(t('profile.credential_title'), h('input', { name: 'title', maxlength: 100, required: true }), t('profile.credential_title_hint')),
    field(t('profile.credential_expires'), h('input', { name: 'expires_at', type: 'date' }), t('profile.credential_expires_hint')),
    h('button', { type: 'submit', class: 'primary' }, t('profile.add_credential')));
  return bindForm(form, async (values) => {
    const body = { kind: values.kind, title: values.title || '' };
    if (values.expires_at) body.expires_at = shanghaiToUtc(values.expires_at, '23:59');
    await post('/me/credentials', body);
    added();
  });
}

export function render(main) {
  const notice = h('div', { 'aria-live': 'polite' });
  const holder = h('div');
  main.append(h('h1', {}, t('nav.profile')), notice, holder);
  const draw = (message) => {
    replace(notice, message ? h('p', { class: 'status-line', id: 'profile-saved' }, message) : null);
    load(holder, () => Promise.all([myProfile(), get('/skills')]), ([profile, skills]) => {
      holder.append(
        h('p', { class: 'status-line', id: 'profile-verification' },
          profile.verified_at ? t('profile.verified', { when: dateOnly(profile.verified_at) }) : t('profile.unverified')),
        profileForm(profile, skills, () => draw(t('profile.saved'))),
        h('section', { 'aria-labelledby': 'credentials-h' },
          h('h2', { id: 'credentials-h' }, t('profile.credentials')),
          credentials(profile.credentials || []),
          credentialForm(() => draw(t('profile.credential_added')))));
    });
  };
  draw();
}
