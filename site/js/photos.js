// Review photos: the author's editor (add with a preview and a progress bar, required alt text,
// optional caption; remove), the park's gallery with a lightbox (keyboard and swipe), and the
// cover image of a park. Every <img> has width and height (nothing jumps while it loads) and the
// gallery's load lazily. The preview is a data: URL (the CSP allows 'self' and data: images).
import { api } from './api.js';
import { h, replace, field, errorEl, loadingEl, plural } from './dom.js';

export const MAX_PHOTOS = 6;
const MAX_BYTES = 10 * 1024 * 1024;
const TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif'];
// Some systems give a .heic file no type at all: its name says it.
const typeOf = (f) => f.type || (/\.hei[cf]$/i.test(f.name) ? 'image/heic' : '');

// An <img> of one version ('thumb' or 'large') of a photo.
export function photoImg(p, size = 'thumb', props = {}) {
  const v = p[size];
  return h('img', { src: v.url, width: v.width, height: v.height, alt: p.alt, decoding: 'async', ...props });
}

// The park's cover (its most helpful review's photo), or null.
export function coverImg(p, cls) {
  return p.cover_photo ? photoImg(p.cover_photo, 'thumb', { class: cls, loading: 'lazy' }) : null;
}

// One photo upload: the raw file as the body, alt and caption in the query. XMLHttpRequest, not
// fetch, because only it reports the upload's progress.
function upload(reviewId, file, alt, caption, onProgress) {
  return new Promise((resolve, reject) => {
    const q = new URLSearchParams({ alt });
    if (caption) q.set('caption', caption);
    const x = new XMLHttpRequest();
    x.open('POST', `/api/reviews/${reviewId}/photos?${q}`);
    x.setRequestHeader('Content-Type', typeOf(file));
    x.setRequestHeader('Accept', 'application/json');
    x.upload.addEventListener('progress', (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
    x.addEventListener('load', () => {
      let body = null;
      try { body = JSON.parse(x.responseText); } catch { body = null; }
      if (x.status === 201) resolve(body);
      else reject(Object.assign(new Error(body?.error?.message || `The server answered ${x.status}.`),
        { status: x.status, code: body?.error?.code, field: body?.error?.field }));
    });
    x.addEventListener('error', () => reject(new Error('Could not reach the server. Check your connection and try again.')));
    x.send(file);
  });
}

// The author's photos of review r: the list with "Remove", and a form to add one. onChange() hears
// of each photo added or removed.
export function photoEditor(r, onChange = () => {}) {
  const box = h('section', { class: 'photo-editor', 'aria-labelledby': `photos-h-${r.id}` });
  const list = h('ul', { class: 'photo-list', 'aria-label': 'Your photos' });
  let photos = [];

  const paint = () => {
    replace(list, photos.map((p) => {
      const remove = h('button', { type: 'button', class: 'danger small', text: 'Remove', 'aria-label': `Remove photo: ${p.alt}` });
      remove.addEventListener('click', async () => {
        remove.disabled = true;
        try {
          await api(`/photos/${p.id}`, { method: 'DELETE' });
          photos = photos.filter((x) => x.id !== p.id);
          paint();
          onChange();
        } catch (err) { remove.disabled = false; remove.after(errorEl(err)); }
      });
      return h('li', { class: 'photo-item' }, photoImg(p, 'thumb', { loading: 'lazy' }),
        h('p', { class: 'small', text: p.caption || p.alt }),
        p.hidden ? h('strong', { class: 'badge', text: 'Hidden by a moderator' }) : null, remove);
    }));
    form.hidden = photos.length >= MAX_PHOTOS;
    count.textContent = `${plural(photos.length, 'photo')} of ${MAX_PHOTOS}.`;
  };

  const file = h('input', { type: 'file', name: 'photo', accept: [...TYPES, '.heic', '.heif'].join(','), required: true });
  const alt = h('input', { name: 'alt', maxlength: 200, required: true });
  const caption = h('input', { name: 'caption', maxlength: 300 });
  const preview = h('img', { class: 'photo-preview', alt: '', width: 200, height: 150, hidden: true });
  const progress = h('progress', { max: 1, value: 0, hidden: true, 'aria-label': 'Upload progress' });
  const msg = h('p', { class: 'photo-status', role: 'status' });
  const count = h('p', { class: 'muted small' });
  const submit = h('button', { type: 'submit', text: 'Add photo' });
  const form = h('form', { class: 'photo-form', 'aria-label': 'Add a photo', novalidate: true },
    field('Photo (JPEG, PNG, WebP or HEIC, up to 10 MB)', file),
    preview,
    field('Describe the photo for someone who cannot see it (required)', alt),
    field('Caption (optional)', caption),
    h('div', { class: 'actions' }, submit), progress, msg);

  file.addEventListener('change', () => {
    msg.textContent = ''; msg.className = 'photo-status';
    const f = file.files[0];
    preview.hidden = true;
    if (!f) return;
    const reader = new FileReader();
    reader.addEventListener('load', () => { preview.src = reader.result; preview.alt = 'Preview of the chosen photo'; preview.hidden = false; });
    reader.readAsDataURL(f);
    // Most browsers cannot show a HEIC: say so rather than show a broken image.
    preview.onerror = () => { preview.hidden = true; msg.textContent = 'No preview for this file here; it is shown once added.'; };
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.files[0];
    const say = (text, cls = 'error') => { msg.textContent = text; msg.className = `photo-status ${cls}`; };
    if (!f) return say('Choose a photo first.');
    if (!TYPES.includes(typeOf(f))) return say('Photos must be JPEG, PNG, WebP or HEIC.');
    if (f.size > MAX_BYTES) return say('The photo is larger than 10 MB.');
    if (!alt.value.trim()) { alt.focus(); return say('Describe the photo: the description is read to people who cannot see it.'); }
    submit.disabled = true; progress.hidden = false; progress.value = 0; say('Uploading…', '');
    try {
      const p = await upload(r.id, f, alt.value.trim(), caption.value.trim(), (v) => { progress.value = v; });
      photos.push(p);
      form.reset(); preview.hidden = true;
      paint();
      onChange();
      say('Photo added.', 'ok');
    } catch (err) {
      say(err.message);
    } finally {
      submit.disabled = false; progress.hidden = true;
    }
  });

  replace(box, h('h3', { id: `photos-h-${r.id}`, text: 'Photos' }), count, list, form);
  api(`/reviews/${r.id}/photos`).then((j) => { photos = j.items; paint(); })
    .catch((err) => box.append(errorEl(err)));
  paint();
  return box;
}

// The park's gallery: thumbnails (lazy), each opening the lightbox.
export function gallery(parkId) {
  const box = h('section', { class: 'gallery', 'aria-labelledby': 'gallery-h' },
    h('h2', { id: 'gallery-h', text: 'Photos' }), loadingEl('Loading photos…'));
  api(`/parks/${parkId}/photos`, { query: { limit: 50 } }).then((j) => {
    const items = j.items;
    if (!items.length) { replace(box, h('h2', { id: 'gallery-h', text: 'Photos' }), h('p', { class: 'muted', text: 'No photos yet.' })); return; }
    const grid = h('ul', { class: 'photo-grid' }, items.map((p, i) => h('li', {},
      h('button', { type: 'button', class: 'photo-thumb', 'aria-label': `Open photo: ${p.alt}`, onclick: () => lightbox(items, i) },
        photoImg(p, 'thumb', { loading: 'lazy' })))));
    replace(box, h('h2', { id: 'gallery-h', text: 'Photos' }), grid);
  }).catch((err) => replace(box, h('h2', { id: 'gallery-h', text: 'Photos' }), errorEl(err)));
  return box;
}

// A modal <dialog> showing items[i] large: arrow keys and swipes move, Escape closes (the
// dialog's own), focus returns to the thumbnail that opened it.
export function lightbox(items, start) {
  let i = start;
  const opener = document.activeElement;
  // Not draggable: a drag of the picture would cancel the pointer events a swipe is made of.
  const img = h('img', { class: 'lightbox-img', draggable: 'false' });
  const cap = h('p', { class: 'lightbox-caption' });
  const pos = h('p', { class: 'muted small', 'aria-live': 'polite' });
  const prev = h('button', { type: 'button', class: 'secondary', text: '‹ Previous', 'aria-label': 'Previous photo' });
  const next = h('button', { type: 'button', class: 'secondary', text: 'Next ›', 'aria-label': 'Next photo' });
  const close = h('button', { type: 'button', class: 'lightbox-close', text: 'Close', 'aria-label': 'Close' });
  const dlg = h('dialog', { class: 'lightbox', 'aria-label': 'Photo' },
    close, h('figure', {}, img, h('figcaption', {}, cap, pos)), h('div', { class: 'lightbox-nav' }, prev, next));
  const show = () => {
    const p = items[i];
    img.src = p.large.url; img.width = p.large.width; img.height = p.large.height; img.alt = p.alt;
    cap.textContent = `${p.caption || p.alt} — ${p.author.display_name}`;
    pos.textContent = `Photo ${i + 1} of ${items.length}`;
    prev.disabled = i === 0; next.disabled = i === items.length - 1;
  };
  const go = (d) => { const j = i + d; if (j >= 0 && j < items.length) { i = j; show(); } };
  prev.addEventListener('click', () => go(-1));
  next.addEventListener('click', () => go(1));
  close.addEventListener('click', () => dlg.close());
  dlg.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft') { e.preventDefault(); go(-1); }
    if (e.key === 'ArrowRight') { e.preventDefault(); go(1); }
  });
  let x0 = null;
  dlg.addEventListener('pointerdown', (e) => { x0 = e.clientX; });
  dlg.addEventListener('pointercancel', () => { x0 = null; });
  dlg.addEventListener('pointerup', (e) => {
    if (x0 === null) return;
    const dx = e.clientX - x0;
    x0 = null;
    if (Math.abs(dx) > 50) go(dx < 0 ? 1 : -1); // swipe left: the next photo
  });
  dlg.addEventListener('close', () => { dlg.remove(); if (opener && opener.focus) opener.focus(); });
  document.body.append(dlg);
  show();
  dlg.showModal();
  close.focus();
  return dlg;
}
