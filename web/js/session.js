// Who is signed in: the bearer token (sessionStorage, or localStorage when "keep me signed in"
// was ticked) and the account it belongs to, with its roles.

const TOKEN = 'linli.token';
let me = null;

/** The stored token, if any. */
export function token() {
  return sessionStorage.getItem(TOKEN) || localStorage.getItem(TOKEN);
}

/** Keeps a new session's token; only in this tab unless `remember`. */
export function signIn(newToken, account, remember) {
  signOutLocally();
  (remember ? localStorage : sessionStorage).setItem(TOKEN, newToken);
  me = account;
}

/** Forgets the token and the account. */
export function signOutLocally() {
  sessionStorage.removeItem(TOKEN);
  localStorage.removeItem(TOKEN);
  me = null;
}

/** The signed-in account (MeView) once loaded. */
export function account() {
  return me;
}

/** Sets the account after `get_me`. */
export function setAccount(account) {
  me = account;
}

const STAFF = ['grid_worker', 'community_staff', 'social_worker', 'street_admin', 'platform_admin'];

/** True when the account holds `role` anywhere. */
export function holds(role) {
  return Boolean(me && me.roles.some((held) => held.role === role));
}

/** True for volunteers. */
export function isVolunteer() {
  return holds('volunteer');
}

/** True for grid workers, community staff, social workers and admins. */
export function isStaff() {
  return Boolean(me && me.roles.some((held) => STAFF.includes(held.role)));
}
