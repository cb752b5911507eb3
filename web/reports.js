// SPDX-License-Identifier: Apache-2.0
// Incidents (seed 000) and events (seed 002): counts by reason code, rule,
// category or service, with descriptions and remediation, and a chart over
// time in SVG that reads without colour (patterns, labels, a data table).
import {h, s, field, select, table, count, get, qs, enc, link} from './app.js';

const KINDS = {incidents: {title: 'Incident reasons', by: ['reason_code', 'rule', 'category']},
  events: {title: 'Outbound events', by: ['reason_code', 'service', 'category']}};
const HOUR = 3600e3;
const DAY = 24 * HOUR;
// range -> [its span, buckets in the chart, label of a bucket]
const RANGES = {
  '24h': [DAY, 12, (d) => `${d.toISOString().slice(11, 13)}:00`],
  '7d': [7 * DAY, 7, (d) => d.toISOString().slice(5, 10)],
  '30d': [30 * DAY, 10, (d) => d.toISOString().slice(5, 10)],
  '365d': [365 * DAY, 12, (d) => d.toISOString().slice(0, 7)],
};
const RANGE_TEXT = {'24h': 'the last 24 hours', '7d': 'the last 7 days', '30d': 'the last 30 days', '365d': 'the last 12 months'};
const SERIES = 3;  // the largest groups get a series each; the rest is "other"
const FILLS = ['url(#p-solid)', 'url(#p-hatch)', 'url(#p-dots)', 'url(#p-plain)'];

const nice = (k) => k.replace(/_/g, ' ');

export async function reportsView(ctx) {
  const q = ctx.query;
  const kind = KINDS[q.get('kind')] ? q.get('kind') : 'incidents';
  const K = KINDS[kind];
  const by = K.by.includes(q.get('group_by')) ? q.get('group_by') : K.by[0];
  const range = RANGES[q.get('range')] ? q.get('range') : '30d';
  const [span, nb, label] = RANGES[range];
  // the range ends at the next whole hour, so that a bucket's bounds are round
  const end = Math.ceil(Date.now() / HOUR) * HOUR;
  const start = end - span;
  const iso = (t) => new Date(t).toISOString();
  const path = `/v1/reports/${kind}`;
  const bounds = Array.from({length: nb}, (_, i) => [start + (span * i) / nb, start + (span * (i + 1)) / nb]);
  // the whole range, then each bucket (until is inclusive: a bucket ends 1 ms before the next)
  const [all, ...parts] = await Promise.all([
    get(qs(path, {group_by: by, since: iso(start), until: iso(end - 1)})),
    ...bounds.map(([a, b]) => get(qs(path, {group_by: by, since: iso(a), until: iso(b - 1)}))),
  ]);

  const kindSel = select('kind', Object.entries(KINDS).map(([k, v]) => [k, v.title]), kind);
  const bySel = select('group_by', K.by.map((b) => [b, nice(b)]), by);
  const rangeSel = select('range', Object.entries(RANGE_TEXT), range);
  const form = h('form', {class: 'filters', 'aria-label': 'Choose the report'},
    field('Records', kindSel), field('Group by', bySel), field('Period', rangeSel), h('button', {type: 'submit'}, 'Show'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go({kind: kindSel.value, group_by: KINDS[kindSel.value].by.includes(bySel.value) ? bySel.value : '', range: rangeSel.value});
  });

  const keys = all.groups.slice(0, SERIES).map((g) => g.key);
  const names = [...keys, ...(all.groups.length > SERIES ? ['other'] : [])];
  const data = parts.map((p, i) => {
    const v = keys.map((k) => (p.groups.find((g) => g.key === k) || {count: 0}).count);
    if (names.length > keys.length) v.push(p.total - v.reduce((a, b) => a + b, 0));
    return {label: label(new Date(bounds[i][0])), values: v, total: p.total};
  });
  const setLink = all.set ? link(`#/sets/${enc(all.set)}`, `${all.set} v${all.set_version}`) : null;

  ctx.show(
    h('h1', {}, `${K.title} by ${nice(by)}`),
    h('p', {class: 'lead'}, `${count(all.total)} ${kind} in ${RANGE_TEXT[range]}`,
      setLink ? [', codes from ', setLink] : '', '.'),
    form,
    all.total ? [chart(`${K.title} over ${RANGE_TEXT[range]}, by ${nice(by)}`, names, data),
      groupsTable(all, by)] : h('p', {class: 'empty'}, `No ${kind} in ${RANGE_TEXT[range]}.`));
}

function groupsTable(r, by) {
  const rows = r.groups.map((g) => {
    const share = r.total ? `${Math.round((100 * g.count) / r.total)}%` : '';
    let desc = g.description || '';
    let fix = g.remediation || '';
    if (by !== 'reason_code' && g.codes) {
      desc = h('ul', {class: 'codes'}, g.codes.map((c) => h('li', {}, h('code', {}, c.code), ` (${count(c.count)}): `,
        c.description || '')));
      fix = h('ul', {class: 'codes'}, g.codes.filter((c) => c.remediation)
        .map((c) => h('li', {}, h('code', {}, c.code), ': ', c.remediation)));
    }
    const key = by === 'reason_code' && r.set ? link(`#/sets/${enc(r.set)}/codes/${enc(g.key)}`, g.key) : g.key;
    return [key, count(g.count), share, desc, fix];
  });
  return table(`Counts by ${nice(by)}`, [nice(by), 'Count', 'Share', by === 'reason_code' ? 'Description' : 'Codes',
    'Remediation'], rows, 'report');
}

// A stacked bar chart: each series has its own pattern (solid, hatched,
// dotted, outlined) shown in the legend, each bar its total above it, and
// the same numbers as a table below, so nothing depends on colour.
function chart(title, names, data) {
  const W = 760, H = 280, L = 48, R = 12, T = 24, B = 40;
  const max = Math.max(1, ...data.map((d) => d.total));
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const bw = (W - L - R) / data.length;
  const tid = 'chart-title', did = 'chart-desc';
  const svg = s('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': `${tid} ${did}`, class: 'chart'},
    s('title', {id: tid}, title),
    s('desc', {id: did}, `Stacked bars, one per period; series: ${names.join(', ')}. The table after the chart has the numbers.`),
    s('defs', {},
      s('pattern', {id: 'p-solid', width: 6, height: 6, patternUnits: 'userSpaceOnUse'}, s('rect', {width: 6, height: 6, class: 'f0'})),
      s('pattern', {id: 'p-hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)'},
        s('rect', {width: 6, height: 6, class: 'f1b'}), s('line', {x1: 0, y1: 0, x2: 0, y2: 6, class: 'f1'})),
      s('pattern', {id: 'p-dots', width: 6, height: 6, patternUnits: 'userSpaceOnUse'},
        s('rect', {width: 6, height: 6, class: 'f2b'}), s('circle', {cx: 3, cy: 3, r: 1.4, class: 'f2'})),
      s('pattern', {id: 'p-plain', width: 6, height: 6, patternUnits: 'userSpaceOnUse'}, s('rect', {width: 6, height: 6, class: 'f3'}))),
    // the axis and its grid
    Array.from({length: top / step + 1}, (_, i) => i * step).map((v) => s('g', {class: 'grid'},
      s('line', {x1: L, x2: W - R, y1: y(v), y2: y(v)}),
      s('text', {x: L - 6, y: y(v) + 4, 'text-anchor': 'end'}, String(v)))),
    data.map((d, i) => {
      let acc = 0;
      const x = L + i * bw + bw * 0.15;
      return s('g', {class: 'bar'},
        d.values.map((v, j) => {
          if (!v) return null;
          const r = s('rect', {x, width: bw * 0.7, y: y(acc + v), height: y(acc) - y(acc + v), fill: FILLS[j], class: 'seg'},
            s('title', {}, `${d.label}: ${names[j]} ${v}`));
          acc += v;
          return r;
        }),
        d.total ? s('text', {x: x + bw * 0.35, y: y(d.total) - 5, 'text-anchor': 'middle', class: 'val'}, String(d.total)) : null,
        s('text', {x: x + bw * 0.35, y: H - B + 16, 'text-anchor': 'middle'}, d.label));
    }),
    s('line', {x1: L, x2: W - R, y1: y(0), y2: y(0), class: 'axis'}));
  const legend = h('ul', {class: 'legend', 'aria-label': 'Series'}, names.map((n, j) =>
    h('li', {}, s('svg', {width: 18, height: 14, 'aria-hidden': 'true', viewBox: '0 0 18 14'},
      s('rect', {x: 0.5, y: 0.5, width: 17, height: 13, fill: FILLS[j], class: 'seg'})), ' ', n)));
  const rows = data.map((d) => [d.label, ...d.values.map(String), String(d.total)]);
  return h('figure', {class: 'chartbox'}, svg, legend,
    h('details', {}, h('summary', {}, 'The chart\u2019s numbers'),
      table(title, ['Period', ...names, 'Total'], rows)));
}

function niceStep(max) {
  const raw = max / 4;
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  return Math.max(1, [1, 2, 5, 10].map((m) => m * p).find((x) => x >= raw) || p * 10);
}
