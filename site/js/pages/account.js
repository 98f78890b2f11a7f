// Account: sign up and sign in; when signed in, your name and password, your reviews, your saved
// places (list and map), your quiz results, signing out and deleting the account.
import { api, all, rememberSignedIn, forgetSignedIn } from '../api.js';
import { h, replace, field, onSubmit, status, loadingEl, emptyEl, errorEl, fmtDate, fmtMonth, param } from '../dom.js';
import { shell, signOut, flashNext, setHeaderName } from '../layout.js';
import { usMap } from '../usmap.js';
import { reviewBody } from '../reviews.js';

const me = await shell('account');
const page = document.getElementById('page');
const title = document.getElementById('page-title');

// Where to go after signing in: `next` only when it resolves to this site. Resolving it the way the
// browser will (backslashes as slashes, tabs and newlines dropped) is what keeps "/\evil.example"
// and "/<TAB>/evil.example" from leaving the site; a prefix test on the raw text cannot.
function nextUrl() {
  const n = param('next');
  if (n) {
    try {
      const u = new URL(n, location.origin);
      if (u.origin === location.origin) return u.pathname + u.search + u.hash;
    } catch { /* not a URL: stay on the account page */ }
  }
  return '/account.html';
}

function signedOut() {
  title.textContent = 'Sign in or create an account';
  const signin = h('form', { class: 'card auth', 'aria-labelledby': 'signin-h' },
    h('h2', { id: 'signin-h', text: 'Sign in' }),
    field('Username', h('input', { name: 'username', autocomplete: 'username', required: true })),
    field('Password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit', text: 'Sign in' }));
  onSubmit(signin, async (v) => {
    await api('/session', { method: 'POST', body: { username: v.username.trim(), password: v.password } });
    rememberSignedIn();
    location.href = nextUrl();
  });
  const signup = h('form', { class: 'card auth', 'aria-labelledby': 'signup-h' },
    h('h2', { id: 'signup-h', text: 'Create an account' }),
    field('Username', h('input', { name: 'username', autocomplete: 'username', required: true, minlength: 3, maxlength: 32, pattern: '[A-Za-z0-9_.\\-]{3,32}' }),
      '3 to 32 letters, digits, dots, dashes or underscores.'),
    field('Display name', h('input', { name: 'display_name', autocomplete: 'nickname', required: true, maxlength: 64 }), 'Shown next to your reviews and posts.'),
    field('Password', h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 10, maxlength: 128 }), 'At least 10 characters.'),
    h('button', { type: 'submit', text: 'Create account' }));
  onSubmit(signup, async (v) => {
    await api('/users', { method: 'POST', body: { username: v.username.trim(), display_name: v.display_name.trim(), password: v.password } });
    rememberSignedIn();
    location.href = nextUrl();
  });
  replace(page, h('div', { class: 'two-col' }, signin, signup));
}

function section(id, heading, ...body) {
  return h('section', { class: 'card', id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h`, text: heading }), ...body);
}

function signedIn() {
  title.textContent = `Hello, ${me.display_name}`;
  const profile = h('form', { 'aria-label': 'Change your display name' },
    field('Display name', h('input', { name: 'display_name', required: true, maxlength: 64, value: me.display_name })),
    h('button', { type: 'submit', text: 'Save name' }));
  onSubmit(profile, async (v) => {
    const u = await api('/users/me', { method: 'PATCH', body: { display_name: v.display_name.trim() } });
    title.textContent = `Hello, ${u.display_name}`;
    setHeaderName(u.display_name);
    status(profile, 'Your name is saved.');
  });
  const pw = h('form', { 'aria-label': 'Change your password' },
    field('Current password', h('input', { name: 'current_password', type: 'password', autocomplete: 'current-password', required: true })),
    field('New password', h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 10 }), 'At least 10 characters. Your other devices will be signed out.'),
    h('button', { type: 'submit', text: 'Change password' }));
  onSubmit(pw, async (v) => {
    await api('/users/me', { method: 'PATCH', body: { current_password: v.current_password, password: v.password } });
    pw.reset();
    status(pw, 'Your password is changed.');
  });
  const del = h('form', { 'aria-label': 'Delete your account' },
    h('p', { text: 'This deletes your account and everything you wrote or saved: reviews, ratings, posts, places, quiz results and chats. It cannot be undone.' }),
    field('Password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit', class: 'danger', text: 'Delete my account' }));
  onSubmit(del, async (v) => {
    if (!confirm('Delete your account and everything in it for good?')) return;
    await api('/users/me', { method: 'DELETE', body: { password: v.password } });
    forgetSignedIn();
    flashNext('Your account and everything in it are deleted.');
    location.href = '/';
  });

  const reviews = h('div', {}, loadingEl());
  const places = h('div', {}, loadingEl());
  const quiz = h('div', {}, loadingEl());
  replace(page,
    h('p', { class: 'muted' }, `Signed in as ${me.username}${me.role === 'admin' ? ' (administrator)' : ''} · member since ${fmtDate(me.created_at)} `,
      h('button', { type: 'button', class: 'secondary small', text: 'Sign out', onclick: signOut })),
    h('nav', { class: 'jump', 'aria-label': 'On this page' }, h('ul', {},
      [['reviews', 'My reviews'], ['places', 'My places'], ['quiz', 'My quiz results'], ['settings', 'Settings']]
        .map(([id, t]) => h('li', {}, h('a', { href: `#${id}`, text: t }))))),
    section('reviews', 'My reviews', reviews),
    section('places', 'My saved places', places),
    section('quiz', 'My quiz results', quiz),
    section('settings', 'Settings', h('h3', { text: 'Display name' }), profile, h('h3', { text: 'Password' }), pw,
      h('h3', { text: 'Delete account' }), del));
  loadReviews(reviews); loadPlaces(places); loadQuiz(quiz);
}

async function loadReviews(box) {
  replace(box, loadingEl());
  try {
    const [items, parks] = await Promise.all([all('/users/me/reviews'), all('/parks')]);
    const byId = new Map(parks.map((p) => [p.id, p]));
    replace(box, items.length ? h('ul', { class: 'reviews' }, items.map((r) => {
      const p = byId.get(r.park_id);
      return h('li', { class: 'review' }, reviewBody(r, { park: h('a', { href: `/park.html?park=${p ? p.slug : r.park_id}#mine-h`, text: p ? p.name : `Park ${r.park_id}` }) }));
    })) : emptyEl('You have not reviewed a park yet. Find one on the parks page.'));
  } catch (err) { replace(box, errorEl(err, () => loadReviews(box))); }
}

// A saved place's label, note and visit month, edited in place.
function editPlace(li, l, box) {
  if (li.querySelector('form')) return;
  const form = h('form', { class: 'place-edit', 'aria-label': `Edit ${l.label}` },
    field('Label', h('input', { name: 'label', required: true, maxlength: 80, value: l.label })),
    field('Note (optional)', h('textarea', { name: 'note', rows: 2, maxlength: 500, text: l.note || '' })),
    field('Month visited (optional)', h('input', { type: 'month', name: 'visited_on', max: new Date().toISOString().slice(0, 7), value: l.visited_on || '' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: 'Save place' }),
      h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => form.remove() })));
  onSubmit(form, async (v) => {
    await api(`/users/me/locations/${l.id}`, { method: 'PATCH', body: { label: v.label.trim(), note: v.note.trim() || null, visited_on: v.visited_on || null } });
    await loadPlaces(box);
  });
  li.append(form);
  form.querySelector('input').focus();
}

async function loadPlaces(box) {
  replace(box, loadingEl());
  try {
    const items = await all('/users/me/locations');
    if (!items.length) { replace(box, emptyEl('No saved places yet. Use "Save this place" on a park page.')); return; }
    const list = h('ul', { class: 'places' }, items.map((l) => {
      const li = h('li', {}, h('strong', { text: l.label }), ` · ${l.latitude.toFixed(2)}°, ${l.longitude.toFixed(2)}°`,
        l.visited_on ? ` · visited ${fmtMonth(l.visited_on)}` : '', l.note ? h('p', { class: 'muted', text: l.note }) : null,
        l.channel_id ? h('a', { class: 'small', href: `/boards.html?channel=${l.channel_id}`, text: ' Board' }) : null, ' ',
        h('button', { type: 'button', class: 'link-button small', text: 'Edit', 'aria-label': `Edit ${l.label}`, onclick: () => editPlace(li, l, box) }), ' ',
        h('button', { type: 'button', class: 'link-button small danger', text: 'Remove', 'aria-label': `Remove ${l.label}`, onclick: async () => {
          try { await api(`/users/me/locations/${l.id}`, { method: 'DELETE' }); loadPlaces(box); }
          catch (err) { li.append(errorEl(err)); }
        } }));
      return li;
    }));
    replace(box, h('div', { class: 'places-layout' }, list,
      usMap(items.map((l) => ({ lat: l.latitude, lon: l.longitude, label: l.label })), 'Map of your saved places')));
  } catch (err) { replace(box, errorEl(err, () => loadPlaces(box))); }
}

async function loadQuiz(box) {
  replace(box, loadingEl());
  try {
    const res = await api('/users/me/quiz-results', { query: { limit: 20 } });
    replace(box, res.items.length ? h('ul', {}, res.items.map((r) => h('li', {},
      h('a', { href: `/park.html?park=${encodeURIComponent(r.park.slug)}`, text: r.park.name }), ` · ${fmtDate(r.created_at)} · match ${r.score}%`,
      h('p', { class: 'muted', text: r.explanation }))))
      : h('p', { class: 'empty' }, 'No quiz results yet. ', h('a', { href: '/quiz.html', text: 'Take the quiz' }), '.'));
  } catch (err) { replace(box, errorEl(err, () => loadQuiz(box))); }
}

if (me) signedIn(); else signedOut();
