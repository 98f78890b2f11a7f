// A map with no tiles and no network: the lower 48 states with the lines between them, Alaska,
// Hawaii's main islands, a 5° graticule, and labelled dots for places from their latitude/longitude.
// Parks outside these panels (American Samoa, the Virgin Islands) get a labelled panel of their own.
import { s } from './dom.js';
import { LOWER48, ALASKA, HAWAII, STATE_LINES } from './usshapes.js';

// Panels: geographic box → box in the SVG (equirectangular, x scaled by cos of the mid latitude).
const PANELS = [
  { name: 'Lower 48 states', lon: [-125.5, -66], lat: [24, 49.8], x: 0, y: 0, w: 600, h: 360, land: LOWER48, lines: STATE_LINES },
  { name: 'Alaska', lon: [-170, -129], lat: [51, 72], x: 0, y: 372, w: 220, h: 150, land: ALASKA },
  { name: 'Hawaii', lon: [-160.5, -154.5], lat: [18.5, 22.6], x: 232, y: 372, w: 180, h: 150, land: HAWAII },
];
const ELSEWHERE = { name: 'Elsewhere', x: 424, y: 372, w: 176, h: 150 };

function inPanel(p, lat, lon) { return lon >= p.lon[0] && lon <= p.lon[1] && lat >= p.lat[0] && lat <= p.lat[1]; }
function proj(p, lon, lat) {
  return [p.x + ((lon - p.lon[0]) / (p.lon[1] - p.lon[0])) * p.w, p.y + ((p.lat[1] - lat) / (p.lat[1] - p.lat[0])) * p.h];
}

// One SVG path for a panel's lists of [lon, lat, ...]; close = 'Z' for outlines, '' for lines.
function pathOf(p, lists, close) {
  return lists.map((l) => {
    const xy = [];
    for (let i = 0; i < l.length; i += 2) xy.push(proj(p, l[i], l[i + 1]).map((v) => v.toFixed(1)).join(','));
    return `M${xy.join('L')}${close}`;
  }).join('');
}

// A dot's label, to the right of it or, near the right edge, to its left; skipped where it would
// cover a label already placed (the dot keeps its name as a tooltip and in the text alternative).
const LABEL_PX = 10.5; // the width of a character at the label's size, roughly
function placeLabel(svg, placed, cx, cy, text, current) {
  const w = text.length * LABEL_PX, h = 22;
  const right = cx + 10 + w <= 600;
  const x = right ? cx + 10 : cx - 10 - w;
  const box = [x - 2, cy - h / 2, x + w + 2, cy + h / 2];
  if (placed.some((b) => box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3])) return;
  placed.push(box);
  svg.append(s('text', { x: right ? x : x + w, y: cy + 6, 'text-anchor': right ? 'start' : 'end',
    class: current ? 'dot-label current' : 'dot-label', text }));
}

// points: [{lat, lon, label, current?}]; returns an <svg> with a text alternative.
export function usMap(points, title = 'Map') {
  const desc = points.map((p) => `${p.label}: ${p.lat.toFixed(2)}°, ${p.lon.toFixed(2)}°`).join('; ');
  const svg = s('svg', { viewBox: '0 0 600 522', class: 'usmap', role: 'img', 'aria-label': `${title}. ${desc || 'No places.'}` });
  svg.append(s('title', { text: title }));
  const outside = points.filter((pt) => !PANELS.some((p) => inPanel(p, pt.lat, pt.lon)));
  for (const p of PANELS) {
    const g = s('g', { class: 'panel' });
    g.append(s('rect', { x: p.x, y: p.y, width: p.w, height: p.h, class: 'sea' }));
    for (let lon = Math.ceil(p.lon[0] / 5) * 5; lon <= p.lon[1]; lon += 5) {
      const [x1, y1] = proj(p, lon, p.lat[0]); const [, y2] = proj(p, lon, p.lat[1]);
      g.append(s('line', { x1, y1, x2: x1, y2, class: 'grid' }));
    }
    for (let lat = Math.ceil(p.lat[0] / 5) * 5; lat <= p.lat[1]; lat += 5) {
      const [x1, y1] = proj(p, p.lon[0], lat); const [x2] = proj(p, p.lon[1], lat);
      g.append(s('line', { x1, y1, x2, y2: y1, class: 'grid' }));
    }
    g.append(s('path', { class: 'land', d: pathOf(p, p.land, 'Z') }));
    if (p.lines) g.append(s('path', { class: 'state-line', d: pathOf(p, p.lines, '') }));
    if (p !== PANELS[0]) g.append(s('text', { x: p.x + 6, y: p.y + 16, class: 'panel-name', text: p.name }));
    svg.append(g);
  }
  if (outside.length) {
    const e = ELSEWHERE;
    svg.append(s('rect', { x: e.x, y: e.y, width: e.w, height: e.h, class: 'sea' }),
      s('text', { x: e.x + 6, y: e.y + 16, class: 'panel-name', text: 'Elsewhere' }));
    outside.slice(0, 5).forEach((pt, i) => {
      const y = e.y + 40 + i * 22;
      svg.append(s('circle', { cx: e.x + 14, cy: y - 4, r: 5, class: pt.current ? 'dot current' : 'dot' }),
        s('text', { x: e.x + 26, y, class: 'panel-name', text: `${pt.label.slice(0, 18)} ${pt.lat.toFixed(1)}°, ${pt.lon.toFixed(1)}°` }));
    });
  }
  const placed = [];
  const shown = points.map((pt) => ({ pt, p: PANELS.find((q) => inPanel(q, pt.lat, pt.lon)) })).filter((d) => d.p)
    .sort((a, b) => (b.pt.current ? 1 : 0) - (a.pt.current ? 1 : 0)); // the current place is labelled first
  for (const { pt, p } of shown) {
    const [cx, cy] = proj(p, pt.lon, pt.lat);
    const dot = s('circle', { cx, cy, r: pt.current ? 7 : 5, class: pt.current ? 'dot current' : 'dot' });
    dot.append(s('title', { text: pt.label }));
    svg.append(dot);
    placed.push([cx - 7, cy - 7, cx + 7, cy + 7]);
  }
  for (const { pt, p } of shown) placeLabel(svg, placed, ...proj(p, pt.lon, pt.lat), pt.label.slice(0, 28), pt.current);
  return svg;
}
