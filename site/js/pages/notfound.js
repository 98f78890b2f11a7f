// The site's 404 page (nginx serves it for any address without a page): the header, and the parks
// the forgiving search finds for the words of the address ("/parks/yelowstone" → Yellowstone).
import { api } from '../api.js';
import { h } from '../dom.js';
import { shell } from '../layout.js';
import { parkHref } from '../parklink.js';

await shell('');
const page = document.getElementById('page');
const words = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() || '')
  .replace(/\.html?$/, '').replace(/[-_]+/g, ' ').trim().slice(0, 100);
if (words) {
  try {
    const found = await api('/parks', { query: { q: words, limit: 5 } });
    if (found.items.length) {
      page.append(h('section', { class: 'card', 'aria-labelledby': 'maybe-h' },
        h('h2', { id: 'maybe-h', text: 'Were you looking for…' }),
        h('ul', {}, found.items.map((p) => h('li', {}, h('a', { href: parkHref(p.slug), text: p.name }))))));
    }
  } catch { /* the links above still lead on */ }
}
