// Log in with phone and password.
import { post, h, field, t, bindForm, signIn } from '../core.js';
import { go } from '../app.js';

export function render(main) {
  const form = h('form', { class: 'card', novalidate: true },
    field(t('field.phone'), h('input', { name: 'phone', type: 'tel', autocomplete: 'username', inputmode: 'tel', required: true })),
    field(t('field.password'), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('div', { class: 'check' },
      h('input', { type: 'checkbox', name: 'remember', id: 'remember', value: '1' }),
      h('label', { for: 'remember' }, t('login.remember'))),
    h('button', { type: 'submit', class: 'primary' }, t('action.login')));
  bindForm(form, async (values) => {
    const remember = values.remember === '1';
    // The cookie lets the next visit's shell preload the home; it lives as long as the token does here.
    const session = await post('/sessions',
      { phone: values.phone.trim(), password: values.password, cookie: remember ? 'persistent' : 'session' }, { cookies: true });
    signIn(session.token, session.user, remember);
    go('/');
  }, { fieldFor: { invalid_credentials: 'password', wrong_password: 'password', too_many_attempts: 'password' } });
  main.append(
    h('h1', {}, t('login.title')),
    h('p', { class: 'lead' }, t('login.lead')),
    form,
    h('p', {}, t('login.no_account'), ' ', h('a', { href: '#/signup' }, t('action.signup'))));
}
