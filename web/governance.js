// Governance: a set's published versions, the diff between any two with
// every change under its rule name (breaking ones marked), and a proposed
// version pasted or uploaded, dry-run against the gate with its impact and
// published with a key.  Until the API has a diff or dry-run route (it is
// looked up in /openapi.json), the diff is computed here from the two
// versions' documents, by the rules of src/lib/govern.c (cb_diff); the
// server's gate has the last word when a version is published.
import {h, field, select, table, badge, link, count, when, api, get, qs, enc, hasRoute, sets, getKey,
  keyForm, problemBox, ApiError, newId} from './app.js';

const SEV = {SET_NAME_SAME: 'breaking', VERSION_INCREASES: 'breaking', CODE_NO_DELETE: 'breaking',
  CODE_SAME_CATEGORY: 'breaking', CATEGORY_NO_DELETE: 'breaking', CONTEXT_NO_DELETE: 'breaking',
  APPLIES_NO_NARROW: 'breaking', FORMAT_KEEPS_CODES: 'breaking', RETIRE_ONLY_MIRRORS: 'breaking',
  DESCRIPTION_CHANGED: 'warning', CATEGORY_ADDED: 'warning', HANDLING_CHANGED: 'warning',
  STATUS_REVIVED: 'warning', DEPRECATED_POLICY: 'warning', CODE_ADDED: 'info', CODE_DEPRECATED: 'info',
  CODE_RETIRED: 'info', CONTEXT_ADDED: 'info', APPLIES_WIDENED: 'info'};
const ORDER = {breaking: 0, warning: 1, info: 2};
const STATUS_RANK = {active: 0, deprecated: 1, retired: 2};

// ---- the diff (cb_diff's rules) -----------------------------------------------------

function byCode(doc) {
  const m = new Map();
  for (const e of doc.entries || []) {
    if (e.code === undefined) continue;
    if (!m.has(e.code)) m.set(e.code, []);
    m.get(e.code).push(e);
  }
  return m;
}

// The values of dimension @d that the entries @es suit (all, when one entry
// does not restrict it).
function admits(doc, es, d) {
  const all = ((doc.contexts || {})[d] || {}).values || [];
  const out = new Set();
  for (const e of es) {
    if (!e.applies || !e.applies[d]) return new Set(all);
    e.applies[d].forEach((v) => out.add(v));
  }
  return out;
}
const unrestricted = (es, d) => es.some((e) => !e.applies || !e.applies[d]);

function codeStatus(es) {
  return es.map((e) => e.status || 'active').sort((a, b) => STATUS_RANK[a] - STATUS_RANK[b])[0];
}

function codeAction(doc, es) {
  const act = (e) => ((doc.handling || []).find((c) => c.name === e.handling) || {}).action || 'none';
  const acts = [...new Set(es.map(act))];
  return acts.length > 1 ? 'ambiguous' : acts[0] || 'none';
}

// Would @code pass @doc's format rules?  (charset, shape, case, lengths)
function formatFault(doc, code) {
  const f = doc.format || {};
  if (f.charset) {
    try {
      if (!new RegExp(`^[${f.charset}]*$`, 'u').test(code)) return `a character is not in [${f.charset}]`;
    } catch (e) { /* a class JavaScript reads otherwise: left to the server */ }
  }
  if (f.shape === 'integer' && !/^-?[0-9]+$/.test(code)) return 'not an integer';
  if (f.shape === 'category.code') {
    const dot = code.indexOf('.');
    if (dot <= 0 || !(doc.categories || []).some((c) => c.name === code.slice(0, dot)))
      return 'its prefix is not a declared category';
  }
  if (f.case_enforced && f.case === 'upper' && code !== code.toUpperCase()) return 'not in upper case';
  if (f.case_enforced && f.case === 'lower' && code !== code.toLowerCase()) return 'not in lower case';
  if (f.min_length && code.length < f.min_length) return `shorter than ${f.min_length}`;
  if (f.max_length && code.length > f.max_length) return `longer than ${f.max_length}`;
  return null;
}

export function diffSets(o, n) {
  const out = [];
  const add = (rule, subject, message) => out.push({rule, severity: SEV[rule], subject, message});
  if (o.name !== n.name) add('SET_NAME_SAME', n.name, `the new file is set "${n.name}", the published one "${o.name}"`);
  if (!(n.version > o.version))
    add('VERSION_INCREASES', 'version', `version ${n.version} does not raise the published version ${o.version}: use ${o.version + 1} or higher`);
  if (o.deprecated !== 'reject' && n.deprecated === 'reject')
    add('DEPRECATED_POLICY', 'deprecated', 'deprecated codes were accepted with a warning and would now be rejected');
  const oc = new Map((o.categories || []).map((c) => [c.name, c.description]));
  const nc = new Map((n.categories || []).map((c) => [c.name, c.description]));
  for (const [c, d] of oc) {
    if (!nc.has(c)) add('CATEGORY_NO_DELETE', c, `category ${c} was removed; categories stay once published`);
    else if ((nc.get(c) || '') !== (d || '')) add('DESCRIPTION_CHANGED', c, `category ${c}: description changed`);
  }
  for (const c of nc.keys())
    if (!oc.has(c)) add('CATEGORY_ADDED', c, `category ${c} was added; prefer adding codes to existing categories`);
  const ox = o.contexts || {}, nx = n.contexts || {};
  for (const [d, v] of Object.entries(ox)) {
    if (!nx[d]) { add('CONTEXT_NO_DELETE', d, `context dimension ${d} was removed; callers that send it would be rejected`); continue; }
    for (const x of v.values || []) if (!nx[d].values.includes(x)) add('CONTEXT_NO_DELETE', x, `value ${x} of context ${d} was removed`);
  }
  for (const [d, v] of Object.entries(nx)) {
    if (!ox[d]) { add('CONTEXT_ADDED', d, `context dimension ${d} was added`); continue; }
    for (const x of v.values || []) if (!ox[d].values.includes(x)) add('CONTEXT_ADDED', x, `value ${x} of context ${d} was added`);
  }
  const om = byCode(o), nm = byCode(n);
  for (const [code, oes] of om) {
    const fault = formatFault(n, code);
    if (fault) add('FORMAT_KEEPS_CODES', code, `published code ${code} fails the new format rules: ${fault}`);
    const nes = nm.get(code);
    if (!nes) {
      add('CODE_NO_DELETE', code, `code ${code} was removed; keep it and set "status": "deprecated" (with replaced_by) instead`);
      continue;
    }
    const moved = oes.find((e) => !nes.some((x) => x.category === e.category));
    if (moved) add('CODE_SAME_CATEGORY', code, `code ${code} moved from category ${moved.category} to ${nes[0].category}; add a new code instead`);
    for (const d of Object.keys(ox)) {
      if (!nx[d] || unrestricted(nes, d)) continue;
      const lost = [...admits(o, oes, d)].filter((v) => !admits(n, nes, d).has(v));
      if (lost.length) add('APPLIES_NO_NARROW', code, `code ${code} no longer suits ${d} ${lost.join(', ')}; it may only gain contexts`);
    }
    for (const d of Object.keys(nx)) {
      if (!ox[d] || unrestricted(oes, d)) continue;
      const gained = [...admits(n, nes, d)].filter((v) => !admits(o, oes, d).has(v));
      if (gained.length) add('APPLIES_WIDENED', code, `code ${code} now also suits ${d} ${gained.join(', ')}`);
    }
    const changed = oes.find((e) => !nes.some((x) => x.description === e.description));
    if (changed) add('DESCRIPTION_CHANGED', code, `code ${code}: description "${changed.description.slice(0, 80)}" changed`);
    const os = codeStatus(oes), ns = codeStatus(nes);
    if (STATUS_RANK[ns] > STATUS_RANK[os]) {
      if (ns === 'retired' && !n.mirror) add('RETIRE_ONLY_MIRRORS', code, `code ${code} was retired, which only mirrored sets may do; deprecate it`);
      else if (ns === 'retired') add('CODE_RETIRED', code, `code ${code} was retired: the upstream no longer lists it`);
      else add('CODE_DEPRECATED', code, `code ${code} was deprecated${nes[0].replaced_by ? `; replaced by ${nes[0].replaced_by}` : ''}`);
    } else if (STATUS_RANK[ns] < STATUS_RANK[os]) {
      add('STATUS_REVIVED', code, `code ${code} went from ${os} back to ${ns}`);
    }
    if (((o.handling || []).length || (n.handling || []).length) && codeAction(o, oes) !== codeAction(n, nes))
      add('HANDLING_CHANGED', code, `code ${code}: handling changed from ${codeAction(o, oes)} to ${codeAction(n, nes)}`);
  }
  for (const [code, nes] of nm)
    if (!om.has(code)) add('CODE_ADDED', code, `code ${code} was added to category ${nes[0].category || '(none)'}`);
  return out.sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
}

// ---- showing findings --------------------------------------------------------------------

function findingsTable(caption, fs, usage) {
  const n = (sev) => fs.filter((f) => f.severity === sev).length;
  const head = h('p', {class: n('breaking') ? 'verdict-bad' : 'verdict-ok'},
    badge(n('breaking') ? 'breaking' : 'valid'), ' ',
    n('breaking') ? `${n('breaking')} breaking change${n('breaking') > 1 ? 's' : ''}: the gate refuses this version.`
      : 'No breaking change: the gate would let this version through.',
    ` ${n('warning')} warnings, ${n('info')} other changes.`);
  if (!fs.length) return [head];
  const cols = ['Rule', 'Severity', 'Subject', 'Message', usage ? 'Records using it' : null].filter(Boolean);
  return [head, table(caption, cols, fs.map((f) => [h('code', {}, f.rule), badge(f.severity), f.subject || '', f.message,
    usage ? (usage.has(f.subject) ? count(usage.get(f.subject)) : '') : null].filter((c) => c !== null)), 'findings')];
}

// code -> how many recorded incidents or events name it (reports of this set).
async function usageOf(name) {
  const m = new Map();
  for (const kind of ['incidents', 'events']) {
    const r = await get(qs(`/v1/reports/${kind}`, {group_by: 'reason_code'}));
    if (r.set === name) for (const g of r.groups) m.set(g.key, (m.get(g.key) || 0) + g.count);
  }
  return m;
}

// ---- the view ----------------------------------------------------------------------------

export async function governanceView(ctx) {
  const name = ctx.params[0];
  if (!name) {
    const all = await sets(true);
    ctx.show(h('h1', {}, 'Governance'),
      h('p', {class: 'lead'}, 'Choose a set: its versions, the changes between them, and a new version to check and publish.'),
      table('Code sets', ['Set', 'Title', 'Latest version'], all.map((s) =>
        [link(`#/governance/${enc(s.name)}`, s.name), s.title, String(s.version)])));
    return;
  }
  const hist = await get(`/v1/code-sets/${enc(name)}/versions`);
  const vs = hist.versions.map((v) => v.version);
  const latest = hist.current_version;
  const to = vs.includes(Number(ctx.query.get('to'))) ? Number(ctx.query.get('to')) : latest;
  const from = vs.includes(Number(ctx.query.get('from'))) ? Number(ctx.query.get('from'))
    : vs.filter((v) => v < to).pop() || to;

  const versions = table(`Published versions of ${name}`, ['Version', 'Published', 'Source', 'By', 'ETag'],
    hist.versions.slice().reverse().map((v) => [link(`#/sets/${enc(name)}?version=${v.version}`, `v${v.version}`),
      when(v.published_at), v.source, v.published_by, h('code', {class: 'etag'}, v.etag.slice(8, 20) + '\u2026')]));

  // the diff between two versions
  const fromSel = select('from', vs.map((v) => [String(v), `v${v}`]), String(from));
  const toSel = select('to', vs.map((v) => [String(v), `v${v}`]), String(to));
  const diffForm = h('form', {class: 'filters', 'aria-label': 'Compare two versions'},
    field('From version', fromSel), field('To version', toSel), h('button', {type: 'submit'}, 'Compare'));
  diffForm.addEventListener('submit', (ev) => { ev.preventDefault(); ctx.go({from: fromSel.value, to: toSel.value}); });
  let diffBox;
  if (from === to) {
    diffBox = h('p', {class: 'empty'}, vs.length > 1 ? 'Choose two different versions.' : 'Only one version is published: nothing to compare yet.');
  } else {
    const [a, b] = await Promise.all([get(`/v1/code-sets/${enc(name)}/versions/${from}`), get(`/v1/code-sets/${enc(name)}/versions/${to}`)]);
    diffBox = h('div', {}, findingsTable(`Changes from v${from} to v${to}`, diffSets(a, b)),
      h('p', {class: 'hint'}, 'Computed in the page from the two versions\u2019 documents, by the rules of the governance gate (docs/governance.md).'));
  }

  ctx.show(
    h('p', {class: 'crumbs'}, link('#/governance', 'Governance'), ' / ', name),
    h('h1', {}, `Governance of ${name}`),
    h('h2', {}, 'Versions'), versions,
    h('h2', {}, 'Changes between two versions'), diffForm, diffBox,
    proposal(ctx, name, latest));
}

function proposal(ctx, name, latest) {
  const text = h('textarea', {name: 'doc', rows: 10, spellcheck: 'false', class: 'mono'});
  const file = h('input', {type: 'file', name: 'file', accept: 'application/json,.json'});
  const out = h('div', {class: 'result', role: 'status', 'aria-live': 'polite'});
  const dry = h('button', {type: 'button'}, 'Dry-run against the gate');
  const pub = h('button', {type: 'button', class: 'danger'}, 'Publish');
  const keyBox = h('div');
  file.addEventListener('change', async () => {
    if (file.files[0]) text.value = await file.files[0].text();
  });
  const parse = () => {
    try {
      return JSON.parse(text.value);
    } catch (e) {
      out.replaceChildren(h('p', {class: 'problem', role: 'alert'}, `The proposed version is not JSON: ${e.message}`));
      return null;
    }
  };
  dry.addEventListener('click', async () => {
    const doc = parse();
    if (!doc) return;
    out.textContent = 'Checking\u2026';
    try {
      if (await hasRoute('/v1/code-sets/{set}/compatibility', 'post')) {
        const r = (await api(`/v1/code-sets/${enc(name)}/compatibility`, {method: 'POST', body: text.value})).doc;
        const fs = (r.findings || r.violations || []).map((f) => ({...f, severity: f.severity || SEV[f.rule] || 'info'}));
        out.replaceChildren(...findingsTable(`The gate's findings for v${doc.version}`, fs, await usageOf(name)),
          h('p', {class: 'hint'}, 'The server\u2019s dry-run.'));
        return;
      }
      const cur = await get(`/v1/code-sets/${enc(name)}/versions/${latest}`);
      const fs = diffSets(cur, doc);
      out.replaceChildren(...findingsTable(`Changes from v${latest} to the proposed v${doc.version}`, fs, await usageOf(name)),
        h('p', {class: 'hint'}, `Computed in the page against v${latest}; the server checks again when it is published (and also refuses a file that is not a valid set).`));
    } catch (e) {
      out.replaceChildren(problemBox(e));
    }
  });
  pub.addEventListener('click', async () => {
    if (!parse()) return;
    if (!getKey()) {
      keyBox.replaceChildren(keyForm(() => { keyBox.replaceChildren(); pub.click(); }, 'Publishing needs an API key.'));
      keyBox.querySelector('input').focus();
      return;
    }
    out.textContent = 'Publishing\u2026';
    try {
      const r = await api(`/v1/code-sets/${enc(name)}`, {method: 'PUT', body: text.value});
      const d = r.doc;
      out.replaceChildren(h('p', {class: 'verdict-ok'}, badge('valid'), ' ',
        d.published ? `Published ${name} v${d.version} (was v${d.previous_version}).` : `Unchanged: v${d.version} is already this document.`),
        d.warnings && d.warnings.length ? table('Warnings of the gate', ['Rule', 'Severity', 'Subject', 'Message'],
          d.warnings.map((w) => [h('code', {}, w.rule), badge(w.severity), w.subject, w.message])) : null,
        link(`#/governance/${enc(name)}`, 'See the versions again'));
    } catch (e) {
      out.replaceChildren(e instanceof ApiError ? problemBox(e) : h('p', {role: 'alert'}, e.message));
    }
  });
  const id = newId('prop');
  return h('section', {'aria-labelledby': id},
    h('h2', {id}, 'Propose a new version'),
    h('p', {}, `Paste the whole set document (the next version is v${latest + 1}) or upload its file.`),
    field('Proposed version (JSON)', text), field('Or upload a file', file),
    h('div', {class: 'actions'}, dry, pub), keyBox, out);
}
