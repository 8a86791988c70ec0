// Staff verification queues: volunteers waiting for their real name to be checked, credentials
// waiting to be checked, and residents whose eligibility facts are unverified — each verified
// here after staff have seen the documents.
import { get, post, put, h, t, field, bindForm, replace, load, dateTime, alertBox } from '../core.js';

function verifyButton(label, name, path, redraw, data) {
  const slot = h('div', { 'aria-live': 'assertive' });
  const button = h('button', { type: 'button', class: 'primary', 'aria-label': t('verify.named', { action: label, name }), ...data }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await post(path, {});
      redraw(t('verify.done', { name }));
    } catch (error) {
      replace(slot, alertBox(error, () => button.click()));
      button.disabled = false;
    }
  });
  return [h('div', { class: 'buttons' }, button), slot];
}

/** Shows the stated real name and ID number to compare with the document (the API audits it). */
function revealButton(entry) {
  const facts = h('div', { 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'secondary', 'aria-label': t('verify.named', { action: t('verify.reveal'), name: entry.display_name }) }, t('verify.reveal'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const profile = await get(`/volunteers/${entry.user_id}`, { reveal: true });
      replace(facts, h('dl', { class: 'facts' },
        h('dt', {}, t('verify.stated_name')), h('dd', {}, profile.real_name || '—'),
        h('dt', {}, t('verify.stated_id')), h('dd', {}, profile.id_number || '—')));
      button.hidden = true;
    } catch (error) {
      replace(facts, alertBox(error, () => button.click()));
      button.disabled = false;
    }
  });
  return [h('div', { class: 'buttons' }, button), facts];
}

function eligibilityForm(entry, redraw) {
  const id = `elig-${entry.user_id}`;
  const check = (name) => h('div', { class: 'check' },
    h('input', { type: 'checkbox', name, id: `${id}-${name}` }), h('label', { for: `${id}-${name}` }, t(`verify.${name}`)));
  const form = h('form', { novalidate: true, 'data-eligibility': entry.user_id, 'aria-label': t('verify.eligibility_of', { name: entry.display_name }) },
    check('low_income'), check('lives_alone'), check('disabled'),
    field(t('verify.disability_level'), h('select', { name: 'disability_level', id: `${id}-level` }, [0, 1, 2, 3].map((n) => h('option', { value: n }, t(`verify.level.${n}`))))),
    field(t('verify.evidence_notes'), h('textarea', { name: 'evidence_notes', id: `${id}-notes`, rows: 2, maxlength: 500, required: true }), t('verify.evidence_hint')),
    h('button', { type: 'submit', class: 'primary' }, t('verify.record')));
  return bindForm(form, async (values) => {
    await put(`/residents/${entry.user_id}/eligibility`, {
      low_income: values.low_income === 'on',
      lives_alone: values.lives_alone === 'on',
      disabled: values.disabled === 'on',
      disability_level: Number(values.disability_level) || 0,
      evidence_notes: values.evidence_notes || '',
    });
    redraw(t('verify.done', { name: entry.display_name }));
  });
}

function section(id, heading, entries, empty, item) {
  return h('section', { 'aria-labelledby': id },
    h('h2', { id }, t(heading, { n: entries.length })),
    entries.length ? h('ul', { class: 'needs' }, entries.map((e) => h('li', { class: 'need' },
      h('p', { class: 'need-title' }, e.display_name),
      h('p', { class: 'small' }, t('verify.since', { when: dateTime(e.since) })),
      item(e)))) : h('p', { class: 'empty' }, t(empty)));
}

export function render(main) {
  const notice = h('div', { 'aria-live': 'polite' });
  const holder = h('div');
  main.append(h('h1', {}, t('nav.verify')), notice, holder);
  const draw = (message) => {
    replace(notice, message ? h('p', { class: 'status-line', id: 'verified' }, message) : null);
    load(holder, () => get('/verifications'), (queues) => {
      holder.append(
        section('volunteers-h', 'verify.volunteers', queues.volunteers, 'verify.none', (e) => [
          revealButton(e),
          verifyButton(t('verify.real_name'), e.display_name, `/volunteers/${e.user_id}/verification`, draw, { 'data-verify-volunteer': e.user_id })]),
        section('credentials-h', 'verify.credentials', queues.credentials, 'verify.none', (e) => [
          h('p', {}, `${t(`credential.${e.credential.kind}`)} · ${e.credential.title}`),
          verifyButton(t('verify.credential'), e.display_name, `/credentials/${e.credential.id}/verification`, draw, { 'data-verify-credential': e.credential.id })]),
        section('residents-h', 'verify.residents', queues.residents, 'verify.none', (e) => h('details', {},
          h('summary', {}, t('verify.open_eligibility')), eligibilityForm(e, draw))));
    });
  };
  draw();
}
