// Bar charts as SVG with every number written beside its bar, plus the same figures as a table
// for screen readers and for copying. rows: [{label, value, note?}].
import { h, s } from './dom.js';

// The width a chart is drawn for, in CSS pixels, so its text keeps its size on a phone: the SVG's
// units are pixels at this width (no scroller, labels at 12-13 px).
function chartWidth() {
  const main = document.getElementById('page') || document.body;
  return Math.max(280, Math.min(720, (main.clientWidth || 720) - 40));
}

// min: where the bars start (default 0), so figures close together (scores of 4.1 and 4.2) still
// differ; the caption says so.
export function barChart(rows, { title, unit = '', max, min = 0, format = (v) => String(v) } = {}) {
  const top = max || Math.max(1, ...rows.map((r) => r.value || 0));
  const w = Math.min(chartWidth(), 480), narrow = w < 480; // bar charts sit in half a page on wide screens
  // Narrow: the label on its own line above the bar, whole; wide: beside it.
  const rowH = narrow ? 42 : 28, labelW = narrow ? 0 : 170, barW = w - labelW - (narrow ? 120 : 130);
  const svg = s('svg', { viewBox: `0 0 ${w} ${rows.length * rowH + 4}`, class: 'chart bars', 'aria-hidden': 'true' });
  rows.forEach((r, i) => {
    const y = i * rowH + 2, by = narrow ? y + 18 : y + 4, bh = narrow ? 18 : rowH - 8;
    const frac = r.value ? Math.max(0, (r.value - min) / (top - min)) : 0;
    const bw = r.value ? Math.max(2, frac * barW) : 0;
    const label = !narrow && r.label.length > 26 ? r.label.slice(0, 25) + '…' : r.label;
    svg.append(
      s('text', { x: narrow ? 0 : labelW - 8, y: narrow ? y + 13 : y + 17, class: 'chart-label', 'text-anchor': narrow ? 'start' : 'end', text: label }),
      s('rect', { x: labelW, y: by, width: barW, height: bh, class: 'chart-track' }),
      s('rect', { x: labelW, y: by, width: bw, height: bh, class: 'chart-bar' }),
      s('text', { x: labelW + bw + 6, y: by + bh - 4, class: 'chart-value', text: format(r.value) + (r.short ? ` ${r.short}` : '') }));
  });
  const table = h('table', { class: 'chart-table' },
    h('caption', { class: 'visually-hidden', text: title }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Item' }), h('th', { scope: 'col', text: unit || 'Value' }))),
    h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row', text: r.label }),
      h('td', { text: format(r.value) + (r.note ? ` ${r.note}` : '') })))));
  return h('figure', { class: 'chart-figure' },
    h('figcaption', { text: min ? `${title}; bars start at ${format(min)}` : title }), svg,
    h('details', {}, h('summary', { text: 'Show as a table' }), table));
}

const nonzeroRows = (rows) => rows.some((r) => r.value);

// A column chart for time series (months, days): figures above each column, labels below.
export function columnChart(rows, { title, format = (v) => String(v) } = {}) {
  const top = Math.max(1, ...rows.map((r) => r.value || 0));
  const w = chartWidth(), colW = (w - 10) / rows.length, chartH = 120;
  // A label every `every` columns, so labels of 12 px never overlap (about 40 px each).
  const every = Math.max(1, Math.ceil(40 / colW));
  const svg = s('svg', { viewBox: `0 0 ${w} ${chartH + 44}`, class: 'chart columns', 'aria-hidden': 'true' });
  rows.forEach((r, i) => {
    const x = 5 + i * colW;
    const bh = r.value ? Math.max(2, (r.value / top) * chartH) : 0;
    const gap = Math.min(3, colW / 6);
    svg.append(s('rect', { x: x + gap, y: chartH + 14 - bh, width: colW - 2 * gap, height: bh, class: 'chart-bar' }));
    if (r.value && colW >= 16) svg.append(s('text', { x: x + colW / 2, y: chartH + 10 - bh, class: 'chart-value', 'text-anchor': 'middle', text: format(r.value) }));
    if (r.short && i % every === (rows.length - 1) % every) {
      const edge = x + colW / 2 + 20 > w; // the last label ends at the edge instead of past it
      svg.append(s('text', { x: edge ? w - 1 : x + colW / 2, y: chartH + 30, class: 'chart-label small', 'text-anchor': edge ? 'end' : 'middle', text: r.short }));
    }
  });
  svg.append(s('line', { x1: 0, x2: w, y1: chartH + 14, y2: chartH + 14, class: 'axis' }));
  const nonzero = rows.filter((r) => r.value);
  const table = h('table', { class: 'chart-table' },
    h('caption', { class: 'visually-hidden', text: title }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Period' }), h('th', { scope: 'col', text: 'Count' }))),
    h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row', text: r.label }), h('td', { text: format(r.value || 0) })))));
  return h('figure', { class: 'chart-figure' },
    h('figcaption', { text: title }),
    nonzeroRows(rows) ? svg : null,
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
