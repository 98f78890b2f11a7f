// A star rating input: a radio group (native keyboard: arrows move and choose; a screen reader
// reads "3 stars, 3 of 5"), drawn as stars. Holds its value in the form as `name`.
import { h, newId } from './dom.js';

export function starInput(name = 'stars', legend = 'Your rating', value = null) {
  const id = newId('stars');
  // The form's own check (dom.js onSubmit) asks for the stars in these words, next to them.
  const set = h('fieldset', { class: 'star-input', 'data-required-message': 'Choose from 1 to 5 stars.' }, h('legend', { text: legend }));
  const row = h('div', { class: 'star-row' });
  const labels = [];
  for (let n = 1; n <= 5; n++) {
    const input = h('input', { type: 'radio', name, value: String(n), id: `${id}-${n}`, class: 'visually-hidden',
      required: n === 1 });
    if (value === n) input.checked = true;
    const label = h('label', { for: input.id, title: `${n} star${n > 1 ? 's' : ''}` },
      h('span', { 'aria-hidden': 'true', text: '★' }),
      h('span', { class: 'visually-hidden', text: `${n} star${n > 1 ? 's' : ''}` }));
    labels.push(label);
    label.addEventListener('mouseenter', () => paint(n));
    row.append(input, label);
  }
  const words = h('span', { class: 'star-words', 'aria-hidden': 'true' });
  row.addEventListener('mouseleave', () => paint(current()));
  row.addEventListener('change', () => paint(current()));
  const current = () => Number((row.querySelector('input:checked') || {}).value || 0);
  function paint(n) {
    labels.forEach((l, i) => l.classList.toggle('on', i < n));
    words.textContent = n ? ['', 'Poor', 'Fair', 'Good', 'Very good', 'Excellent'][n] : 'Choose 1 to 5 stars';
  }
  set.append(row, words);
  paint(value || 0);
  set.setValue = (v) => {
    row.querySelectorAll('input').forEach((i) => { i.checked = Number(i.value) === v; });
    paint(v || 0);
  };
  return set;
}
