// The quiz: seven questions, a park with two alternatives and why; earlier results when signed in.
import { api } from '../api.js';
import { h, replace, onSubmit, loadingEl, emptyEl, errorEl, fmtDate } from '../dom.js';
import { shell, signInPrompt } from '../layout.js';
import { parkHref } from '../parklink.js';

const me = await shell('quiz');
const page = document.getElementById('page');
const resultBox = h('section', { class: 'quiz-result', 'aria-live': 'polite', tabindex: '-1' });
const history = h('section', { class: 'quiz-history', 'aria-labelledby': 'hist-h' });
const parkLink = (p) => h('a', { href: parkHref(p.slug), text: p.name });

async function start() {
  replace(page, loadingEl('Loading the quiz…'));
  let quiz;
  try { quiz = await api('/quiz'); } catch (err) { replace(page, errorEl(err, start)); return; }
  const form = h('form', { class: 'quiz', 'aria-label': 'Park quiz', novalidate: true },
    quiz.questions.map((q, i) => h('fieldset', { class: 'question' },
      h('legend', {}, h('span', { class: 'q-num', text: `${i + 1}. ` }), q.text),
      h('div', { class: 'options' }, q.options.map((o) => h('label', { class: 'option' },
        h('input', { type: 'radio', name: q.id, value: o.id, required: true }), h('span', { text: o.text })))))),
    h('button', { type: 'submit', text: 'Find my park' }));
  onSubmit(form, async (v) => {
    const missing = quiz.questions.find((q) => !v[q.id]);
    if (missing) throw { status: 400, field: missing.id, message: 'Please answer this question.' };
    const res = await api('/quiz/results', { method: 'POST', body: { answers: v } });
    showResult(res);
    if (me) loadHistory();
  });
  replace(page, h('p', { class: 'lede', text: 'Answer seven questions and we will suggest the national park that suits you, with two alternatives and why.' }),
    me ? null : h('p', { class: 'muted' }, 'Your result is not saved while you are signed out. ', signInPrompt('keep your results')),
    form, resultBox, history);
  if (me) loadHistory();
}

function showResult(res) {
  replace(resultBox,
    h('h2', { text: 'Your park' }),
    h('p', { class: 'result-park' }, parkLink(res.park), h('span', { class: 'score', text: ` · match ${res.score}%` })),
    h('p', { class: 'explanation', text: res.explanation }),
    h('h3', { text: 'Also worth a look' }),
    h('ul', {}, res.alternatives.map((p) => h('li', {}, parkLink(p), ` (${p.states.join(', ')})`))));
  resultBox.focus();
}

async function loadHistory() {
  replace(history, h('h2', { id: 'hist-h', text: 'Your earlier results' }), loadingEl());
  try {
    const res = await api('/users/me/quiz-results', { query: { limit: 20 } });
    const list = h('ul', { class: 'quiz-results' }, res.items.map((r) => {
      const li = h('li', {}, parkLink(r.park), ` · ${fmtDate(r.created_at)} · match ${r.score}% `,
        h('button', { type: 'button', class: 'link-button small', text: 'Delete', 'aria-label': `Delete the result ${r.park.name} of ${fmtDate(r.created_at)}`,
          onclick: async () => {
            try { await api(`/users/me/quiz-results/${r.id}`, { method: 'DELETE' }); li.remove(); if (!list.children.length) loadHistory(); }
            catch (err) { li.append(errorEl(err)); }
          } }));
      return li;
    }));
    replace(history, h('h2', { id: 'hist-h', text: 'Your earlier results' }), res.items.length ? list : emptyEl('No saved results yet.'));
  } catch (err) { replace(history, h('h2', { id: 'hist-h', text: 'Your earlier results' }), errorEl(err, loadHistory)); }
}
start();
