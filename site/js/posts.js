// A board's posts (newest first, "load more") with the form to post, used by the boards page
// and by each park page for the park's own board. onCount(+1 or -1) hears of each post the reader
// adds or deletes, so a page's post counts follow them.
import { api } from './api.js';
import { h, field, onSubmit, status, errorEl, fmtDate } from './dom.js';
import { pager } from './pager.js';
import { signInPrompt } from './layout.js';

export function board(channelId, me, { limit = 10, heading = 'h3', onCount = () => {} } = {}) {
  const root = h('div', { class: 'board' });
  const list = h('ul', { class: 'posts', 'aria-label': 'Posts' });
  const more = h('button', { type: 'button', class: 'secondary', text: 'Load more posts', hidden: true });

  function post(p) {
    const li = h('li', { class: 'post' },
      h(heading, { text: p.title }),
      h('p', { class: 'byline' }, h('span', { text: p.author.display_name }), ` · ${fmtDate(p.created_at)}`),
      h('p', { class: 'body', text: p.body }));
    if (me && (me.id === p.author.id || me.role === 'admin')) {
      li.append(h('button', { type: 'button', class: 'link-button danger', text: 'Delete post',
        onclick: async (ev) => {
          if (!confirm('Delete this post?')) return;
          ev.currentTarget.disabled = true;
          try { await api(`/posts/${p.id}`, { method: 'DELETE' }); li.remove(); onCount(-1); if (!list.children.length) load(); }
          catch (err) { li.append(errorEl(err)); ev.currentTarget.disabled = false; }
        } }));
    }
    return li;
  }

  const load = pager(list, more, { item: post, loadingText: 'Loading posts…', empty: 'No posts yet. Start the conversation.',
    fetchPage: (cursor) => api(`/channels/${channelId}/posts`, { query: { limit, cursor } }) });

  let form;
  if (me) {
    form = h('form', { class: 'post-form', 'aria-label': 'New post' },
      field('Title', h('input', { name: 'title', required: true, maxlength: 120 })),
      field('Message', h('textarea', { name: 'body', required: true, maxlength: 5000, rows: 4 })),
      h('button', { type: 'submit', text: 'Post' }));
    onSubmit(form, async (v) => {
      await api(`/channels/${channelId}/posts`, { method: 'POST', body: { title: v.title, body: v.body } });
      form.reset();
      onCount(+1);
      status(form, 'Posted.');
      await load();
    });
  } else {
    form = signInPrompt('post on this board');
  }
  root.append(form, list, more);
  load();
  return root;
}
