// Moderation (admins only): open reports, oldest first, with hide and unhide of the review and of
// each of its photos; then the hidden reviews and the closed reports, newest first, so a past
// decision can be found and undone.
import { api, all } from '../api.js';
import { h, replace, field, onSubmit, errorEl, fmtDate } from '../dom.js';
import { pager } from '../pager.js';
import { shell, signInPrompt } from '../layout.js';
import { reviewBody } from '../reviews.js';
import { photoImg } from '../photos.js';

const me = await shell('admin');
const page = document.getElementById('page');
const list = h('ul', { class: 'reports', 'aria-label': 'Open reports' });
const more = h('button', { type: 'button', class: 'secondary', text: 'Load more reports', hidden: true });
const hiddenList = h('ul', { class: 'reports', 'aria-label': 'Hidden reviews' });
const hiddenMore = h('button', { type: 'button', class: 'secondary', text: 'Load more hidden reviews', hidden: true });
const closedList = h('ul', { class: 'reports', 'aria-label': 'Closed reports' });
const closedMore = h('button', { type: 'button', class: 'secondary', text: 'Load more closed reports', hidden: true });
const REASONS = { spam: 'Spam', offensive: 'Offensive', off_topic: 'Off topic', other: 'Other' };
let parks = new Map(); // id -> park, for the reviewed park's name and link

function parkLink(id) {
  const p = parks.get(id);
  return h('a', { href: `/park.html?park=${p ? p.slug : id}`, text: p ? p.name : `Park ${id}` });
}

// The reported review's photos, each with its own hide or unhide.
function photosOf(rep) {
  if (!rep.photos || !rep.photos.length) return null;
  return h('ul', { class: 'photo-list', 'aria-label': 'Photos of the reported review' }, rep.photos.map((p) => {
    let hidden = !!p.hidden;
    const btn = h('button', { type: 'button', class: 'secondary small' });
    const paint = () => { btn.textContent = hidden ? 'Unhide photo' : 'Hide photo'; btn.setAttribute('aria-label', `${hidden ? 'Unhide' : 'Hide'} photo: ${p.alt}`); };
    paint();
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      try { hidden = (await api(`/admin/photos/${p.id}`, { method: 'PATCH', body: { hidden: !hidden } })).hidden; paint(); }
      catch (err) { btn.after(errorEl(err)); }
      btn.disabled = false;
    });
    return h('li', { class: 'photo-item' }, photoImg(p, 'thumb', { loading: 'lazy' }), h('p', { class: 'small', text: p.alt }), btn);
  }));
}

function item(rep) {
  const r = rep.review;
  const form = h('form', { class: 'moderate', 'aria-label': `Decide on the review ${r.title}` },
    field('Reason for your decision', h('input', { name: 'reason', required: true, maxlength: 500 })),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', name: 'hidden', value: 'true', class: 'danger', text: 'Hide review' }),
      h('button', { type: 'submit', name: 'hidden', value: 'false', class: 'secondary', text: 'Keep visible' })));
  let hide = true;
  form.addEventListener('click', (ev) => { if (ev.target.name === 'hidden') hide = ev.target.value === 'true'; });
  onSubmit(form, async (v) => {
    const res = await api(`/admin/reviews/${r.id}`, { method: 'PATCH', body: { hidden: hide, reason: v.reason } });
    replace(form, h('p', { role: 'status', text: res.hidden ? 'Hidden. The report is closed.' : 'Left visible. The report is closed.' }),
      h('button', { type: 'button', class: 'secondary small', text: res.hidden ? 'Unhide' : 'Hide',
        onclick: async (ev) => {
          try {
            const again = await api(`/admin/reviews/${r.id}`, { method: 'PATCH', body: { hidden: !res.hidden, reason: `Reversed: ${v.reason}` } });
            ev.currentTarget.replaceWith(h('p', { role: 'status', text: again.hidden ? 'Hidden again.' : 'Visible again.' }));
          } catch (err) { form.append(errorEl(err)); }
        } }));
  });
  return h('li', { class: 'card report' },
    h('p', { class: 'report-meta' }, h('strong', { text: REASONS[rep.reason] || rep.reason }), ' · reported by ',
      h('span', { text: rep.reporter.username }), ` · ${fmtDate(rep.created_at)}`, r.hidden ? ' · currently hidden' : ''),
    rep.note ? h('blockquote', { text: rep.note }) : null,
    h('div', { class: 'reported-review' }, reviewBody(r, { park: parkLink(r.park_id) })),
    photosOf(rep),
    form);
}

// "Hidden by ranger on 2 Dec 2026: Advertising", or the hold that hid a review written again.
function decisionText(d) {
  if (!d) return 'No decision on record.';
  if (!d.admin) return `Hidden on ${fmtDate(d.created_at)}: ${d.reason}`;
  return `${d.action === 'hide' ? 'Hidden' : 'Left visible'} by ${d.admin.username} on ${fmtDate(d.created_at)}: ${d.reason}`;
}

// A form that reverses a past decision: hide a visible review, or unhide a hidden one.
function undoForm(r) {
  const hide = !r.hidden;
  const form = h('form', { class: 'moderate', 'aria-label': `Reverse the decision on the review ${r.title}` },
    field('Reason for your decision', h('input', { name: 'reason', required: true, maxlength: 500 })),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: hide ? 'danger' : 'secondary', text: hide ? 'Hide review' : 'Unhide review' })));
  onSubmit(form, async (v) => {
    const res = await api(`/admin/reviews/${r.id}`, { method: 'PATCH', body: { hidden: hide, reason: v.reason } });
    replace(form, h('p', { role: 'status', text: res.hidden ? 'Hidden again.' : 'Visible again.' }));
  });
  return form;
}

function hiddenItem(x) {
  const r = x.review;
  return h('li', { class: 'card decided' },
    h('p', { class: 'report-meta', text: decisionText(x.decision) }),
    h('div', { class: 'reported-review' }, reviewBody(r, { park: parkLink(r.park_id) })),
    undoForm(r));
}

function closedItem(rep) {
  const r = rep.review;
  return h('li', { class: 'card decided' },
    h('p', { class: 'report-meta' }, h('strong', { text: REASONS[rep.reason] || rep.reason }), ' · reported by ',
      h('span', { text: rep.reporter.username }), ` · closed ${fmtDate(rep.resolved_at)}`),
    rep.note ? h('blockquote', { text: rep.note }) : null,
    h('p', { class: 'report-meta', text: decisionText(rep.decision) }),
    h('div', { class: 'reported-review' }, reviewBody(r, { park: parkLink(r.park_id) })),
    undoForm(r));
}

const load = pager(list, more, { item, loadingText: 'Loading reports…', empty: 'No open reports. All clear.',
  fetchPage: (cursor) => api('/admin/reports', { query: { limit: 20, cursor } }) });
const loadHidden = pager(hiddenList, hiddenMore, { item: hiddenItem, loadingText: 'Loading hidden reviews…',
  empty: 'No hidden reviews.', fetchPage: (cursor) => api('/admin/reviews', { query: { hidden: 1, limit: 20, cursor } }) });
const loadClosed = pager(closedList, closedMore, { item: closedItem, loadingText: 'Loading closed reports…',
  empty: 'No closed reports yet.', fetchPage: (cursor) => api('/admin/reports', { query: { status: 'closed', limit: 20, cursor } }) });

if (!me) replace(page, signInPrompt('moderate reviews (administrators only)'));
else if (me.role !== 'admin') replace(page, h('p', { class: 'error-box', role: 'alert', text: 'This page is for administrators only.' }));
else {
  replace(page, h('p', { class: 'lede', text: 'Open reports, oldest first. Hiding a review removes it and its stars from the park until you unhide it; a review its author writes of the park again stays hidden too.' }),
    h('h2', { text: 'Open reports' }), list, more,
    h('h2', { text: 'Hidden reviews' }), hiddenList, hiddenMore,
    h('h2', { text: 'Closed reports' }), closedList, closedMore);
  // Park names are a nicety: without them the lists still work, with "Park N" links.
  all('/parks').then((ps) => { parks = new Map(ps.map((p) => [p.id, p])); }, () => {})
    .finally(() => { load(); loadHidden(); loadClosed(); });
}
