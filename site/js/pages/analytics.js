// Analytics: site figures, top parks, and for one park its rating distribution, reviews per
// month and how reviewers stayed, as charts with every figure also written out.
import { api, all } from '../api.js';
import { h, replace, field, loadingEl, errorEl, fmtAvg, fmtMonth, param, plural } from '../dom.js';
import { shell } from '../layout.js';
import { barChart, columnChart } from '../chart.js';
import { camperName } from '../reviews.js';
import { parkHref } from '../parklink.js';

await shell('analytics');
const page = document.getElementById('page');
const parkBox = h('section', { class: 'card', 'aria-labelledby': 'park-an-h' });
const short = (d) => d.slice(5).replace('-', '/');

async function start() {
  replace(page, loadingEl('Loading the figures…'));
  let sum, parks;
  try { [sum, parks] = await Promise.all([api('/analytics/summary'), all('/parks')]); }
  catch (err) { replace(page, errorEl(err, start)); return; }
  const figure = (n, label) => h('div', { class: 'figure' }, h('dd', { class: 'big', text: n }), h('dt', { text: label }));
  const tiles = h('dl', { class: 'figures' },
    figure(String(sum.parks), 'parks'), figure(String(sum.users), 'members'), figure(String(sum.reviews), 'reviews'),
    figure(String(sum.ratings), 'ratings'), figure(fmtAvg(sum.average_rating), 'average stars'));
  const top = sum.top_rated.length
    ? barChart(sum.top_rated.map((p) => ({ label: p.name, value: p.score, short: `(${plural(p.rating.count, 'rating')})`, note: `(${plural(p.rating.count, 'rating')}, average ${fmtAvg(p.rating.average)})` })),
        { title: 'Top rated parks (weighted score out of 5)', unit: 'Score', max: 5, format: fmtAvg,
          min: Math.max(0, Math.floor(Math.min(...sum.top_rated.map((p) => p.score)) * 2 - 1) / 2) })
    : h('p', { class: 'empty', text: 'No ratings yet.' });
  const most = sum.most_reviewed.length
    ? barChart(sum.most_reviewed.map((p) => ({ label: p.name, value: p.review_count })), { title: 'Most reviewed parks', unit: 'Reviews' })
    : h('p', { class: 'empty', text: 'No reviews yet.' });
  const activity = columnChart(sum.activity.map((d) => ({ label: d.day, short: short(d.day), value: d.reviews + d.ratings })),
    { title: 'New reviews and ratings per day, last 30 days' });

  const sel = h('select', { name: 'park' }, parks.map((p) => h('option', { value: p.id, text: p.name })));
  const wanted = Number(param('park')) || (sum.most_reviewed[0] || sum.top_rated[0] || parks[0]).id;
  sel.value = String(wanted);
  sel.addEventListener('change', () => { history.replaceState(null, '', `?park=${sel.value}`); loadPark(parks); });
  replace(page,
    h('section', { class: 'card', 'aria-labelledby': 'site-h' }, h('h2', { id: 'site-h', text: 'The site' }), tiles, activity),
    h('div', { class: 'two-col' },
      h('section', { class: 'card', 'aria-labelledby': 'top-h' }, h('h2', { id: 'top-h', text: 'Top rated' }),
        h('p', { class: 'hint', text: 'Weighted so one 5-star rating does not outrank hundreds of good ones.' }), top),
      h('section', { class: 'card', 'aria-labelledby': 'most-h' }, h('h2', { id: 'most-h', text: 'Most reviewed' }), most)),
    h('div', { class: 'park-picker' }, field('Park', sel)), parkBox);
  loadPark(parks);
}

async function loadPark(parks) {
  const id = Number(page.querySelector('select[name=park]').value);
  const p = parks.find((x) => x.id === id);
  replace(parkBox, h('h2', { id: 'park-an-h', text: p.name }), loadingEl());
  try {
    const a = await api(`/analytics/parks/${id}`);
    const d = a.rating.distribution;
    const total = a.rating.count;
    replace(parkBox, h('h2', { id: 'park-an-h', text: p.name }),
      h('p', {}, `Average ${fmtAvg(a.rating.average)} from ${plural(a.rating.count, 'rating')}; ${plural(a.review_count, 'review')}. `,
        h('a', { href: parkHref(p.slug), text: 'Open the park page' })),
      h('div', { class: 'two-col' },
        barChart([5, 4, 3, 2, 1].map((n) => ({ label: `${n} star${n > 1 ? 's' : ''}`, value: d[String(n)],
          short: total ? `(${Math.round((d[String(n)] / total) * 100)}%)` : '', note: total ? `(${Math.round((d[String(n)] / total) * 100)}%)` : '' })), { title: 'Rating distribution', unit: 'Ratings' }),
        barChart(Object.entries(a.camper_types).map(([k, value]) => ({ label: camperName(k), value })), { title: 'How reviewers stayed', unit: 'Reviews' })),
      columnChart(a.reviews_by_month.map((m) => ({ label: fmtMonth(m.month), short: fmtMonth(m.month).slice(0, 3), value: m.count })),
        { title: 'Reviews per month, last 24 months' }));
  } catch (err) { replace(parkBox, h('h2', { id: 'park-an-h', text: p.name }), errorEl(err, () => loadPark(parks))); }
}
start();
