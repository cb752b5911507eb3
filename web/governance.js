// SPDX-License-Identifier: Apache-2.0
// Governance: a set's published versions, each with its changes from the
// one before as the gate recorded them (by rule name), the diff between any
// two versions (GET .../diff: the gate's own rules, cb_diff), and a proposed
// version pasted or uploaded, dry-run against the gate with its impact on
// what is stored (POST .../compatibility: nothing stored) and published with
// a key (PUT).
import {h, field, select, table, badge, link, count, when, api, get, qs, enc, sets, getKey,
  keyForm, problemBox, ApiError, newId} from './app.js';

const ORDER = {breaking: 0, warning: 1, info: 2};

// ---- showing findings --------------------------------------------------------------------

function findingsTable(caption, fs, refused) {
  fs = fs.slice().sort((a, b) => (ORDER[a.severity] ?? 3) - (ORDER[b.severity] ?? 3));
  const n = (sev) => fs.filter((f) => f.severity === sev).length;
  const bad = refused !== undefined ? refused : n('breaking') > 0;
  const head = h('p', {class: bad ? 'verdict-bad' : 'verdict-ok'},
    badge(bad ? 'breaking' : 'valid'), ' ',
    n('breaking') ? `${n('breaking')} breaking change${n('breaking') > 1 ? 's' : ''}: the gate refuses this version.`
      : bad ? 'The gate refuses this version.' : 'No breaking change: the gate would let this version through.',
    ` ${n('warning')} warnings, ${n('info')} other changes.`);
  if (!fs.length) return [head];
  return [head, table(caption, ['Rule', 'Severity', 'Subject', 'Message'],
    fs.map((f) => [h('code', {}, f.rule), badge(f.severity), f.subject || '', f.message]), 'findings')];
}

// A version's own changes, as kept with it: rule names, breaking ones marked.
function changesCell(v, first) {
  if (!v.changes || !v.changes.length) return first ? 'the first version' : 'none recorded';
  const by = new Map();
  for (const c of v.changes) {
    const k = `${c.rule}\u0000${c.severity}`;
    if (!by.has(k)) by.set(k, {rule: c.rule, severity: c.severity, subjects: []});
    by.get(k).subjects.push(c.subject);
  }
  return h('ul', {class: 'changes'}, [...by.values()].sort((a, b) => (ORDER[a.severity] ?? 3) - (ORDER[b.severity] ?? 3))
    .map((g) => h('li', {}, g.severity === 'breaking' ? [badge('breaking'), ' '] : null, h('code', {}, g.rule), ': ',
      g.subjects.slice(0, 6).join(', '), g.subjects.length > 6 ? ` and ${g.subjects.length - 6} more` : '')));
}

// One example of a record the proposed version judges otherwise.
function example(e) {
  const v = (x) => (x && typeof x === 'object' ? x.reason : x || 'none');
  if (e.payment_id !== undefined)
    return [`refund #${e.payment_id} of order `, link(`#/orders/${enc(e.order_id)}`, e.order_id),
      ` (${e.order_status}): reason ${v(e.now)} now, ${v(e.proposed)} then`, e.proposed_error ? ` \u2014 ${e.proposed_error}` : ''];
  const id = e.event_id || e.incident_id || '';
  return [h('code', {}, e.reason_code), ` in ${id}: ${v(e.now)} now, ${v(e.proposed)} then`];
}

// The impact of a dry run on what is stored, as the API counts it.
function impactBlock(im) {
  if (!im) return null;
  const part = (what, x, extra) => {
    if (!x || !x.checked) return h('li', {}, `${what}: none checked against this set.`);
    const ex = (x.examples || []).slice(0, 10);
    return h('li', {}, `${what}: ${count(x.records)} would get another verdict`, extra || '',
      x.truncated ? ' (counted up to a limit)' : '', '.',
      ex.length ? h('ul', {}, ex.map((e) => h('li', {}, example(e)))) : null);
  };
  return h('section', {class: 'impact', 'aria-label': 'Impact on what is stored'},
    h('h3', {}, 'Impact on what is stored'),
    h('ul', {}, part('Incident reasons', im.incidents), part('Outbound events', im.events),
      im.refunds && im.refunds.checked ? part('Open refunds', im.refunds, ` (of ${count(im.refunds.open)} open)`) : null));
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

  const versions = table(`Published versions of ${name}`, ['Version', 'Published', 'Source', 'By', 'Changes from the one before'],
    hist.versions.slice().reverse().map((v) => [link(`#/sets/${enc(name)}?version=${v.version}`, `v${v.version}`),
      when(v.published_at), v.source, v.published_by, changesCell(v, v.version === vs[0])]), 'versions');

  // the diff between any two versions, by the gate's rules (the server's)
  const fromSel = select('from', vs.map((v) => [String(v), `v${v}`]), String(from));
  const toSel = select('to', vs.map((v) => [String(v), `v${v}`]), String(to));
  const diffForm = h('form', {class: 'filters', 'aria-label': 'Compare two versions'},
    field('From version', fromSel), field('To version', toSel), h('button', {type: 'submit'}, 'Compare'));
  diffForm.addEventListener('submit', (ev) => { ev.preventDefault(); ctx.go({from: fromSel.value, to: toSel.value}); });
  let diffBox;
  if (from === to) {
    diffBox = h('p', {class: 'empty'}, vs.length > 1 ? 'Choose two different versions.' : 'Only one version is published: nothing to compare yet.');
  } else {
    const d = await get(qs(`/v1/code-sets/${enc(name)}/diff`, {from, to}));
    diffBox = h('div', {class: 'diff'}, findingsTable(`Changes from v${from} to v${to}`, d.findings),
      from > to ? h('p', {class: 'hint'}, 'Compared backwards: what going back would change.') : null);
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
    if (!getKey()) {
      keyBox.replaceChildren(keyForm(() => { keyBox.replaceChildren(); dry.click(); }, 'The dry run needs an API key.'));
      keyBox.querySelector('input').focus();
      return;
    }
    out.textContent = 'Checking\u2026';
    try {
      const r = (await api(`/v1/code-sets/${enc(name)}/compatibility`, {method: 'POST', body: text.value})).doc;
      out.replaceChildren(h('p', {'data-verdict': r.verdict}, 'Verdict of the gate: ', h('strong', {}, r.verdict),
        ` (v${r.proposed_version} against v${r.current_version}; nothing was stored).`),
        ...findingsTable(`The gate's findings for v${doc.version}`, r.findings || [], !['publishable', 'unchanged'].includes(r.verdict)),
        impactBlock(r.impact));
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
