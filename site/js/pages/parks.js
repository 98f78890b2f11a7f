// Home: find a park by name and state, sort by rating, reviews, name or distance from you.
import { api, all } from '../api.js';
import { h, replace, field, fmtAvg, plural, starsEl } from '../dom.js';
import { pager } from '../pager.js';
import { shell } from '../layout.js';
import { coverImg } from '../photos.js';

await shell('parks');
const page = document.getElementById('page');

const q = h('input', { type: 'search', name: 'q', autocomplete: 'off', placeholder: 'e.g. Zion' });
const state = h('select', { name: 'state' }, h('option', { value: '', text: 'All states' }));
const sort = h('select', { name: 'sort' },
  [['name', 'Name'], ['rating', 'Rating'], ['reviews', 'Most reviewed'], ['distance', 'Distance from me']]
    .map(([value, text]) => h('option', { value, text })));
const near = h('button', { type: 'button', class: 'secondary', text: 'Near me' });
const geoMsg = h('p', { class: 'geo-msg', role: 'status' });
const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Find parks' },
  field('Park name', q), field('State', state), field('Sort by', sort),
  h('div', { class: 'field actions' }, near));
const count = h('p', { class: 'result-count', role: 'status' });
const list = h('ul', { class: 'cards', 'aria-label': 'Parks' });
const more = h('button', { type: 'button', class: 'secondary', text: 'Show more parks', hidden: true });
replace(page,
  h('p', { class: 'lede', text: 'All 63 U.S. national parks, rated and reviewed by campers. Search by name, pick a state, or sort by what you care about.' }),
  form, geoMsg, count, list, more);

let position = null; // {lat, lon}

function card(p) {
  const rating = p.rating.count
    ? h('span', { class: 'rating' }, starsEl(p.rating.average), ` ${fmtAvg(p.rating.average)} `,
        h('span', { class: 'muted', text: `(${plural(p.rating.count, 'rating')})` }))
    : h('span', { class: 'muted', text: 'No ratings yet' });
  return h('li', { class: 'card park-card' },
    coverImg(p, 'card-cover'),
    h('h2', {}, h('a', { href: `/park.html?park=${encodeURIComponent(p.slug)}`, text: p.name })),
    h('p', { class: 'states', text: p.states.join(', ') }),
    h('p', {}, rating),
    h('p', { class: 'muted', text: plural(p.review_count, 'review') +
      (p.distance_km !== undefined ? ` · ${Math.round(p.distance_km).toLocaleString('en-US')} km away` : '') }));
}

const fetchParks = pager(list, more, { item: card, loadingText: 'Loading parks…', empty: 'No park matches. Try another name or state.',
  fetchPage: (cursor) => api('/parks', { query: { ...query(), limit: 24, cursor } }),
  after: (n, hasMore) => { count.textContent = n ? `${plural(n, 'park')} shown${hasMore ? ', more below' : ''}.` : ''; } });
function query() {
  const q2 = { q: q.value.trim(), state: state.value, sort: sort.value };
  if (sort.value === 'distance') q2.near = `${position.lat.toFixed(4)},${position.lon.toFixed(4)}`;
  return q2;
}
function load() {
  if (sort.value === 'distance' && !position) return locate();
  return fetchParks();
}

function locate() {
  geoMsg.textContent = 'Asking your browser for your location…';
  geoMsg.className = 'geo-msg';
  if (!('geolocation' in navigator)) return refused('Your browser cannot share a location, so parks are sorted by name.');
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition((pos) => {
      position = { lat: pos.coords.latitude, lon: pos.coords.longitude };
      geoMsg.textContent = `Sorted by distance from ${position.lat.toFixed(2)}°, ${position.lon.toFixed(2)}°.`;
      sort.value = 'distance';
      resolve(load());
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
  return load();
}

let timer;
q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => load(), 250); });
state.addEventListener('change', () => load());
sort.addEventListener('change', () => load());
near.addEventListener('click', () => { position = null; sort.value = 'distance'; load(); });
form.addEventListener('submit', (e) => { e.preventDefault(); load(); });

load();
all('/parks').then((parks) => {
  const codes = [...new Set(parks.flatMap((p) => p.states))].sort();
  state.append(...codes.map((c) => h('option', { value: c, text: c })));
}).catch(() => { /* the list still works without the state filter's options */ });
