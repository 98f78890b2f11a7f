// One review as shown in lists (park page, account, moderation queue).
import { h, fmtDate, fmtMonth, starsEl } from './dom.js';

// The site's one list of camper types: the review form's choices, with their labels. The API's
// list is the database's; the browser tests check that the two agree.
export const CAMPER_TYPES = [['tent', 'Tent'], ['rv', 'RV'], ['van', 'Van'], ['cabin', 'Cabin'],
  ['backpacking', 'Backpacking'], ['day_use', 'Day use']];
export const camperName = (t) => (CAMPER_TYPES.find(([k]) => k === t) || [t, t])[1];

export function reviewBody(r, { heading = 'h3', park } = {}) {
  const facts = [fmtDate(r.created_at)];
  if (r.updated_at && r.updated_at !== r.created_at) facts.push('edited');
  if (r.visited_on) facts.push(`visited ${fmtMonth(r.visited_on)}`);
  if (r.camper_type) facts.push(camperName(r.camper_type));
  return [
    h(heading, { class: 'review-title' }, starsEl(r.stars, `${r.stars} out of 5 stars`), ' ', h('span', { text: r.title })),
    h('p', { class: 'byline' }, park || null, park ? ' · ' : null, h('span', { text: r.author.display_name }),
      ` · ${facts.join(' · ')}`, r.hidden ? h('strong', { class: 'badge', text: 'Hidden' }) : null),
    h('p', { class: 'body', text: r.body }),
  ];
}
