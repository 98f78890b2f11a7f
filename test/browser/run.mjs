// Browser tests for the Frostbyte site: playwright-core drives Debian's Chromium (no browser
// download) against the real stack started by scripts/run (through stack.py, with the fake
// Gemini server). Prints TAP, one line per test and one per test for "no console errors";
// screenshots go to test/browser/out/ (or $BROWSER_OUT).
//
//   node test/browser/run.mjs            FROSTBYTE_BUILD_DIR picks the build (default REPO/build)
//   BROWSER_URL=http://127.0.0.1:8102 node test/browser/run.mjs   against a running stack
//                                        (the admin test is then skipped)
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
});

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
  await page.getByLabel('Title').fill('Best hammock spots <img src=x onerror=alert(1)>');
  await page.getByLabel('Message').fill('Redwood has great trees.');
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  await expectText(page.locator('.posts .post h3'), /Best hammock spots <img/, 'post title as text');
  expect(await page.locator('.posts img').count() === 0, 'no image element from the post');
  await shot(page, 'boards');
  await page.getByLabel('Park board').selectOption({ label: 'Acadia (0)' });
  await page.getByRole('heading', { name: 'Acadia board' }).waitFor();
  await page.getByLabel('Title').fill('Cadillac sunrise');
  await page.getByLabel('Message').fill('Reserve the vehicle pass.');
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  await expectText(page.locator('.posts .post h3'), /Cadillac sunrise/, 'park board post');
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

for (const t of tests) {
  t.problems = []; t.contexts = [];
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
