// SPDX-License-Identifier: Apache-2.0
// Shops: each marketplace shop's market, API version, token expiries and
// state, with why it needs a person when it does (GET /v1/shops, which needs
// a key even to read and answers no secret).
import {h, table, badge, when, get, getKey, keyForm} from './app.js';

// Unix seconds as a time, and how far from now ("in 3 days", "2 hours ago").
function expiry(t) {
  if (!t) return 'not known';
  const d = t * 1000 - Date.now();
  const a = Math.abs(d);
  const [n, u] = a >= 86400000 ? [Math.round(a / 86400000), 'day'] : a >= 3600000 ? [Math.round(a / 3600000), 'hour']
    : [Math.max(1, Math.round(a / 60000)), 'minute'];
  const span = `${n} ${u}${n === 1 ? '' : 's'}`;
  return `${when(new Date(t * 1000).toISOString())} (${d >= 0 ? `in ${span}` : `expired ${span} ago`})`;
}

const API = {current: 'current (202309)', legacy: 'legacy', unset: 'not set'};

export async function shopsView(ctx) {
  if (!getKey()) {
    ctx.show(h('h1', {}, 'Shops'), keyForm(() => ctx.rerender(), 'The shops are shown only to a user who holds an API key.'));
    return;
  }
  const d = await get('/v1/shops');
  const attention = d.items.filter((s) => s.state === 'needs-attention');
  const rows = d.items.map((s) => [s.name, s.market || 'asked of the marketplace', API[s.api] || s.api,
    expiry(s.access_token_expires_at), s.has_refresh_token ? expiry(s.refresh_token_expires_at) : 'no refresh token',
    String(s.token_version), badge(s.state),
    s.attention ? [s.attention, s.attention_at ? ` (since ${when(s.attention_at)})` : ''] : '']);
  ctx.show(h('h1', {}, 'Shops'),
    h('p', {class: 'lead'}, 'The marketplace shops kept in the database, with their token expiries. ',
      'No secret is shown: the API answers none.'),
    h('p', {role: 'status'}, attention.length ? `${attention.length} shop${attention.length === 1 ? ' needs' : 's need'} `
      + 'attention: rotate its tokens (codebook shops rotate NAME, or POST /v1/shops/NAME/rotate).' : 'No shop needs attention.'),
    d.items.length ? table(`${d.items.length} shops`, ['Shop', 'Market', 'API version', 'Access token expires',
      'Refresh token expires', 'Token version', 'State', 'Needs attention because'], rows, 'shops')
      : h('p', {class: 'empty'}, 'No shop is kept in the database (codebook shops add NAME; a shop of the '
        + 'configuration file alone is not listed).'));
}
