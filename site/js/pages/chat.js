// Ranger chat: your conversations, one chat at a time with its history, a visible "thinking"
// state, retry when the ranger could not answer. Replies are plain text (textContent).
import { api } from '../api.js';
import { h, replace, field, loadingEl, emptyEl, errorEl, fmtDate, param } from '../dom.js';
import { shell, signInPrompt } from '../layout.js';

const me = await shell('chat');
const page = document.getElementById('page');
let current = Number(param('c')) || null;
const convList = h('ul', { class: 'conversations', 'aria-label': 'Your conversations' });
const log = h('ol', { class: 'chat-log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages' });
const thinking = h('p', { class: 'thinking', role: 'status', hidden: true }, h('span', { class: 'dots', 'aria-hidden': 'true' }), ' The ranger is thinking…');
const input = h('textarea', { name: 'text', rows: 2, maxlength: 2000, required: true, placeholder: 'Ask about campsites, gear, seasons…' });
const send = h('button', { type: 'submit', text: 'Send' });
const form = h('form', { class: 'chat-form', 'aria-label': 'Send a message' }, field('Your message', input), send);
const chatTitle = h('h2', { id: 'chat-h', text: 'New conversation' });
const del = h('button', { type: 'button', class: 'link-button danger small', text: 'Delete this conversation', hidden: true });
del.addEventListener('click', async () => {
  if (!current || !confirm('Delete this conversation and its messages?')) return;
  try {
    await api(`/chat/conversations/${current}`, { method: 'DELETE' });
    await loadConversations();
    open(null);
  } catch (err) { log.after(errorEl(err)); }
});

function bubble(m, extra) {
  return h('li', { class: `msg ${m.role}${extra ? ' ' + extra : ''}` },
    h('span', { class: 'who', text: m.role === 'user' ? 'You' : 'Ranger' }),
    h('p', { class: 'text', text: m.text }));
}

async function loadConversations() {
  replace(convList, h('li', {}, loadingEl()));
  try {
    const res = await api('/chat/conversations', { query: { limit: 50 } });
    replace(convList, res.items.map((c) => h('li', {}, h('a', { href: `?c=${c.id}`, 'aria-current': c.id === current ? 'page' : null,
      onclick: (ev) => { ev.preventDefault(); open(c.id); } }, h('span', { text: c.title }), h('span', { class: 'muted small', text: ` ${fmtDate(c.updated_at)}` })))));
    if (!res.items.length) convList.append(h('li', { class: 'empty', text: 'No conversations yet.' }));
  } catch (err) { replace(convList, h('li', {}, errorEl(err, loadConversations))); }
}

async function open(id) {
  current = id;
  history.replaceState(null, '', id ? `?c=${id}` : location.pathname);
  convList.querySelectorAll('a').forEach((a) => a.toggleAttribute('aria-current', a.getAttribute('href') === `?c=${id}`));
  convList.querySelectorAll('a[aria-current]').forEach((a) => a.setAttribute('aria-current', 'page'));
  del.hidden = !id;
  if (!id) {
    chatTitle.textContent = 'New conversation';
    replace(log, h('li', { class: 'msg model intro' }, h('span', { class: 'who', text: 'Ranger' }),
      h('p', { class: 'text', text: 'Hello! Ask me anything about camping in the national parks.' })));
    input.focus();
    return;
  }
  replace(log, h('li', {}, loadingEl('Loading the conversation…')));
  try {
    const c = await api(`/chat/conversations/${id}`);
    chatTitle.textContent = c.title;
    replace(log, c.messages.map((m) => bubble(m)));
    if (!c.messages.length) log.append(h('li', { class: 'empty', text: 'No messages yet.' }));
    // A last message of the camper's own had no answer (the ranger failed): offer Retry again.
    const last = c.messages[c.messages.length - 1];
    if (last && last.role === 'user') failed(log.lastElementChild, last.text, 'The ranger did not answer this message.');
    log.lastElementChild?.scrollIntoView({ block: 'end' });
  } catch (err) {
    replace(log, h('li', {}, errorEl(err, () => open(id))));
  }
}

async function sendText(text, pendingEl) {
  form.querySelectorAll('.error-box').forEach((e) => e.remove());
  send.disabled = true; input.disabled = true; thinking.hidden = false;
  const mine = pendingEl || bubble({ role: 'user', text }, 'pending');
  if (!pendingEl) { log.querySelector('.empty, .intro')?.remove(); log.append(mine); }
  mine.querySelector('.retry-box')?.remove();
  mine.scrollIntoView({ block: 'end' });
  try {
    if (!current) {
      const c = await api('/chat/conversations', { method: 'POST', body: { title: text.slice(0, 60).trim() || 'Conversation' } });
      current = c.id;
      chatTitle.textContent = c.title;
      history.replaceState(null, '', `?c=${c.id}`);
      loadConversations();
    }
    const res = await api(`/chat/conversations/${current}/messages`, { method: 'POST', body: { text } });
    mine.classList.remove('pending', 'failed');
    log.append(bubble(res.reply));
    log.lastElementChild.scrollIntoView({ block: 'end' });
    input.value = '';
  } catch (err) {
    failed(mine, text, `Not answered: ${err.message}`, err.status !== 400);
  } finally {
    send.disabled = false; input.disabled = false; thinking.hidden = true;
    input.focus();
  }
}

// Marks a camper's message as not answered, with the reason and (unless the text itself was
// refused) a Retry button, scrolled into view so a phone shows both.
function failed(mine, text, why, retry = true) {
  mine.classList.remove('pending');
  mine.classList.add('failed');
  mine.querySelector('.retry-box')?.remove();
  const box = h('div', { class: 'retry-box', role: 'alert' }, h('p', { text: why }));
  if (retry) box.append(h('button', { type: 'button', class: 'secondary small', text: 'Retry', onclick: () => sendText(text, mine) }));
  mine.append(box);
  box.scrollIntoView({ block: 'nearest' });
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = input.value.trim();
  if (!text) { input.focus(); return; }
  sendText(text);
});
input.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
});

if (!me) {
  replace(page, h('p', { class: 'lede', text: 'Ask a ranger for camping advice: gear, seasons, campsites, wildlife safety.' }), signInPrompt('chat with the ranger'));
} else {
  replace(page, h('div', { class: 'chat-layout' },
    h('aside', { class: 'conv-side', 'aria-label': 'Conversations' },
      h('button', { type: 'button', class: 'secondary', text: 'New conversation', onclick: () => open(null) }), convList),
    h('section', { class: 'chat-main', 'aria-labelledby': 'chat-h' }, h('div', { class: 'chat-head' }, chatTitle, del), log, thinking, form,
      h('p', { class: 'hint', text: 'Enter sends; Shift+Enter starts a new line. The ranger is an AI: check closures and rules with the park.' }))));
  loadConversations();
  open(current);
}
