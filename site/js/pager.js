// A paged list: loading, empty and error states, "load more" with the API's cursor, and only the
// newest request's answer shown. fetchPage(cursor) → {items, next_cursor}; item(x) → <li>.
// Returns load(append): load() starts over, load(true) appends the next page.
import { h, replace, loadingEl, errorEl } from './dom.js';

export function pager(list, more, { fetchPage, item, empty, loadingText = 'Loading…', after }) {
  let cursor = null, seq = 0, errBox = null;
  async function load(append = false) {
    const my = ++seq;
    if (!append) { cursor = null; replace(list); }
    errBox?.remove();
    more.hidden = true;
    const spin = loadingEl(loadingText);
    list.after(spin);
    try {
      const res = await fetchPage(cursor);
      if (my !== seq) return;
      const items = res.items.map(item);
      list.append(...items);
      // "Load more" hides itself when the list ends: keep the keyboard in the list, on the first
      // new item, rather than losing focus to the page's top.
      if (append && items[0] && (document.activeElement === more || document.activeElement === document.body)) {
        items[0].tabIndex = -1;
        items[0].focus();
      }
      cursor = res.next_cursor;
      more.hidden = !cursor;
      if (!list.children.length) list.append(h('li', { class: 'empty', text: typeof empty === 'function' ? empty() : empty }));
      if (after) after(list.querySelectorAll(':scope > li:not(.empty)').length, !!cursor);
    } catch (err) {
      if (my === seq) { errBox = errorEl(err, () => load(append)); list.after(errBox); }
    } finally { spin.remove(); }
  }
  more.addEventListener('click', () => load(true));
  return load;
}
