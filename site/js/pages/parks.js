// Home: find a park by name (forgiving: "Smokies", "utah", one typo), state, region, what it
// offers and the month that suits it; sort by rating, reviews, name or distance. Search, filters
// and sort live in the address (?q=&state=&region=…&sort=), so a shared link opens the same list
// and Back returns to the previous one.
import { api } from '../api.js';
import { h, replace, field, fmtAvg, plural, starsEl } from '../dom.js';
import { pager } from '../pager.js';
import { shell } from '../layout.js';
import { parkHref } from '../parklink.js';
import { coverImg } from '../photos.js';

await shell('parks');
const page = document.getElementById('page');

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const words = (v) => v.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
// The list's filters beyond name and state: [URL/API parameter, label, "any" text].
const FILTERS = [['region', 'Region', 'Anywhere'], ['stay', 'Stay', 'Any way'], ['activity', 'Things to do', 'Anything'],
  ['terrain', 'Landscape', 'Any'], ['water', 'Water', 'Any'], ['wildlife', 'Wildlife', 'Any']];

const q = h('input', { type: 'search', name: 'q', autocomplete: 'off', placeholder: 'e.g. Zion, Smokies, Utah' });
const state = h('select', { name: 'state' }, h('option', { value: '', text: 'All states' }));
const sort = h('select', { name: 'sort' },
  [['name', 'Name'], ['rating', 'Rating'], ['reviews', 'Most reviewed'], ['distance', 'Distance from me']]
    .map(([value, text]) => h('option', { value, text })));
const selects = Object.fromEntries(FILTERS.map(([name, , any]) => [name, h('select', { name }, h('option', { value: '', text: any }))]));
const goodIn = h('select', { name: 'good_in' }, h('option', { value: '', text: 'Any month' }),
  MONTHS.map((m, i) => h('option', { value: String(i + 1), text: m })));
const near = h('button', { type: 'button', class: 'secondary', text: 'Near me' });
const clear = h('button', { type: 'button', class: 'link-button', text: 'Clear filters' });
const geoMsg = h('p', { class: 'geo-msg', role: 'status' });
const more = h('details', { class: 'more-filters' }, h('summary', { text: 'More filters' }),
  h('div', { class: 'filters-grid' }, FILTERS.map(([name, label]) => field(label, selects[name])),
    field('Good in (reviewers liked it)', goodIn)));
const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Find parks' },
  field('Park name', q, 'Or a state, or a name like "Smokies"; small typos are fine.'), field('State', state), field('Sort by', sort),
  h('div', { class: 'field actions' }, near), more);
const count = h('p', { class: 'result-count', role: 'status' });
const list = h('ul', { class: 'cards', 'aria-label': 'Parks' });
const moreBtn = h('button', { type: 'button', class: 'secondary', text: 'Show more parks', hidden: true });
replace(page,
  h('p', { class: 'lede', text: 'All 63 U.S. national parks, rated and reviewed by campers. Search by name or state, filter by what you want to do, or find where reviewers liked it in the month you can go.' }),
  form, geoMsg, h('div', { class: 'result-bar' }, count, clear), list, moreBtn);

let position = null; // {lat, lon}
let stateNames = {};  // "UT" → "Utah", from /api/park-filters

const statesText = (codes) => codes.map((c) => (stateNames[c] ? `${stateNames[c]} (${c})` : c)).join(', ');
function card(p) {
  const rating = p.rating.count
    ? h('span', { class: 'rating' }, starsEl(p.rating.average), ` ${fmtAvg(p.rating.average)} `,
        h('span', { class: 'muted', text: `(${plural(p.rating.count, 'rating')})` }))
    : h('span', { class: 'muted', text: 'No ratings yet' });
  return h('li', { class: 'card park-card' },
    coverImg(p, 'card-cover'),
    h('h2', {}, h('a', { href: parkHref(p.slug), text: p.name })),
    h('p', { class: 'states', 'data-codes': p.states.join(','), text: statesText(p.states) }),
    h('p', {}, rating),
    h('p', { class: 'muted', text: plural(p.review_count, 'review') +
      (p.distance_km !== undefined ? ` · ${Math.round(p.distance_km).toLocaleString('en-US')} km away` : '') }));
}

const controls = () => ({ q, state, sort, good_in: goodIn, ...selects });
// The list's query from the controls: what goes into the address and to the API.
function query() {
  const out = {};
  for (const [name, el] of Object.entries(controls())) {
    const v = el.value.trim();
    if (v && !(name === 'sort' && v === 'name')) out[name] = v;
  }
  return out;
}
function fromUrl() {
  const p = new URLSearchParams(location.search);
  for (const [name, el] of Object.entries(controls())) {
    const v = p.get(name) || (name === 'sort' ? 'name' : '');
    // Until the filters' values arrive, a value from the address gets a stand-in option.
    if (el.tagName === 'SELECT' && v && ![...el.options].some((o) => o.value === v)) el.append(h('option', { value: v, text: words(v), 'data-temp': '' }));
    el.value = v;
  }
  more.open = FILTERS.some(([name]) => selects[name].value) || !!goodIn.value;
}
function toUrl(push) {
  const qs = new URLSearchParams(query()).toString();
  const url = location.pathname + (qs ? '?' + qs : '');
  if (url === location.pathname + location.search) return;
  if (push) history.pushState(null, '', url); else history.replaceState(null, '', url);
}

const fetchParks = pager(list, moreBtn, { item: card, loadingText: 'Loading parks…',
  empty: 'No park matches. Try another name, or fewer filters.',
  fetchPage: (cursor) => {
    const q2 = { ...query(), limit: 24, cursor };
    if (q2.sort === 'distance') q2.near = `${position.lat.toFixed(4)},${position.lon.toFixed(4)}`;
    return api('/parks', { query: q2 });
  },
  after: (n, hasMore) => {
    count.textContent = n ? `${plural(n, 'park')} shown${hasMore ? ', more below' : ''}.` : '';
    clear.hidden = Object.keys(query()).filter((k) => k !== 'sort').length === 0;
  } });
function load() {
  if (sort.value === 'distance' && !position) return locate();
  return fetchParks();
}
// A change by the camper: into the address (a new history entry unless typing), then the list.
function changed(push) { toUrl(push); return load(); }

function locate() {
  geoMsg.textContent = 'Asking your browser for your location…';
  geoMsg.className = 'geo-msg';
  if (!('geolocation' in navigator)) return refused('Your browser cannot share a location, so parks are sorted by name.');
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition((pos) => {
      position = { lat: pos.coords.latitude, lon: pos.coords.longitude };
      geoMsg.textContent = `Sorted by distance from ${position.lat.toFixed(2)}°, ${position.lon.toFixed(2)}°.`;
      sort.value = 'distance';
      toUrl(false);
      resolve(fetchParks());
    }, (e) => {
      resolve(refused(e.code === 1
        ? 'Location was refused, so parks are sorted by name. Allow location for this site to sort by distance.'
        : 'Your location could not be found, so parks are sorted by name.'));
    }, { timeout: 10000, maximumAge: 600000 });
  });
}
function refused(text) {
  geoMsg.textContent = text;
  geoMsg.className = 'geo-msg warn';
  sort.value = 'name';
  toUrl(false);
  return fetchParks();
}

let timer;
q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => changed(false), 250); });
for (const el of [state, sort, goodIn, ...Object.values(selects)]) el.addEventListener('change', () => changed(true));
near.addEventListener('click', () => { position = null; sort.value = 'distance'; changed(true); });
clear.addEventListener('click', () => {
  for (const [name, el] of Object.entries(controls())) if (name !== 'sort') el.value = '';
  changed(true);
});
form.addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(timer); changed(true); });
window.addEventListener('popstate', () => { fromUrl(); load(); });

fromUrl();
load();

// The filters' values (with how many parks each keeps) and the states' names, filled in when they
// arrive, keeping what is chosen; the list works without them, with codes only.
api('/park-filters').then((f) => {
  stateNames = Object.fromEntries(f.states.map((st) => [st.code, st.name]));
  const fill = (el, options) => {
    const v = el.value;
    el.querySelectorAll('option[data-temp]').forEach((o) => o.remove());
    el.append(...options);
    el.value = v;
  };
  fill(state, f.states.map((st) => h('option', { value: st.code, text: `${st.name} (${st.code})` })));
  fill(selects.region, f.regions.map((r) => h('option', { value: r.value, text: `${r.label} (${r.parks})` })));
  for (const [name] of FILTERS.slice(1)) {
    fill(selects[name], f[name].map((v) => h('option', { value: v.value, text: `${words(v.value)} (${v.parks})` })));
  }
  list.querySelectorAll('.states[data-codes]').forEach((el) => { el.textContent = statesText(el.dataset.codes.split(',')); });
}).catch(() => { /* codes only, and the filters' values from the address */ });
