// Rewards: the community's catalogue with what each costs, a redemption in one tap (sent with an
// idempotency key kept across retries so it is placed once), and my redemptions.
import { get, post, newKey, h, t, replace, load, number, dateTime, alertBox, currentLang } from '../core.js';

function title(reward) {
  return currentLang() === 'en' && reward.title_en ? reward.title_en : reward.title_zh;
}

function rewardCard(reward, redraw) {
  let key = newKey();
  const slot = h('div', { 'aria-live': 'assertive' });
  const name = title(reward);
  const button = h('button', {
    type: 'button', class: 'primary', 'data-redeem': reward.id, 'aria-label': t('rewards.redeem_named', { name }),
  }, t('rewards.redeem'));
  button.addEventListener('click', async () => {
    button.disabled = true;
    replace(slot);
    try {
      await post('/redemptions', { reward_id: reward.id, quantity: 1 }, { idempotencyKey: key });
      key = newKey();
      redraw(t('rewards.redeemed', { name }));
    } catch (error) {
      replace(slot, alertBox(error, () => button.click()));
    } finally {
      button.disabled = false;
    }
  });
  return h('li', { class: 'need', 'data-reward': reward.id },
    h('p', { class: 'need-title' }, name),
    h('p', { class: 'need-text' }, currentLang() === 'en' && reward.description_en ? reward.description_en : reward.description_zh),
    h('p', {}, h('strong', {}, t('rewards.cost', { points: number(reward.points_cost) })), ' ',
      reward.stock === null || reward.stock === undefined ? null : h('span', { class: 'small' }, t('rewards.stock', { n: number(reward.stock) }))),
    h('div', { class: 'buttons' }, button), slot);
}

function redemptions(list, rewards) {
  if (!list.length) return h('p', { class: 'empty' }, t('rewards.none_redeemed'));
  const named = (id) => { const r = rewards.find((x) => x.id === id); return r ? title(r) : `#${id}`; };
  return h('ul', { class: 'notes', id: 'my-redemptions' }, list.map((r) => h('li', { class: 'note', 'data-redemption-state': r.state },
    h('span', { class: 'note-title' }, named(r.reward_id)), ' ',
    h('span', { class: 'badge' }, t(`redemption.${r.state}`)),
    h('p', { class: 'small' }, `${t('rewards.points_held', { points: number(r.points) })} · ${dateTime(r.created_at)}`))));
}

export function render(main) {
  const notice = h('div', { 'aria-live': 'polite' });
  const holder = h('div');
  main.append(h('h1', {}, t('nav.rewards')), notice, holder);
  const draw = (message) => {
    replace(notice, message ? h('p', { class: 'status-line', id: 'redeemed' }, message) : null);
    load(holder, () => Promise.all([get('/points/balance'), get('/rewards'), get('/redemptions')]), ([balance, rewards, mine]) => {
      const offered = rewards.filter((r) => r.active);
      holder.append(
        h('div', { class: 'summary' },
          h('div', { class: 'stat' }, h('span', { class: 'stat-value', id: 'rewards-available' }, number(balance.available)), h('span', {}, t('points.available')))),
        h('h2', {}, t('rewards.catalogue')),
        offered.length ? h('ul', { class: 'needs' }, offered.map((r) => rewardCard(r, draw))) : h('p', { class: 'empty' }, t('rewards.none')),
        h('h2', {}, t('rewards.mine')),
        redemptions(mine, rewards));
    });
  };
  draw();
}
