// Partner access for an organization's admins: API keys (created with their scopes — the secret
// shown once, here, and never again — listed and revoked) and webhook endpoints (registered
// with their events — the signing secret shown once — listed with their delivery log, removed).
import { get, post, call, del, h, t, field, bindForm, replace, load, dateTime, number, alertBox } from '../core.js';
import { organizationPicker, organizationName, checkGroup } from './paid.js';

const SCOPES = ['needs:read', 'needs:write', 'orders:read', 'orders:write', 'offerings:write', 'webhooks:manage', 'organization:read', 'redemptions:write', 'stats:read'];
const EVENTS = ['organization.updated', 'organization.verified', 'organization.member_added', 'organization.member_removed',
  'api_key.created', 'api_key.revoked', 'need.dispatched', 'need.claimed', 'need.cancelled', 'need.escalated', 'task.completed',
  'order.placed', 'order.cancelled', 'order.completed', 'settlement.ready'];

/** A secret shown once: the value, what it is for, and that it will not be shown again. */
function secretCard(id, heading, secret, hint) {
  const copied = h('p', { class: 'small', 'aria-live': 'polite' });
  const copy = h('button', { type: 'button', class: 'secondary' }, t('partner.copy'));
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(secret);
      replace(copied, t('partner.copied'));
    } catch {
      replace(copied, t('partner.copy_by_hand'));
    }
  });
  return h('section', { class: 'card secret', role: 'status', 'aria-labelledby': `${id}-h` },
    h('h2', { id: `${id}-h` }, heading),
    h('p', { class: 'secret-value' }, h('code', { id }, secret)),
    h('p', { class: 'hint' }, hint),
    h('div', { class: 'buttons' }, copy), copied);
}

/** A button that asks once more before it removes something. */
function removeButton(label, named, action) {
  const slot = h('div', { 'aria-live': 'assertive' });
  const confirm = h('button', { type: 'button', class: 'danger', 'aria-label': t('partner.confirm_named', { action: label, name: named }) }, t('partner.confirm_remove', { action: label }));
  const ask = h('button', { type: 'button', class: 'secondary', 'aria-label': t('partner.action_named', { action: label, name: named }), 'aria-expanded': 'false' }, label);
  confirm.hidden = true;
  ask.addEventListener('click', () => { confirm.hidden = false; ask.setAttribute('aria-expanded', 'true'); confirm.focus(); });
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    try {
      await action();
    } catch (error) {
      replace(slot, alertBox(error, () => confirm.click()));
      confirm.disabled = false;
    }
  });
  return [h('div', { class: 'buttons' }, ask, confirm), slot];
}

/** A button doing `action` at once, its problems shown beside it. */
function actionButton(label, named, action, data = {}) {
  const slot = h('div', { 'aria-live': 'assertive' });
  const button = h('button', { type: 'button', class: 'secondary', 'aria-label': t('partner.action_named', { action: label, name: named }), ...data }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    replace(slot);
    try {
      await action();
    } catch (error) {
      replace(slot, alertBox(error, () => button.click()));
    } finally {
      button.disabled = false;
    }
  });
  return [button, slot];
}

function keyRow(org, key, redraw) {
  return h('li', { class: 'need', 'data-api-key': key.id, 'data-key-status': key.status },
    h('p', { class: 'need-link' }, h('span', { class: 'need-title' }, key.name), h('span', { class: `badge key-${key.status}` }, t(`partner.key_status.${key.status}`))),
    h('p', {}, h('code', {}, `${key.display_prefix}…`)),
    h('p', { class: 'small' }, key.scopes.map((s) => t(`scope.${s}`)).join(t('partner.list_separator'))),
    h('p', { class: 'small' }, t('partner.key_created', { when: dateTime(key.created_at) }),
      key.last_used_at ? ` · ${t('partner.key_last_used', { when: dateTime(key.last_used_at) })}` : '',
      key.expires_at ? ` · ${t('partner.key_expires', { when: dateTime(key.expires_at) })}` : '',
      key.revoked_at ? ` · ${t('partner.key_revoked', { when: dateTime(key.revoked_at) })}` : ''),
    key.status === 'active' ? removeButton(t('partner.revoke'), key.name, async () => {
      await del(`/organizations/${org.id}/api-keys/${key.id}`);
      redraw(t('partner.key_revoked_done', { name: key.name }));
    }) : null);
}

function keyForm(org, redraw) {
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'new-key-h' },
    h('h3', { id: 'new-key-h' }, t('partner.new_key')),
    field(t('partner.key_name'), h('input', { name: 'name', required: true, maxlength: 64 }), t('partner.key_name_hint')),
    checkGroup(t('partner.scopes'), 'scopes', SCOPES.map((s) => [s, t(`scope.${s}`)])),
    field(t('partner.expires_on'), h('input', { name: 'expires_on', type: 'date' }), t('partner.expires_hint')),
    h('button', { type: 'submit', class: 'primary' }, t('partner.create_key')));
  return bindForm(form, async (values) => {
    const body = { name: (values.name || '').trim(), scopes: new FormData(form).getAll('scopes') };
    if (values.expires_on) body.expires_at = new Date(`${values.expires_on}T23:59:59+08:00`).toISOString();
    const created = await post(`/organizations/${org.id}/api-keys`, body);
    redraw(null, secretCard('new-key-secret', t('partner.key_secret_title', { name: created.name }), created.secret, t('partner.key_secret_hint')));
  }, { fieldFor: { organization_not_verified: 'name' } });
}

function deliveries(org, endpoint) {
  const holder = h('div');
  const details = h('details', {}, h('summary', { 'data-deliveries': endpoint.id }, t('partner.delivery_log')), holder);
  details.addEventListener('toggle', () => {
    if (!details.open) return;
    load(holder, () => get(`/organizations/${org.id}/webhooks/${endpoint.id}/deliveries`, { limit: 50 }), (list) => {
      holder.append(list.length ? h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('partner.delivery_log_of', { url: endpoint.url }) },
        h('table', {},
          h('thead', {}, h('tr', {}, ['partner.delivery_when', 'partner.delivery_event', 'partner.delivery_result', 'partner.delivery_ms']
            .map((k) => h('th', { scope: 'col' }, t(k))))),
          h('tbody', {}, list.map((d) => h('tr', { 'data-delivery-ok': String(d.succeeded) },
            h('td', {}, dateTime(d.attempted_at), h('span', { class: 'small block' }, t('partner.attempt', { n: number(d.attempt) }))),
            h('td', {}, h('code', {}, d.event)),
            h('td', { class: d.succeeded ? 'in' : 'out' }, d.succeeded ? t('partner.delivered', { status: d.status_code }) : t('partner.failed', { status: d.status_code ?? '—' }),
              d.error ? h('span', { class: 'small block' }, d.error) : null),
            h('td', { class: 'num' }, number(d.duration_ms)))))))
        : h('p', { class: 'empty' }, t('partner.no_deliveries')));
    });
  });
  return details;
}

/** Send a test, pause or resume deliveries, and replace the signing secret. */
function endpointActions(org, endpoint, redraw) {
  const path = `/organizations/${org.id}/webhooks/${endpoint.id}`;
  const [test, testSlot] = actionButton(t('partner.send_test'), endpoint.url, async () => {
    await post(`${path}/test`, {});
    redraw(t('partner.test_queued', { url: endpoint.url }));
  }, { 'data-test-webhook': endpoint.id });
  const [toggle, toggleSlot] = actionButton(t(endpoint.enabled ? 'partner.pause' : 'partner.resume'), endpoint.url, async () => {
    await call('PATCH', path, { body: { enabled: !endpoint.enabled } });
    redraw(t(endpoint.enabled ? 'partner.paused' : 'partner.resumed', { url: endpoint.url }));
  }, { 'data-toggle-webhook': endpoint.id });
  const [rotate, rotateSlot] = actionButton(t('partner.rotate'), endpoint.url, async () => {
    const rotated = await post(`${path}/secret`, {});
    redraw(null, secretCard('new-webhook-secret', t('partner.endpoint_secret_title', { url: rotated.url }), rotated.secret, t('partner.endpoint_secret_hint')));
  });
  return [h('div', { class: 'buttons' }, endpoint.enabled ? test : null, toggle, rotate), testSlot, toggleSlot, rotateSlot];
}

function endpointRow(org, endpoint, redraw) {
  const state = endpoint.enabled ? t('partner.enabled') : t(`partner.disabled.${endpoint.disabled_reason || 'manual'}`);
  return h('li', { class: 'need', 'data-webhook': endpoint.id },
    h('p', { class: 'need-link' }, h('span', { class: 'need-title url' }, endpoint.url), h('span', { class: `badge ${endpoint.enabled ? 'order-confirmed' : 'urgent'}` }, state)),
    endpoint.description ? h('p', { class: 'need-text' }, endpoint.description) : null,
    h('p', { class: 'small' }, endpoint.events.map((e) => t(`event.${e}`)).join(t('partner.list_separator'))),
    h('p', { class: 'small' },
      endpoint.last_success_at ? t('partner.last_success', { when: dateTime(endpoint.last_success_at) }) : t('partner.never_delivered'),
      endpoint.last_failure_at ? ` · ${t('partner.last_failure', { when: dateTime(endpoint.last_failure_at) })}` : ''),
    deliveries(org, endpoint),
    endpointActions(org, endpoint, redraw),
    removeButton(t('partner.remove'), endpoint.url, async () => {
      await del(`/organizations/${org.id}/webhooks/${endpoint.id}`);
      redraw(t('partner.endpoint_removed', { url: endpoint.url }));
    }));
}

function endpointForm(org, redraw) {
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'new-webhook-h' },
    h('h3', { id: 'new-webhook-h' }, t('partner.new_endpoint')),
    field(t('partner.url'), h('input', { name: 'url', type: 'url', required: true, inputmode: 'url', maxlength: 2048, lang: 'en' }), t('partner.url_hint')),
    field(t('partner.description'), h('input', { name: 'description', maxlength: 500 })),
    checkGroup(t('partner.events'), 'events', EVENTS.map((e) => [e, t(`event.${e}`)])),
    h('button', { type: 'submit', class: 'primary' }, t('partner.register')));
  return bindForm(form, async (values) => {
    const body = { url: (values.url || '').trim(), events: new FormData(form).getAll('events') };
    if (values.description && values.description.trim()) body.description = values.description.trim();
    const created = await post(`/organizations/${org.id}/webhooks`, body);
    redraw(null, secretCard('new-webhook-secret', t('partner.endpoint_secret_title', { url: created.url }), created.secret, t('partner.endpoint_secret_hint')));
  }, {
    fieldFor: {
      webhook_target_refused: 'url', webhook_target_unresolvable: 'url', too_many_webhook_endpoints: 'url', organization_not_verified: 'url',
    },
  });
}

export function render(main) {
  main.append(h('h1', {}, t('nav.partner')), h('p', { class: 'lead' }, t('partner.lead')));
  const picker = organizationPicker([], ['admin'], () => draw());
  if (!picker.mine.length) { main.append(h('p', { class: 'empty' }, t('partner.not_an_admin'))); return; }
  const notice = h('div', { 'aria-live': 'polite' });
  const keys = h('section', { 'aria-labelledby': 'keys-h' });
  const hooks = h('section', { 'aria-labelledby': 'webhooks-h' });
  main.append(picker.element || h('p', {}, organizationName(picker.chosen())), notice, keys, hooks);
  const draw = (message, secret) => {
    replace(notice, message ? h('p', { class: 'status-line', id: 'partner-notice' }, message) : null, secret);
    const org = picker.chosen();
    load(keys, () => get(`/organizations/${org.id}/api-keys`), (list) => {
      keys.append(h('h2', { id: 'keys-h' }, t('partner.keys')),
        list.length ? h('ul', { class: 'needs', id: 'api-keys' }, list.map((k) => keyRow(org, k, draw))) : h('p', { class: 'empty' }, t('partner.no_keys')),
        keyForm(org, draw));
    });
    load(hooks, () => get(`/organizations/${org.id}/webhooks`), (list) => {
      hooks.append(h('h2', { id: 'webhooks-h' }, t('partner.webhooks')),
        list.length ? h('ul', { class: 'needs', id: 'webhooks' }, list.map((e) => endpointRow(org, e, draw))) : h('p', { class: 'empty' }, t('partner.no_endpoints')),
        endpointForm(org, draw));
    });
    if (secret) {
      notice.querySelector('h2')?.setAttribute('tabindex', '-1');
      notice.querySelector('h2')?.focus();
    }
  };
  draw();
}
