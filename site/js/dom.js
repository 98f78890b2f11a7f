// DOM helpers. User-provided strings only ever become text nodes or attribute values:
// nothing here parses HTML, and no element gets a style attribute (the CSP forbids both).

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

const SVGNS = 'http://www.w3.org/2000/svg';
export function s(tag, props = {}, ...children) {
  const el = document.createElementNS(SVGNS, tag);
  setProps(el, props);
  append(el, children);
  return el;
}

function setProps(el, props) {
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'style') throw new Error('inline styles are not allowed by the CSP');
    if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k in el && !(el instanceof SVGElement) && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const $ = (sel, root = document) => root.querySelector(sel);

let uid = 0;
export const newId = (prefix = 'f') => `${prefix}-${++uid}`;

// A labelled form control: returns the wrapper; the control has name = id-ish `name`. A text
// control with a maxlength gets a counter instead: the browser's maxlength cuts pasted text
// silently, so the limit moves to data-max, the counter says how much is left or over, and
// onSubmit refuses an overlong value with a message next to the field.
export function field(label, control, hint) {
  if (!control.id) control.id = newId(control.name || 'f');
  const hintEl = hint ? h('p', { class: 'hint', id: control.id + '-hint', text: hint }) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  const max = control.maxLength;
  let counter = null;
  if (max > 0 && (control.tagName === 'TEXTAREA' || ['text', 'search', ''].includes(control.getAttribute('type') || ''))) {
    control.removeAttribute('maxlength');
    control.dataset.max = String(max);
    counter = h('p', { class: 'counter', id: control.id + '-count', 'aria-live': 'polite' });
    const count = () => {
      const n = [...control.value].length;
      counter.textContent = n > max
        ? `${(n - max).toLocaleString('en-US')} characters too many (the limit is ${max.toLocaleString('en-US')})`
        : `${n.toLocaleString('en-US')} / ${max.toLocaleString('en-US')}`;
      counter.classList.toggle('over', n > max);
    };
    control.addEventListener('input', count);
    control.form?.addEventListener('reset', () => setTimeout(count));
    count();
    control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), counter.id].filter(Boolean).join(' '));
  }
  return h('div', { class: 'field' }, h('label', { for: control.id, text: label }), control, hintEl, counter);
}

// The words a camper sees for a field: its label, without "(optional)".
function labelOf(el) {
  const l = el.type === 'radio' ? el.closest('fieldset')?.querySelector('legend') : el.labels?.[0];
  return (l ? l.textContent : el.name).replace(/\s*\(optional\)\s*$/, '').trim();
}

// The form's own check before anything is sent, in words next to the field: required fields,
// limits, minimum lengths. Returns an error like the API's ({field, message}) or null.
function checkForm(form) {
  for (const el of form.elements) {
    if (!el.name || el.disabled || el.type === 'hidden') continue;
    const label = labelOf(el);
    if (el.type === 'radio') { // a group asks in its fieldset's words, else the form's own code does
      const ask = el.closest('fieldset')?.dataset.requiredMessage;
      if (el.required && ask && !form.querySelector(`input[name="${el.name}"]:checked`)) return { status: 400, field: el.name, message: ask };
      continue;
    }
    if (el.type === 'checkbox' || el.type === 'submit') continue;
    const v = (el.value || '').trim();
    if (el.required && !v) return { status: 400, field: el.name, message: el.tagName === 'SELECT' ? `Please choose “${label}”.` : `Please fill in “${label}”.` };
    const n = [...(el.value || '')].length, max = Number(el.dataset.max || 0);
    if (max && n > max) return { status: 400, field: el.name, message: `${label} can be at most ${max.toLocaleString('en-US')} characters; it has ${n.toLocaleString('en-US')}. Please shorten it.` };
    if (el.minLength > 0 && v && n < el.minLength) return { status: 400, field: el.name, message: `${label} needs at least ${el.minLength} characters.` };
  }
  return null;
}

// The API's message in a camper's words: 'Field "body" must be …' names the field by its label.
function friendly(err, el) {
  if (!el || !err.field) return err.message;
  const label = labelOf(el);
  const name = err.field.replace(/[^a-z_]/g, '');
  return String(err.message).replace(new RegExp(`^(Field\\s+)?"?${name}"?(?=\\s)`), label)
    .replace(/(\d{4,})(?= characters)/g, (d) => Number(d).toLocaleString("en-US"));
}

// Form feedback: the API's message goes next to the field it names, else at the form's top.
export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((e) => e.remove());
  form.querySelectorAll('[aria-invalid]').forEach((e) => {
    e.removeAttribute('aria-invalid');
    const d = (e.getAttribute('aria-describedby') || '').split(' ').filter((x) => !x.endsWith('-err'));
    if (d.length) e.setAttribute('aria-describedby', d.join(' ')); else e.removeAttribute('aria-describedby');
  });
  const st = form.querySelector('.form-status');
  if (st) { st.textContent = ''; st.className = 'form-status'; }
}

export function showError(form, err, fieldMap = {}) {
  clearErrors(form);
  const name = err.field && (fieldMap[err.field] || err.field);
  const ctl = name && form.elements.namedItem(name);
  const el = ctl && (ctl instanceof RadioNodeList ? ctl[0] : ctl);
  if (el) {
    const id = (el.id || newId('f')) + '-err';
    const msg = h('p', { class: 'field-error', id, text: friendly(err, el) });
    const holder = el.closest('.field, fieldset') || el.parentElement;
    holder.append(msg);
    el.setAttribute('aria-invalid', 'true');
    el.setAttribute('aria-describedby', [el.getAttribute('aria-describedby'), id].filter(Boolean).join(' '));
    el.focus();
  }
  status(form, el ? 'Please fix the field marked below.' : err.message, 'error');
}

export function status(form, text, kind = 'ok') {
  let st = form.querySelector('.form-status');
  if (!st) {
    st = h('p', { class: 'form-status', role: 'status' });
    form.prepend(st);
  }
  st.textContent = text;
  st.className = 'form-status ' + kind;
}

// Submits a form through fn(values) with a busy button and error display; returns fn's result.
export function onSubmit(form, fn, fieldMap) {
  form.noValidate = true; // the form's own messages, next to the fields, instead of the browser's bubbles
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const bad = checkForm(form);
    if (bad) { showError(form, bad, fieldMap); return; }
    const btn = form.querySelector('button[type=submit]');
    if (btn) btn.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await fn(Object.fromEntries(new FormData(form)));
    } catch (err) {
      if (!err || !('status' in err)) throw err;
      showError(form, err, fieldMap);
    } finally {
      if (btn) btn.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
  return form;
}

export const loadingEl = (text = 'Loading…') => h('p', { class: 'loading', role: 'status', text });
export const emptyEl = (text) => h('p', { class: 'empty', text });
export const errorEl = (err, retry) => h('div', { class: 'error-box', role: 'alert' },
  h('p', { text: err.message || String(err) }),
  retry ? h('button', { type: 'button', class: 'secondary', text: 'Try again',
    onclick: (ev) => { ev.currentTarget.closest('.error-box').remove(); retry(); } }) : null);

export function fmtDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}
export function fmtMonth(ym) {
  if (!ym) return '';
  const [y, m] = ym.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString('en-US', { year: 'numeric', month: 'short', timeZone: 'UTC' });
}
export const fmtAvg = (a) => (a === null || a === undefined ? '—' : (Math.round(a * 10) / 10).toFixed(1));
export const plural = (n, one, many = one + 's') => `${n} ${n === 1 ? one : many}`;

export function starsText(stars) {
  const n = Math.round(stars);
  return '★'.repeat(n) + '☆'.repeat(5 - n);
}
// Shown stars with a text equivalent for screen readers.
export function starsEl(value, label) {
  return h('span', { class: 'stars', role: 'img', 'aria-label': label || `${fmtAvg(value)} out of 5 stars` },
    value === null || value === undefined ? '☆☆☆☆☆' : starsText(value));
}

export function param(name) { return new URLSearchParams(location.search).get(name); }
