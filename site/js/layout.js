// The page shell: header navigation with who is signed in, and the sign-in prompt for
// visitors where they cannot act. Every page module starts with `const me = await shell('x')`.
import { api, currentUser, forgetSignedIn } from './api.js';
import { h, replace } from './dom.js';

const LINKS = [
  ['parks', '/', 'Parks'],
  ['boards', '/boards.html', 'Boards'],
  ['quiz', '/quiz.html', 'Quiz'],
  ['chat', '/chat.html', 'Ranger chat'],
  ['analytics', '/analytics.html', 'Analytics'],
];

export async function shell(active) {
  const header = document.getElementById('site-header');
  let me = null;
  try { me = await currentUser(); } catch { me = null; }
  const links = LINKS.slice();
  if (me && me.role === 'admin') links.push(['admin', '/admin.html', 'Admin']);
  const nav = h('nav', { 'aria-label': 'Main' }, h('ul', {}, links.map(([key, href, text]) =>
    h('li', {}, h('a', { href, text, 'aria-current': key === active ? 'page' : null })))));
  const account = h('div', { class: 'account-box' });
  if (me) {
    account.append(
      h('a', { href: '/account.html', 'aria-current': active === 'account' ? 'page' : null },
        h('span', { class: 'visually-hidden', text: 'Account: ' }), me.display_name),
      h('button', { type: 'button', class: 'link-button', text: 'Sign out', onclick: signOut }));
  } else {
    account.append(h('a', { href: '/account.html', class: 'button small', text: 'Sign in',
      'aria-current': active === 'account' ? 'page' : null }));
  }
  // A message left by the page before (signed out, account deleted), shown once.
  const flash = sessionStorage.getItem(FLASH);
  if (flash) {
    sessionStorage.removeItem(FLASH);
    document.getElementById('main')?.prepend(h('p', { class: 'flash', role: 'status', text: flash }));
  }
  replace(header,
    h('a', { class: 'skip', href: '#main', text: 'Skip to content' }),
    h('div', { class: 'bar' },
      h('a', { class: 'brand', href: '/' }, h('span', { 'aria-hidden': 'true', text: '▲ ' }), 'Frostbyte'),
      nav, account));
  return me;
}

const FLASH = 'frostbyte.flash';
// Leaves a message for the next page this tab opens (a confirmation after leaving this one).
export function flashNext(text) { sessionStorage.setItem(FLASH, text); }

// The header's name, at once after the camper changes it.
export function setHeaderName(name) {
  const link = document.querySelector('#site-header .account-box a');
  if (link) replace(link, h('span', { class: 'visually-hidden', text: 'Account: ' }), name);
}

export async function signOut() {
  try { await api('/session', { method: 'DELETE' }); } catch { /* signed out anyway below */ }
  forgetSignedIn();
  flashNext('You are signed out. See you on the trail.');
  location.href = '/';
}

export function signInPrompt(what) {
  const back = encodeURIComponent(location.pathname + location.search);
  return h('p', { class: 'prompt' },
    h('a', { href: `/account.html?next=${back}`, text: 'Sign in or create an account' }), ` to ${what}.`);
}
