// SPDX-License-Identifier: Apache-2.0
// The console's entry: every view, by address (docs/console.md).
import {route, start} from './app.js';
import {ordersList, orderPage} from './orders.js';
import {setsList, setPage, codePage} from './sets.js';
import {reportsView} from './reports.js';
import {governanceView} from './governance.js';
import {accessView} from './access.js';
import {shopsView} from './shops.js';

route(/^\/orders$/, 'orders', ordersList);
route(/^\/orders\/([^/]+)$/, 'order', orderPage, 'orders');
route(/^\/sets$/, 'sets', setsList);
route(/^\/sets\/([^/]+)$/, 'set', setPage, 'sets');
route(/^\/sets\/([^/]+)\/codes\/(.+)$/, 'code', codePage, 'sets');
route(/^\/reports$/, 'reports', reportsView);
route(/^\/governance(?:\/([^/]+))?$/, 'governance', governanceView);
route(/^\/shops$/, 'shops', shopsView);
route(/^\/access$/, 'access', accessView);
start();
