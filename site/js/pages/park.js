// A park, phone first: its rating and the first reviews come right after the name; writing a
// review is one button away; then the best time to visit (from reviewers' visit months), the
// description (collapsible), facts, map with directions, and the park's board. A signed-in
// camper's helpful votes and saved place are shown as such after a reload.
import { api } from '../api.js';
import { h, s, replace, field, onSubmit, status, loadingEl, errorEl, fmtAvg, plural, starsEl, param } from '../dom.js';
import { pager } from '../pager.js';
import { all } from '../api.js';
import { monthChart } from '../chart.js';
import { shell, signInPrompt } from '../layout.js';
import { starInput } from '../stars.js';
import { usMap } from '../usmap.js';
import { board } from '../posts.js';
import { reviewBody, CAMPER_TYPES } from '../reviews.js';
import { photoEditor, gallery, photoImg } from '../photos.js';

const me = await shell('parks');
const page = document.getElementById('page');
const title = document.getElementById('page-title');
// /parks/SLUG (the shareable address, a static page per park) or park.html?park=SLUG (older links).
const key = (/^\/parks\/([a-z0-9-]+)$/.exec(location.pathname) || [])[1] || param('park');

let park;
async function start() {
  replace(page, loadingEl('Loading the park…'));
  if (!key) { replace(page, errorEl(new Error('No park was chosen.')), h('p', {}, h('a', { href: '/', text: 'See all parks' }))); return; }
  try {
    park = await api(`/parks/${encodeURIComponent(key)}`);
  } catch (err) {
    title.textContent = err.status === 404 ? 'Park not found' : 'Park';
    replace(page, errorEl(err, err.status === 404 ? null : start), h('p', {}, h('a', { href: '/', text: 'See all parks' })));
    return;
  }
  document.title = `${park.name} — Frostbyte`;
  title.textContent = park.name;
  render();
}

const TRAIT_NAMES = { climate: 'Climate', terrain: 'Landscape', water: 'Water', activities: 'Things to do', wildlife: 'Wildlife', lodging: 'Stay' };
const words = (v) => v.replace(/_/g, ' ');

const summaryBox = h('section', { class: 'rating-summary', 'aria-labelledby': 'rating-h' });
const reviewsList = h('ul', { class: 'reviews', 'aria-label': 'Reviews' });
const moreReviews = h('button', { type: 'button', class: 'secondary', text: 'Load more reviews', hidden: true });
const filterNote = h('p', { class: 'filter-note', role: 'status' });
const sortSel = h('select', { name: 'sort' }, [['newest', 'Newest'], ['highest', 'Highest rated'], ['lowest', 'Lowest rated'], ['helpful', 'Most helpful']]
  .map(([value, text]) => h('option', { value, text })));
const mine = h('section', { class: 'my-review', 'aria-labelledby': 'mine-h' });
let starsFilter = null;
let myReview = null;

const KM2_PER_MI2 = 2.589988;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
let voted = new Set(); // ids of the reviews the signed-in camper marked helpful
let galleryBox = null;
// The camper added or removed a photo: the gallery shows it at once (a signed-in read passes by
// every cache).
function refreshGallery() {
  const fresh = gallery(park.id);
  galleryBox.replaceWith(fresh);
  galleryBox = fresh;
}

function render() {
  const km2 = park.area_km2, mi2 = km2 / KM2_PER_MI2;
  const facts = h('dl', { class: 'facts' },
    h('dt', { text: 'State' + (park.states.length > 1 ? 's' : '') }), h('dd', { text: park.states.join(', ') }),
    h('dt', { text: 'Established' }), h('dd', { text: String(park.established) }),
    h('dt', { text: 'Area' }), h('dd', { text: `${Math.round(km2).toLocaleString('en-US')} km² (${Math.round(mi2).toLocaleString('en-US')} mi²)` }),
    h('dt', { text: 'Location' }), h('dd', { text: `${park.latitude.toFixed(2)}°, ${park.longitude.toFixed(2)}°` }));
  const traits = h('dl', { class: 'traits' }, Object.entries(TRAIT_NAMES).filter(([k]) => park.traits[k]?.length).map(([k, label]) =>
    [h('dt', { text: label }), h('dd', {}, h('ul', { class: 'chips' }, park.traits[k].map((t) => h('li', { text: words(t) }))))]));
  // Directions: the coordinates to whatever map app the phone or computer opens for this link.
  const directions = h('a', { class: 'button secondary directions', rel: 'noopener', target: '_blank',
    href: `https://www.google.com/maps/dir/?api=1&destination=${park.latitude},${park.longitude}`, text: 'Directions' });
  const save = h('div', { class: 'save-place' });
  const tools = h('div', { class: 'park-tools' }, directions, save);
  renderSave(save);

  const reviewControls = h('div', { class: 'review-controls' }, field('Sort reviews', sortSel), filterNote);
  // The header photo: the most helpful review's (none until a camper adds one).
  const cover = park.cover_photo
    ? h('figure', { class: 'park-cover' }, photoImg(park.cover_photo, 'large', { fetchpriority: 'high' }),
        h('figcaption', { class: 'muted small', text: `${park.cover_photo.caption || park.cover_photo.alt} — ${park.cover_photo.author.display_name}` }))
    : null;
  const desc = h('details', { class: 'description-box' },
    h('summary', {}, h('span', { class: 'description-lead', text: park.description.split(/(?<=\.)\s/)[0] }), ' ', h('span', { class: 'more-link', text: 'Read more' })),
    h('p', { class: 'description', text: park.description }));
  replace(page,
    cover, tools,
    summaryBox, mine,
    h('section', { class: 'all-reviews', 'aria-labelledby': 'reviews-h' },
      h('h2', { id: 'reviews-h', text: 'Reviews' }),
      reviewControls, reviewsList, moreReviews,
      me ? null : signInPrompt('write a review, mark reviews helpful or report one')),
    galleryBox = gallery(park.id),
    whenBox,
    h('div', { class: 'park-top' },
      h('section', { class: 'about', 'aria-labelledby': 'about-h' },
        h('h2', { id: 'about-h', text: 'About the park' }), desc, facts, traits),
      h('section', { class: 'where', 'aria-labelledby': 'map-h' },
        h('h2', { id: 'map-h', text: 'Where it is' }),
        usMap([{ lat: park.latitude, lon: park.longitude, label: park.name, current: true }], `Map of ${park.name}`),
        h('p', {}, h('a', { href: directions.href, rel: 'noopener', target: '_blank', text: `Directions to ${park.name}` })))),
    h('section', { class: 'park-board', 'aria-labelledby': 'board-h' },
      h('h2', { id: 'board-h', text: `${park.name} board` }),
      h('p', {}, h('a', { href: `/boards.html?channel=${park.channel_id}`, text: 'Open the full board' })),
      board(park.channel_id, me, { limit: 5 })));
  renderSummary();
  renderMine();
  renderWhen();
  (me ? loadVotes() : Promise.resolve()).then(() => loadReviews());
}

// The camper's votes on this park's reviews, so "Helpful" shows as pressed after a reload.
async function loadVotes() {
  try { voted = new Set((await api('/users/me/helpful', { query: { park: park.id } })).review_ids); } catch { voted = new Set(); }
}

// "Save this place", or "Saved" with a link when one of the camper's places is this park.
async function renderSave(box) {
  if (!me) { replace(box, signInPrompt('save this place to your list')); return; }
  const saved = (await all('/users/me/locations').catch(() => [])).find((l) => l.channel_id === park.channel_id ||
    (Math.abs(l.latitude - park.latitude) < 1e-6 && Math.abs(l.longitude - park.longitude) < 1e-6));
  if (saved) {
    replace(box, h('p', { class: 'saved', role: 'status' }, '✓ Saved to ', h('a', { href: '/account.html#places', text: 'your places' })));
    return;
  }
  const btn = h('button', { type: 'button', class: 'secondary', text: 'Save this place' });
  const msg = h('p', { role: 'status' });
  btn.addEventListener('click', async () => {
    btn.disabled = true; msg.textContent = 'Saving…';
    try {
      await api('/users/me/locations', { method: 'POST', body: { label: park.name, latitude: park.latitude, longitude: park.longitude, channel_id: park.channel_id } });
      replace(box, h('p', { class: 'saved', role: 'status' }, '✓ Saved to ', h('a', { href: '/account.html#places', text: 'your places' })));
    } catch (err) { msg.textContent = err.message; btn.disabled = false; }
  });
  replace(box, btn, msg);
}

// Best time to visit: reviewers' visits and average stars by month of the year.
const whenBox = h('section', { class: 'when-to-go', 'aria-labelledby': 'when-h' });
const monthList = (ms) => {
  const names = ms.map((m) => MONTHS[m - 1].slice(0, 3));
  // Consecutive months as a range: [9, 10] → "Sep–Oct".
  const runs = [];
  ms.forEach((m, i) => { if (i && m === ms[i - 1] + 1) runs[runs.length - 1].push(names[i]); else runs.push([names[i]]); });
  return runs.map((r) => (r.length > 1 ? `${r[0]}–${r[r.length - 1]}` : r[0])).join(', ');
};
async function renderWhen() {
  replace(whenBox, h('h2', { id: 'when-h', text: 'Best time to visit' }), loadingEl());
  let v;
  try { v = await api(`/parks/${park.id}/visit-months`); } catch (err) { replace(whenBox, h('h2', { id: 'when-h', text: 'Best time to visit' }), errorEl(err, renderWhen)); return; }
  const verdict = v.enough_data && v.best_months.length
    ? h('p', { class: 'best-months', 'data-testid': 'best-months' }, v.best_months.length > 1 ? 'Best months: ' : 'Best month: ', h('strong', { text: monthList(v.best_months) }), `, ${fmtAvg(v.best_average)} ★ on average`)
    : h('p', { class: 'muted', 'data-testid': 'best-months', text: `Not enough data yet: ${plural(v.visits, 'review')} ${v.visits === 1 ? 'says' : 'say'} which month the camper went, and ${v.min_visits} are needed. Add the month of your visit when you write a review.` });
  replace(whenBox, h('h2', { id: 'when-h', text: 'Best time to visit' }), verdict,
    v.visits ? monthChart(v.months, { title: 'Visits by month, and average stars (★) below where 2 or more reviews', format: (a) => fmtAvg(a) }) : null);
}

function renderSummary() {
  const r = park.rating;
  const bars = h('ul', { class: 'distribution', 'aria-label': 'Ratings by stars; choose a row to show only those reviews' });
  for (let n = 5; n >= 1; n--) {
    const c = r.distribution[String(n)] || 0;
    const pct = r.count ? Math.round((c / r.count) * 100) : 0;
    const btn = h('button', { type: 'button', class: 'dist-row', 'aria-pressed': String(starsFilter === n),
      'aria-label': `${n} star${n > 1 ? 's' : ''}: ${plural(c, 'rating')} (${pct}%)`, disabled: c === 0 && starsFilter !== n },
      h('span', { class: 'dist-label', text: `${n} ★` }),
      s('svg', { viewBox: '0 0 100 10', class: 'dist-bar', preserveAspectRatio: 'none', 'aria-hidden': 'true' },
        s('rect', { width: 100, height: 10, class: 'track' }), s('rect', { width: pct, height: 10, class: 'fill' })),
      h('span', { class: 'dist-count', text: String(c) }));
    btn.addEventListener('click', () => { starsFilter = starsFilter === n ? null : n; renderSummary(); loadReviews(); });
    bars.append(h('li', {}, btn));
  }
  replace(summaryBox,
    h('h2', { id: 'rating-h', text: 'Rating' }),
    h('div', { class: 'rating-big' },
      h('p', { class: 'avg', 'data-testid': 'average' }, h('span', { class: 'avg-number', text: fmtAvg(r.average) }), starsEl(r.average)),
      h('p', { class: 'muted', 'data-testid': 'rating-count', text: r.count ? `${plural(r.count, 'rating')}, ${plural(park.review_count, 'review')}` : 'No ratings yet. Be the first.' })),
    bars);
}

async function refreshPark() {
  try { park = await api(`/parks/${park.id}`); renderSummary(); renderWhen(); } catch { /* keeps the old figures */ }
}

function reviewItem(r) {
  const li = h('li', { class: 'review', id: `review-${r.id}` }, reviewBody(r));
  if (me && me.id !== r.author.id) {
    let on = voted.has(r.id), count = r.helpful_count;
    const helpful = h('button', { type: 'button', class: 'secondary small', 'aria-pressed': 'false' });
    const paint = () => { helpful.textContent = `Helpful (${count})`; helpful.setAttribute('aria-pressed', String(on)); };
    paint();
    helpful.addEventListener('click', async () => {
      helpful.disabled = true;
      try {
        await api(`/reviews/${r.id}/helpful`, { method: on ? 'DELETE' : 'PUT' });
        count += on ? -1 : 1; on = !on; paint();
        if (on) voted.add(r.id); else voted.delete(r.id);
      } catch (err) { actions.append(errorEl(err)); }
      helpful.disabled = false;
    });
    const report = h('button', { type: 'button', class: 'link-button small', text: 'Report', 'aria-expanded': 'false' });
    const actions = h('div', { class: 'review-actions' }, helpful, report);
    report.addEventListener('click', () => {
      if (actions.querySelector('form')) { actions.querySelector('form').remove(); report.setAttribute('aria-expanded', 'false'); return; }
      report.setAttribute('aria-expanded', 'true');
      const f = h('form', { class: 'report-form', 'aria-label': 'Report this review' },
        field('Reason', h('select', { name: 'reason', required: true },
          [['spam', 'Spam or advertising'], ['offensive', 'Offensive'], ['off_topic', 'Not about the park'], ['other', 'Something else']]
            .map(([value, text]) => h('option', { value, text })))),
        field('Note for the moderators (optional)', h('textarea', { name: 'note', maxlength: 500, rows: 2 })),
        h('button', { type: 'submit', text: 'Send report' }));
      onSubmit(f, async (v) => {
        await api(`/reviews/${r.id}/reports`, { method: 'POST', body: { reason: v.reason, note: v.note.trim() || null } });
        replace(f, h('p', { role: 'status', text: 'Thank you. A moderator will look at this review.' }));
      });
      actions.append(f);
      f.querySelector('select').focus();
    });
    li.append(actions);
  } else if (me) {
    li.append(h('p', { class: 'muted small', text: `Your review · ${plural(r.helpful_count, 'person', 'people')} found it helpful` }));
  } else if (r.helpful_count) {
    li.append(h('p', { class: 'muted small helpful-count', text: `${plural(r.helpful_count, 'person', 'people')} found this helpful` }));
  }
  return li;
}

const fetchReviews = pager(reviewsList, moreReviews, { item: reviewItem, loadingText: 'Loading reviews…',
  empty: () => (starsFilter ? `No ${starsFilter}-star reviews.` : 'No reviews yet.'),
  fetchPage: (cursor) => api(`/parks/${park.id}/reviews`, { query: { sort: sortSel.value, stars: starsFilter, limit: 10, cursor } }) });
function loadReviews() {
  filterNote.replaceChildren();
  if (starsFilter) {
    filterNote.append(`Showing only ${starsFilter}-star reviews. `,
      h('button', { type: 'button', class: 'link-button', text: 'Show all reviews', onclick: () => { starsFilter = null; renderSummary(); loadReviews(); } }));
  }
  return fetchReviews();
}
sortSel.addEventListener('change', () => loadReviews());

async function renderMine() {
  if (!me) { replace(mine); mine.hidden = true; return; }
  replace(mine, h('h2', { id: 'mine-h', text: 'Your review' }), loadingEl());
  try {
    const own = await api('/users/me/reviews', { query: { limit: 50 } });
    myReview = own.items.find((r) => r.park_id === park.id) || null;
  } catch (err) { replace(mine, h('h2', { id: 'mine-h', text: 'Your review' }), errorEl(err, renderMine)); return; }
  if (myReview) showMine(); else offerForm();
}

// Without a review yet: one button opens the form, so the reviews stay near the top on a phone.
function offerForm(note) {
  const open = h('button', { type: 'button', class: 'write-review', text: 'Write a review', 'aria-expanded': 'false' });
  open.addEventListener('click', () => { showForm(null, note); mine.querySelector('input[type=radio], input')?.focus(); });
  replace(mine, h('h2', { id: 'mine-h', class: 'visually-hidden', text: 'Your review' }),
    note ? h('p', { role: 'status', text: note }) : null, open);
}

function showMine(msg) {
  const r = myReview;
  replace(mine, h('h2', { id: 'mine-h', text: 'Your review' }),
    typeof msg === 'string' ? h('p', { class: 'form-status ok', role: 'status', text: msg }) : null,
    h('article', { class: 'review mine' }, reviewBody(r),
      r.hidden ? h('p', { class: 'warn', text: 'A moderator has hidden this review; only you and the moderators see it.' }) : null,
      h('div', { class: 'review-actions' },
        h('button', { type: 'button', class: 'secondary', text: 'Edit your review', onclick: () => showForm(r) }),
        h('button', { type: 'button', class: 'danger', text: 'Delete your review', onclick: deleteMine }))),
    photoEditor(r, refreshGallery));
}

async function deleteMine(ev) {
  if (!confirm('Delete your review? Your star rating for the park stays unless you remove it too.')) return;
  ev.currentTarget.disabled = true;
  try {
    await api(`/reviews/${myReview.id}`, { method: 'DELETE' });
    myReview = null;
    await refreshPark();
    offerForm('Your review was deleted. Your star rating stays; write a new review to change it, or remove it from the form.');
    loadReviews();
  } catch (err) { mine.append(errorEl(err)); ev.currentTarget.disabled = false; }
}

function showForm(r, note) {
  const stars = starInput('stars', 'Your rating', r ? r.stars : null);
  const month = h('input', { type: 'month', name: 'visited_on', max: new Date().toISOString().slice(0, 7), value: r?.visited_on || '' });
  const camper = h('select', { name: 'camper_type' }, h('option', { value: '', text: 'Not given' }),
    CAMPER_TYPES.map(([value, text]) => h('option', { value, text, selected: r?.camper_type === value })));
  const form = h('form', { class: 'review-form', 'aria-label': r ? 'Edit your review' : 'Write a review', novalidate: true },
    stars,
    field('Title', h('input', { name: 'title', required: true, maxlength: 120, value: r?.title || '' })),
    field('Your review', h('textarea', { name: 'body', required: true, maxlength: 5000, rows: 6, text: r?.body || '' })),
    h('div', { class: 'row' }, field('Month visited (optional)', month), field('How you stayed (optional)', camper)),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', text: r ? 'Save changes' : 'Publish review' }),
      h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => (r ? showMine() : offerForm()) })));
  onSubmit(form, async (v) => {
    if (!v.stars) throw { status: 400, field: 'stars', message: 'Choose from 1 to 5 stars.' };
    if (!v.title.trim()) throw { status: 400, field: 'title', message: 'Give your review a title.' };
    if (!v.body.trim()) throw { status: 400, field: 'body', message: 'Write a few words about your visit.' };
    const body = { stars: Number(v.stars), title: v.title, body: v.body,
      visited_on: v.visited_on || null, camper_type: v.camper_type || null };
    if (r) {
      myReview = await api(`/reviews/${r.id}`, { method: 'PATCH', body });
    } else {
      if (!body.visited_on) delete body.visited_on;
      if (!body.camper_type) delete body.camper_type;
      try {
        myReview = await api(`/parks/${park.id}/reviews`, { method: 'POST', body });
      } catch (err) {
        if (err.code === 'already_reviewed') { await renderMine(); return; }
        throw err;
      }
    }
    await refreshPark();
    showMine(r ? 'Your changes are saved.' : 'Thank you! Your review is published.');
    loadReviews();
  });
  replace(mine, h('h2', { id: 'mine-h', text: r ? 'Edit your review' : 'Write a review' }), note ? h('p', { role: 'status', text: note }) : null, form,
    r ? photoEditor(r, refreshGallery) : h('p', { class: 'muted small', text: 'Once your review is published you can add up to 6 photos to it.' }));
  if (!r) mine.append(ratingOnly(!!note && note.includes('rating stays')));
}

// A rating without a review, for campers who only want to give stars. The caller's current
// rating is asked for only when the box is opened (a camper with none gets 404 not_rated).
function ratingOnly(open) {
  const box = h('details', { class: 'rating-only' }, h('summary', { text: 'Only rate it, without a review' }));
  let filled = false;
  box.addEventListener('toggle', async () => {
    if (!box.open || filled) return;
    filled = true;
    const spin = loadingEl();
    box.append(spin);
    let mineStars = null;
    try { mineStars = (await api(`/parks/${park.id}/rating`)).stars; } catch { mineStars = null; }
    spin.remove();
    const form = h('form', { 'aria-label': 'Your rating' }, starInput('stars', 'Your rating', mineStars),
      h('div', { class: 'actions' }, h('button', { type: 'submit', text: 'Save rating' }),
        mineStars ? h('button', { type: 'button', class: 'secondary', text: 'Remove my rating', onclick: async () => {
          try { await api(`/parks/${park.id}/rating`, { method: 'DELETE' }); await refreshPark(); showForm(null, 'Your rating was removed.'); }
          catch (err) { status(form, err.message, 'error'); }
        } }) : null));
    onSubmit(form, async (v) => {
      if (!v.stars) throw { status: 400, field: 'stars', message: 'Choose from 1 to 5 stars.' };
      await api(`/parks/${park.id}/rating`, { method: 'PUT', body: { stars: Number(v.stars) } });
      await refreshPark();
      status(form, 'Your rating is saved.');
    });
    box.append(form);
  });
  box.open = !!open;
  return box;
}

start();
