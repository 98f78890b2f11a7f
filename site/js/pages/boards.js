// Boards: the camping boards, the general board and one board per park; read and post.
import { api } from '../api.js';
import { h, replace, field, loadingEl, errorEl, param } from '../dom.js';
import { shell } from '../layout.js';
import { board } from '../posts.js';

const me = await shell('boards');
const page = document.getElementById('page');

async function start() {
  replace(page, loadingEl('Loading boards…'));
  let channels;
  try { channels = (await api('/channels')).items; } catch (err) { replace(page, errorEl(err, start)); return; }
  const wanted = Number(param('channel')) || (channels.find((c) => c.kind === 'camping') || channels[0]).id;
  const groups = [['camping', 'Camping boards'], ['general', 'General'], ['park', 'Park boards']];
  const nav = h('nav', { class: 'board-nav', 'aria-label': 'Boards' });
  const counts = []; // [channel, element, how it shows the count]: redrawn when the reader posts or deletes
  const counted = (c, el, show) => { counts.push([c, el, show]); show(el, c); return el; };
  for (const [kind, label] of groups.slice(0, 2)) {
    const cs = channels.filter((c) => c.kind === kind);
    if (!cs.length) continue;
    nav.append(h('h2', { text: label }), h('ul', {}, cs.map((c) => h('li', {},
      h('a', { href: `?channel=${c.id}`, 'aria-current': c.id === wanted ? 'page' : null, text: c.name },
        counted(c, h('span', { class: 'muted' }), (el, x) => { el.textContent = ` (${x.post_count})`; }))))));
  }
  const parkSel = h('select', { name: 'park_board' }, h('option', { value: '', text: 'Choose a park…' }),
    channels.filter((c) => c.kind === 'park').map((c) => counted(c, h('option', { value: c.id, selected: c.id === wanted }),
      (el, x) => { el.textContent = `${x.name} (${x.post_count})`; })));
  parkSel.addEventListener('change', () => { if (parkSel.value) location.search = `?channel=${parkSel.value}`; });
  nav.append(h('h2', { text: 'Park boards' }), field('Park board', parkSel));

  const ch = channels.find((c) => c.id === wanted);
  const main = h('section', { class: 'board-main', 'aria-labelledby': 'board-h' });
  if (!ch) {
    main.append(h('h2', { id: 'board-h', text: 'Board not found' }), errorEl(new Error('There is no such board. Pick one from the list.')));
  } else {
    document.title = `${ch.name} board — Frostbyte`;
    main.append(h('h2', { id: 'board-h', text: `${ch.name} board` }),
      h('p', { class: 'muted', text: ch.kind === 'park' ? `Trip reports and questions about ${ch.name}. ` : 'Tips, questions and trip reports from campers.' },
        ch.park_id ? h('a', { href: `/park.html?park=${ch.park_id}`, text: 'See the park page' }) : null),
      board(ch.id, me, { limit: 10, onCount: (d) => {
        ch.post_count += d;
        for (const [c, el, show] of counts) if (c === ch) show(el, c);
      } }));
  }
  replace(page, h('div', { class: 'boards-layout' }, nav, main));
}
start();
