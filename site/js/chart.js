// Bar charts as SVG with every number written beside its bar, plus the same figures as a table
// for screen readers and for copying. rows: [{label, value, note?}].
import { h, s } from './dom.js';

export function barChart(rows, { title, unit = '', max, format = (v) => String(v) } = {}) {
  const top = max || Math.max(1, ...rows.map((r) => r.value || 0));
  const rowH = 28, labelW = 150, barW = 220, w = labelW + barW + 110;
  const svg = s('svg', { viewBox: `0 0 ${w} ${rows.length * rowH + 4}`, class: 'chart', 'aria-hidden': 'true' });
  rows.forEach((r, i) => {
    const y = i * rowH + 2;
    const bw = r.value ? Math.max(2, (r.value / top) * barW) : 0;
    svg.append(
      s('text', { x: labelW - 8, y: y + 17, class: 'chart-label', 'text-anchor': 'end', text: r.label.length > 24 ? r.label.slice(0, 23) + '…' : r.label }),
      s('rect', { x: labelW, y: y + 4, width: barW, height: rowH - 8, class: 'chart-track' }),
      s('rect', { x: labelW, y: y + 4, width: bw, height: rowH - 8, class: 'chart-bar' }),
      s('text', { x: labelW + bw + 6, y: y + 17, class: 'chart-value', text: format(r.value) + (r.short ? ` ${r.short}` : '') }));
  });
  const table = h('table', { class: 'chart-table' },
    h('caption', { class: 'visually-hidden', text: title }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Item' }), h('th', { scope: 'col', text: unit || 'Value' }))),
    h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row', text: r.label }),
      h('td', { text: format(r.value) + (r.note ? ` ${r.note}` : '') })))));
  return h('figure', { class: 'chart-figure' },
    h('figcaption', { text: title }), svg,
    h('details', {}, h('summary', { text: 'Show as a table' }), table));
}

const nonzeroRows = (rows) => rows.some((r) => r.value);

// A column chart for time series (months, days): figures above each column, labels below.
export function columnChart(rows, { title, format = (v) => String(v) } = {}) {
  const top = Math.max(1, ...rows.map((r) => r.value || 0));
  const colW = 24, chartH = 120, w = rows.length * colW + 10;
  const svg = s('svg', { viewBox: `0 0 ${w} ${chartH + 44}`, class: 'chart columns', 'aria-hidden': 'true' });
  rows.forEach((r, i) => {
    const x = 5 + i * colW;
    const bh = r.value ? Math.max(2, (r.value / top) * chartH) : 0;
    svg.append(s('rect', { x: x + 3, y: chartH + 14 - bh, width: colW - 6, height: bh, class: 'chart-bar' }));
    if (r.value) svg.append(s('text', { x: x + colW / 2, y: chartH + 10 - bh, class: 'chart-value', 'text-anchor': 'middle', text: format(r.value) }));
    if (r.short && (rows.length <= 12 || i % 3 === (rows.length - 1) % 3)) svg.append(s('text', { x: x + colW / 2, y: chartH + 30, class: 'chart-label small', 'text-anchor': 'middle', text: r.short }));
  });
  svg.append(s('line', { x1: 0, x2: w, y1: chartH + 14, y2: chartH + 14, class: 'axis' }));
  const nonzero = rows.filter((r) => r.value);
  const table = h('table', { class: 'chart-table' },
    h('caption', { class: 'visually-hidden', text: title }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Period' }), h('th', { scope: 'col', text: 'Count' }))),
    h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row', text: r.label }), h('td', { text: format(r.value || 0) })))));
  return h('figure', { class: 'chart-figure' },
    h('figcaption', { text: title }),
    nonzeroRows(rows) ? h('div', { class: 'scroll-x' }, svg) : null,
    h('p', { class: 'chart-summary', text: nonzero.length
      ? nonzero.map((r) => `${r.label}: ${format(r.value)}`).join(' · ')
      : 'Nothing in this period yet.' }),
    h('details', {}, h('summary', { text: 'Show as a table' }), table));
}

// Twelve months in one row that fits a phone's width (no scroller): visits as columns with their
// count above, the month below and, where given, the average stars under it. months:
// [{name: 'Jan', visits, average|null, best}] from GET /api/parks/{id}/visit-months.
export function monthChart(months, { title, format = (v) => String(v) } = {}) {
  const colW = 30, chartH = 90, w = colW * 12;
  const top = Math.max(1, ...months.map((m) => m.visits));
  const svg = s('svg', { viewBox: `0 0 ${w} ${chartH + 58}`, class: 'chart months', 'aria-hidden': 'true' });
  months.forEach((m, i) => {
    const x = i * colW, bh = m.visits ? Math.max(2, (m.visits / top) * chartH) : 0;
    svg.append(s('rect', { x: x + 4, y: chartH + 16 - bh, width: colW - 8, height: bh, class: m.best ? 'chart-bar best' : 'chart-bar' }));
    if (m.visits) svg.append(s('text', { x: x + colW / 2, y: chartH + 12 - bh, class: 'chart-value', 'text-anchor': 'middle', text: String(m.visits) }));
    svg.append(s('text', { x: x + colW / 2, y: chartH + 34, class: 'chart-label', 'text-anchor': 'middle', text: m.name }));
    if (m.average !== null) svg.append(s('text', { x: x + colW / 2, y: chartH + 52, class: 'chart-label stars-label', 'text-anchor': 'middle', text: format(m.average) }));
  });
  svg.append(s('line', { x1: 0, x2: w, y1: chartH + 16, y2: chartH + 16, class: 'axis' }));
  const table = h('table', { class: 'chart-table' },
    h('caption', { class: 'visually-hidden', text: title }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Month' }), h('th', { scope: 'col', text: 'Visits' }), h('th', { scope: 'col', text: 'Average stars' }))),
    h('tbody', {}, months.map((m) => h('tr', {}, h('th', { scope: 'row', text: m.name }), h('td', { text: String(m.visits) }),
      h('td', { text: m.average !== null ? format(m.average) : '—' })))));
  return h('figure', { class: 'chart-figure month-chart' }, h('figcaption', { text: title }), svg,
    h('details', {}, h('summary', { text: 'Show as a table' }), table));
}
