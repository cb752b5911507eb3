// SPDX-License-Identifier: Apache-2.0
// codebook console: the router, the API client and the helpers every view
// uses (docs/console.md).  Hand-written ES modules, served as they are from
// the binary: no build step, no library.  Views render with DOM calls
// (never innerHTML with data), so nothing from the API is ever markup.

const KEY = 'codebook.key';  // the API key: this tab's session storage only
const main = document.getElementById('main');

// ---- DOM ------------------------------------------------------------------

// h('a', {href: '#/x', class: 'c'}, 'text', child, [more]): an element.
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  add(el, kids);
  return el;
}

const SVGNS = 'http://www.w3.org/2000/svg';
export function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVGNS, tag);
  setAttrs(el, attrs);
  add(el, kids);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function add(el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return el;
}

let uid = 0;
export const newId = (p) => `${p}-${++uid}`;

// A labelled control: label(text, control) -> [label, control] with for/id.
export function field(text, control, hint) {
  if (!control.id) control.id = newId('f');
  const kids = [h('label', {for: control.id}, text), control];
  if (hint) {
    const hid = newId('hint');
    control.setAttribute('aria-describedby', hid);
    kids.push(h('small', {id: hid, class: 'hint'}, hint));
  }
  return h('div', {class: 'field'}, kids);
}

export function select(name, options, value) {
  const el = h('select', {name});
  for (const o of options) {
    const [v, t] = Array.isArray(o) ? o : [o, o];
    el.append(h('option', {value: v, selected: v === value}, t));
  }
  return el;
}

// A table: caption, column headers, rows (arrays of cells).
export function table(caption, cols, rows, cls) {
  return h('div', {class: 'scroll', tabindex: 0, role: 'region', 'aria-label': caption},
    h('table', {class: cls || null},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', {scope: 'col'}, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) =>
        i === 0 ? h('th', {scope: 'row'}, c) : h('td', {}, c)))))));
}

export function dl(pairs) {
  return h('dl', {class: 'facts'}, pairs.filter((p) => p && p[1] !== undefined && p[1] !== null && p[1] !== '')
    .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

// A status as text and a shape, never by colour alone.
const MARKS = {Completed: '✓', active: '✓', valid: '✓', Error: '✗', retired: '✗', Pending: '…',
  Processing: '…', Unknown: '?', ok: '✓', 'needs-attention': '!', deprecated: '!', breaking: '✗', warning: '!', info: 'i'};
export function badge(text) {
  const cls = String(text).toLowerCase().replace(/[^a-z]+/g, '-');
  return h('span', {class: `badge b-${cls}`}, h('span', {'aria-hidden': 'true'}, MARKS[text] || '•'), ' ', text);
}

export function link(href, text) {
  return h('a', {href}, text);
}

// ---- formats ---------------------------------------------------------------

// Minor units of an ISO 4217 currency, as money ("£23.99").
export function money(minor, currency, units) {
  if (minor === null || minor === undefined) return '';
  const d = units === undefined || units === null ? 2 : units;
  const v = minor / 10 ** d;
  try {
    return new Intl.NumberFormat('en-GB', {style: 'currency', currency,
      minimumFractionDigits: d, maximumFractionDigits: d}).format(v);
  } catch (e) {
    return `${v.toFixed(d)} ${currency}`;
  }
}

// "2026-11-22T03:54:38.271Z" -> "2026-11-22 03:54 UTC"
export function when(t) {
  if (!t) return '';
  return `${t.slice(0, 10)} ${t.slice(11, 16)} UTC`;
}

export const count = (n) => Number(n).toLocaleString('en-GB');

// ---- the API -----------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, doc) {
    super(doc && doc.detail ? doc.detail : `HTTP ${status}`);
    this.status = status;
    this.doc = doc || {};
  }
}

export const getKey = () => sessionStorage.getItem(KEY);
export function setKey(k) {
  if (k) sessionStorage.setItem(KEY, k);
  else sessionStorage.removeItem(KEY);
  showKeyState();
}

// fetch an API path; JSON in and out; a problem document becomes ApiError.
export async function api(path, opts = {}) {
  const headers = {Accept: 'application/json', ...(opts.headers || {})};
  const key = getKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  let body = opts.body;
  if (body !== undefined && typeof body !== 'string') body = JSON.stringify(body);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {method: opts.method || 'GET', headers, body});
  const ct = res.headers.get('content-type') || '';
  const doc = ct.includes('json') ? await res.json() : (await res.text(), null);
  if (!res.ok) throw new ApiError(res.status, doc);
  return {status: res.status, doc, headers: res.headers};
}

export const get = async (path) => (await api(path)).doc;

// A path with a query string from an object (empty values left out).
export function qs(path, q) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const t = p.toString();
  return t ? `${path}?${t}` : path;
}

export const enc = encodeURIComponent;

// The market of a set named BASE@MARKET (tiktok-reverse-reason@GB), or null:
// a set for every market.
export const marketOf = (name) => (/@([A-Z]{2})$/.exec(name || '') || [])[1] || null;

// The sets served (a short list; cached for the page's life, revalidated
// by each view that shows it).
let setsP = null;
export function sets(fresh) {
  if (fresh || !setsP) setsP = get('/v1/code-sets').then((d) => d.sets.map((x) => ({...x, market: marketOf(x.name)})),
    (e) => { setsP = null; throw e; });
  return setsP;
}

// ---- feedback ---------------------------------------------------------------

export function problemBox(e) {
  const d = e.doc || {};
  const kids = [h('p', {}, h('strong', {}, d.title || 'Error'), d.status ? ` (${d.status})` : '', ': ',
    d.detail || e.message)];
  if (Array.isArray(d.suggestions) && d.suggestions.length)
    kids.push(h('p', {}, 'Suggestions: ', d.suggestions.join(', ')));
  if (Array.isArray(d.violations) && d.violations.length)
    kids.push(table('Violations', ['Rule', 'Severity', 'Subject', 'Message'],
      d.violations.map((v) => [v.rule, badge(v.severity), v.subject, v.message])));
  if (d.request_id) kids.push(h('p', {class: 'muted'}, `Request id ${d.request_id}`));
  return h('div', {class: 'problem', role: 'alert'}, kids);
}

// The form that keeps an API key in this tab's session storage.
export function keyForm(onSaved, why) {
  const input = h('input', {type: 'password', name: 'key', autocomplete: 'off', spellcheck: 'false',
    required: true, placeholder: 'cbk_…'});
  const form = h('form', {class: 'keyform'},
    why ? h('p', {}, why) : null,
    field('API key', input, 'Kept only in this tab\u2019s session storage; closing the tab forgets it.'),
    h('button', {type: 'submit'}, 'Keep the key for this tab'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setKey(input.value.trim());
    onSaved();
  });
  return form;
}

function showKeyState() {
  const el = document.getElementById('keystate');
  if (el) el.textContent = getKey() ? 'API key: kept for this tab' : 'No API key';
}

// ---- the router ------------------------------------------------------------------

const views = [];
// @re: the address after "#"; @name: the view's name (data-ready); @nav: its menu item
export function route(re, name, fn, nav) {
  views.push({re, name, fn, nav: nav || name});
}

let token = 0;
let started = 0;

// Render the view of location.hash ("#/sets/outbound?q=x").
async function render() {
  const mine = ++token;
  // a first load counts from the navigation (the page and its scripts too)
  started = mine === 1 ? 0 : performance.now();
  const hash = location.hash.replace(/^#/, '') || '/orders';
  const [path, query] = hash.split('?');
  const v = views.find((x) => x.re.test(path));
  main.setAttribute('aria-busy', 'true');
  document.documentElement.removeAttribute('data-ready');
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (v && a.dataset.nav === v.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const ctx = {
    main, query: new URLSearchParams(query || ''), path,
    params: v ? v.re.exec(path).slice(1).map((p) => (p === undefined ? p : decodeURIComponent(p))) : [],
    alive: () => mine === token,
    // replace the view's content (only while it is still the current view)
    show(...kids) {
      if (mine !== token) return;
      main.replaceChildren();
      add(main, kids);
    },
    // go to the same view with another query (a filter changed)
    go(q) { location.hash = qs(path, q); },
    rerender: () => render(),
  };
  try {
    if (!v) throw new ApiError(404, {title: 'Not found', detail: `the console has no page ${path}`});
    await v.fn(ctx);
  } catch (e) {
    if (mine !== token) return;
    if (e instanceof ApiError && e.status === 401)
      ctx.show(h('h1', {tabindex: -1}, 'An API key is needed'), problemBox(e),
        keyForm(render, 'This server needs an API key for this page. Ask its operator for one (codebook keys add NAME).'));
    else
      ctx.show(h('h1', {tabindex: -1}, 'Something went wrong'), problemBox(e));
  }
  if (mine !== token) return;
  main.setAttribute('aria-busy', 'false');
  const ms = Math.round(performance.now() - started);
  document.documentElement.dataset.ready = v ? v.name : 'none';
  document.documentElement.dataset.readyMs = String(ms);
  const h1 = main.querySelector('h1');
  if (h1) {
    document.title = `${h1.textContent} · codebook`;
    if (moved) { h1.setAttribute('tabindex', '-1'); h1.focus({preventScroll: true}); }
  }
  moved = false;
}

let moved = false;  // a navigation (not the first load): focus goes to the new page's heading

export function start() {
  showKeyState();
  window.addEventListener('hashchange', () => { moved = true; render(); });
  document.querySelector('.skip').addEventListener('click', (ev) => { ev.preventDefault(); main.focus(); });
  render();
}
