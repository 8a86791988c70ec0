// Sign up: phone, password, name, home grid; then signed in at once.
import { get, post, h, field, t, currentLang, bindForm, load, signIn } from '../core.js';
import { go } from '../app.js';

/** An area's name in the language in use. */
export function areaName(area) {
  return currentLang() === 'en' ? area.name_en : area.name_zh;
}

export function render(main) {
  main.append(h('h1', {}, t('signup.title')));
  const holder = h('div');
  main.append(holder, h('p', {}, t('signup.have_account'), ' ', h('a', { href: '#/login' }, t('action.login'))));
  load(holder, () => get('/areas'), (areas) => {
    const grids = areas.filter((a) => a.level === 'grid');
    const grid = h('select', { name: 'home_grid_id', required: true },
      h('option', { value: '' }, t('signup.pick_grid')),
      grids.map((g) => h('option', { value: g.id }, areaName(g))));
    const form = h('form', { class: 'card', novalidate: true },
      field(t('field.display_name'), h('input', { name: 'display_name', autocomplete: 'name', required: true, maxlength: 40 })),
      field(t('field.phone'), h('input', { name: 'phone', type: 'tel', autocomplete: 'tel', inputmode: 'tel', required: true })),
      field(t('field.password'), h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 }), t('signup.password_hint')),
      field(t('field.home_grid'), grid),
      h('button', { type: 'submit', class: 'primary' }, t('action.signup')));
    bindForm(form, async (values) => {
      const body = {
        phone: values.phone.trim(), password: values.password, display_name: values.display_name.trim(),
        home_grid_id: Number(values.home_grid_id) || 0, locale: currentLang(),
      };
      await post('/accounts', body);
      const session = await post('/sessions', { phone: body.phone, password: body.password, cookie: 'session' }, { cookies: true });
      signIn(session.token, session.user, false);
      go('/');
    }, { fieldFor: { phone_taken: 'phone', unknown_grid: 'home_grid_id', not_a_grid: 'home_grid_id' } });
    holder.append(form);
  });
}
