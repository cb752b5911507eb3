// SPDX-License-Identifier: Apache-2.0
// Orders and seller cancellations (seed 003): the orders list, an order's
// page, and the "Cancel order" dialog whose reason picker offers only the
// keys of the order's reverse-reason set available for its status.
import {h, field, select, table, dl, badge, link, money, when, api, get, qs, enc, sets,
  problemBox, keyForm, getKey, newId, ApiError, marketOf} from './app.js';

const STATUSES = ['Incomplete', 'Ready for Shipping', 'Shipped', 'Delivered', 'Cancelled'];
const PAY_STATUSES = ['Pending', 'Processing', 'Completed', 'Error', 'Unknown'];
const PAGE = 50;
// The seller-cancel category and default of the reverse reasons (src/orders:
// CB_REASON_CATEGORY, CB_REASON_DEFAULT, CB_REASON_DEFAULT_TEXT).
const CANCEL_CATEGORY = 'seller_cancel';
const DEFAULT_KEY = 'seller_cancel_reason_out_of_stock_uk';
const DEFAULT_TEXT = 'out of stock';
const POLL_MS = 400;
const FOLLOW_MS = 120000;

// ---- the list -------------------------------------------------------------------

export async function ordersList(ctx) {
  const q = ctx.query;
  const f = {shop: q.get('shop') || '', market: q.get('market') || '', status: q.get('status') || '',
    refund_status: q.get('refund_status') || ''};
  const cursor = q.get('cursor') || '';
  const prev = (q.get('prev') || '').split(',').filter(Boolean);
  // the markets: those of the sets served (the reverse-reason mirrors, BASE@MARKET)
  const [page, all] = await Promise.all([get(qs('/v1/orders', {limit: PAGE, cursor, shop: f.shop, market: f.market,
    status: f.status, refund_status: f.refund_status})), sets()]);
  const markets = [...new Set(all.map((x) => x.market).filter(Boolean))].sort();

  const shop = h('input', {type: 'search', name: 'shop', value: f.shop, autocomplete: 'off'});
  const status = select('status', [['', 'Any'], ...STATUSES], f.status);
  const refund = select('refund_status', [['', 'Any'], ...PAY_STATUSES], f.refund_status);
  const market = select('market', [['', 'Any'], ...markets], f.market);
  const form = h('form', {class: 'filters', 'aria-label': 'Filter the orders'},
    field('Shop', shop), field('Market', market), field('Status', status),
    field('Latest refund', refund), h('button', {type: 'submit'}, 'Filter'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go({shop: shop.value.trim(), market: market.value, status: status.value,
      refund_status: refund.value});
  });

  const rows = page.items.map((o) => [
    link(`#/orders/${enc(o.order_id)}`, o.order_id), o.shop, o.market || 'not known',
    badge(o.status), o.marketplace_status || '', money(o.total, o.currency, o.minor_units),
    money(o.refunded, o.currency, o.minor_units), o.refund_status ? badge(o.refund_status) : 'none',
    when(o.updated_at)]);
  const cols = ['Order', 'Shop', 'Market', 'Status', 'Marketplace status', 'Total', 'Refunded', 'Latest refund',
    'Updated'];
  const base = {shop: f.shop, market: f.market, status: f.status, refund_status: f.refund_status};
  const pageNo = prev.length + 1;
  const pager = h('nav', {class: 'pager', 'aria-label': 'Pages of orders'},
    prev.length ? link('#' + qs('/orders', {...base, cursor: prev[prev.length - 1] === '0' ? '' : prev[prev.length - 1],
      prev: prev.slice(0, -1).join(',')}), 'Previous page') : null,
    h('span', {}, `Page ${pageNo}: ${page.count} orders`),
    page.next_cursor ? link('#' + qs('/orders', {...base, cursor: page.next_cursor,
      prev: [...prev, cursor || '0'].join(',')}), 'Next page') : null);
  ctx.show(
    h('h1', {}, 'Orders'),
    h('p', {class: 'lead'}, 'Marketplace orders as imported, with their refunds. Open one to cancel it.'),
    form,
    page.items.length ? table(`Orders, page ${pageNo}`, cols, rows)
      : h('p', {class: 'empty'}, page.next_cursor ? 'No order of this market among the orders read for this page: ' +
        'the next page reads on.' : f.shop || f.market || f.status || f.refund_status ? 'No order matches these filters.'
        : 'No orders yet: import them with POST /v1/orders (docs/orders.md).'),
    pager);
}

// ---- an order --------------------------------------------------------------------

const inFlight = (p) => p.type === 'Refund' && (p.status === 'Pending' || p.status === 'Processing');

function summary(o) {
  const m = (v) => money(v, o.currency, o.minor_units);
  return dl([
    ['Shop', o.shop], ['Market', o.market || (o.reasons_from && marketOf(o.reasons_from.set)) || 'not known'],
    ['Marketplace', o.marketplace],
    ['Status', badge(o.status)], ['Marketplace status', o.marketplace_status || 'not given'],
    ['Currency', o.currency], ['Items', m(o.items_total)], ['Shipping', m(o.shipping_cost)],
    ['Total', m(o.total)], ['Refunded', m(o.refunded)], ['Updated', when(o.updated_at)],
  ]);
}

function items(o) {
  const m = (v) => money(v, o.currency, o.minor_units);
  return table('Items', ['SKU', 'Title', 'Quantity', 'Unit price', 'Amount', 'Refunded', 'Payment status'],
    o.items.map((i) => [i.sku, i.title || '', String(i.quantity), m(i.unit_price), m(i.amount), m(i.refunded),
      i.payment_status]));
}

// The form a person with a key settles an Unknown refund with, after looking
// on TikTok Shop (POST .../refunds/{payment}/outcome); a key form without a key.
function settleForm(o, p, act) {
  if (!getKey()) return keyForm(act.redraw, `Settling refund #${p.id} needs an API key.`);
  const tid = newId('settle');
  const radio = (value, text, checked) => h('label', {class: 'radio'},
    h('input', {type: 'radio', name: `outcome-${p.id}`, value, checked}), ` ${text}`);
  const yes = radio('cancelled', 'Cancelled: the refund Completes and the order is Cancelled', true);
  const no = radio('not_cancelled', 'Not cancelled: the refund ends in Error with the note', false);
  const cid = h('input', {type: 'text', name: 'cancel_id', maxlength: 128, autocomplete: 'off', spellcheck: 'false'});
  const note = h('textarea', {name: 'note', maxlength: 500, rows: 2});
  const msg = h('div', {class: 'settle-msg', role: 'status', 'aria-live': 'polite'});
  const btn = h('button', {type: 'submit'}, `Settle refund #${p.id}`);
  const form = h('form', {class: 'settle', 'aria-labelledby': tid},
    h('h4', {id: tid}, `Settle refund #${p.id}`),
    h('p', {}, 'TikTok Shop has not said whether the order was cancelled. Look the order up there, then say what it shows.'),
    h('fieldset', {}, h('legend', {}, 'What TikTok Shop shows'), yes, no),
    field('Cancel id', cid, 'when cancelled: the marketplace\u2019s cancel id; left empty, the one recorded is kept'),
    field('Note', note, 'when not cancelled: why, shown in the refund\u2019s error text'),
    btn, msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const outcome = form.querySelector(`input[name="outcome-${p.id}"]:checked`).value;
    const body = {outcome};
    if (outcome === 'cancelled' && cid.value.trim()) body.cancel_id = cid.value.trim();
    if (outcome === 'not_cancelled' && note.value.trim()) body.note = note.value.trim();
    btn.disabled = true;
    msg.textContent = 'Sending\u2026';
    try {
      const r = (await api(`/v1/orders/${enc(o.order_id)}/refunds/${p.id}/outcome`, {method: 'POST', body})).doc;
      msg.textContent = `Refund #${r.payment_id} is ${r.status}, as ${r.resolved_by} said.`;
      await act.settled(r);
    } catch (e) {
      btn.disabled = false;
      msg.replaceChildren(problemBox(e));
    }
  });
  return form;
}

function payment(o, p, act) {
  const m = (v) => money(v, o.currency, o.minor_units);
  const errId = newId('err');
  const kids = [h('h3', {}, `${p.type} #${p.id} `, badge(p.status)), dl([
    ['Amount', m(p.amount)],
    ['Reason', p.reason ? [h('code', {}, p.reason.key), ' \u2014 ', p.reason.text || '(no display text)',
      p.reason.default ? ' (the default)' : ''] : null],
    ['Transaction id', p.transaction_id || (p.type === 'Refund' ? 'none yet' : null)],
    ['Attempts', p.attempts !== undefined ? String(p.attempts) : null],
    ['Requested', when(p.created_at)], [p.status === 'Completed' ? 'Completed' : 'Finished', when(p.completed_at)],
  ])];
  if (p.status === 'Error' || p.error_text)
    kids.push(h('div', {class: 'field errtext'}, h('label', {for: errId}, 'Error text'),
      h('output', {id: errId, class: 'error-text'}, p.error_text || '')));
  if (p.refund_rows && p.refund_rows.length)
    kids.push(table(`Refund rows of ${p.type.toLowerCase()} #${p.id}`, ['Row', 'SKU', 'Type', 'Amount', 'Status'],
      p.refund_rows.map((r) => [String(r.row), r.sku || '', r.type === 'shipping_cost' ? 'Shipping cost' : 'Item cost',
        m(r.amount), badge(r.status)])));
  if (p.type === 'Refund' && p.status === 'Unknown' && act) kids.push(settleForm(o, p, act));
  return h('section', {class: 'payment', 'data-payment': p.id, 'aria-label': `${p.type} ${p.id}`}, kids);
}

function payments(o, act) {
  if (!o.payments.length) return [h('p', {class: 'empty'}, 'No payments or refunds.')];
  return o.payments.slice().reverse().map((p) => payment(o, p, act));
}

// Why this order cannot be cancelled now, or null.  The API gives the
// context its keys are chosen in (reasons_from.context: the shop's
// order_status value for the order's status) only when it can be cancelled.
function cannotCancel(o) {
  if (o.status !== 'Ready for Shipping' && o.status !== 'Incomplete')
    return `The order is ${o.status}: only orders that are Ready for Shipping or Incomplete can be cancelled.`;
  if (!o.reasons_from)
    return `The market of shop ${o.shop} is not known, or its reverse reasons are not synced yet.`;
  if (!o.reasons_from.context)
    return `The configuration of shop ${o.shop} gives no reverse reason status for ${o.status} orders.`;
  const busy = o.payments.find(inFlight);
  if (busy) return `Refund #${busy.id} is ${busy.status}: wait for its outcome.`;
  const unknown = o.payments.find((p) => p.type === 'Refund' && p.status === 'Unknown');
  if (unknown) return `Refund #${unknown.id} is Unknown: settle it below first.`;
  return null;
}

export async function orderPage(ctx) {
  const id = ctx.params[0];
  let o = await get(`/v1/orders/${enc(id)}`);
  const summaryBox = h('div', {}, summary(o));
  const payBox = h('div');
  const itemsBox = h('div', {}, items(o));
  const live = h('p', {class: 'live', role: 'status', 'aria-live': 'polite'});
  const why = h('p', {class: 'hint', id: newId('why')});
  const cancelBtn = h('button', {type: 'button', class: 'danger', 'aria-describedby': why.id}, 'Cancel order');
  const dialogHost = h('div');

  // an Unknown refund settled in the page: read the order again and follow it
  const act = {
    redraw: () => redraw(),
    async settled(r) {
      o = await get(`/v1/orders/${enc(id)}`);
      redraw();
      follow(r.payment_id);
    },
  };

  function redraw() {
    summaryBox.replaceChildren(summary(o));
    payBox.replaceChildren(...payments(o, act));
    itemsBox.replaceChildren(items(o));
    const no = cannotCancel(o);
    cancelBtn.disabled = !!no;
    why.textContent = no || '';
  }
  redraw();

  // Follow refund @pid until it is Completed or Error (polling the order).
  async function follow(pid) {
    const t0 = Date.now();
    while (ctx.alive()) {
      const p = o.payments.find((x) => x.id === pid);
      if (p && !inFlight(p)) {
        live.textContent = p.status === 'Completed'
          ? `Refund #${pid} Completed: transaction id ${p.transaction_id}.`
          : p.status === 'Unknown'
            ? `Refund #${pid} is Unknown: TikTok Shop has not said whether the order was cancelled; ` +
              'look there, then settle it below.'
            : `Refund #${pid} ended in ${p.status}: ${p.error_text || ''}`;
        return;
      }
      if (Date.now() - t0 > FOLLOW_MS) {
        live.textContent = `Refund #${pid} is still ${p ? p.status : 'unknown'}: no worker has processed it yet. ` +
          'Reload the page to look again.';
        return;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (!ctx.alive()) return;
      try {
        o = await get(`/v1/orders/${enc(id)}`);
        redraw();
      } catch (e) {
        live.textContent = `Could not read the order: ${e.message}`;
        return;
      }
    }
  }

  cancelBtn.addEventListener('click', () => openCancel(o, dialogHost, cancelBtn, async (pay) => {
    live.textContent = `Cancellation requested: refund #${pay.id} is ${pay.status}. Following it\u2026`;
    o = await get(`/v1/orders/${enc(id)}`);
    redraw();
    follow(pay.id);
  }));

  ctx.show(
    h('p', {class: 'crumbs'}, link('#/orders', 'Orders'), ' / ', id),
    h('h1', {}, `Order ${id}`),
    summaryBox,
    h('div', {class: 'actions'}, cancelBtn, why),
    live,
    h('h2', {}, 'Items'), itemsBox,
    h('h2', {}, 'Payments and refunds'), payBox,
    o.reasons_from ? h('p', {class: 'muted'}, 'Reason texts from ',
      link(`#/sets/${enc(o.reasons_from.set)}`, `${o.reasons_from.set} v${o.reasons_from.version}`), '.') : null,
    dialogHost);
  const busy = o.payments.find(inFlight);
  if (busy) {
    live.textContent = `Refund #${busy.id} is ${busy.status}. Following it\u2026`;
    follow(busy.id);
  }
}

// ---- the cancel dialog -------------------------------------------------------------

function randomKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return 'console-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// The keys the mirror of the order's shop's market (reasons_from: its set,
// tiktok-reverse-reason@GB for a UK shop, at the version served) offers in
// the order's context: [{code, text, status}].
async function availableKeys(o) {
  const {set, version, context} = o.reasons_from;
  const q = {category: CANCEL_CATEGORY, limit: 1000, version};
  for (const [k, v] of Object.entries(context)) q[`context.${k}`] = v;
  const d = await get(qs(`/v1/code-sets/${enc(set)}/codes`, q));
  const keys = d.codes.filter((c) => c.status !== 'retired')
    .map((c) => ({code: c.code, text: (c.attributes && c.attributes.display_text) || c.description, status: c.status}));
  return {set, version: d.version, context, keys};
}

function pickDefault(keys) {
  return keys.find((k) => k.code === DEFAULT_KEY) ||
    keys.find((k) => (k.text || '').toLowerCase() === DEFAULT_TEXT) || keys[0];
}

async function openCancel(o, host, opener, done) {
  const titleId = newId('dlg');
  const msg = h('div', {class: 'dlg-msg', role: 'status', 'aria-live': 'polite'}, 'Loading the reverse reasons\u2026');
  const dlg = h('dialog', {'aria-labelledby': titleId, class: 'dialog'},
    h('h2', {id: titleId}, `Cancel order ${o.order_id}`), msg);
  host.replaceChildren(dlg);
  dlg.addEventListener('close', () => { host.replaceChildren(); opener.focus(); });
  dlg.showModal();
  let av;
  try {
    av = await availableKeys(o);
  } catch (e) {
    msg.replaceChildren(problemBox(e));
    dlg.append(h('button', {type: 'button', onclick: () => dlg.close()}, 'Close'));
    return;
  }
  const ctxText = Object.entries(av.context).map(([k, v]) => `${k} ${v}`).join(', ');
  const def = pickDefault(av.keys);
  const name = newId('reason');
  const reasons = h('fieldset', {class: 'reasons'},
    h('legend', {}, `Reverse reason (keys of ${av.set} v${av.version} for ${o.status === 'Incomplete' ? 'an' : 'a'} `
      + `${o.status} order, ${ctxText})`),
    av.keys.map((k) => {
      const input = h('input', {type: 'radio', name, value: k.code, id: newId('r'), checked: k === def, required: true});
      return h('div', {class: 'choice'}, input, h('label', {for: input.id}, k.text, ' ', h('code', {}, k.code),
        k === def ? ' (default)' : '', k.status === 'deprecated' ? ' (deprecated)' : ''));
    }));
  const m = (v) => money(v, o.currency, o.minor_units);
  const rowDefs = o.items.filter((i) => i.amount - i.refunded > 0)
    .map((i) => ({sku: i.sku, type: 'item_cost', amount: i.amount - i.refunded, text: `${i.sku}: ${m(i.amount - i.refunded)}`}));
  if (o.shipping_cost - (o.shipping_refunded || 0) > 0)
    rowDefs.push({sku: null, type: 'shipping_cost', amount: o.shipping_cost - (o.shipping_refunded || 0),
      text: `Shipping: ${m(o.shipping_cost - (o.shipping_refunded || 0))}`});
  const checks = rowDefs.map((r) => {
    const input = h('input', {type: 'checkbox', id: newId('row'), checked: true});
    return {r, input, el: h('div', {class: 'choice'}, input, h('label', {for: input.id}, r.text))};
  });
  const rows = h('fieldset', {class: 'rows'}, h('legend', {}, 'Refund rows'), checks.map((c) => c.el),
    h('p', {class: 'hint'}, 'The marketplace takes only a full refund: leaving a row out is refused by the worker.'));
  const keyBox = getKey() ? null : keyForm(() => keyBox.replaceWith(h('p', {class: 'hint'}, 'API key kept for this tab.')),
    'Sending a cancellation needs an API key.');
  const send = h('button', {type: 'submit'}, 'Send the cancellation');
  const form = h('form', {class: 'cancel-form'},
    av.keys.length ? reasons : h('p', {class: 'problem'}, `${av.set} offers no seller-cancel key for ${ctxText}.`),
    rows,
    h('div', {class: 'actions'}, send, h('button', {type: 'button', class: 'secondary', onclick: () => dlg.close()}, 'Close')));
  const idem = randomKey();  // one request, retried safely if the answer is lost
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!getKey()) {
      msg.replaceChildren(h('p', {class: 'problem', role: 'alert'}, 'Enter an API key first.'));
      return;
    }
    const chosen = form.querySelector(`input[name="${name}"]:checked`);
    const body = {reason_key: chosen ? chosen.value : null};
    if (checks.some((c) => !c.input.checked))
      body.refund_rows = checks.filter((c) => c.input.checked)
        .map((c) => (c.r.sku ? {type: c.r.type, sku: c.r.sku, amount: c.r.amount} : {type: c.r.type, amount: c.r.amount}));
    send.disabled = true;
    msg.textContent = 'Sending\u2026';
    try {
      const res = await api(`/v1/orders/${enc(o.order_id)}/cancellations`,
        {method: 'POST', body, headers: {'Idempotency-Key': idem}});
      dlg.close();
      done(res.doc.payment);
    } catch (e) {
      send.disabled = false;
      msg.replaceChildren(e instanceof ApiError ? problemBox(e) : h('p', {role: 'alert'}, e.message));
    }
  });
  msg.textContent = '';
  dlg.append(keyBox || '', form);
  const first = form.querySelector('input:checked') || form.querySelector('input,button');
  if (first) first.focus();
}
