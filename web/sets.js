// SPDX-License-Identifier: Apache-2.0
// Code sets: every set (with a market filter when the sets carry markets),
// a set's codes (searchable, filtered, paged from the API), a code's page
// (entries, where it applies, deprecation, history, usage), and the
// "check a code" box, which shows the API's verdict as it gives it.
import {h, field, select, table, dl, badge, link, count, get, api, qs, enc, sets,
  problemBox, ApiError, newId, when} from './app.js';

const PAGE = 50;
const HISTORY_MAX = 12;  // versions read for a code's history (the newest)

// ---- every set ------------------------------------------------------------------

export async function setsList(ctx) {
  const all = await sets(true);
  const markets = [...new Set(all.map((s) => s.market).filter(Boolean))].sort();
  const market = ctx.query.get('market') || '';
  const shown = market ? all.filter((s) => s.market === market) : all;
  let form = null;
  if (markets.length) {
    const sel = select('market', [['', 'All markets'], ...markets], market);
    form = h('form', {class: 'filters', 'aria-label': 'Filter the sets'}, field('Market', sel),
      h('button', {type: 'submit'}, 'Filter'));
    form.addEventListener('submit', (ev) => { ev.preventDefault(); ctx.go({market: sel.value}); });
  }
  const cols = ['Set', 'Title', markets.length ? 'Market' : null, 'Version', 'Codes', 'Categories', 'Kind', 'History']
    .filter(Boolean);
  const rows = shown.map((s) => [link(`#/sets/${enc(s.name)}`, s.name), s.title, markets.length ? s.market || 'all' : null,
    String(s.version), count(s.entries), count(s.categories), s.mirror ? 'mirror of a marketplace list' : 'own',
    link(`#/governance/${enc(s.name)}`, `Versions of ${s.name}`)].filter((c) => c !== null));
  ctx.show(h('h1', {}, 'Code sets'),
    h('p', {class: 'lead'}, 'The reason-code and error-code sets this server serves, each at its latest published version.'),
    form, table(`${shown.length} code sets`, cols, rows));
}

// ---- one set -------------------------------------------------------------------------

// Applies of an entry: "rule: A3, R5; order_status: 200" ("any" when none).
function applies(e) {
  const a = e.applies || {};
  const k = Object.keys(a);
  return k.length ? k.map((d) => `${d}: ${a[d].join(', ')}`).join('; ') : 'any context';
}

// A page of entries of @name, at a pinned version when one is chosen (the
// API pages a past version as it pages the latest: ?version=N).
function codesPage(name, f, cursor, latest) {
  const q = {limit: PAGE, cursor, q: f.q, category: f.category, status: f.status};
  for (const [d, v] of Object.entries(f.ctx)) q[`context.${d}`] = v;
  if (f.version && Number(f.version) !== latest) q.version = f.version;
  return get(qs(`/v1/code-sets/${enc(name)}/codes`, q));
}

// Codes met in marketplace traffic that the set does not hold (the
// marketplace client notes them: tiktok-shop-error, the reverse-reason
// mirrors); null when the server keeps none for this set.
async function observed(name) {
  const d = await get(qs(`/v1/code-sets/${enc(name)}/observed`, {limit: 100}));
  if (!d.observed.length) return null;
  return h('section', {'aria-labelledby': 'obs-title', class: 'observed'},
    h('h2', {id: 'obs-title'}, 'Codes met in traffic'),
    h('p', {}, `${count(d.candidates)} code${d.candidates === 1 ? '' : 's'} the marketplace used that v${d.version} `
      + 'does not hold: candidates for its next version.'),
    table(`Codes of the marketplace not in ${name}`, ['Code', 'Times', 'First seen', 'Last seen', 'Where', 'Now in the set'],
      d.observed.map((o) => [h('code', {}, o.code), count(o.count), when(o.first_seen), when(o.last_seen), o.seen_in,
        o.in_set ? 'yes' : 'no'])));
}

// The set's usage (GET .../usage): its never-used codes (the first
// UNUSED_SHOWN of them, linked) and the services still sending each
// deprecated code.
const UNUSED_SHOWN = 100;
async function setUsage(name) {
  const u = await get(`/v1/code-sets/${enc(name)}/usage`);
  const never = u.codes.filter((c) => !c.last_seen);
  const codeHref = (c) => `#/sets/${enc(name)}/codes/${enc(c)}`;
  return [h('h2', {id: 'usage-title'}, 'Usage'),
    h('p', {}, `${count(u.unused)} of the ${count(u.code_count)} codes of v${u.version} were never used`
      + ' (never checked, stored or rejected).'),
    never.length ? h('ul', {class: 'inline unused', 'aria-label': 'Codes never used'},
      never.slice(0, UNUSED_SHOWN).map((c) => h('li', {}, link(codeHref(c.code), c.code)))) : null,
    never.length > UNUSED_SHOWN ? h('p', {class: 'muted'}, `The first ${UNUSED_SHOWN} shown.`) : null,
    u.deprecated.length ? table(`Deprecated codes of ${name} still sent`, ['Code', 'Events', 'Sent by'],
      u.deprecated.map((d) => [link(codeHref(d.code), d.code), count(d.count),
        d.senders.length ? d.senders.map((x) => `${x.service} (${count(x.count)})`).join(', ') : 'no service']), 'deprecated')
      : h('p', {}, 'No deprecated code of this set is still sent.')];
}

export async function setPage(ctx) {
  const name = ctx.params[0];
  const q = ctx.query;
  const f = {q: q.get('q') || '', category: q.get('category') || '', status: q.get('status') || '',
    version: q.get('version') || '', ctx: {}};
  for (const [k, v] of q.entries()) if (k.startsWith('c.') && v) f.ctx[k.slice(2)] = v;
  const cursor = q.get('cursor') || '';
  const prev = (q.get('prev') || '').split(',').filter(Boolean);
  const [all, hist] = await Promise.all([sets(), get(`/v1/code-sets/${enc(name)}/versions`)]);
  const meta = all.find((s) => s.name === name) || {};
  const latest = hist.current_version;
  const [page, obs] = await Promise.all([codesPage(name, f, cursor, latest), observed(name)]);

  // the filters
  const search = h('input', {type: 'search', name: 'q', value: f.q, autocomplete: 'off'});
  const cat = select('category', [['', 'Any'], ...page.categories.map((c) => c.name)], f.category);
  const st = select('status', [['', 'Any'], 'active', 'deprecated', 'retired'], f.status);
  const ver = select('version', hist.versions.slice().reverse().map((v) => [String(v.version),
    v.version === latest ? `${v.version} (latest)` : String(v.version)]), f.version || String(latest));
  const dims = Object.entries(page.contexts).map(([d, c]) => [d, select(`c.${d}`, [['', 'Any'], ...c.values], f.ctx[d] || '')]);
  const form = h('form', {class: 'filters', 'aria-label': 'Filter the codes'},
    field('Search', search, 'code, description or display text'), field('Category', cat), field('Status', st),
    dims.map(([d, el]) => field(d.replace(/_/g, ' '), el)), field('Version', ver),
    h('button', {type: 'submit'}, 'Filter'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const next = {q: search.value.trim(), category: cat.value, status: st.value,
      version: ver.value === String(latest) ? '' : ver.value};
    for (const [d, el] of dims) next[`c.${d}`] = el.value;
    ctx.go(next);
  });

  const base = Object.fromEntries([...q.entries()].filter(([k]) => k !== 'cursor' && k !== 'prev'));
  const from = Number(cursor || 0);
  const href = (c, p) => '#' + qs(`/sets/${enc(name)}`, {...base, cursor: c, prev: p.join(',')});
  const pager = h('nav', {class: 'pager', 'aria-label': 'Pages of codes'},
    prev.length ? link(href(prev[prev.length - 1] === '0' ? '' : prev[prev.length - 1], prev.slice(0, -1)), 'Previous page') : null,
    h('span', {}, page.total ? `Codes ${count(from + 1)}\u2013${count(from + page.count)} of ${count(page.total)}`
      : 'No codes match'),
    page.next_cursor ? link(href(page.next_cursor, [...prev, cursor || '0']), 'Next page') : null);
  const codeHref = (c) => `#/sets/${enc(name)}/codes/${enc(c)}`;
  const usageBox = h('section', {class: 'set-usage', 'aria-labelledby': 'usage-title', 'aria-busy': 'true'},
    h('h2', {id: 'usage-title'}, 'Usage'), h('p', {}, 'Counting\u2026'));
  const rows = page.codes.map((e) => [e.code ? link(codeHref(e.code), e.code) : '(no code)', e.category,
    badge(e.status || 'active'), String(e.since || ''), applies(e),
    (e.attributes && e.attributes.display_text) || e.description || '']);

  ctx.show(
    h('p', {class: 'crumbs'}, link('#/sets', 'Code sets'), ' / ', name),
    h('h1', {}, page.title || name),
    dl([['Set', h('code', {}, name)], ['Market', meta.market], ['Version', `${page.version}${page.version === latest ? ' (latest)' : ''}`],
      ['Codes', count(meta.entries || page.total)], ['Kind', page.mirror ? 'mirror of a marketplace list' : null],
      ['History', link(`#/governance/${enc(name)}`, `${hist.versions.length} published version${hist.versions.length === 1 ? '' : 's'}`)]]),
    page.description ? h('p', {class: 'desc'}, page.description) : null,
    form,
    rows.length ? table(`Codes of ${name} v${page.version}`, ['Code', 'Category', 'Status', 'Since', 'Applies', 'Description'], rows, 'codes')
      : h('p', {class: 'empty'}, 'No code matches these filters.'),
    pager,
    checkBox(name, page.contexts),
    obs,
    usageBox);
  // not awaited: the usage lists every code of the set (10,000 in one
  // answer), so the codes are shown without waiting for it
  setUsage(name).catch((e) => [problemBox(e)]).then((kids) => {
    usageBox.replaceChildren(...kids.filter(Boolean));
    usageBox.setAttribute('aria-busy', 'false');
  });
}

// ---- the check box -------------------------------------------------------------------

function checkBox(name, contexts) {
  const code = h('input', {type: 'text', name: 'code', required: true, autocomplete: 'off', spellcheck: 'false'});
  const dims = Object.entries(contexts).map(([d, c]) => [d, select(d, [['', 'Not given'], ...c.values], '')]);
  const out = h('div', {class: 'verdict', role: 'status', 'aria-live': 'polite'});
  const form = h('form', {class: 'check', 'aria-labelledby': 'check-title'},
    h('h2', {id: 'check-title'}, 'Check a code'),
    h('div', {class: 'filters'}, field('Code', code), dims.map(([d, el]) => field(`Context: ${d.replace(/_/g, ' ')}`, el)),
      h('button', {type: 'submit'}, 'Check')), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const context = {};
    for (const [d, el] of dims) if (el.value) context[d] = el.value;
    out.textContent = 'Checking\u2026';
    try {
      const r = (await api(`/v1/code-sets/${enc(name)}/check`, {method: 'POST', body: {code: code.value, context}})).doc;
      out.replaceChildren(verdict(r));
    } catch (e) {
      out.replaceChildren(problemBox(e));
    }
  });
  return form;
}

function list(v) {
  return Array.isArray(v) && v.length ? h('ul', {class: 'inline'}, v.map((x) => h('li', {}, h('code', {}, x)))) : 'none';
}

// The verdict as the API gives it: valid, reason, message, alternatives, suggestions.
function verdict(r) {
  return h('div', {class: r.valid ? 'ok' : 'bad', 'data-verdict': r.valid ? 'valid' : 'invalid'},
    h('p', {class: 'big'}, badge(r.valid ? 'valid' : 'invalid'), ' ', h('code', {}, r.code), ` in ${r.set} v${r.version}`),
    dl([['valid', String(r.valid)], ['reason', h('code', {}, r.reason)], ['message', r.message],
      ['alternatives', r.alternatives ? list(r.alternatives) : null],
      ['suggestions', r.suggestions ? list(r.suggestions) : null],
      ['entry', r.entry ? `${r.entry.category}: ${r.entry.description}` : null]]));
}

// ---- one code ---------------------------------------------------------------------------

const KNOWN = new Set(['code', 'category', 'description', 'status', 'since', 'deprecated_since', 'replaced_by',
  'applies', 'attributes', 'handling', 'http_status', 'not_an_error', 'mappings', 'code_missing', 'id', 'editorial']);

function entryBlock(name, e, i, n) {
  const codeHref = (c) => `#/sets/${enc(name)}/codes/${enc(c)}`;
  const a = e.applies || {};
  const other = Object.entries(e).filter(([k]) => !KNOWN.has(k));
  return h('section', {class: 'entry', 'aria-label': `Entry ${i + 1}`},
    n > 1 ? h('h2', {}, `Entry ${i + 1} of ${n}`) : h('h2', {}, 'Entry'),
    dl([['Description', e.description], ['Id', e.id !== undefined ? String(e.id) : null],
      ['Category', e.category], ['Status', badge(e.status || 'active')],
      ['Since version', e.since ? String(e.since) : null],
      ['Deprecated since', e.deprecated_since ? `version ${e.deprecated_since}` : null],
      ['Replaced by', e.replaced_by ? link(codeHref(e.replaced_by), e.replaced_by) : null],
      ['Handling', e.handling], ['HTTP status', e.http_status ? String(e.http_status) : null],
      ['Not an error', e.not_an_error ? 'yes' : null],
      ['Editorial change', e.editorial ? `version ${e.editorial.version}: ${e.editorial.note}` : null]]),
    h('h3', {}, 'Where it applies'),
    Object.keys(a).length ? table(`Contexts of entry ${i + 1}`, ['Dimension', 'Values'],
      Object.entries(a).map(([d, v]) => [d, v.join(', ')])) : h('p', {}, 'In any context.'),
    e.attributes && Object.keys(e.attributes).length ? [h('h3', {}, 'Attributes'),
      dl(Object.entries(e.attributes).map(([k, v]) => [k.replace(/_/g, ' '), v]))] : null,
    e.mappings ? [h('h3', {}, 'Mappings'), dl(Object.entries(e.mappings).map(([k, v]) =>
      [k, Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v)]))] : null,
    other.length ? [h('h3', {}, 'Other fields'), dl(other.map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]))] : null);
}

// The code's usage counters (GET .../usage: checked, stored, rejected, last
// seen, in all and per version) and, when deprecated, who still sends it.
async function usage(name, code) {
  const u = await get(`/v1/code-sets/${enc(name)}/usage`);
  const c = u.codes.find((x) => x.code === code);
  const dep = u.deprecated.find((x) => x.code === code);
  if (!c) return h('p', {}, `v${u.version} of ${name} does not count this code.`);
  const row = (v, x) => [v, count(x.checked), count(x.stored), count(x.rejected), x.last_seen ? when(x.last_seen) : 'never'];
  return h('div', {class: 'usage'},
    table(`Usage of ${code}`, ['Version', 'Checked', 'Stored', 'Rejected', 'Last seen'],
      [row('all', c), ...c.versions.map((v) => row(`v${v.version}`, v))], 'usage'),
    dep ? table(`Services still sending ${code}`, ['Service', 'Events'],
      dep.senders.map((x) => [x.service, count(x.count)]), 'senders') : null);
}

// Every mapping whose source or target is this set, with this code's links
// (the translation when the code is the source, the links to it otherwise).
async function mappings(name, code) {
  const all = (await get('/v1/mappings')).mappings.filter((m) => m.source_set === name || m.target_set === name);
  if (!all.length) return h('p', {}, `No mapping has ${name} as its source or target.`);
  const rows = [];
  for (const m of all) {
    const to = (c, set) => (c ? link(`#/sets/${enc(set)}/codes/${enc(c)}`, c) : 'nothing');
    let links;
    if (m.source_set === name) {
      links = (await get(qs(`/v1/mappings/${enc(m.name)}/translate`, {code}))).matches;
      if (!links.length) rows.push([h('code', {}, m.name), `to ${m.target_set}`, code, 'not mapped', '', '', '']);
    } else {
      links = (await get(`/v1/mappings/${enc(m.name)}`)).links.filter((l) => l.to === code);
      if (!links.length) rows.push([h('code', {}, m.name), `from ${m.source_set}`, 'no code maps to it', '', '', '', '']);
    }
    for (const l of links) rows.push([h('code', {}, m.name), m.source_set === name ? `to ${m.target_set}` : `from ${m.source_set}`,
      to(l.from || code, m.source_set), to(l.to, m.target_set), l.equivalence, l.basis, l.comment || '']);
  }
  return table(`Mappings of ${code}`, ['Mapping', 'Direction', 'From', 'To', 'Equivalence', 'Basis', 'Comment'], rows, 'mappings');
}

// The code in each published version (the newest HISTORY_MAX).
async function history(name, code, box) {
  box.replaceChildren(h('p', {role: 'status'}, 'Reading the published versions\u2026'));
  const hist = await get(`/v1/code-sets/${enc(name)}/versions`);
  const vs = hist.versions.slice(-HISTORY_MAX);
  // each version pinned (?version=N); searched by its text rather than asked
  // for by name, so that a version without the code is an empty answer, not a 404
  const found = await Promise.all(vs.map((v) => get(qs(`/v1/code-sets/${enc(name)}/codes`,
    {version: v.version, q: code, limit: 1000})).then((d) => d.codes.filter((e) => e.code === code))));
  const rows = [];
  let last = null;
  vs.forEach((v, i) => {
    const es = found[i];
    const desc = es.length ? es.map((e) => `${e.status || 'active'}; ${e.category}; ${applies(e)}; ${e.description}`).join(' | ')
      : 'not in this version';
    const rules = (v.changes || []).filter((c) => c.subject === code);
    rows.push([`v${v.version}`, when(v.published_at), v.source, es.length ? badge(es[0].status || 'active') : 'absent',
      last === null ? 'first seen' : desc === last ? 'unchanged' : 'changed',
      rules.length ? rules.map((c, j) => [j ? ', ' : '', h('code', {}, c.rule), c.severity === 'breaking' ? ' (breaking)' : ''])
        : '', desc]);
    last = desc;
  });
  box.replaceChildren(table(`${code} in the last ${vs.length} versions of ${name}`,
    ['Version', 'Published', 'Source', 'Status', 'Change', 'Rules of the version', 'Entries'], rows, 'history'));
}

export async function codePage(ctx) {
  const [name, code] = ctx.params;
  const crumbs = h('p', {class: 'crumbs'}, link('#/sets', 'Code sets'), ' / ', link(`#/sets/${enc(name)}`, name), ' / ', code);
  let d;
  try {
    d = await get(`/v1/code-sets/${enc(name)}/codes/${enc(code)}`);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404 || !e.doc.suggestions) throw e;
    ctx.show(crumbs, h('h1', {}, code), problemBox(e), e.doc.suggestions.length ? h('p', {}, 'Did you mean ',
      e.doc.suggestions.map((s, i) => [i ? ', ' : '', link(`#/sets/${enc(name)}/codes/${enc(s)}`, s)]), '?') : null);
    return;
  }
  const histBox = h('div', {id: newId('hist')});
  const histBtn = h('button', {type: 'button', 'aria-controls': histBox.id}, 'Show its history across versions');
  histBtn.addEventListener('click', () => {
    histBtn.disabled = true;
    history(name, code, histBox).catch((e) => histBox.replaceChildren(problemBox(e)));
  });
  const usageBox = h('div', {}, h('p', {}, 'Counting\u2026'));
  const mapBox = h('div', {}, h('p', {}, 'Reading the mappings\u2026'));
  ctx.show(crumbs, h('h1', {}, h('code', {}, code)),
    h('p', {class: 'lead'}, `In ${name} v${d.version}`, d.entries.length > 1 ? `: ${d.entries.length} entries, by context` : ''),
    d.entries.map((e, i) => entryBlock(name, e, i, d.entries.length)),
    h('h2', {}, 'Usage'), usageBox,
    h('h2', {}, 'Mappings to other sets'), mapBox,
    h('h2', {}, 'History'), histBtn, histBox);
  const [u, m] = await Promise.all([usage(name, code).catch((e) => problemBox(e)),
    mappings(name, code).catch((e) => problemBox(e))]);
  usageBox.replaceChildren(u);
  mapBox.replaceChildren(m);
}
