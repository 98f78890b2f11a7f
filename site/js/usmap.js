// A map with no tiles and no network: simplified outlines of the lower 48 states and Alaska,
// Hawaii's main islands, a 5° graticule, and dots for places from their latitude/longitude.
// Parks outside these panels (American Samoa, the Virgin Islands) get a labelled panel of their own.
import { s } from './dom.js';

const L48 = [[-124.7,48.4],[-122.8,49],[-95.2,49],[-94.8,49.3],[-89.6,48],[-84.8,46.5],[-82.5,45.3],[-82.1,43],[-83.1,42.1],
  [-82.7,41.7],[-79,42.9],[-79.2,43.4],[-76.4,44.2],[-75,44.9],[-71.5,45],[-70,46.7],[-69.2,47.4],[-67.8,47.1],[-67.8,45.7],
  [-67,44.8],[-68.8,44.3],[-70.2,43.6],[-70.8,42.9],[-70,41.8],[-71.4,41.4],[-72.9,41.2],[-74,40.6],[-74.1,39.7],[-74.9,38.9],
  [-75.5,38.4],[-75.9,37.1],[-76.3,36.9],[-75.5,35.2],[-76.7,34.6],[-77.9,33.9],[-79.2,33.2],[-80.8,32.1],[-81.4,30.7],
  [-80.6,28.4],[-80,26.7],[-80.4,25.2],[-81.1,25.1],[-81.8,26.1],[-82.7,27.7],[-82.7,28.9],[-83.7,29.9],[-84.3,30],[-85.4,29.7],
  [-86.5,30.4],[-88,30.4],[-89.6,30.2],[-89.4,29],[-90.2,29.1],[-91.8,29.5],[-93.8,29.7],[-94.8,29.3],[-96.5,28.3],[-97.4,27.3],
  [-97.2,25.9],[-99.1,26.4],[-99.5,27.5],[-100.3,28.3],[-101.4,29.8],[-102.7,29.7],[-103.2,29],[-104.5,29.6],[-106.5,31.8],
  [-108.2,31.8],[-108.2,31.3],[-111.1,31.3],[-114.8,32.5],[-117.1,32.5],[-117.3,33.2],[-118.5,34],[-120.6,34.6],[-120.9,35.4],
  [-121.9,36.6],[-122.5,37.8],[-123,38.3],[-123.8,39.8],[-124.4,40.4],[-124.2,41.9],[-124.5,42.8],[-123.9,46.2],[-124.1,47]];
const AK = [[-141,69.6],[-141,60.3],[-137.5,58.9],[-135.5,59.8],[-133.5,58.4],[-130.5,56.2],[-130,55],[-132,54.8],[-134,56.5],
  [-136.5,58.1],[-139.5,59.6],[-143.5,60],[-146.5,60.5],[-149.5,59.5],[-151.8,59.2],[-151.4,60.7],[-153.5,59],[-156.5,57],
  [-159,55.8],[-163,54.8],[-164.8,54.4],[-161,56],[-157.5,58.6],[-161.8,58.7],[-162.5,60],[-165.2,60.6],[-164.6,63],[-161,64.4],
  [-166.2,64.6],[-168.1,65.6],[-164.5,66.5],[-163.8,67.7],[-166.8,68.9],[-163,69.9],[-156.6,71.3],[-152,70.8],[-148.5,70.3],[-145,70]];
const HI = [[-155.5,19.6,0.55],[-156.3,20.8,0.3],[-157,21.13,0.2],[-158,21.45,0.25],[-159.5,22.05,0.22]];

// Panels: geographic box → box in the SVG (equirectangular, x scaled by cos of the mid latitude).
const PANELS = [
  { name: 'Lower 48 states', lon: [-125.5, -66], lat: [24, 49.8], x: 0, y: 0, w: 600, h: 360, shape: L48 },
  { name: 'Alaska', lon: [-170, -129], lat: [51, 72], x: 0, y: 372, w: 220, h: 150, shape: AK },
  { name: 'Hawaii', lon: [-160.5, -154.5], lat: [18.5, 22.6], x: 232, y: 372, w: 180, h: 150, islands: HI },
];
const ELSEWHERE = { name: 'Elsewhere', x: 424, y: 372, w: 176, h: 150 };

function inPanel(p, lat, lon) { return lon >= p.lon[0] && lon <= p.lon[1] && lat >= p.lat[0] && lat <= p.lat[1]; }
function proj(p, lon, lat) {
  return [p.x + ((lon - p.lon[0]) / (p.lon[1] - p.lon[0])) * p.w, p.y + ((p.lat[1] - lat) / (p.lat[1] - p.lat[0])) * p.h];
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
    if (p.shape) g.append(s('polygon', { class: 'land', points: p.shape.map(([lo, la]) => proj(p, lo, la).join(',')).join(' ') }));
    for (const [lo, la, r] of p.islands || []) {
      const [cx, cy] = proj(p, lo, la);
      g.append(s('circle', { cx, cy, r: (r / (p.lon[1] - p.lon[0])) * p.w, class: 'land' }));
    }
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
        s('text', { x: e.x + 26, y, class: 'dot-label', text: `${pt.label.slice(0, 18)} ${pt.lat.toFixed(1)}°, ${pt.lon.toFixed(1)}°` }));
    });
  }
  for (const pt of points) {
    const p = PANELS.find((q) => inPanel(q, pt.lat, pt.lon));
    if (!p) continue;
    const [cx, cy] = proj(p, pt.lon, pt.lat);
    const dot = s('circle', { cx, cy, r: pt.current ? 7 : 5, class: pt.current ? 'dot current' : 'dot' });
    dot.append(s('title', { text: pt.label }));
    svg.append(dot);
  }
  return svg;
}
