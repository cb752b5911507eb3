// SPDX-License-Identifier: Apache-2.0
// Access: the API key this tab holds (session storage only: never the
// address, never local storage, gone when the tab closes), whether this
// server needs one for reads, and how other front-ends may call the API.
import {h, dl, getKey, setKey, keyForm, link} from './app.js';

export async function accessView(ctx) {
  // a read without the key: 401 when the server runs with --require-key-for-reads
  const res = await fetch('/v1/code-sets');
  const reads = res.status === 401 ? 'need an API key (--require-key-for-reads)' : 'open to everyone who reaches the server';
  const key = getKey();
  const forget = h('button', {type: 'button', disabled: !key}, 'Forget the key');
  forget.addEventListener('click', () => { setKey(null); ctx.rerender(); });
  ctx.show(
    h('h1', {}, 'Access'),
    dl([['Reads', reads], ['Writes', 'need an API key (publishing, cancellations, incidents, events)'],
      ['This tab', key ? `holds a key (cbk_\u2026${key.slice(-4)})` : 'holds no key']]),
    keyForm(() => ctx.rerender(), key ? 'Replace the key this tab holds:' : 'Give this tab a key for the actions it offers:'),
    h('div', {class: 'actions'}, forget),
    h('h2', {}, 'Keys'),
    h('p', {}, 'Keys are made on the server, against its database: ', h('code', {}, 'codebook keys add NAME'),
      '. The console keeps one only in this tab\u2019s session storage and sends it as ',
      h('code', {}, 'Authorization: Bearer'), ' with its requests; it is never put in an address or stored elsewhere.'),
    h('h2', {}, 'Other front-ends'),
    h('p', {}, 'By default no other origin may call this API from a browser. The server\u2019s operator can allow one with ',
      h('code', {}, 'codebook serve --cors-origin https://ops.example.com'), ' (repeatable): pages of that origin may then call every route, sending their own key. See ',
      link('/openapi.json', 'the API description'), '.'));
}
