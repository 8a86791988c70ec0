// Post a need in three steps — what, when, details — on one form, so going back and forth (or
// a failed send) never loses what was entered. Staff reach it as "post for a resident" (proxy).
import { get, post, ApiError, h, field, replace, t, currentLang, bindForm, load, todayInShanghai, shanghaiToUtc } from '../core.js';
import { go } from '../app.js';
import { loadCategories } from './common.js';

/** Which step holds each control, to show the step a server error concerns. */
const STEP_OF = {
  resident_id: 0, category_code: 0, date: 1, window_start: 1, window_end: 1, duration_minutes: 1,
  description: 2, headcount: 2, address: 2, urgent: 2,
};

function categoryStep(categories) {
  const offered = categories.filter((c) => c.mode !== 'paid');
  const name = (c) => (currentLang() === 'en' ? c.name_en : c.name_zh);
  return h('fieldset', { class: 'choices', 'aria-describedby': 'category_code-error' },
    h('legend', {}, t('post.step_what')),
    offered.map((c) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name: 'category_code', value: c.code, required: true, id: `cat-${c.code}` }),
      h('span', {}, name(c)))),
    h('p', { class: 'field-error', id: 'category_code-error', hidden: true }));
}

function whenStep() {
  const durations = [30, 60, 90, 120, 180, 240];
  return h('fieldset', {},
    h('legend', {}, t('post.step_when')),
    field(t('field.date'), h('input', { name: 'date', type: 'date', required: true, value: todayInShanghai(1), min: todayInShanghai(0) })),
    h('div', { class: 'row' },
      field(t('field.from'), h('input', { name: 'window_start', type: 'time', required: true, value: '09:00' })),
      field(t('field.to'), h('input', { name: 'window_end', type: 'time', required: true, value: '11:00' }))),
    field(t('field.duration'), h('select', { name: 'duration_minutes' },
      durations.map((m) => h('option', { value: m, selected: m === 60 }, t('post.minutes', { minutes: m }))))),
    h('p', { class: 'hint' }, t('post.timezone')));
}

function detailsStep(proxy) {
  return h('fieldset', {},
    h('legend', {}, t('post.step_details')),
    field(t('field.description'), h('textarea', { name: 'description', rows: 4, maxlength: 500, required: true }), t('post.description_hint')),
    field(t('field.headcount'), h('input', { name: 'headcount', type: 'number', min: 1, max: 50, value: 1, inputmode: 'numeric' })),
    field(t('field.address'), h('input', { name: 'address', autocomplete: proxy ? 'off' : 'street-address', maxlength: 200 }), t('post.address_hint')),
    h('div', { class: 'check' },
      h('input', { type: 'checkbox', name: 'urgent', id: 'urgent', value: '1' }),
      h('label', { for: 'urgent' }, t('post.urgent'))));
}

function residentStep() {
  const found = h('p', { class: 'hint', 'aria-live': 'polite' });
  const input = h('input', { name: 'resident_id', type: 'number', min: 1, required: true, inputmode: 'numeric' });
  input.addEventListener('change', async () => {
    replace(found);
    if (!input.value) return;
    try {
      const resident = await get(`/residents/${Number(input.value)}`);
      replace(found, t('proxy.resident_found', { name: resident.display_name }));
    } catch (error) {
      replace(found, error instanceof ApiError && error.status === 404 ? t('problem.resident_not_found') : t('network.failed'));
    }
  });
  return h('div', {}, field(t('field.resident_id'), input, t('proxy.resident_hint')), found);
}

export function render(main, { proxy }) {
  main.append(h('h1', {}, t(proxy ? 'staff.proxy' : 'home.post_need')));
  const holder = h('div');
  main.append(holder);
  load(holder, loadCategories, (categories) => {
    const steps = [
      h('div', { class: 'step' }, proxy ? residentStep() : null, categoryStep(categories)),
      h('div', { class: 'step' }, whenStep()),
      h('div', { class: 'step' }, detailsStep(proxy)),
    ];
    const progress = h('p', { class: 'progress', 'aria-live': 'polite' });
    const back = h('button', { type: 'button', class: 'secondary' }, t('action.back'));
    const next = h('button', { type: 'button', class: 'primary' }, t('action.next'));
    const send = h('button', { type: 'submit', class: 'primary' }, t('action.post'));
    const form = h('form', { class: 'card', novalidate: true }, progress, steps, h('div', { class: 'buttons' }, back, next, send));
    let current = 0;
    const show = (index) => {
      current = index;
      steps.forEach((step, i) => { step.hidden = i !== index; });
      back.hidden = index === 0;
      next.hidden = index === steps.length - 1;
      send.hidden = index !== steps.length - 1;
      progress.textContent = t('post.progress', { step: index + 1, steps: steps.length });
      steps[index].querySelector('input, select, textarea')?.focus();
    };
    const stepValid = () => {
      if (current === 0 && !form.querySelector('input[name=category_code]:checked')) {
        const slot = document.getElementById('category_code-error');
        slot.textContent = t('post.pick_category');
        slot.hidden = false;
        form.querySelector('input[name=category_code]')?.focus();
        return false;
      }
      document.getElementById('category_code-error').hidden = true;
      return true;
    };
    back.addEventListener('click', () => show(Math.max(0, current - 1)));
    next.addEventListener('click', () => { if (stepValid()) show(current + 1); });
    bindForm(form, async (values) => {
      const body = {
        category_code: values.category_code,
        description: (values.description || '').trim(),
        window_start: shanghaiToUtc(values.date, values.window_start),
        window_end: shanghaiToUtc(values.date, values.window_end),
        duration_minutes: Number(values.duration_minutes),
        headcount: Number(values.headcount) || 1,
        urgency: values.urgent === '1' ? 'urgent' : 'normal',
        mode: 'volunteer',
      };
      if (values.address && values.address.trim()) body.address = values.address.trim();
      if (proxy) body.resident_id = Number(values.resident_id) || 0;
      try {
        const need = await post('/needs', body);
        go(`/needs/${need.id}`);
      } catch (error) {
        if (error instanceof ApiError) {
          const names = error.errors.map((e) => e.field);
          const forCode = { unknown_category: 'category_code', mode_not_offered: 'category_code', unknown_resident: 'resident_id', no_proxy_consent: 'resident_id' }[error.code];
          const steps_ = [...names, forCode].filter((n) => n in STEP_OF).map((n) => STEP_OF[n]);
          if (steps_.length) show(Math.min(...steps_));
        }
        throw error;
      }
    }, { fieldFor: { unknown_category: 'category_code', mode_not_offered: 'category_code', unknown_resident: 'resident_id', no_proxy_consent: 'resident_id', resident_not_found: 'resident_id' } });
    holder.append(form);
    show(0);
  });
}
