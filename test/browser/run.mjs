// Browser tests for the Frostbyte site: playwright-core drives Debian's Chromium (no browser
// download) against the real stack started by scripts/run (through stack.py, with the fake
// Gemini server). Prints TAP, one line per test and one per test for "no console errors";
// screenshots go to test/browser/out/ (or $BROWSER_OUT).
//
//   node test/browser/run.mjs            FROSTBYTE_BUILD_DIR picks the build (default REPO/build)
//   BROWSER_URL=http://127.0.0.1:8102 node test/browser/run.mjs   against a running stack
//                                        (the admin test is then skipped)
//   BROWSER_ONLY='photos:,boards:' node test/browser/run.mjs   only the tests whose names start so
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = process.env.BROWSER_OUT || path.join(HERE, 'out');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
mkdirSync(OUT, { recursive: true });

let n = 0, failed = 0;
const tap = (ok, desc, diag) => {
  n++;
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${desc.replace(/#/g, '\\#')}`);
  if (!ok && diag) for (const l of String(diag).split('\n')) console.log('# ' + l);
};

async function startStack() {
  if (process.env.BROWSER_URL) return { url: process.env.BROWSER_URL, proc: null };
  const proc = spawn('python3', [path.join(HERE, 'stack.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const rl = readline.createInterface({ input: proc.stdout });
  const line = await new Promise((resolve) => {
    rl.once('line', resolve);
    proc.once('exit', () => resolve('{"error":"stack.py exited before the stack was ready"}'));
  });
  const info = JSON.parse(line);
  if (info.error) throw new Error(info.error);
  return { ...info, proc };
}

function stopStack(stack) {
  if (!stack.proc) return Promise.resolve();
  return new Promise((resolve) => { stack.proc.once('exit', resolve); stack.proc.stdin.end(); });
}

const stack = await startStack().catch((e) => { tap(false, 'the stack starts', e.stack || e); console.log(`1..${n}`); process.exit(1); });
const BASE = stack.url;
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });

// Each test gets a fresh context (no cookies) and a page that records console errors, page
// errors and CSP violations. API answers with an error status are logged by Chromium as
// "Failed to load resource"; a test lists the statuses it provokes on purpose in `expectStatus`.
const tests = [];
const test = (name, fn, opts = {}) => tests.push({ name, fn, opts });

async function newPage(t, contextOpts = {}) {
  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1280, height: 900 }, ...contextOpts });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  page.on('console', (m) => {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const text = m.text();
    const net = /Failed to load resource: the server responded with a status of (\d+)/.exec(text);
    if (net && (t.opts.expectStatus || []).includes(Number(net[1]))) return;
    if (m.type() === 'warning' && !/Content.Security.Policy|Refused/i.test(text)) return;
    t.problems.push(`console.${m.type()}: ${text} (${m.location().url || ''})`);
  });
  page.on('pageerror', (e) => t.problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => d.accept());
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  t.contexts.push(context);
  return page;
}

const shot = (page, name, opts = {}) => page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true, ...opts });
const uniq = () => Math.random().toString(36).slice(2, 8);
function expect(cond, what) { if (!cond) throw new Error(what); }
async function expectText(locator, re, what) {
  try { await locator.filter({ hasText: re }).first().waitFor(); }
  catch { throw new Error(`${what}: expected ${re}, found ${JSON.stringify(await locator.allInnerTexts().catch(() => []))}`); }
}

async function signUp(page, name = 'Camper') {
  const username = `u_${uniq()}`;
  await page.goto('/account.html');
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'Create an account' }) });
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Display name').fill(name);
  await form.getByLabel('Password').fill('a long password 123');
  await form.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: `Hello, ${name}` }).waitFor();
  return username;
}
async function signIn(page, username, password) {
  await page.goto('/account.html');
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'Sign in' }) });
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).first().waitFor();
}
async function openPark(page, query, name) {
  await page.goto('/');
  await page.getByLabel('Park name').fill(query);
  await page.locator('.cards li').filter({ hasText: name }).first().waitFor();
  await page.getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await page.locator('.reviews .loading').waitFor({ state: 'detached' }).catch(() => {});
}
async function writeReview(page, { stars, title, body, month, camper }) {
  const form = page.locator('form.review-form');
  // The form opens behind one button, so the reviews stay near the top of a phone's screen.
  const open = page.getByRole('button', { name: 'Write a review' });
  await form.or(open).first().waitFor();
  if (await open.count()) await open.click();
  // The star widget by keyboard: focus the first star, arrow to the wanted one.
  await form.getByRole('radio', { name: '1 star', exact: true }).focus();
  for (let i = 1; i < stars; i++) await page.keyboard.press('ArrowRight');
  await form.getByLabel('Title').fill(title);
  await form.getByLabel('Your review').fill(body);
  if (month) await form.getByLabel('Month visited (optional)').fill(month);
  if (camper) await form.getByLabel('How you stayed (optional)').selectOption(camper);
  await form.getByRole('button', { name: /Publish review|Save changes/ }).click();
}
const avg = (page) => page.locator('[data-testid=average] .avg-number');
const distRow = (page, stars) => page.locator('.dist-row').nth(5 - stars);

// A camper made through the API (not the page's cookie jar), for writing what a test then reads.
async function apiUser(name) {
  const r = await fetch(`${BASE}/api/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: `a_${uniq()}`, display_name: name, password: 'a long password 123' }) });
  return (await r.json()).token;
}
async function apiCall(token, method, p, body) {
  const r = await fetch(`${BASE}/api${p}`, { method, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: body ? JSON.stringify(body) : undefined });
  if (r.status >= 400) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
  return r.status === 204 ? null : r.json();
}
const PHONE = { width: 390, height: 844 };

// --- the tests --------------------------------------------------------------------------

test('home: list, search by name, filter by state, sort; near me refused shows a message', async (page) => {
  await page.goto('/');
  await page.locator('.cards li').nth(20).waitFor();
  await shot(page, 'home');
  await page.getByLabel('Park name').fill('yellow');
  await expectText(page.locator('.cards li h2'), /^Yellowstone$/, 'search');
  expect(await page.locator('.cards li').count() === 1, 'search for "yellow" shows one park');
  await page.getByLabel('Park name').fill('');
  await page.getByLabel('State').selectOption('UT');
  await page.locator('.result-count').filter({ hasText: '5 parks shown' }).waitFor();
  await page.getByLabel('Sort by').selectOption('reviews');
  await page.getByLabel('State').selectOption('');
  // Headless Chromium without a geolocation grant refuses: the page says so and sorts by name.
  await page.getByRole('button', { name: 'Near me' }).click();
  await page.locator('.geo-msg').filter({ hasText: /refused|could not be found/ }).waitFor();
  expect(await page.getByLabel('Sort by').inputValue() === 'name', 'falls back to sorting by name');
});

test('home: forgiving search and filters live in the address; a shared link opens the same list; Back returns', async (page) => {
  await page.goto('/?q=utah');
  await page.locator('.result-count').filter({ hasText: '5 parks shown' }).waitFor();
  expect(await page.getByLabel('Park name').inputValue() === 'utah', 'the search box shows the query from the address');
  await expectText(page.locator('.cards li .states'), /Utah \(UT\)/, 'state names beside codes');
  await page.getByLabel('Park name').fill('Smokies');
  await expectText(page.locator('.cards li h2'), /^Great Smoky Mountains$/, 'an alias');
  await page.waitForURL(/q=Smokies/);
  await page.getByLabel('Park name').fill('Yosemete');
  await expectText(page.locator('.cards li h2'), /^Yosemite$/, 'one typo');
  await page.getByLabel('Park name').fill('');
  await page.locator('.more-filters summary').click();
  await page.getByLabel('Region').selectOption('rockies');
  await page.getByLabel('Stay').selectOption('lodge');  // options with their counts: filled from the API
  await page.waitForURL(/region=rockies.*stay=lodge|stay=lodge.*region=rockies/);
  await page.locator('.result-count').filter({ hasText: '4 parks shown' }).waitFor();
  const shared = page.url();
  await shot(page, 'home-filters');
  await page.goBack();
  await page.waitForURL((u) => !/stay=/.test(u.search));
  await page.getByLabel('Stay').waitFor();
  expect(await page.getByLabel('Stay').inputValue() === '', 'Back restores the filters of the previous list');
  // The shared link, opened fresh (another visitor), shows the same list.
  const other = await page.context().newPage();
  await other.goto(shared);
  await other.locator('.result-count').filter({ hasText: '4 parks shown' }).waitFor();
  expect(await other.getByLabel('Region').inputValue() === 'rockies', 'the shared link sets the region');
  await expectText(other.locator('.cards li h2'), /^Mesa Verde$/, 'same parks');
  await other.setViewportSize(PHONE);
  await shot(other, 'home-filters-phone');
});

test('park on a phone: rating and first reviews within 1.5 screens, description folded, review form behind one button', async (page) => {
  for (let i = 0; i < 3; i++) {
    await apiCall(await apiUser(`Phone ${i}`), 'POST', '/parks/23/reviews',
      { stars: 4 + (i % 2), title: `Tidewater glaciers ${i}`, body: 'Calving ice. '.repeat(20) });
  }
  await signUp(page, 'Phil Phone');
  await page.goto('/park.html?park=glacier-bay');
  await page.locator('.reviews .review').first().waitFor();
  const screen = PHONE.height * 1.5;
  const rating = await page.locator('[data-testid=average]').boundingBox();
  const first = await page.locator('.reviews .review').first().boundingBox();
  expect(rating.y + rating.height < screen, `the rating ends above 1.5 screens (at ${rating.y})`);
  expect(first.y + 40 < screen, `the first review starts within 1.5 screens (at ${first.y})`);
  expect(await page.locator('form.review-form').count() === 0, 'no review form until asked');
  expect(!(await page.locator('.description-box').evaluate((d) => d.open)), 'the description is folded');
  await shot(page, 'park-phone-top', { fullPage: false });
  await page.getByText('Read more').click();
  await page.locator('.description-box p.description').waitFor();
  await page.getByRole('button', { name: 'Write a review' }).click();
  await page.locator('form.review-form').getByLabel('Title').waitFor();
  await expectText(page.locator('.facts dd'), /km² \([\d,]+ mi²\)/, 'area in km² and mi²');
  const dir = await page.getByRole('link', { name: 'Directions', exact: true }).getAttribute('href');
  expect(/destination=58\.5,-13[67]/.test(dir) || /destination=58\.\d+,-13\d/.test(dir), `directions to the coordinates: ${dir}`);
  const map = page.locator('svg.usmap');
  const borders = (await map.locator('path.state-line').getAttribute('d')).split('M').length - 1;
  expect(borders >= 40, `the map draws the lines between the states (${borders} lines)`);
  await expectText(map.locator('text.dot-label'), /^Glacier Bay$/, 'the park\'s dot is labelled with its name');
  await shot(page, 'park-phone-full');
}, { context: { viewport: PHONE } });

test('park: a helpful vote and a saved place are remembered after a reload; no duplicate save', async (page) => {
  const author = await apiUser('Hana Hiker');
  const rev = await apiCall(author, 'POST', '/parks/44/reviews', { stars: 5, title: 'Paradise meadows', body: 'Wildflowers in August.' });
  await signUp(page, 'Vera Voter'); // (the park is first read anonymously at the end, after the votes)
  await page.goto('/park.html?park=mount-rainier');
  const review = page.locator('.reviews .review').filter({ hasText: 'Paradise meadows' });
  await review.getByRole('button', { name: 'Helpful (0)' }).click();
  await review.getByRole('button', { name: 'Helpful (1)', pressed: true }).waitFor();
  await page.getByRole('button', { name: 'Save this place' }).click();
  await page.getByText('Saved to').waitFor();
  await page.reload();
  await review.getByRole('button', { name: 'Helpful (1)', pressed: true }).waitFor();
  await page.getByText('Saved to').waitFor();
  expect(await page.getByRole('button', { name: 'Save this place' }).count() === 0, 'no second "Save" after a reload');
  // Taking the vote back after the reload counts down, not up.
  await review.getByRole('button', { name: 'Helpful (1)' }).click();
  await review.getByRole('button', { name: 'Helpful (0)', pressed: false }).waitFor();
  const places = await (await page.request.get('/api/users/me/locations')).json();
  expect(places.items.filter((l) => l.label === 'Mount Rainier').length === 1, 'one saved place');
  const r = await (await page.request.get(`/api/reviews/${rev.id}`)).json();
  expect(r.helpful_count === 0, `helpful_count back to 0 (${r.helpful_count})`);
  // Signed out, the count is still shown.
  await apiCall(await apiUser('Other Voter'), 'PUT', `/reviews/${rev.id}/helpful`);
  const anon = await page.context().browser().newContext({ baseURL: BASE });
  const p2 = await anon.newPage();
  await p2.goto('/park.html?park=mount-rainier');
  await p2.locator('.reviews .review').filter({ hasText: '1 person found this helpful' }).waitFor();
  await anon.close();
});

test('park: best time to visit from reviewers\' months, or "not enough data"', async (page) => {
  // Another park for "not enough data": an anonymous answer may be kept a second by nginx's
  // micro-cache, so Kobuk Valley is first read after its reviews are written.
  await page.goto('/parks/lake-clark');
  await expectText(page.locator('[data-testid=best-months]'), /Not enough data yet/, 'an unreviewed park says so');
  const visits = [[5, '2025-09'], [5, '2024-09'], [5, '2025-10'], [5, '2025-10'], [2, '2025-01'], [3, '2025-01']];
  for (const [stars, month] of visits) {
    await apiCall(await apiUser('Month Camper'), 'POST', '/parks/39/reviews', { stars, title: 'Dunes', body: 'Arctic sand.', visited_on: month });
  }
  await page.goto('/parks/kobuk-valley');
  await expectText(page.locator('[data-testid=best-months]'), /Best months: Sep–Oct, 5\.0 ★/, 'best months with their average');
  expect(await page.locator('.month-chart svg rect.chart-bar').count() === 12, 'twelve month columns');
  await page.setViewportSize(PHONE);
  const box = await page.locator('.month-chart svg').boundingBox();
  expect(box.width <= PHONE.width, `the month chart fits the phone (${box.width}px)`);
  await page.locator('.when-to-go').screenshot({ path: path.join(OUT, 'when-to-go-phone.png') });
  await page.setViewportSize({ width: 1280, height: 900 });
  // Drawn for a phone's width, the chart must not grow with a wide screen: its month names would
  // stand three times the height of the text around them.
  const label = await page.locator('.month-chart svg text.chart-label').first().boundingBox();
  expect(label.height <= 22, `the month names stay near the text's size on a wide screen (${label.height.toFixed(1)}px)`);
  await page.locator('.when-to-go').screenshot({ path: path.join(OUT, 'when-to-go.png') });
});

test('park pages: /parks/SLUG is shareable (name and description before scripts), old links work, a site-styled 404', async (page) => {
  const html = await (await page.request.get('/parks/yellowstone')).text();
  expect(/<title>Yellowstone National Park[^<]*<\/title>/.test(html) && /property="og:title"/.test(html), 'title and Open Graph in the served HTML');
  const noJs = await page.context().browser().newContext({ baseURL: BASE, javaScriptEnabled: false });
  const plain = await noJs.newPage(); // without scripts, the page still names and describes the park
  await plain.goto('/parks/yellowstone');
  await plain.getByRole('heading', { level: 1, name: 'Yellowstone' }).waitFor();
  await plain.getByText(/first national park/).first().waitFor();
  expect(await plain.title() === 'Yellowstone National Park: campers\' reviews and the best time to visit — Frostbyte', `title: ${await plain.title()}`);
  await noJs.close();
  await page.goto('/?q=zion');
  await page.getByRole('link', { name: 'Zion', exact: true }).click();
  await page.waitForURL(/\/parks\/zion$/);
  await page.locator('.rating-summary [data-testid=average]').waitFor();
  await page.goto('/park.html?park=zion');
  await page.locator('.rating-summary [data-testid=average]').waitFor();
  const res = await page.goto('/parks/yelowstone');
  expect(res.status() === 404, `404 for a park that does not exist (${res.status()})`);
  await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
  await page.getByRole('link', { name: 'Yellowstone' }).waitFor(); // the forgiving search's suggestion
  await page.locator('.site-header nav').waitFor(); // the site's own header
  await shot(page, '404');
}, { expectStatus: [404] });

test('forms speak: own messages next to the fields, a counter instead of a silent cut, readable empty stars', async (page) => {
  await signUp(page, 'Fran Forms');
  await page.goto('/parks/olympic');
  await page.getByRole('button', { name: 'Write a review' }).click();
  const form = page.locator('form.review-form');
  await form.getByRole('button', { name: 'Publish review' }).click();
  await expectText(form.locator('.field-error'), /Choose from 1 to 5 stars/, 'the stars asked for next to them');
  await form.locator('.star-row label').nth(3).click(); // the fourth star
  await form.getByRole('button', { name: 'Publish review' }).click();
  await expectText(form.locator('.field-error'), /Please fill in “Title”/, 'the empty title, in words');
  expect(await form.getByLabel('Title').getAttribute('aria-invalid') === 'true', 'the title is marked invalid');
  await form.getByLabel('Title').fill('Hoh rain forest');
  const long = 'Moss and ferns everywhere. '.repeat(800); // 21,600 characters pasted
  await form.getByLabel('Your review').fill(long);
  expect((await form.getByLabel('Your review').inputValue()).length === long.length, 'nothing is cut silently');
  await expectText(form.locator('.counter'), /16,600 characters too many \(the limit is 5,000\)/, 'the counter says how much is over');
  await form.getByRole('button', { name: 'Publish review' }).click();
  await expectText(form.locator('.field-error'), /Your review can be at most 5,000 characters; it has 21,600/, 'the limit, next to the field');
  await page.setViewportSize(PHONE);
  await shot(page, 'form-messages-phone', { fullPage: false });
  await page.setViewportSize({ width: 1280, height: 900 });
  await form.getByLabel('Your review').fill('Moss and ferns everywhere.');
  await expectText(form.locator('.counter'), /^26 \/ 5,000$/, 'the counter counts');
  // Empty stars are drawn at 3:1 contrast or more against the white card.
  const ratio = await form.locator('.star-row label').nth(4).evaluate((el) => {
    const rgb = (c) => c.match(/\d+/g).slice(0, 3).map(Number).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    const lum = (c) => { const [r, g, b] = rgb(c); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    return (1.05) / (lum(getComputedStyle(el).color) + 0.05);
  });
  expect(ratio >= 3, `empty star contrast ${ratio.toFixed(2)}:1`);
  await form.getByRole('button', { name: 'Publish review' }).click();
  await page.locator('.my-review .form-status').filter({ hasText: 'published' }).waitFor();
});

test('chat on a phone: the failure and Retry in view, Retry offered again after a reload, a conversation deleted', async (page) => {
  await signUp(page, 'Chet Chat');
  await page.goto('/chat.html');
  await page.getByLabel('Your message').fill('Bear canisters? FAKE:500');
  await page.getByRole('button', { name: 'Send' }).click();
  const retry = page.locator('.retry-box').getByRole('button', { name: 'Retry' });
  await retry.waitFor();
  expect(await retry.isVisible() && (await retry.boundingBox()).y < PHONE.height, 'Retry is on the screen');
  await shot(page, 'chat-failed-phone', { fullPage: false });
  await page.reload();
  await page.locator('.msg.failed').filter({ hasText: 'Bear canisters?' }).waitFor();
  await page.locator('.retry-box').getByRole('button', { name: 'Retry' }).waitFor();
  const colors = await page.locator('.msg.failed .text').evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el.closest('.msg')).opacity]);
  expect(colors[1] === '1', `the failed bubble is not faded (opacity ${colors[1]})`);
  await page.getByRole('button', { name: 'Delete this conversation' }).click();
  await page.locator('.conversations li.empty').waitFor();
  expect(await page.locator('.conversations li a').count() === 0, 'the conversation is gone from the list');
}, { context: { viewport: PHONE }, expectStatus: [502] });

test('analytics on a phone: charts without a scroller, readable labels, whole park names, a scale that shows differences', async (page) => {
  for (const [park, stars] of [[28, 5], [28, 4], [61, 4], [62, 5]]) {
    await apiCall(await apiUser('Chart Camper'), 'PUT', `/parks/${park}/rating`, { stars });
  }
  await page.goto('/analytics.html');
  await page.locator('.chart-figure').nth(2).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow <= 0, `no sideways scrolling (${overflow}px)`);
  expect(await page.locator('.scroll-x').count() === 0, 'no hidden scroller');
  const sizes = await page.locator('svg.chart text.chart-label').evaluateAll((ts) => ts.map((t) => t.getBoundingClientRect().height));
  expect(sizes.length && Math.min(...sizes) >= 10, `chart labels at least 10 px tall (smallest ${Math.min(...sizes).toFixed(1)})`);
  await expectText(page.locator('svg.chart text.chart-label'), /^Great Smoky Mountains$/, 'the whole name');
  await expectText(page.locator('.chart-figure figcaption'), /bars start at/, 'the top-rated scale is said');
  await shot(page, 'analytics-phone');
}, { context: { viewport: PHONE } });

test('account: edit a saved place; a new name shows in the header at once; a confirmation after signing out; focus stays after "Show more"', async (page) => {
  await signUp(page, 'Paula Places');
  await page.goto('/parks/acadia');
  await page.getByRole('button', { name: 'Save this place' }).click();
  await page.getByText('Saved to').waitFor();
  await page.goto('/account.html#places');
  await page.getByRole('button', { name: 'Edit Acadia' }).click();
  const f = page.locator('form.place-edit');
  await f.getByLabel('Label').fill('Acadia, Blackwoods loop B');
  await f.getByLabel('Note').fill('Site 42: quiet, near the ocean path.');
  await f.getByLabel('Month visited').fill('2025-09');
  await f.getByRole('button', { name: 'Save place' }).click();
  await expectText(page.locator('#places li'), /Acadia, Blackwoods loop B.*visited Sep 2025/s, 'the edited place');
  await page.reload();
  await expectText(page.locator('#places li'), /Site 42: quiet/, 'the note after a reload');
  const profile = page.locator('form[aria-label="Change your display name"]');
  await profile.getByLabel('Display name').fill('Paula P.');
  await profile.getByRole('button', { name: 'Save name' }).click();
  await expectText(page.locator('#site-header .account-box a'), /Paula P\.$/, 'the header shows the new name');
  await page.getByRole('button', { name: 'Sign out' }).first().click();
  await page.locator('.flash').filter({ hasText: 'You are signed out' }).waitFor();
  await page.locator('.cards li').nth(20).waitFor();
  await page.getByRole('button', { name: 'Show more parks' }).click();
  await page.locator('.cards li').nth(30).waitFor();
  const focused = await page.evaluate(() => document.activeElement.closest('.cards') !== null);
  expect(focused, 'the keyboard stays in the list after "Show more parks"');
});

test('home: near me with a granted location sorts by distance', async (page) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Near me' }).click();
  await page.locator('.cards li').first().filter({ hasText: 'km away' }).waitFor();
  await expectText(page.locator('.cards li h2').first(), /Zion|Bryce|Capitol Reef/, 'nearest to Zion');
}, { context: { geolocation: { latitude: 37.3, longitude: -113.0 }, permissions: ['geolocation'] } });

test('review: sign up, find a park, rate and review it, see the average and distribution change, edit, delete', async (page) => {
  await signUp(page, 'Rita Reviewer');
  await openPark(page, 'zion', 'Zion');
  await expectText(page.locator('[data-testid=rating-count]'), /No ratings yet/, 'empty park');
  // The form offers exactly the camper types the API counts (the database's list).
  const zion = await (await page.request.get('/api/parks/zion')).json();
  const counted = Object.keys((await (await page.request.get(`/api/analytics/parks/${zion.id}`)).json()).camper_types);
  await page.getByRole('button', { name: 'Write a review' }).click();
  await page.locator('form.review-form select[name=camper_type]').waitFor();
  const offered = await page.locator('form.review-form select[name=camper_type] option')
    .evaluateAll((options) => options.map((o) => o.value).filter(Boolean));
  expect(offered.join() === counted.join(), `the form offers the API's camper types: ${offered} vs ${counted}`);
  await shot(page, 'park-before');
  await writeReview(page, { stars: 4, title: 'Angels Landing <b>at dawn</b>', body: 'Go early.\nThe shuttle fills up.', month: '2025-06', camper: 'tent' });
  await page.locator('.my-review .form-status').filter({ hasText: 'published' }).waitFor();
  await expectText(avg(page), /^4\.0$/, 'average after one 4-star review');
  await expectText(page.locator('[data-testid=rating-count]'), /1 rating, 1 review/, 'count');
  await expectText(distRow(page, 4).locator('.dist-count'), /^1$/, '4-star bar');
  await expectText(page.locator('.reviews .review-title'), /Angels Landing <b>at dawn<\/b>/, 'title shown as text, not HTML');
  expect(await page.locator('.reviews b').count() === 0, 'no HTML from the review title');
  await shot(page, 'park');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'park-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
  // Edit: 4 → 2 stars.
  await page.getByRole('button', { name: 'Edit your review' }).click();
  const form = page.locator('form.review-form');
  expect(await form.getByRole('radio', { name: '4 stars' }).isChecked(), 'the edit form starts at 4 stars');
  await form.getByRole('radio', { name: '4 stars' }).focus();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await form.getByLabel('Title').fill('Crowded but worth it');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('.my-review .form-status').filter({ hasText: 'saved' }).waitFor();
  await expectText(avg(page), /^2\.0$/, 'average after the edit');
  await expectText(distRow(page, 2).locator('.dist-count'), /^1$/, '2-star bar');
  await expectText(distRow(page, 4).locator('.dist-count'), /^0$/, '4-star bar emptied');
  await expectText(page.locator('.reviews .review-title'), /Crowded but worth it/, 'edited title in the list');
  // The bars filter the list.
  await distRow(page, 2).click();
  await page.locator('.filter-note').filter({ hasText: 'only 2-star' }).waitFor();
  await expectText(page.locator('.reviews .review-title'), /Crowded/, 'filtered list');
  await page.getByRole('button', { name: 'Show all reviews' }).click();
  // Delete: the review leaves the list; the rating stays.
  await page.getByRole('button', { name: 'Delete your review' }).click();
  await page.locator('.my-review').filter({ hasText: 'Your review was deleted' }).waitFor();
  await expectText(page.locator('.reviews li'), /No reviews yet/, 'list after delete');
  await expectText(page.locator('[data-testid=rating-count]'), /1 rating, 0 reviews/, 'rating stays');
});

test('review: a second camper marks a review helpful and reports it; an admin hides it', async (page) => {
  await signUp(page, 'Amy Author');
  await openPark(page, 'arches', 'Arches');
  await writeReview(page, { stars: 5, title: 'Delicate Arch at sunset', body: 'Bring water.' });
  await page.locator('.my-review .form-status').waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in' }).waitFor();
  await signUp(page, 'Ben Reader');
  await openPark(page, 'arches', 'Arches');
  const review = page.locator('.reviews .review').filter({ hasText: 'Delicate Arch' });
  await review.getByRole('button', { name: 'Helpful (0)' }).click();
  await review.getByRole('button', { name: 'Helpful (1)', pressed: true }).waitFor();
  await review.getByRole('button', { name: 'Report' }).click();
  await review.getByLabel('Reason').selectOption('spam');
  await review.getByLabel(/Note for the moderators/).fill('Looks like an advert');
  await review.getByRole('button', { name: 'Send report' }).click();
  await review.getByText('A moderator will look').waitFor();
  if (!stack.admin) return;
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in' }).waitFor();
  await signIn(page, stack.admin, stack.admin_password);
  await page.getByRole('link', { name: 'Admin', exact: true }).click();
  const rep = page.locator('.report').filter({ hasText: 'Delicate Arch' });
  await rep.waitFor();
  await rep.getByRole('link', { name: 'Arches' }).waitFor(); // the reviewed park by its name
  await shot(page, 'admin');
  await rep.getByLabel('Reason for your decision').fill('Advertising');
  await rep.getByRole('button', { name: 'Hide review' }).click();
  await rep.getByText('Hidden. The report is closed.').waitFor();
  await openPark(page, 'arches', 'Arches');
  await expectText(page.locator('.reviews li'), /No reviews yet/, 'hidden review left the list');
  await page.goto('/admin.html');
  await page.getByText('No open reports').waitFor();
  // The decision can be found again, in the hidden reviews and the closed reports, and undone.
  const closed = page.getByRole('list', { name: 'Closed reports' }).locator('li').filter({ hasText: 'Delicate Arch' });
  await expectText(closed, /Looks like an advert/, 'the closed report keeps its note');
  await expectText(closed, /Hidden by .*Advertising/, 'the closed report shows the decision');
  const held = page.getByRole('list', { name: 'Hidden reviews' }).locator('li').filter({ hasText: 'Delicate Arch' });
  await expectText(held, /Hidden by .*Advertising/, 'the hidden review shows who hid it and why');
  await shot(page, 'admin-decisions');
  await held.getByLabel('Reason for your decision').fill('Second look: fine');
  await held.getByRole('button', { name: 'Unhide review' }).click();
  await held.getByText('Visible again.').waitFor();
  await openPark(page, 'arches', 'Arches');
  await page.locator('.reviews .review').filter({ hasText: 'Delicate Arch' }).waitFor();
});

test('sign in: next= leads only to pages of this site (backslash, tab, newline, // and other origins refused)', async (page) => {
  const username = await signUp(page, 'Nora Next');
  const site = new URL(BASE).origin;
  // Raw query strings: each `next` would take a prefix check off the site.
  const bad = ['/%5Cevil.example/phish', '/\\evil.example', '/%09/evil.example', '/%0A/evil.example',
    '//evil.example', 'https://evil.example', '%2F%2Fevil.example', 'javascript:alert(1)'];
  for (const next of bad) {
    const p = await newPage(t_current);
    await p.goto(`/account.html?next=${next}`);
    const form = p.locator('form', { has: p.getByRole('heading', { name: 'Sign in' }) });
    await form.getByLabel('Username').fill(username);
    await form.getByLabel('Password').fill('a long password 123');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Hello, Nora Next' }).waitFor().catch(() => {});
    const u = new URL(p.url());
    expect(u.origin === site && u.pathname === '/account.html', `next=${next} led to ${p.url()}, not ${site}/account.html`);
    await p.context().close();
  }
  const p = await newPage(t_current);
  await p.goto(`/account.html?next=${encodeURIComponent('/park.html?park=arches')}`);
  const form = p.locator('form', { has: p.getByRole('heading', { name: 'Sign in' }) });
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Password').fill('a long password 123');
  await form.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Arches' }).first().waitFor();
  expect(new URL(p.url()).pathname === '/park.html', `a good next led to ${p.url()}`);
});

test('not found: an address that holds nothing shows the site\'s 404 page with its header', async (page) => {
  const res = await page.goto('/no-such-trail/here.html');
  expect(res.status() === 404, `status ${res.status()}`);
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Parks' }).waitFor();
  await shot(page, 'not-found');
  await page.getByRole('link', { name: 'Find a national park' }).click();
  await page.getByRole('heading', { name: 'Find a national park' }).waitFor();
}, { expectStatus: [404] });

// A w x h JPEG of noise made by the vips command (libvips-tools), as a camera would give one.
function jpegOf(w, h, sigma) {
  const d = mkdtempSync(path.join(os.tmpdir(), 'frostbyte-img-'));
  try {
    execFileSync('vips', ['gaussnoise', `${d}/n.v`, String(w), String(h), '--sigma', String(sigma)]);
    execFileSync('vips', ['copy', `${d}/n.v`, `${d}/n.jpg[Q=85]`]);
    return readFileSync(`${d}/n.jpg`);
  } finally { rmSync(d, { recursive: true, force: true }); }
}

test('photos: add photos to my review (preview, required alt text, progress), the gallery and cover, the lightbox by keys and swipe, remove one', async (page) => {
  await signUp(page, 'Shutter Bug');
  await openPark(page, 'arches', 'Arches');
  await writeReview(page, { stars: 5, title: 'Delicate Arch at sunset', body: 'Bring water.' });
  await page.locator('.my-review .form-status').filter({ hasText: 'published' }).waitFor();
  const ed = page.locator('.photo-editor');
  const files = [jpegOf(1200, 900, 30), jpegOf(900, 1200, 40)];
  for (const [i, buffer] of files.entries()) {
    await ed.getByLabel(/^Photo \(JPEG/).setInputFiles({ name: `trail-${i}.jpg`, mimeType: 'image/jpeg', buffer });
    await ed.locator('img.photo-preview').waitFor({ state: 'visible' });
    expect((await ed.locator('img.photo-preview').getAttribute('src')).startsWith('data:image/jpeg'), 'the preview shows the chosen file');
    if (i === 0) {
      await ed.getByRole('button', { name: 'Add photo' }).click();
      await ed.getByText(/Describe the photo: the description/).waitFor();
    }
    expect(await ed.locator('progress').count() === 1, 'the form has a progress bar');
    await ed.getByLabel(/Describe the photo/).fill(i === 0 ? 'The arch against an orange sky' : 'A trail between red fins');
    if (i === 1) await ed.getByLabel('Caption (optional)').fill('Devils Garden');
    await ed.getByRole('button', { name: 'Add photo' }).click();
    await ed.locator('.photo-list li').nth(i).waitFor();
    await ed.getByText('Photo added.').waitFor();
  }
  await expectText(ed.locator('.muted.small').first(), /2 photos of 6/, 'count');
  await page.locator('.photo-grid img').nth(1).waitFor(); // the gallery follows without a reload
  expect(await page.locator('.photo-grid img').count() === 2, 'the gallery shows both new photos before any reload');
  await shot(page, 'photos-editor');

  await page.reload();
  const thumbs = page.locator('.photo-grid img');
  await thumbs.nth(1).waitFor();
  expect(await thumbs.count() === 2, 'the gallery shows both photos');
  for (const attr of ['width', 'height', 'alt']) expect(await thumbs.first().getAttribute(attr), `a thumbnail has ${attr}`);
  expect(await thumbs.first().getAttribute('loading') === 'lazy', 'thumbnails load lazily');
  expect(await thumbs.first().getAttribute('alt') === 'A trail between red fins', 'newest first, with its alt text');
  const cover = page.locator('.park-cover img');
  await cover.waitFor();
  expect(await cover.getAttribute('width') && (await cover.getAttribute('src')).startsWith('/photos/'), 'the park header shows the review\'s photo');

  await page.locator('.photo-thumb').first().click();
  const dlg = page.locator('dialog.lightbox');
  await dlg.waitFor();
  await expectText(dlg.locator('.lightbox-caption'), /Devils Garden — Shutter Bug/, 'lightbox caption');
  await expectText(dlg, /Photo 1 of 2/, 'position');
  await page.keyboard.press('ArrowRight');
  await expectText(dlg, /Photo 2 of 2/, 'ArrowRight moves to the next photo');
  expect(await dlg.locator('img').getAttribute('alt') === 'The arch against an orange sky', 'the large photo has its alt text');
  await shot(page, 'photos-lightbox');
  const box = await dlg.locator('img').boundingBox();
  await page.mouse.move(box.x + box.width / 2 - 100, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 100, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await expectText(dlg, /Photo 1 of 2/, 'a swipe to the right goes back');
  await page.keyboard.press('Escape');
  await dlg.waitFor({ state: 'detached' });

  await openPark(page, 'arches', 'Arches');
  await page.locator('.photo-editor .photo-list li').nth(1).waitFor();
  await page.getByRole('button', { name: 'Remove photo: The arch against an orange sky' }).click();
  await expectText(page.locator('.photo-editor .muted.small').first(), /1 photo of 6/, 'one removed');
  await page.waitForFunction(() => document.querySelectorAll('.photo-grid img').length === 1);
  expect(await page.locator('.photo-grid img').first().getAttribute('alt') === 'A trail between red fins',
    'the removed photo leaves the gallery at once');
  await page.goto('/');
  await page.getByLabel('Park name').fill('arches');
  const card = page.locator('.cards li').filter({ hasText: 'Arches' }).first();
  await card.locator('img.card-cover').waitFor();
  expect(await card.locator('img.card-cover').getAttribute('height'), 'the park card shows its cover with its size');
});

test('boards: read a camping board, post on it (text stays text), post on a park board', async (page) => {
  await page.goto('/boards.html');
  await page.locator('.board-nav').getByRole('link', { name: /Forest/ }).click();
  await page.getByRole('heading', { name: 'Forest board' }).waitFor();
  await page.getByText(/Sign in or create an account/).first().waitFor();
  await signUp(page, 'Pat Poster');
  await page.goto('/boards.html');
  await page.locator('.board-nav').getByRole('link', { name: /Forest/ }).click();
  await page.getByRole('heading', { name: 'Forest board' }).waitFor();
  const forestCount = async () => Number(/\((\d+)\)/.exec(await page.locator('.board-nav a', { hasText: 'Forest' }).innerText())[1]);
  const before = await forestCount();
  await page.getByLabel('Title').fill('Best hammock spots <img src=x onerror=alert(1)>');
  await page.getByLabel('Message').fill('Redwood has great trees.');
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  await expectText(page.locator('.posts .post h3'), /Best hammock spots <img/, 'post title as text');
  expect(await page.locator('.posts img').count() === 0, 'no image element from the post');
  expect(await forestCount() === before + 1, `the board's post count follows the new post (${before} before)`);
  await shot(page, 'boards');
  await page.getByLabel('Park board').selectOption({ label: 'Acadia (0)' });
  await page.getByRole('heading', { name: 'Acadia board' }).waitFor();
  await page.getByLabel('Title').fill('Cadillac sunrise');
  await page.getByLabel('Message').fill('Reserve the vehicle pass.');
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  await expectText(page.locator('.posts .post h3'), /Cadillac sunrise/, 'park board post');
  await page.getByLabel('Park board').locator('option', { hasText: 'Acadia (1)' }).waitFor({ state: 'attached' });
  await page.locator('.posts .post', { hasText: 'Cadillac sunrise' }).getByRole('button', { name: 'Delete post' }).click();
  await page.getByLabel('Park board').locator('option', { hasText: 'Acadia (0)' }).waitFor({ state: 'attached' });
  await page.getByLabel('Title').fill('Cadillac sunrise');
  await page.getByLabel('Message').fill('Reserve the vehicle pass.');
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  await page.getByLabel('Park board').locator('option', { hasText: 'Acadia (1)' }).waitFor({ state: 'attached' });
  await openPark(page, 'acadia', 'Acadia');
  await expectText(page.locator('.park-board .post h3'), /Cadillac sunrise/, 'the park page shows its board');
});

test('quiz: answer seven questions, get a park with alternatives, see it among earlier results', async (page) => {
  await page.goto('/quiz.html');
  await page.getByRole('button', { name: 'Find my park' }).click();
  await page.locator('.field-error').filter({ hasText: 'Please answer' }).waitFor();
  await signUp(page, 'Quinn Quiz');
  await page.goto('/quiz.html');
  const sets = page.locator('fieldset.question');
  await sets.nth(6).waitFor();
  expect(await sets.count() === 7, 'seven questions');
  for (let i = 0; i < 7; i++) await sets.nth(i).getByRole('radio').first().check();
  await page.getByRole('button', { name: 'Find my park' }).click();
  await page.getByRole('heading', { name: 'Your park' }).waitFor();
  expect(await page.locator('.quiz-result ul li').count() === 2, 'two alternatives');
  const parkName = await page.locator('.result-park a').innerText();
  await expectText(page.locator('.quiz-results li'), new RegExp(parkName), 'earlier results');
  await shot(page, 'quiz');
  await page.locator('.result-park a').click();
  await page.getByRole('heading', { level: 1, name: parkName }).waitFor();
});

test('places: save a park to my places, see it in the list and on the map', async (page) => {
  await signUp(page, 'Sam Saver');
  await openPark(page, 'denali', 'Denali');
  await page.getByRole('button', { name: 'Save this place' }).click();
  await page.getByText('Saved to').waitFor();
  await page.getByRole('link', { name: 'your places' }).click();
  await expectText(page.locator('#places li'), /Denali/, 'places list');
  expect(await page.locator('#places svg.usmap circle.dot').count() === 1, 'one dot on the map');
  await shot(page, 'account');
});

test('chat: talk with the ranger, see the thinking state, history kept, retry after a failure', async (page) => {
  await page.goto('/chat.html');
  await page.getByText(/Sign in or create an account/).waitFor();
  await signUp(page, 'Cora Camper');
  await page.goto('/chat.html');
  // FAKE:SLOW: the fake ranger takes a second, so the thinking state is there to be seen.
  await page.getByLabel('Your message').fill('Where can I camp near <script>alert(1)</script>? FAKE:SLOW');
  const thinkingSeen = page.locator('.thinking:not([hidden])').waitFor({ timeout: 5000 }).then(() => true, () => false);
  await page.getByRole('button', { name: 'Send' }).click();
  await expectText(page.locator('.msg.model .text'), /Turn 1\. ?You said: Where can I camp near <script>/, 'reply as plain text');
  expect(await thinkingSeen, 'the thinking state was shown');
  await page.getByLabel('Your message').fill('And in winter?');
  await page.keyboard.press('Enter');
  await expectText(page.locator('.msg.model .text'), /Turn 3\./, 'the ranger got the earlier turns');
  await page.getByLabel('Your message').fill('FAKE:500 please fail');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('.retry-box').getByRole('button', { name: 'Retry' }).waitFor();
  await shot(page, 'chat-failed');
  await page.reload();
  await expectText(page.locator('.msg.model .text'), /Turn 3\./, 'history after reload');
  expect(await page.locator('.conversations li a').count() === 1, 'one conversation listed');
  await shot(page, 'chat');
}, { expectStatus: [502] });

test('analytics: site figures and per-park charts with the numbers as text', async (page) => {
  await page.goto('/analytics.html');
  await page.locator('.figures').waitFor();
  await page.locator('#park-an-h').waitFor();
  await page.locator('.chart-figure').nth(4).waitFor();
  await expectText(page.locator('.figure'), /63\s*parks/, 'parks figure');
  await page.getByLabel('Park').selectOption({ label: 'Zion' });
  await page.getByRole('heading', { name: 'Zion' }).waitFor();
  await expectText(page.locator('.chart-figure figcaption'), /Reviews per month/, 'monthly chart');
  await shot(page, 'analytics');
});

test('sign out: the header offers sign in again and pages show prompts', async (page) => {
  await signUp(page, 'Otto Out');
  await page.getByRole('button', { name: 'Sign out' }).first().click();
  await page.getByRole('link', { name: 'Sign in' }).waitFor();
  await page.goto('/account.html');
  await page.getByRole('heading', { name: 'Create an account', exact: true }).waitFor();
  await openPark(page, 'yosemite', 'Yosemite');
  await page.getByText(/to write a review/).waitFor();
  await page.getByText(/to save this place/).waitFor();
  await shot(page, 'park-signed-out');
});

test('wire: the first load of a park page comes compressed (text of 1 KiB or more), and its size is printed', async (page) => {
  const seen = [];
  page.on('requestfinished', async (req) => {
    const res = await req.response();
    if (!res) return;
    const sizes = await req.sizes();
    const body = await res.body().catch(() => Buffer.alloc(0));
    seen.push({ url: req.url(), type: res.headers()['content-type'] || '', enc: res.headers()['content-encoding'] || '',
      wire: sizes.responseBodySize + sizes.responseHeadersSize, plain: body.length + sizes.responseHeadersSize,
      bytes: body.length });
  });
  await page.goto('/park.html?park=62');
  await page.getByRole('heading', { level: 1, name: 'Yosemite' }).waitFor();
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(300); // the last requestfinished handlers
  const big = seen.filter((s) => s.bytes >= 1024 && /json|css|javascript|html/.test(s.type));
  const plain = big.filter((s) => s.enc !== 'gzip').map((s) => `${s.url} ${s.bytes} bytes`);
  const wire = seen.reduce((a, s) => a + s.wire, 0), before = seen.reduce((a, s) => a + s.plain, 0);
  console.log(`# wire: park page first load, ${seen.length} responses: ${wire} bytes on the wire, ${before} uncompressed ` +
    `(headers included)`);
  if (plain.length || !big.length) throw new Error(`sent uncompressed: ${plain.join(', ') || 'nothing big seen'}`);
});

let t_current = null; // the running test, for tests that open more pages (each in its own context)
const only = (process.env.BROWSER_ONLY || '').split(',').filter(Boolean); // while working on a few
for (const t of tests) {
  if (only.length && !only.some((o) => t.name.startsWith(o))) continue;
  t.problems = []; t.contexts = []; t_current = t;
  try {
    const page = await newPage(t, t.opts.context);
    await t.fn(page);
    tap(true, t.name);
  } catch (e) {
    tap(false, t.name, e.stack || e);
    const pages = t.contexts.flatMap((c) => c.pages());
    if (pages[0]) await shot(pages[0], `FAILED-${n}`).catch(() => {});
  }
  tap(t.problems.length === 0, `${t.name.split(':')[0]}: no console errors and no CSP violations`, t.problems.join('\n'));
  for (const c of t.contexts) await c.close().catch(() => {});
}

await browser.close();
await stopStack(stack);
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
