// SPDX-License-Identifier: Apache-2.0
// The console in Debian's Chromium, headless, driven by playwright-core
// (tests/console/run.py starts the server and the simulator, makes the data
// and passes their addresses in a JSON file).  Each case prints "ok" or
// "not ok" with its reason; the last line is "N passed, M failed".
import {readFileSync, writeFileSync, mkdtempSync, rmSync} from 'node:fs';
import {createServer} from 'node:http';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const {chromium} = await import(pathToFileURL(join(cfg.modules, 'playwright-core', 'index.mjs')).href);
const AXE = readFileSync(join(cfg.modules, 'axe-core', 'axe.min.js'), 'utf8');
const C = cfg.cases;

let passed = 0, failed = 0;
let page = null;  // the tab most cases use
const timings = [];
function check(cond, what) {
  if (!cond) throw new Error(what);
}
async function step(name, fn) {
  const t0 = Date.now();
  if (page) page.errors = [];
  try {
    await fn();
    passed++;
    console.log(`ok - ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${e.stack || e}`);
  }
}

async function apiGet(path, key) {
  const r = await fetch(cfg.url + path, {headers: key ? {Authorization: `Bearer ${key}`} : {}});
  return r.json();
}

// ---- the browser --------------------------------------------------------------------

// a fresh profile (Playwright passes it as --user-data-dir)
const profile = mkdtempSync(join(tmpdir(), 'cb-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: cfg.chromium, headless: true, viewport: {width: 1280, height: 900},
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// A tab (its own session storage) that records console errors, uncaught
// exceptions and failed requests.
async function newPage() {
  const page = await browser.newPage();
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') page.errors.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => page.errors.push(`uncaught: ${e.message}`));
  page.on('requestfailed', (r) => page.errors.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`));
  return page;
}

// Go to #/..., wait until the view says it is ready; its time as the page
// measured it (from the hash change, or for a first load from the navigation,
// to the view rendered) and as seen from here.
async function view(page, hash, name) {
  const t0 = Date.now();
  if (page.url().startsWith(cfg.url)) {
    await page.evaluate((h) => {
      document.documentElement.removeAttribute('data-ready');  // not the view before's
      if (location.hash === h) window.dispatchEvent(new HashChangeEvent('hashchange'));  // render it again
      else location.hash = h;
    }, hash);
  }
  else await page.goto(`${cfg.url}/${hash}`);
  await page.waitForFunction((n) => document.documentElement.dataset.ready === n &&
    document.getElementById('main').getAttribute('aria-busy') === 'false', name, {timeout: 15000});
  const ms = Number(await page.evaluate(() => document.documentElement.dataset.readyMs));
  return {ms, wall: Date.now() - t0};
}

async function axe(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(AXE);
  const r = await page.evaluate(() => window.axe.run(document, {resultTypes: ['violations']}));
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
}

// Every form control has a label (its own, aria-label or aria-labelledby).
async function unlabelled(page) {
  return page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((el) => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label') &&
      !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
    .map((el) => el.outerHTML.slice(0, 120)));
}

const shot = (page, name) => page.screenshot({path: join(cfg.artifacts, `${name}.png`), fullPage: true});

// ---- every view ----------------------------------------------------------------------

const VIEWS = [
  ['orders', '#/orders', 'orders'],
  ['orders-10000-page-3', null, 'orders'],
  ['order', `#/orders/${C.failed}`, 'order'],
  ['sets', '#/sets', 'sets'],
  ['set-qe-reason', '#/sets/qe-reason', 'set'],
  ['set-10000-codes', '#/sets/bulk-codes', 'set'],
  ['sets-market-GB', '#/sets?market=GB', 'sets'],
  ['set-tiktok-reverse-reason', '#/sets/tiktok-reverse-reason@GB?c.order_status=200', 'set'],
  ['set-observed', '#/sets/tiktok-shop-error', 'set'],
  ['code', '#/sets/qe-reason/codes/INVALID_TRACKING_NUMBER', 'code'],
  ['reports-incidents', '#/reports?kind=incidents&group_by=reason_code', 'reports'],
  ['reports-events', '#/reports?kind=events&group_by=service', 'reports'],
  ['governance', '#/governance/outbound', 'governance'],
  ['access', '#/access', 'access'],
];

page = await newPage();
await step('the page and its files: served with ETags, revalidated with 304', async () => {
  const r1 = await fetch(`${cfg.url}/`);
  const etag = r1.headers.get('etag');
  check(r1.status === 200 && /^"sha256:[0-9a-f]{64}"$/.test(etag), `GET / ${r1.status} ${etag}`);
  check((r1.headers.get('content-security-policy') || '').includes("script-src 'self'"), 'no CSP on the page');
  const r2 = await fetch(`${cfg.url}/`, {headers: {'If-None-Match': etag}});
  check(r2.status === 304, `revalidation: ${r2.status}`);
});

await step('a first load, and a reload: the page, its scripts and the orders', async () => {
  await page.goto(`${cfg.url}/#/orders`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'orders');
  const first = Number(await page.evaluate(() => document.documentElement.dataset.readyMs));
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'orders');
  const again = await page.evaluate(() => [Number(document.documentElement.dataset.readyMs),
    Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd)]);
  timings.push(['first load (fresh browser)', first, first], ['reload', again[0], again[0]]);
  console.log(`# reload: DOMContentLoaded at ${again[1]} ms, the orders shown at ${again[0]} ms`);
  check(page.errors.length === 0, page.errors.join('\n'));
});

for (const [name, hash, ready] of VIEWS) {
  await step(`view ${name}: loads without console errors, no serious or critical axe violation, every control labelled`, async () => {
    page.errors = [];
    let t;
    if (hash) {
      t = await view(page, hash, ready);
    } else {
      // the orders list three pages in, by its Next page link, with the keyboard
      t = await view(page, '#/orders', 'orders');
      for (let i = 0; i < 2; i++) {
        await page.getByRole('link', {name: 'Next page'}).focus();
        const t0 = Date.now();
        await page.keyboard.press('Enter');
        await page.waitForFunction((n) => document.documentElement.dataset.ready === 'orders' &&
          document.querySelector('.pager span').textContent.startsWith(`Page ${n}`), i + 2);
        t = {ms: Number(await page.evaluate(() => document.documentElement.dataset.readyMs)), wall: Date.now() - t0};
      }
      const rows = await page.locator('table tbody tr').count();
      check(rows === 50, `page 3 has ${rows} rows, not 50`);
    }
    timings.push([name, t.ms, t.wall]);
    await page.waitForTimeout(50);
    await shot(page, name);
    check(page.errors.length === 0, page.errors.join('\n'));
    const bad = await axe(page);
    check(bad.length === 0, bad.join('\n'));
    const nolabel = await unlabelled(page);
    check(nolabel.length === 0, `controls without a label: ${nolabel.join(', ')}`);
  });
}

await step('the checks above can fail: an unlabelled control and low contrast are caught', async () => {
  await view(page, '#/access', 'access');
  await page.evaluate(() => {
    const p = document.createElement('p');
    p.id = 'bad';
    const faint = document.createElement('span');
    faint.textContent = 'faint';
    faint.style.color = '#ddd';  // through the CSSOM: the page's CSP refuses inline style attributes
    p.append(document.createElement('input'), faint);
    document.getElementById('main').append(p);
  });
  const bad = await axe(page);
  check(bad.some((v) => v.startsWith('label')) && bad.some((v) => v.startsWith('color-contrast')), `axe found: ${bad}`);
  check((await unlabelled(page)).length === 1, 'the label check missed it');
  await page.evaluate(() => document.getElementById('bad').remove());
});

// ---- the check box --------------------------------------------------------------------

await step('the check box answers with the API\'s verdict, reason and suggestions', async () => {
  await view(page, '#/sets/qe-reason', 'set');
  await page.screenshot({path: join(cfg.artifacts, 'readme-set.png')});
  const form = page.locator('form.check');
  await form.getByLabel('Code', {exact: true}).fill('APP_MISSED_WEBHOOK');
  await form.getByLabel('Context: rule').selectOption('A3');
  await form.getByRole('button', {name: 'Check'}).click();
  const out = page.locator('.verdict [data-verdict]');
  await out.waitFor();
  const r = await (await fetch(`${cfg.url}/v1/code-sets/qe-reason/check`, {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code: 'APP_MISSED_WEBHOOK', context: {rule: 'A3'}})})).json();
  const text = await out.textContent();
  check(await out.getAttribute('data-verdict') === 'invalid', 'verdict not invalid');
  check(text.includes(r.reason) && text.includes(r.message), `the page shows ${text}, the API says ${r.reason}: ${r.message}`);
  for (const a of r.alternatives) check(text.includes(a), `alternative ${a} missing`);
  // a near miss: suggestions as the API gives them
  await form.getByLabel('Code', {exact: true}).fill('APP_MISSED_WEBHOK');
  await form.getByLabel('Context: rule').selectOption('');
  await form.getByRole('button', {name: 'Check'}).click();
  await page.waitForFunction(() => (document.querySelector('.verdict') || {}).textContent.includes('APP_MISSED_WEBHOK'));
  const r2 = await (await fetch(`${cfg.url}/v1/code-sets/qe-reason/check`, {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({code: 'APP_MISSED_WEBHOK', context: {}})})).json();
  const text2 = await page.locator('.verdict').textContent();
  check(text2.includes(r2.reason), `reason ${r2.reason} missing: ${text2}`);
  for (const s of r2.suggestions || []) check(text2.includes(s), `suggestion ${s} missing: ${text2}`);
  await shot(page, 'check-box');
});

// ---- the reason picker ------------------------------------------------------------------

// The keys the mirror of the order's shop's market holds for @status, by the API.
async function pickerKeys(oid, status) {
  const rf = (await apiGet(`/v1/orders/${oid}`)).reasons_from;
  const set = rf.set;
  check(set === 'tiktok-reverse-reason@GB', `order ${oid}: reasons from ${set}`);
  check(rf.context && rf.context.order_status === status, `order ${oid}: context ${JSON.stringify(rf.context)}, not ${status}`);
  const d = await apiGet(`/v1/code-sets/${set}/codes?category=seller_cancel&context.order_status=${status}&limit=1000`);
  return {set, keys: d.codes.filter((c) => c.status !== 'retired').map((c) => c.code).sort()};
}

async function openPicker(p, oid) {
  await view(p, `#/orders/${oid}`, 'order');
  await p.getByRole('button', {name: 'Cancel order'}).click();
  const dlg = p.getByRole('dialog');
  await dlg.locator('form.cancel-form').waitFor();
  return dlg;
}

await step('the picker offers only the keys available for the order\'s status, the default chosen', async () => {
  for (const [oid, status, def] of [[C.unpaid, '0', 'seller_cancel_unpaid_reason_out_of_stock_uk'],
    [C.partial, '200', 'seller_cancel_reason_out_of_stock_uk']]) {
    const dlg = await openPicker(page, oid);
    const radios = dlg.locator('fieldset.reasons input[type=radio]');
    const got = (await radios.evaluateAll((els) => els.map((e) => e.value))).sort();
    const {set, keys: want} = await pickerKeys(oid, status);
    check(want.length > 0 && JSON.stringify(got) === JSON.stringify(want), `order ${oid}: offered ${got}, available ${want}`);
    const legend = await dlg.locator('fieldset.reasons legend').textContent();
    check(legend.includes(set), `the picker does not name the market's mirror: ${legend}`);
    const checked = await dlg.locator('fieldset.reasons input:checked').getAttribute('value');
    check(checked === def, `default ${checked}, not ${def}`);
    if (status === '0') await shot(page, 'cancel-dialog');
    // Escape closes it; the focus goes back to the button
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('dialog'));
    check(await page.evaluate(() => document.activeElement.textContent) === 'Cancel order', 'focus not back on Cancel order');
  }
  await view(page, `#/orders/${C.shipped}`, 'order');
  check(await page.getByRole('button', {name: 'Cancel order'}).isDisabled(), 'a shipped order can be cancelled');
});

// ---- cancellations, from the keyboard -----------------------------------------------------

await step('a cancellation requested in the page ends Completed against the simulator (keyboard only)', async () => {
  await view(page, `#/orders/${C.done}`, 'order');
  await page.getByRole('button', {name: 'Cancel order'}).focus();
  await page.keyboard.press('Enter');
  const dlg = page.getByRole('dialog');
  await dlg.locator('form.cancel-form').waitFor();
  // the key, typed into the dialog's key field (this tab holds none yet)
  await dlg.getByLabel('API key').focus();
  await page.keyboard.type(cfg.key);
  await page.keyboard.press('Enter');
  await dlg.getByRole('button', {name: 'Send the cancellation'}).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /Completed: transaction id/.test(document.querySelector('.live').textContent),
    null, {timeout: 30000});
  const o = await apiGet(`/v1/orders/${C.done}`);
  const p = o.payments[o.payments.length - 1];
  check(p.status === 'Completed' && o.status === 'Cancelled', `payment ${p.status}, order ${o.status}`);
  check(p.reason.key === 'seller_cancel_reason_out_of_stock_uk', `key ${p.reason.key}`);
  const txt = await page.locator(`[data-payment="${p.id}"]`).textContent();
  check(txt.includes(p.transaction_id) && txt.includes('Out of stock') && txt.includes('Completed'), txt);
  // the items as refunded now, without a reload
  const refundedCells = await page.locator('table', {hasText: 'Unit price'}).locator('tbody tr td:nth-child(6)').allTextContents();
  check(refundedCells.length === 2 && refundedCells.every((c) => c === '£10.00'), `items refunded: ${refundedCells}`);
  const calls = await (await fetch(`${cfg.sim}/__admin/calls`)).json();
  check(calls.orders[C.done].cancel_calls === 1 && calls.orders[C.done].status === 'CANCELLED',
    `simulator: ${JSON.stringify(calls.orders[C.done])}`);
  // the key is in this tab's session storage only
  const store = await page.evaluate(() => [sessionStorage.getItem('codebook.key'), localStorage.length, location.href]);
  check(store[0] === cfg.key && store[1] === 0 && !store[2].includes(cfg.key), 'the key is not kept as it should be');
  await shot(page, 'order-completed');
  await page.screenshot({path: join(cfg.artifacts, 'readme-order.png')});  // the viewport: docs/images
});

await step('a cancellation refused by the full-order rule shows "Only full order refund is allowed."', async () => {
  const dlg = await openPicker(page, C.partial);
  await dlg.getByLabel(/^Shipping:/).uncheck();
  await dlg.getByRole('button', {name: 'Send the cancellation'}).click();
  await page.waitForFunction(() => /ended in Error/.test(document.querySelector('.live').textContent), null, {timeout: 30000});
  const out = page.getByLabel('Error text');
  check((await out.textContent()) === 'Only full order refund is allowed.', `Error text: ${await out.textContent()}`);
  check(page.errors.length === 0, page.errors.join('\n'));
  await shot(page, 'order-error');
});

// ---- orders by market ---------------------------------------------------------------------------

await step('orders filtered by market: the shops of GB; another market read on page by page, never whole', async () => {
  await view(page, '#/orders?market=GB', 'orders');
  const cells = await page.locator('table tbody tr td:nth-child(3)').allTextContents();  // Order is a th
  check(cells.length === 50 && cells.every((c) => c === 'GB'), `markets shown: ${[...new Set(cells)]} (${cells.length})`);
  check((await page.getByLabel('Market').inputValue()) === 'GB', 'the filter does not show GB');
  // no VN shop: 10,006 orders are read 5,000 at most per request, so pages come back empty with a cursor
  let r = await apiGet('/v1/orders?market=VN&limit=50'), pages = 1;
  while (r.next_cursor && pages < 5) {
    check(r.items.length === 0, 'a GB order listed as VN');
    r = await apiGet(`/v1/orders?market=VN&limit=50&cursor=${r.next_cursor}`);
    pages++;
  }
  check(r.items.length === 0 && r.next_cursor === null && pages === 3, `pages ${pages}, last ${JSON.stringify(r)}`);
  await view(page, '#/orders?market=VN', 'orders');
  check((await page.locator('main .empty').textContent()).includes('the next page reads on'), 'no word on the empty page');
  check(await page.getByRole('link', {name: 'Next page'}).count() === 1, 'no next page');
  check(page.errors.length === 0, page.errors.join('\n'));
});

// ---- 10,000 of each: paged, never loaded whole ---------------------------------------------

await step('10,000 codes: paged from the API (50 rows a page), searched on the server', async () => {
  const t = await view(page, '#/sets/bulk-codes', 'set');
  check((await page.locator('table.codes tbody tr').count()) === 50, 'not 50 rows');
  check((await page.locator('.pager span').textContent()).includes(`of ${cfg.bulk_codes.toLocaleString('en-GB')}`), 'no total');
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.getByRole('link', {name: 'Next page'}).click();
  await page.waitForFunction(() => document.querySelector('.pager span').textContent.startsWith('Codes 51'));
  await page.getByLabel('Search').fill('CODE_0999');
  await page.getByRole('button', {name: 'Filter'}).click();
  await page.waitForFunction(() => /of 10$/.test(document.querySelector('.pager span').textContent));
  check(requests.every((u) => !u.includes('/versions/') && !/code-sets\/bulk-codes$/.test(u)), `whole set read: ${requests}`);
  check(requests.some((u) => u.includes('limit=50')), 'no paged request');
  timings.push(['set-10000-codes (again)', t.ms, t.wall]);
});

// ---- governance: diff, dry-run, publish -------------------------------------------------------

// the rules of a table of findings, as the page shows them, and as the API lists them
const rulesIn = async (sel) => [...new Set(await page.locator(`${sel} table.findings tbody th code`).allTextContents())].sort();
const apiRules = (fs) => [...new Set(fs.map((f) => f.rule))].sort();

await step('governance: each version\'s changes by rule name, the diff between any two versions as the API gives it', async () => {
  await view(page, '#/governance/outbound?from=1&to=2', 'governance');
  const v = await apiGet('/v1/code-sets/outbound/versions');
  const row2 = await page.locator('table.versions tbody tr', {hasText: 'v2'}).first().textContent();
  for (const c of v.versions[1].changes) check(row2.includes(c.rule) && row2.includes(c.subject), `v2's row lacks ${c.rule} ${c.subject}: ${row2}`);
  check(row2.includes('CODE_DEPRECATED') && row2.includes('FRAUD.VELOCITY'), row2);
  const diff = await page.locator('.diff').textContent();
  const d12 = await apiGet('/v1/code-sets/outbound/diff?from=1&to=2');
  const shownRules = await rulesIn('.diff');
  check(JSON.stringify(shownRules) === JSON.stringify(apiRules(d12.findings)), `page ${shownRules}, API ${apiRules(d12.findings)}`);
  check(diff.includes('FRAUD.FRIENDLY_FRAUD') && diff.includes('would let this version through'), diff);
  // backwards: breaking changes marked with their rule names
  await page.getByLabel('From version').selectOption('2');
  await page.getByLabel('To version').selectOption('1');
  await page.getByRole('button', {name: 'Compare'}).click();
  await page.waitForFunction(() => /refuses/.test((document.querySelector('.diff') || {}).textContent || ''));
  const back = await page.locator('.diff table.findings').textContent();
  check(back.includes('CODE_NO_DELETE') && back.includes('breaking'), back);
  await shot(page, 'governance-diff');
  const bad = await axe(page);
  check(bad.length === 0, bad.join('\n'));
  check(page.errors.length === 0, page.errors.join('\n'));
});

await step('governance: a dry-run that breaks, with its impact as the API counts it; a publish with a key', async () => {
  await view(page, '#/governance/outbound', 'governance');
  await page.getByLabel('Proposed version (JSON)').fill(cfg.proposal_breaking);
  await page.getByRole('button', {name: 'Dry-run against the gate'}).click();
  await page.waitForFunction(() => (document.querySelector('.result') || {}).textContent.includes('CODE_NO_DELETE'));
  const res = await page.locator('.result').textContent();
  const api = await (await fetch(`${cfg.url}/v1/code-sets/outbound/compatibility`, {method: 'POST',
    headers: {'Content-Type': 'application/json', Authorization: `Bearer ${cfg.key}`}, body: cfg.proposal_breaking})).json();
  check(api.verdict === 'refused' && res.includes('refused') && res.includes('the gate refuses'), `verdict: ${res}`);
  check(api.impact.events.records > 0, `the seeded events use FRAUD.CHARGEBACK: ${JSON.stringify(api.impact.events)}`);
  check(res.includes(`Outbound events: ${api.impact.events.records.toLocaleString('en-GB')} would get another verdict`),
    `impact not shown as the API counts it (${api.impact.events.records}): ${res}`);
  check(res.includes('unknown-code'), 'no example of the impact');
  check((await apiGet('/v1/code-sets/outbound')).version === 2, 'a dry run stored something');
  await shot(page, 'governance-dry-run');
  const bad = await axe(page);  // the verdict, findings and impact too
  check(bad.length === 0, bad.join('\n'));
  // the server's gate agrees when it is published
  await page.getByRole('button', {name: 'Publish'}).click();
  await page.waitForFunction(() => /Governance violation/.test(document.querySelector('.result').textContent));
  check((await page.locator('.result').textContent()).includes('CODE_NO_DELETE'), 'no rule in the refusal');
  await page.getByLabel('Proposed version (JSON)').fill(cfg.proposal_good);
  await page.getByRole('button', {name: 'Dry-run against the gate'}).click();
  await page.waitForFunction(() => /would let this version through/.test(document.querySelector('.result').textContent));
  check((await page.locator('.result [data-verdict]').getAttribute('data-verdict')) === 'publishable', 'not publishable');
  await page.getByRole('button', {name: 'Publish'}).click();
  await page.waitForFunction(() => /Published outbound v3/.test(document.querySelector('.result').textContent));
  const v = await apiGet('/v1/code-sets/outbound/versions');
  check(v.current_version === 3, `current version ${v.current_version}`);
  // any two versions: v1 to v3
  await view(page, '#/governance/outbound?from=1&to=3', 'governance');
  const d13 = await page.locator('.diff').textContent();
  check(d13.includes('FRAUD.BIN_ATTACK') && d13.includes('FRAUD.FRIENDLY_FRAUD') && d13.includes('CODE_DEPRECATED'), d13);
  check(page.errors.filter((e) => !e.includes('409')).length === 0, page.errors.join('\n'));
});

await step('a code\'s history across versions: each version pinned, with the rules of its changes', async () => {
  await view(page, '#/sets/outbound/codes/FRAUD.VELOCITY', 'code');
  await page.getByRole('button', {name: 'Show its history across versions'}).click();
  await page.locator('table.history').waitFor();
  const rows = await page.locator('table.history tbody tr').allTextContents();
  check(rows.length === 3, `${rows.length} versions: ${rows}`);
  check(rows[0].includes('active') && rows[1].includes('deprecated') && rows[1].includes('CODE_DEPRECATED') &&
    rows[2].includes('unchanged'), rows.join('\n'));
  const pinned = await apiGet('/v1/code-sets/outbound/codes/FRAUD.VELOCITY?version=1');
  check(pinned.version === 1 && rows[0].includes(pinned.entries[0].description), 'v1 not as the API pins it');
  await shot(page, 'code-history');
  const bad = await axe(page);
  check(bad.length === 0, bad.join('\n'));
  check(page.errors.length === 0, page.errors.join('\n'));
});

await step('sets per market, and the codes met in traffic that a set does not hold', async () => {
  await view(page, '#/sets?market=GB', 'sets');
  const shown = await page.locator('table tbody tr th').allTextContents();
  const gb = (await apiGet('/v1/code-sets')).sets.map((x) => x.name).filter((n) => n.endsWith('@GB'));
  check(JSON.stringify(shown) === JSON.stringify(gb) && gb.includes('tiktok-reverse-reason@GB'), `shown ${shown}, GB ${gb}`);
  await view(page, '#/sets/tiktok-shop-error', 'set');
  const obs = await apiGet('/v1/code-sets/tiktok-shop-error/observed');
  check(obs.observed.some((o) => o.code === '99999123'), `the API noted ${JSON.stringify(obs.observed)}`);
  const t = await page.locator('section.observed').textContent();
  for (const o of obs.observed) check(t.includes(o.code) && t.includes(o.seen_in), `${o.code} missing: ${t}`);
  check(t.includes(`${obs.candidates} code`), `candidates: ${t}`);
  check(page.errors.length === 0, page.errors.join('\n'));
});

// ---- keyboard only: the menu, a set, a code ------------------------------------------------------

await step('everything from the keyboard: menu, a set, its first code', async () => {
  const p = await newPage();
  await p.goto(`${cfg.url}/#/orders`);
  await p.waitForFunction(() => document.documentElement.dataset.ready === 'orders');
  // Tab from the top: the skip link, the brand, then the menu
  const seen = [];
  for (let i = 0; i < 8 && !seen.includes('Code sets'); i++) {
    await p.keyboard.press('Tab');
    seen.push(await p.evaluate(() => document.activeElement.textContent.trim()));
  }
  check(seen[0] === 'Skip to content', `first Tab: ${seen[0]}`);
  check(seen.includes('Code sets'), `menu not reached: ${seen}`);
  await p.keyboard.press('Enter');
  await p.waitForFunction(() => document.documentElement.dataset.ready === 'sets');
  check(await p.evaluate(() => document.activeElement.tagName) === 'H1', 'focus not on the new heading');
  for (let i = 0; i < 40; i++) {
    await p.keyboard.press('Tab');
    if (await p.evaluate(() => document.activeElement.textContent === 'outbound')) break;
  }
  await p.keyboard.press('Enter');
  await p.waitForFunction(() => document.documentElement.dataset.ready === 'set');
  for (let i = 0; i < 60; i++) {
    await p.keyboard.press('Tab');
    if (await p.evaluate(() => (document.activeElement.getAttribute('href') || '').includes('/codes/'))) break;
  }
  await p.keyboard.press('Enter');
  await p.waitForFunction(() => document.documentElement.dataset.ready === 'code');
  check(p.errors.length === 0, p.errors.join('\n'));
  await p.close();
});

// ---- --require-key-for-reads: the page asks for the key ----------------------------------------------

// ---- usage, mappings, Unknown refunds, shops (the API's newer routes) ------------------

const fmt = (n) => Number(n).toLocaleString('en-GB');
const at = (t) => (t ? `${t.slice(0, 10)} ${t.slice(11, 16)} UTC` : 'never');
const cells = (loc) => loc.locator('tbody tr').evaluateAll((rows) =>
  rows.map((r) => [...r.cells].map((c) => c.textContent.trim())));
const same = (a, b, what) => check(JSON.stringify(a) === JSON.stringify(b),
  `${what}:\n  page ${JSON.stringify(a)}\n  API  ${JSON.stringify(b)}`);
const encP = encodeURIComponent;

// The code's page against GET .../usage and the mappings' own answers.
async function codeAgainstApi(set, code) {
  page.errors = [];
  await view(page, `#/sets/${encP(set)}/codes/${encP(code)}`, 'code');
  const u = await apiGet(`/v1/code-sets/${encP(set)}/usage`);
  const c = u.codes.find((x) => x.code === code);
  const row = (v, x) => [v, fmt(x.checked), fmt(x.stored), fmt(x.rejected), at(x.last_seen)];
  same(await cells(page.locator('table.usage')), [row('all', c), ...c.versions.map((v) => row(`v${v.version}`, v))],
    `usage of ${set} ${code}`);
  const want = [];
  for (const m of (await apiGet('/v1/mappings')).mappings) {
    if (m.source_set === set) {
      const t = await apiGet(`/v1/mappings/${encP(m.name)}/translate?code=${encP(code)}`);
      for (const l of t.matches) want.push([m.name, `to ${m.target_set}`, code, l.to || 'nothing', l.equivalence, l.basis, l.comment || '']);
    } else if (m.target_set === set) {
      for (const l of (await apiGet(`/v1/mappings/${encP(m.name)}`)).links.filter((x) => x.to === code))
        want.push([m.name, `from ${m.source_set}`, l.from, l.to, l.equivalence, l.basis, l.comment || '']);
    }
  }
  check(want.length > 0, `no mapping names ${set} ${code}: the case shows nothing`);
  same(await cells(page.locator('table.mappings')), want, `mappings of ${set} ${code}`);
  check(page.errors.length === 0, page.errors.join('\n'));
  const bad = await axe(page);
  check(bad.length === 0, bad.join('\n'));
  return {c, want};
}

await step('a code\'s page: its usage counters (GET .../usage) and its mappings, with the translation of the code', async () => {
  // a source code: tiktok-reverse-reason@GB -> outbound, translated
  const maps = (await apiGet('/v1/mappings')).mappings;
  const m = maps.find((x) => x.source_set === 'tiktok-reverse-reason@GB');
  check(m, `no mapping from tiktok-reverse-reason@GB: ${JSON.stringify(maps)}`);
  const links = (await apiGet(`/v1/mappings/${encP(m.name)}`)).links;
  const from = links.find((l) => l.to);
  await codeAgainstApi(m.source_set, from.from);
  // a target code: the links to it; and a deprecated code whose counters are not zero
  await codeAgainstApi(m.target_set, from.to);
  await shot(page, 'code-mappings');
  const basis = await page.locator('table.mappings tbody td:nth-child(6)').allTextContents();
  check(basis.length > 0 && basis.every((b) => b === 'judgement' || b.startsWith('seed') || b.length > 0), `basis ${basis}`);
});

await step('a code\'s usage: the deprecated FRAUD.VELOCITY, stored and checked, per version', async () => {
  await view(page, '#/sets/outbound/codes/FRAUD.VELOCITY', 'code');
  const u = await apiGet('/v1/code-sets/outbound/usage');
  const c = u.codes.find((x) => x.code === 'FRAUD.VELOCITY');
  check(c.stored >= 3 && c.versions.length >= 1, `API usage ${JSON.stringify(c)}`);
  const row = (v, x) => [v, fmt(x.checked), fmt(x.stored), fmt(x.rejected), at(x.last_seen)];
  same(await cells(page.locator('table.usage')), [row('all', c), ...c.versions.map((v) => row(`v${v.version}`, v))], 'usage');
  const d = u.deprecated.find((x) => x.code === 'FRAUD.VELOCITY');
  same(await cells(page.locator('table.senders')), d.senders.map((x) => [x.service, fmt(x.count)]), 'senders');
});

await step('a set\'s page: its never-used codes and the services still sending its deprecated codes', async () => {
  page.errors = [];
  await view(page, '#/sets/outbound', 'set');
  await page.waitForSelector('section.set-usage[aria-busy="false"]');
  const u = await apiGet('/v1/code-sets/outbound/usage');
  const lead = await page.locator('section.set-usage p').first().textContent();
  const whole = await page.locator('section.set-usage').textContent();
  check(!/null|undefined/.test(whole), `the usage section shows: ${whole}`);
  check(lead.startsWith(`${fmt(u.unused)} of the ${fmt(u.code_count)} codes of v${u.version} were never used`), lead);
  check(u.unused > 0 && u.unused < u.code_count, `API: ${u.unused} of ${u.code_count}`);
  same(await page.locator('ul.unused li').allTextContents(),
    u.codes.filter((c) => !c.last_seen).slice(0, 100).map((c) => c.code), 'never-used codes');
  check(u.deprecated.some((d) => d.code === 'FRAUD.VELOCITY' && d.senders.length === 2), `API: ${JSON.stringify(u.deprecated)}`);
  same(await cells(page.locator('table.deprecated')), u.deprecated.map((d) => [d.code, fmt(d.count),
    d.senders.length ? d.senders.map((x) => `${x.service} (${fmt(x.count)})`).join(', ') : 'no service']), 'deprecated codes');
  await shot(page, 'set-usage');
  check(page.errors.length === 0, page.errors.join('\n'));
  const bad = await axe(page);
  check(bad.length === 0, bad.join('\n'));
  // 10,000 codes: the usage comes after the codes, which do not wait for it
  await view(page, '#/sets/bulk-codes', 'set');
  await page.waitForSelector('section.set-usage[aria-busy="false"]', {timeout: 15000});
  const bu = await apiGet('/v1/code-sets/bulk-codes/usage');
  check((await page.locator('ul.unused li').count()) === Math.min(100, bu.unused), 'bulk: the first 100 never-used codes');
});

// Settle the Unknown refund of @oid in the page (a tab holding the key).
async function settle(p, oid, pid, outcome, text) {
  await view(p, `#/orders/${oid}`, 'order');
  const form = p.locator(`[data-payment="${pid}"] form.settle`);
  await form.waitFor();
  await form.getByRole('radio', {name: outcome === 'cancelled' ? /^Cancelled/ : /^Not cancelled/}).check();
  await form.getByLabel(outcome === 'cancelled' ? 'Cancel id' : 'Note', {exact: true}).fill(text);
  await form.getByRole('button', {name: `Settle refund #${pid}`}).click();
}

await step('an Unknown refund: settled in the page as cancelled (with a cancel id) and as not cancelled (with a note)', async () => {
  const [o1, o2] = cfg.unknown;
  const [p1, p2] = cfg.unknown_payments;
  // without a key, the form asks for one
  const anon = await newPage();
  await view(anon, `#/orders/${o1}`, 'order');
  check(await anon.locator(`[data-payment="${p1}"]`).getByLabel('API key').count() === 1, 'no key form without a key');
  check(await anon.locator('form.settle').count() === 0, 'a settle form without a key');
  await anon.close();

  page.errors = [];
  await view(page, `#/orders/${o1}`, 'order');
  check((await page.evaluate(() => sessionStorage.getItem('codebook.key'))) === cfg.key, 'this tab holds no key');
  await page.locator('form.settle').waitFor();
  const bad = await axe(page);
  check(bad.length === 0, bad.join('\n'));
  const nolabel = await unlabelled(page);
  check(nolabel.length === 0, `controls without a label: ${nolabel.join(', ')}`);
  await shot(page, 'order-unknown');
  await settle(page, o1, p1, 'cancelled', 'console-cancel-4035');
  await page.waitForFunction(() => /Completed: transaction id/.test(document.querySelector('.live').textContent),
    null, {timeout: 15000});
  let o = await apiGet(`/v1/orders/${o1}`);
  let p = o.payments.find((x) => x.id === p1);
  check(p.status === 'Completed' && p.transaction_id === 'console-cancel-4035' && o.status === 'Cancelled',
    `API: payment ${p.status} ${p.transaction_id}, order ${o.status}`);
  const txt = await page.locator(`[data-payment="${p1}"]`).textContent();
  check(txt.includes('Completed') && txt.includes(p.transaction_id) && !txt.includes('Settle refund'), txt);
  check((await page.locator('.live').textContent()).includes(p.transaction_id), 'the live region');

  await settle(page, o2, p2, 'not_cancelled', 'Seller Center shows it shipped');
  await page.waitForFunction(() => /ended in Error/.test(document.querySelector('.live').textContent), null, {timeout: 15000});
  o = await apiGet(`/v1/orders/${o2}`);
  p = o.payments.find((x) => x.id === p2);
  check(p.status === 'Error' && p.error_text.includes('Seller Center shows it shipped') && o.status === 'Ready for Shipping',
    `API: payment ${p.status} ${p.error_text}, order ${o.status}`);
  const shown = await page.locator(`[data-payment="${p2}"] output.error-text`).textContent();
  check(shown === p.error_text, `Error text: page ${shown}, API ${p.error_text}`);
  check(page.errors.length === 0, page.errors.join('\n'));
});

await step('shops (with a key): market, API version, token expiry and why one needs attention, as GET /v1/shops; no secret', async () => {
  const anon = await newPage();
  await view(anon, '#/shops', 'shops');
  check(await anon.getByLabel('API key').count() === 1, 'no key form without a key');
  await anon.close();
  page.errors = [];
  await view(page, '#/shops', 'shops');
  const d = await apiGet('/v1/shops', cfg.key);
  check(d.items.length === 2 && d.items.some((x) => x.state === 'needs-attention' && x.attention), `API: ${JSON.stringify(d)}`);
  const rows = await cells(page.locator('table.shops'));
  same(rows.map((r) => [r[0], r[1], r[2].split(' ')[0], r[5], r[6].replace(/^\S+\s/, ''), r[7].replace(/ \(since .*\)$/, '')]),
    d.items.map((x) => [x.name, x.market, x.api, String(x.token_version), x.state, x.attention || '']), 'shops');
  rows.forEach((r, i) => check(r[3].startsWith(at(new Date(d.items[i].access_token_expires_at * 1000).toISOString())),
    `access token expiry ${r[3]}`));
  const html = await page.content();
  for (const secret of cfg.secrets) check(!html.includes(secret), 'a secret in the page');
  await shot(page, 'shops');
  check(page.errors.length === 0, page.errors.join('\n'));
  const bad = await axe(page);
  check(bad.length === 0, bad.join('\n'));
});

await step('--require-key-for-reads: the console asks for a key, then shows the view', async () => {
  const p = await newPage();
  await p.goto(`${cfg.closed_url}/#/sets`);
  await p.getByRole('heading', {name: 'An API key is needed'}).waitFor();
  await shot(p, 'key-needed');
  await p.getByLabel('API key').fill(cfg.closed_key);
  await p.getByRole('button', {name: 'Keep the key for this tab'}).click();
  await p.waitForFunction(() => document.documentElement.dataset.ready === 'sets' && !!document.querySelector('table'));
  // a fresh tab has no key: session storage is per tab
  const p2 = await browser.newPage();
  await p2.goto(`${cfg.closed_url}/#/sets`);
  await p2.getByRole('heading', {name: 'An API key is needed'}).waitFor();
  check(p.errors.every((e) => e.includes('401')), p.errors.join('\n'));
  await p.close();
  await p2.close();
});

// ---- CORS: another origin may call the API only when allowed -------------------------------------------

await step('CORS: a page of an allowed origin calls the API with a key; another origin is refused', async () => {
  const html = '<!doctype html><title>other front-end</title>';
  const servers = [cfg.allowed_port, cfg.other_port].map((port) => new Promise((res) => {
    const srv = createServer((q, r) => { r.setHeader('Content-Type', 'text/html'); r.end(html); });
    srv.listen(port, '127.0.0.1', () => res(srv));
  }));
  const [a, b] = await Promise.all(servers);
  try {
    const p = await newPage();
    const call = (url, key) => p.evaluate(async ([u, k]) => {
      try {
        const r = await fetch(u + '/v1/code-sets/outbound/check', {method: 'POST',
          headers: {'Content-Type': 'application/json', Authorization: `Bearer ${k}`}, body: '{"code":"FRAUD.CHARGEBACK"}'});
        return `${r.status} ${(await r.json()).reason} ${r.headers.get('x-request-id') ? 'id' : 'no-id'}`;
      } catch (e) {
        return `refused: ${e.message}`;
      }
    }, [url, key]);
    await p.goto(`http://127.0.0.1:${cfg.allowed_port}/`);
    const ok = await call(cfg.url, cfg.key);
    check(ok === '200 valid id', `allowed origin: ${ok}`);
    await p.goto(`http://127.0.0.1:${cfg.other_port}/`);
    const no = await call(cfg.url, cfg.key);
    check(no.startsWith('refused'), `other origin: ${no}`);
    await p.close();
  } finally {
    a.close();
    b.close();
  }
});

await browser.close();
rmSync(profile, {recursive: true, force: true});

console.log('\nview timings (ready: from the address change to the view rendered, as the page measures it; wall: seen by the test):');
for (const [n, ms, wall] of timings) console.log(`  ${n.padEnd(28)} ready ${String(ms).padStart(4)} ms   wall ${String(wall).padStart(4)} ms`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
