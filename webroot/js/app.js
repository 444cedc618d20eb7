// Microshop's store front: a small single-page application on the JSON API, no build step.
// Views are chosen by the URL's hash (#/, #/product/SKU, #/cart, #/orders/ID, ...). The order page
// follows the saga live through server-sent events (GET /api/orders/{id}/events), read with fetch
// so that the token travels in the Authorization header.
'use strict';

const money = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });
const view = () => document.getElementById('view');
const LABELS = {
  PLACED: 'Order placed', STOCK_RESERVED: 'Stock reserved', CREDIT_RESERVED: 'Credit reserved',
  CREDIT_REJECTED: 'Credit refused', APPROVED: 'Approved', REJECTED: 'Rejected', STOCK_RELEASED: 'Stock released',
  CANCEL_REQUESTED: 'Cancellation requested', CREDIT_RELEASED: 'Credit released', CANCELLED: 'Cancelled',
  CANCEL_REFUSED: 'Cancellation refused', SHIPPED: 'Shipped', DELIVERED: 'Delivered',
};

// ---------- session and cart (kept in the browser) ----------

const session = {
  get() { try { return JSON.parse(localStorage.getItem('microshop.session')) || null; } catch { return null; } },
  set(s) { localStorage.setItem('microshop.session', JSON.stringify(s)); },
  clear() { localStorage.removeItem('microshop.session'); },
};

const cart = {
  get() { try { return JSON.parse(localStorage.getItem('microshop.cart')) || {}; } catch { return {}; } },
  set(c) { localStorage.setItem('microshop.cart', JSON.stringify(c)); renderCartCount(); },
  add(sku, quantity) { const c = cart.get(); c[sku] = Math.min(100, (c[sku] || 0) + quantity); cart.set(c); },
  clear() { cart.set({}); },
};

// ---------- the API ----------

class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(sentence(status, body));
    this.status = status;
    this.code = body && body.error;
    this.retryAfter = parseInt(retryAfter, 10) || 0; // seconds, from a 503's Retry-After
  }
}

function sentence(status, body) {
  const message = body && body.message ? body.message.charAt(0).toUpperCase() + body.message.slice(1) : '';
  if (status === 401) return message ? `${message}.` : 'Please log in.';
  if (status === 404) return 'We could not find that.';
  if (status === 429) return message ? `${message}.` : 'Too many attempts: please wait a moment.';
  if (status >= 500) return 'The shop could not answer just now. Please try again in a moment.';
  return message ? `${message.replace(/\.$/, '')}.` : `The shop refused the request (${status}).`;
}

async function api(method, path, body, headers = {}) {
  const s = session.get();
  const h = { Accept: 'application/json', ...headers };
  const file = body instanceof Blob; // an upload: the file's bytes as they are
  if (body !== undefined) h['Content-Type'] = file ? 'application/octet-stream' : 'application/json';
  if (s) h.Authorization = `Bearer ${s.token}`;
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : file ? body : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, { message: 'the shop could not be reached; check your connection' });
  }
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && s) { session.clear(); renderNav(); }
  if (!res.ok) throw new ApiError(res.status, data, res.headers.get('Retry-After'));
  return data;
}

// Places the order; while the shop is busy (503 with Retry-After) says so and tries again after
// the time it asks, with the same Idempotency-Key (the same order, never a second one), a few times.
async function placeOrder(lines, key, address) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await api('POST', '/api/orders', { lines, address }, { 'Idempotency-Key': key });
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 503 || !e.retryAfter || attempt >= 5) throw e;
      status(`The shop is busy: trying again in ${e.retryAfter} s…`);
      await new Promise((r) => setTimeout(r, e.retryAfter * 1000));
    }
  }
}

// Server-sent events over fetch: calls onEvent(name, data) for each event until the stream ends.
// Low priority: the stream never ends, and a high-priority request in flight (fetch's default) is one
// the page's load waits for (Lighthouse waited its whole 45 s for the order page, then sometimes lost the trace)
async function streamEvents(path, onEvent, signal) {
  const s = session.get();
  const res = await fetch(path, { headers: { Accept: 'text/event-stream', Authorization: `Bearer ${s && s.token}` }, signal,
    priority: 'low' });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({})));
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trim());
      }
      if (data.length) onEvent(name, JSON.parse(data.join('\n')));
    }
  }
}

// Keeps a stream open, reconnecting after a drop (or a 429), until the view changes.
function follow(path, onEvent, onError) {
  const controller = new AbortController();
  let delay = 500;
  (async () => {
    while (!controller.signal.aborted) {
      try {
        await streamEvents(path, (n, d) => { delay = 500; onEvent(n, d); }, controller.signal);
      } catch (e) {
        if (controller.signal.aborted) return;
        // too many streams open (429): said, and tried again later; any other refusal ends it
        if (e instanceof ApiError && e.status === 429) onError(e);
        else if (e instanceof ApiError && e.status >= 400 && e.status < 500) { onError(e); return; }
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10000);
    }
  })();
  return controller;
}

// ---------- helpers ----------

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

function status(text, isError = false) {
  const s = document.getElementById('status');
  s.textContent = text || '';
  s.classList.toggle('error', isError);
}

/** A page: its title in the one h1 (above the status line, which keeps its place for screen readers), then its content. */
function show(title, ...content) {
  const h1 = document.getElementById('page-title');
  h1.textContent = title;
  view().replaceChildren(...content);
  document.title = `${title} — Microshop`;
  h1.focus();
}

function when(d) { return new Date(d).toLocaleString(); }

function badge(available) {
  const cls = available <= 0 ? 'out' : available < 10 ? 'low' : 'in';
  const text = available <= 0 ? 'Out of stock' : available < 10 ? `Only ${available} left` : 'In stock';
  return el('span', { class: `badge ${cls}`, text });
}

/**
 * A product's picture in a size (card or page), its box reserved by width and height before it loads
 * (the browser picks the file of the right resolution from srcset); a plain box of the same shape
 * when the product has no picture.
 */
function picture(p, size, { lazy = false, sizes } = {}) {
  const image = p.image;
  if (!image) return el('div', { class: `picture ${size} none`, role: 'img', 'aria-label': `${p.name}: no picture yet` });
  return el('img', { class: `picture ${size}`, src: image[size].url, width: String(image[size].width), height: String(image[size].height),
    srcset: `${image.card.url} ${image.card.width}w, ${image.page.url} ${image.page.width}w`, sizes,
    alt: p.name, loading: lazy ? 'lazy' : null, decoding: 'async' });
}

/** A small picture of a product in a fixed box (a table row keeps its height whether or not it comes). */
function thumbnail(p) {
  const box = el('span', { class: 'thumb' });
  if (p && p.image) box.append(el('img', { src: p.image.card.url, width: '64', height: '48', alt: '', decoding: 'async' }));
  return box;
}

function field(label, attrs) {
  return el('label', {}, label, el('input', attrs));
}

function requireLogin() {
  if (session.get()) return true;
  status('Please log in first.');
  location.hash = `#/login?next=${encodeURIComponent(location.hash)}`;
  return false;
}

// ---------- views ----------

const PAGE_SIZE = 12;
const SORTS = [['sku', 'Product code'], ['name', 'Name'], ['price', 'Price, low to high'], ['-price', 'Price, high to low']];
const categoryLabel = (c) => c.charAt(0).toUpperCase() + c.slice(1).replace(/-/g, ' ');

/** The catalog: search (name, sku, description), a category, a sort and a page, all in the URL (#/?q=&category=&sort=&page=). */
async function catalogView(params) {
  const q = params.get('q') || '';
  const category = params.get('category') || '';
  const sort = SORTS.some(([v]) => v === params.get('sort')) ? params.get('sort') : 'sku';
  const page = Math.max(1, parseInt(params.get('page'), 10) || 1);
  const link = (changes) => {
    const next = new URLSearchParams({ q, category, sort, page: '1', ...changes });
    for (const [k, v] of [...next]) if (!v || (k === 'sort' && v === 'sku') || (k === 'page' && v === '1')) next.delete(k);
    const text = next.toString();
    return text ? `#/?${text}` : '#/';
  };
  const list = el('ul', { id: 'products', class: 'products', 'aria-label': 'Products' });
  const categories = el('ul', { id: 'categories', class: 'categories', 'aria-label': 'Categories' });
  const pager = el('nav', { id: 'pager', class: 'pager', 'aria-label': 'Pages' });
  const sortSelect = el('select', { id: 'sort', name: 'sort', onchange: (e) => { location.hash = link({ sort: e.target.value }); } },
    SORTS.map(([v, label]) => el('option', { value: v, selected: v === sort, text: label })));
  const form = el('form', { id: 'search', class: 'search', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    location.hash = link({ q: document.getElementById('q').value.trim() });
  } }, el('label', { for: 'q', text: 'Search products' }),
  el('input', { id: 'q', name: 'q', type: 'search', maxlength: '100', value: q, autocomplete: 'off' }),
  el('button', { type: 'submit', text: 'Search' }),
  el('label', { for: 'sort', text: 'Sort by' }), sortSelect);
  show(category ? categoryLabel(category) : 'Catalog', form, categories, list, pager);
  const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String((page - 1) * PAGE_SIZE) });
  if (q) query.set('q', q);
  if (category) query.set('category', category);
  if (sort !== 'sku') query.set('sort', sort);
  const found = await api('GET', `/api/products?${query}`);
  const total = found.categories.reduce((n, c) => n + c.count, 0);
  categories.replaceChildren(el('li', {}, el('a', { href: link({ category: '' }), 'aria-current': category ? null : 'page', text: `All (${total})` })),
    ...found.categories.map((c) => el('li', {}, el('a', { href: link({ category: c.name }), 'data-category': c.name,
      'aria-current': c.name === category ? 'page' : null, text: `${categoryLabel(c.name)} (${c.count})` }))));
  list.replaceChildren(...found.products.map((p, i) => el('li', { class: 'product', 'data-sku': p.sku },
    picture(p, 'card', { lazy: i >= 4, sizes: '(max-width: 40rem) 90vw, 22rem' }),
    el('h2', {}, el('a', { href: `#/product/${p.sku}`, text: p.name })),
    el('p', { class: 'sku', text: `${p.sku} · ${categoryLabel(p.category || 'other')}` }),
    el('p', { text: p.description }),
    el('p', { class: 'price', text: money.format(Number(p.price)) }),
    badge(p.available),
    el('div', { class: 'card-actions' }, el('button', {
      type: 'button', class: 'add', disabled: p.available <= 0, 'aria-label': `Add ${p.name} to the cart`,
      onclick: () => { cart.add(p.sku, 1); status(`${p.name} added to your cart.`); },
    }, 'Add to cart')))));
  const pages = Math.max(1, Math.ceil(found.total / PAGE_SIZE));
  pager.replaceChildren(
    page > 1 ? el('a', { href: link({ page: String(page - 1) }), rel: 'prev', text: '← Previous' }) : el('span'),
    el('span', { id: 'page-of', text: `Page ${Math.min(page, pages)} of ${pages}` }),
    page < pages ? el('a', { href: link({ page: String(page + 1) }), rel: 'next', text: 'Next →' }) : el('span'));
  status(found.total ? `${found.total} products${q ? ` matching “${q}”` : ''}.` : 'No product matches your search.');
}

async function productView(sku) {
  const p = await api('GET', `/api/products/${encodeURIComponent(sku)}`);
  const qty = el('input', { id: 'quantity', type: 'number', min: '1', max: '100', value: '1', class: 'qty' });
  show(p.name, el('div', { class: 'product-page' },
    picture(p, 'page', { sizes: '(max-width: 48rem) 95vw, 40rem' }),
    el('div', { class: 'product-info' },
    el('p', { class: 'sku', text: p.sku }),
    el('p', { text: p.description }),
    el('p', { class: 'price', text: money.format(Number(p.price)) }),
    badge(p.available),
    el('form', { class: 'card-actions', onsubmit: (e) => {
      e.preventDefault();
      const n = Math.max(1, Math.min(100, parseInt(qty.value, 10) || 1));
      cart.add(p.sku, n);
      status(`${n} × ${p.name} added to your cart.`);
    } }, el('label', { for: 'quantity', text: 'Quantity' }), qty,
    el('button', { type: 'submit', disabled: p.available <= 0, text: 'Add to cart' })),
    el('p', {}, el('a', { href: '#/', text: '← Back to the catalog' })))));
  status('');
}

async function cartView() {
  const items = cart.get();
  const skus = Object.keys(items);
  if (!skus.length) {
    show('Your cart', el('p', { text: 'Your cart is empty.' }), el('a', { href: '#/', text: 'Browse the catalog' }));
    return;
  }
  const products = await Promise.all(skus.map((s) => api('GET', `/api/products/${s}`).catch(() => null)));
  let total = 0;
  const rows = skus.map((sku, i) => {
    const p = products[i];
    const price = p ? Number(p.priceCents) : 0;
    total += price * items[sku];
    const input = el('input', { type: 'number', min: '1', max: '100', value: String(items[sku]), class: 'qty',
      'aria-label': `Quantity of ${p ? p.name : sku}`, onchange: (e) => {
        const c = cart.get(); c[sku] = Math.max(1, Math.min(100, parseInt(e.target.value, 10) || 1)); cart.set(c); cartView();
      } });
    return el('tr', { 'data-sku': sku }, el('td', {}, el('div', { class: 'with-thumb' }, thumbnail(p), el('span', { text: p ? p.name : `${sku} (no longer sold)` }))),
      el('td', {}, input),
      el('td', { class: 'num', text: money.format(price / 100) }),
      el('td', {}, el('button', { type: 'button', class: 'secondary', onclick: () => {
        const c = cart.get(); delete c[sku]; cart.set(c); cartView();
      } }, 'Remove')));
  });
  const key = sessionStorage.getItem('microshop.checkout-key') || crypto.randomUUID();
  const checkout = el('button', { id: 'checkout', type: 'submit' }, 'Place order');
  const form = el('form', { class: 'stack', id: 'checkout-form', onsubmit: async (e) => {
    e.preventDefault();
    if (!requireLogin()) return;
    checkout.disabled = true;
    sessionStorage.setItem('microshop.checkout-key', key); // a retry of this checkout is the same order
    const f = new FormData(form);
    const address = Object.fromEntries(ADDRESS_FIELDS.map(([name]) => [name, String(f.get(name)).trim()]));
    try {
      const lines = Object.entries(cart.get()).map(([sku, quantity]) => ({ sku, quantity }));
      const placed = await placeOrder(lines, key, address);
      sessionStorage.removeItem('microshop.checkout-key');
      cart.clear();
      location.hash = `#/orders/${placed.orderId}`;
    } catch (err) {
      status(err.message, true);
      checkout.disabled = false;
    }
  } }, el('fieldset', {}, el('legend', { text: 'Delivery address' }),
    ADDRESS_FIELDS.map(([name, label, attrs]) => field(label, { name, id: `address-${name}`, required: true, ...attrs }))),
  checkout);
  prefillAddress(form);
  show('Your cart',
    el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'Product' }), el('th', { text: 'Quantity' }),
      el('th', { class: 'num', text: 'Price' }), el('th', {}, el('span', { class: 'skip', text: 'Actions' })))),
    el('tbody', {}, rows)),
    el('p', { class: 'price', id: 'cart-total', text: `Estimated total: ${money.format(total / 100)}` }),
    el('p', { text: 'The shop confirms prices and stock when you place the order.' }),
    form);
}

const ADDRESS_FIELDS = [
  ['name', 'Full name', { maxlength: '100', autocomplete: 'shipping name' }],
  ['street', 'Street and number', { maxlength: '200', autocomplete: 'shipping street-address' }],
  ['postcode', 'Postcode', { maxlength: '12', pattern: '[A-Za-z0-9][A-Za-z0-9 \\-]*', autocomplete: 'shipping postal-code' }],
  ['city', 'City', { maxlength: '100', autocomplete: 'shipping address-level2' }],
  ['country', 'Country code (two letters, e.g. FR)', { maxlength: '2', minlength: '2', pattern: '[A-Za-z]{2}', autocomplete: 'shipping country' }],
];

/** The address of the customer's last order (from the history view), in the fields still empty. */
async function prefillAddress(form) {
  if (!session.get()) return;
  try {
    const { orders } = await api('GET', '/api/orders');
    const last = orders.find((o) => o.address);
    if (!last) return;
    for (const [name] of ADDRESS_FIELDS) {
      const input = form.elements[name];
      if (input && !input.value) input.value = last.address[name];
    }
  } catch (e) { /* no history yet: the shopper types it */ }
}

function addressText(a) {
  return `${a.name}, ${a.street}, ${a.postcode} ${a.city}, ${regionNames.of(a.country) || a.country}`;
}
const regionNames = new Intl.DisplayNames(undefined, { type: 'region' });

function registerView() {
  const form = el('form', { class: 'stack', id: 'register-form', onsubmit: async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    try {
      await api('POST', '/api/customers', { name: f.get('name'), email: f.get('email'), password: f.get('password') });
      await login(f.get('email'), f.get('password'));
      status('Welcome! Your account is ready.');
      location.hash = '#/';
    } catch (err) { status(err.message, true); }
  } },
  field('Name', { name: 'name', id: 'reg-name', required: true, maxlength: '100', autocomplete: 'name' }),
  field('Email', { name: 'email', id: 'reg-email', type: 'email', required: true, autocomplete: 'email' }),
  field('Password (at least 8 characters)', { name: 'password', id: 'reg-password', type: 'password', required: true,
    minlength: '8', autocomplete: 'new-password' }),
  el('button', { type: 'submit', text: 'Create my account' }));
  show('Create an account', form);
  status('');
}

async function login(email, password) {
  const res = await api('POST', '/api/login', { email, password });
  session.set({ token: res.token, name: res.customer.name, role: res.customer.role, id: res.customer.id });
  renderNav();
}

function loginView(params) {
  const form = el('form', { class: 'stack', id: 'login-form', onsubmit: async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    try {
      await login(f.get('email'), f.get('password'));
      status(`Welcome back, ${session.get().name}.`);
      location.hash = params.get('next') || '#/';
    } catch (err) { status(err.message, true); }
  } },
  field('Email', { name: 'email', id: 'login-email', type: 'email', required: true, autocomplete: 'email' }),
  field('Password', { name: 'password', id: 'login-password', type: 'password', required: true, autocomplete: 'current-password' }),
  el('button', { type: 'submit', text: 'Log in' }));
  show('Log in', form, el('p', {}, 'New here? ', el('a', { href: '#/register', text: 'Create an account' })));
}

async function ordersView() {
  if (!requireLogin()) return;
  const { orders } = await api('GET', '/api/orders');
  show('My orders', orders.length ? el('table', {},
    el('thead', {}, el('tr', {}, el('th', { text: 'Placed' }), el('th', { text: 'Status' }),
      el('th', { class: 'num', text: 'Total' }), el('th', { text: 'Tracking' }), el('th', { text: 'Delivery address' }))),
    el('tbody', {}, orders.map((o) => el('tr', {},
      el('td', {}, el('a', { href: `#/orders/${o.orderId}`, text: when(o.placedAt) })),
      el('td', {}, el('span', { class: `status-badge status-${o.status}`, text: o.status })),
      el('td', { class: 'num', text: o.total ? money.format(Number(o.total)) : '—' }),
      el('td', { text: o.shipment && o.shipment.trackingNumber ? o.shipment.trackingNumber : '—' }),
      el('td', { text: o.address ? addressText(o.address) : '—' })))))
    : el('p', { text: 'You have no orders yet.' }));
  status('');
}

let live = null; // the stream of the current view, closed when the view changes

const catalogProducts = new Map(); // sku → a promise of the product (from the catalog), asked once per page load
/**
 * A table cell naming a product: its picture and name once the catalog answers (its sku until then,
 * or if it is no longer sold), the sku below.
 */
function productCell(sku) {
  if (!catalogProducts.has(sku)) catalogProducts.set(sku, api('GET', `/api/products/${encodeURIComponent(sku)}`).catch(() => null));
  const name = el('span', { class: 'product-name', text: sku });
  const thumb = thumbnail(null);
  catalogProducts.get(sku).then((p) => {
    if (!p) return;
    name.textContent = p.name;
    thumb.replaceWith(thumbnail(p));
  });
  return el('td', {}, el('div', { class: 'with-thumb' }, thumb, el('span', {}, name, el('br'), el('span', { class: 'sku', text: sku }))));
}

async function orderView(id) {
  if (!requireLogin()) return;
  const statusEl = el('p', {}, 'Status: ', el('span', { id: 'order-status', class: 'status-badge' }));
  const reason = el('p', { id: 'reason', class: 'error', hidden: true });
  const lines = el('tbody');
  const total = el('p', { class: 'price', id: 'order-total' });
  const address = el('p', { id: 'order-address' });
  const timeline = el('ol', { id: 'timeline', class: 'timeline', 'aria-live': 'polite', 'aria-label': 'Timeline' });
  const cancel = el('button', { id: 'cancel', type: 'button', class: 'danger', hidden: true, onclick: async () => {
    cancel.disabled = true;
    try {
      render(await api('POST', `/api/orders/${id}/cancel`));
      status('Your order is cancelled; its stock and credit are released.');
    } catch (e) { status(e.message, true); cancel.disabled = false; }
  } }, 'Cancel this order');

  function render(o) {
    const s = document.getElementById('order-status');
    s.textContent = o.status;
    s.className = `status-badge status-${o.status}`;
    reason.hidden = !o.reason;
    reason.textContent = o.reason ? `Reason: ${o.reason}.` : '';
    lines.replaceChildren(...o.lines.map((l) => el('tr', { 'data-sku': l.sku }, productCell(l.sku), el('td', { class: 'num', text: l.quantity }),
      el('td', { class: 'num', text: l.price ? money.format(Number(l.price)) : '—' }))));
    total.textContent = o.total ? `Total: ${money.format(Number(o.total))}` : 'Total: being computed…';
    address.textContent = o.address ? `Delivering to: ${addressText(o.address)}` : 'No delivery address was given.';
    timeline.replaceChildren(...o.timeline.map((t) => el('li', { 'data-event': t.event },
      el('strong', { text: LABELS[t.event] || t.event }), t.reason ? ` — ${t.reason}` : '',
      el('time', { datetime: t.at, text: when(t.at) }))));
    cancel.hidden = !(o.status === 'APPROVED' && !o.inProgress);
    cancel.disabled = false;
  }

  // the order as it is now, drawn with the page (nothing fills in and shifts it later), then followed live
  let now;
  try {
    now = await api('GET', `/api/orders/${encodeURIComponent(id)}`);
  } catch (e) {
    show('Your order', el('p', {}, el('a', { href: '#/orders', text: 'Back to my orders' })));
    status(e.message, true);
    return;
  }
  show('Your order', el('p', { class: 'sku', text: `Order ${id}` }), statusEl, reason,
    el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'Product' }), el('th', { class: 'num', text: 'Quantity' }),
      el('th', { class: 'num', text: 'Price' }))), lines), total, address,
    el('h2', { text: 'Timeline' }), timeline, cancel);
  render(now);
  status('Following your order live…');
  live = follow(`/api/orders/${id}/events`, (name, o) => { if (name === 'order') render(o); },
    (e) => status(e.message, true));
}

async function accountView() {
  if (!requireLogin()) return;
  const me = await api('GET', '/api/me');
  show('My account', el('dl', { class: 'panel' },
    el('dt', { text: 'Name' }), el('dd', { text: me.name }),
    el('dt', { text: 'Email' }), el('dd', { text: me.email }),
    el('dt', { text: 'Credit limit' }), el('dd', { text: money.format(Number(me.creditLimit)) }),
    el('dt', { text: 'Held by open orders' }), el('dd', { text: money.format(Number(me.reservedCredit)) }),
    el('dt', { text: 'Available credit' }), el('dd', { id: 'available-credit', text: money.format(Number(me.availableCredit)) })));
  status('');
}

function adminOnly() {
  const s = session.get();
  if (!s) { requireLogin(); return false; }
  if (s.role !== 'admin') {
    show('Administrators only', el('p', { id: 'forbidden', text: 'This page is for administrators. Your account cannot open it.' }));
    status('');
    return false;
  }
  return true;
}

function adminForm(id, title, fields, submit) {
  const form = el('form', { class: 'stack panel', id, onsubmit: async (e) => {
    e.preventDefault();
    try { status(await submit(new FormData(form))); form.reset(); refreshAudit(); } catch (err) { status(err.message, true); }
  } }, el('h2', { text: title }), ...fields, el('button', { type: 'submit', text: title }));
  return form;
}

// The audit trail: who did what, newest first (GET /api/admin/audit).
async function refreshAudit() {
  const rows = document.getElementById('audit');
  if (!rows) return;
  try {
    const a = await api('GET', '/api/admin/audit?limit=50');
    rows.replaceChildren(...a.entries.map((e) => el('tr', {},
      el('td', { text: new Date(e.at).toLocaleString() }),
      el('td', { text: e.actorEmail || e.actor || 'unknown' }),
      el('td', { text: e.action.replace(/-/g, ' ') }),
      el('td', { text: `${e.service}: ${e.target}` }),
      el('td', { text: Object.entries(e.change).map(([k, v]) => `${k} ${v}`).join(', ') }))));
    if (a.unavailable.length) status(`Audit trail incomplete: ${a.unavailable.join(', ')} did not answer.`, true);
  } catch (err) { status(err.message, true); }
}

function recentOrdersPanel() {
  return el('div', { class: 'panel' }, el('h2', { text: 'Recent orders' }),
    el('table', { class: 'fit' }, el('thead', {}, el('tr', {}, el('th', { text: 'Order (its trace)' }), el('th', { text: 'Status' }),
      el('th', { class: 'num', text: 'Total' }))), el('tbody', { id: 'recent-orders' })));
}

function auditPanel() {
  return el('div', { class: 'panel' }, el('h2', { text: 'Audit trail' }),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'When' }), el('th', { text: 'Who' }),
      el('th', { text: 'Action' }), el('th', { text: 'Target' }), el('th', { text: 'Change' }))),
    el('tbody', { id: 'audit' })));
}

function adminView() {
  if (!adminOnly()) return;
  show('Administration', el('div', { class: 'grid-2' },
    adminForm('add-product', 'Add a product', [
      field('SKU (A–Z, 0–9, dashes)', { name: 'sku', required: true, pattern: '[A-Z0-9][A-Z0-9-]{2,31}' }),
      field('Name', { name: 'name', required: true, maxlength: '200' }),
      field('Description', { name: 'description', maxlength: '2000' }),
      field('Price (e.g. 12.90)', { name: 'price', required: true, inputmode: 'decimal', pattern: '[0-9]{1,7}([.][0-9]{1,2})?' }),
      field('Stock', { name: 'stock', type: 'number', min: '0', value: '0' })],
    async (f) => {
      const p = await api('POST', '/api/admin/products', { sku: f.get('sku'), name: f.get('name'),
        description: f.get('description') || '', price: f.get('price'), stock: parseInt(f.get('stock'), 10) || 0 });
      return `${p.name} (${p.sku}) added.`;
    }),
    adminForm('restock', 'Restock', [
      field('SKU', { name: 'sku', required: true }),
      field('Quantity', { name: 'quantity', type: 'number', min: '1', max: '100000', required: true })],
    async (f) => {
      const r = await api('POST', `/api/admin/products/${encodeURIComponent(f.get('sku'))}/restock`,
        { quantity: parseInt(f.get('quantity'), 10) }, { 'Idempotency-Key': crypto.randomUUID() });
      return `${r.sku} restocked: ${r.onHand} on hand.`;
    }),
    adminForm('picture', 'Product picture', [
      field('SKU', { name: 'sku', required: true, pattern: '[A-Z0-9][A-Z0-9-]{2,31}' }),
      field('Picture (PNG, JPEG or WebP, at most 2 MB)', { name: 'file', type: 'file', required: true, accept: 'image/png,image/jpeg,image/webp' })],
    async (f) => {
      const p = await api('PUT', `/api/admin/products/${encodeURIComponent(f.get('sku'))}/image`, f.get('file'));
      return `${p.name} (${p.sku}) has a new picture.`;
    }),
    adminForm('credit-limit', 'Set a credit limit', [
      field('Customer id', { name: 'id', required: true }),
      field('Credit limit (e.g. 500.00)', { name: 'limit', required: true, inputmode: 'decimal' })],
    async (f) => {
      const c = await api('PUT', `/api/admin/customers/${encodeURIComponent(f.get('id'))}/credit-limit`, { creditLimit: f.get('limit') });
      return `${c.name}'s credit limit is now ${money.format(Number(c.creditLimit))}.`;
    }),
    el('form', { class: 'stack panel', id: 'trace-order', onsubmit: (e) => {
      e.preventDefault();
      location.hash = `#/admin/trace/${encodeURIComponent(new FormData(e.target).get('order').trim())}`;
    } }, el('h2', { text: 'Trace an order' }), field('Order id', { name: 'order', required: true, maxlength: '64' }),
    el('button', { type: 'submit', text: 'Show its trace' })),
    el('div', { class: 'panel' }, el('h2', { text: 'Order history view' }),
      el('p', { text: 'Rebuild the order history from every event, from the start.' }),
      el('button', { type: 'button', class: 'secondary', onclick: async () => {
        try { await api('POST', '/api/admin/history/rebuild'); status('The order history is being rebuilt.'); refreshAudit(); } catch (e) { status(e.message, true); }
      } }, 'Rebuild the history'))), recentOrdersPanel(), auditPanel());
  status('');
  refreshAudit();
  refreshRecentOrders();
}

/** The newest orders, each with a link to its trace. */
async function refreshRecentOrders() {
  const rows = document.getElementById('recent-orders');
  if (!rows) return;
  try {
    const { orders } = await api('GET', '/api/admin/orders');
    rows.replaceChildren(...orders.slice(0, 10).map((o) => el('tr', {},
      el('td', {}, el('a', { href: `#/admin/trace/${o.orderId}`, 'aria-label': `Trace of order ${o.orderId}`, text: o.orderId.slice(0, 8) })),
      el('td', { text: o.status }), el('td', { class: 'num', text: o.total ? money.format(Number(o.total)) : '—' }))));
  } catch (err) { status(err.message, true); }
}

/**
 * An order's trace as a waterfall: one row per span (what it did, its service, the JVM it ran in,
 * its duration), indented under its parent, with a bar placed on the trace's time line.
 */
async function traceView(orderId) {
  if (!adminOnly()) return;
  const trace = await api('GET', `/api/admin/orders/${encodeURIComponent(orderId)}/trace`);
  const spans = trace.spans;
  const start = Math.min(...spans.map((s) => s.startMicros));
  const total = Math.max(1, Math.max(...spans.map((s) => s.startMicros + s.durationMicros)) - start);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const depth = (s) => { let d = 0; for (let p = byId.get(s.parentId); p && d < 30; p = byId.get(p.parentId)) d++; return d; };
  const rows = spans.map((s) => {
    const bar = el('span', { class: `bar${s.error ? ' failed' : ''}` });
    bar.style.marginLeft = `${((s.startMicros - start) / total) * 100}%`; // CSSOM: allowed by the CSP, unlike a style attribute
    bar.style.width = `${Math.max(0.3, (s.durationMicros / total) * 100)}%`;
    const name = el('span', { class: 'span-name', text: s.name });
    name.style.paddingLeft = `${depth(s) * 0.75}rem`;
    return el('tr', { 'data-service': s.service, class: s.error ? 'failed' : null },
      el('td', {}, name), el('td', { text: s.service }), el('td', { class: 'node', text: s.node }),
      el('td', { class: 'num', text: `${(s.durationMicros / 1000).toFixed(1)} ms` }), el('td', { class: 'timeline-cell' }, bar));
  });
  const services = [...new Set(spans.map((s) => s.service).filter((s) => !s.startsWith('→')))];
  show(`Trace of order ${orderId.slice(0, 8)}`,
    el('p', { id: 'trace-summary', text: `${spans.length} spans over ${(total / 1000).toFixed(1)} ms in ${trace.traceIds.length} trace(s): ${services.join(', ')}.` }),
    el('div', { class: 'panel' }, el('table', { id: 'waterfall', class: 'fit waterfall' },
      el('thead', {}, el('tr', {}, el('th', { text: 'Span' }), el('th', { text: 'Service' }), el('th', { text: 'Instance' }),
        el('th', { class: 'num', text: 'Duration' }), el('th', { text: 'Time line' }))),
      el('tbody', {}, rows))),
    el('p', {}, el('a', { href: '#/admin', text: '← Back to the administration' })));
  status('');
}

// ---------- charts (inline SVG, no library) ----------

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, v);
  for (const c of children.flat()) if (c) e.append(c);
  return e;
}
const CHART_COLORS = ['#0b5cad', '#176b32', '#a4161a', '#8a4b00', '#6f42c1', '#4a5360', '#b35900', '#00798c'];
const CHART_WINDOW_MS = 10 * 60 * 1000;
const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const compactFormat = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

/** A chart's panel: its title, a fixed-size SVG (nothing shifts when it fills), a legend with each line's last value. */
function chartPanel(id, title) {
  const plot = svg('svg', { viewBox: '0 0 360 150', class: 'chart', role: 'img', 'aria-label': title });
  const legend = el('ul', { class: 'legend' });
  return { id, plot, legend, node: el('section', { class: 'panel chart-panel', id }, el('h2', { text: title }), plot, legend) };
}

/** Draws lines [{name, values: [number|null]}] over samples' times (the last ten minutes); a null is a gap. */
function drawChart(chart, times, lines, unit) {
  const W = 360, H = 150, left = 38, bottom = 16, top = 8;
  const now = times.length ? times[times.length - 1] : Date.now();
  const x = (t) => left + ((t - (now - CHART_WINDOW_MS)) / CHART_WINDOW_MS) * (W - left - 4);
  const max = Math.max(1, ...lines.flatMap((l) => l.values.filter((v) => v !== null && v !== undefined)));
  const step = 10 ** Math.floor(Math.log10(max));
  const top_ = Math.ceil(max / step) * step;
  const y = (v) => H - bottom - (v / top_) * (H - bottom - top);
  const grid = [0, top_ / 2, top_].map((v) => [
    svg('line', { x1: left, x2: W - 4, y1: y(v), y2: y(v), class: 'grid' }),
    Object.assign(svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }), { textContent: compactFormat.format(v) })]);
  const axis = ['-10 min', '-5 min', 'now'].map((label, i) => Object.assign(
    svg('text', { x: left + (i / 2) * (W - left - 4), y: H - 3, 'text-anchor': ['start', 'middle', 'end'][i], class: 'tick' }),
    { textContent: label }));
  const paths = lines.map((l, i) => {
    let d = '', pen = false;
    l.values.forEach((v, k) => {
      if (v === null || v === undefined) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${x(times[k]).toFixed(1)},${y(v).toFixed(1)}${pen ? '' : 'h0.01'}`; // a lone sample shows as a dot
      pen = true;
    });
    return svg('path', { d: d || 'M0,0', class: 'line', stroke: CHART_COLORS[i % CHART_COLORS.length], 'data-line': l.name });
  });
  chart.plot.replaceChildren(...grid.flat(), ...axis, ...paths);
  chart.plot.dataset.baseline = y(0);
  const last = (values) => { for (let k = values.length - 1; k >= 0; k--) if (values[k] !== null && values[k] !== undefined) return values[k]; return null; };
  chart.legend.replaceChildren(...lines.map((l, i) => el('li', { 'data-line': l.name },
    el('span', { class: 'swatch', style: `background:${CHART_COLORS[i % CHART_COLORS.length]}` }),
    `${l.name}: `, el('strong', { text: last(l.values) === null ? '—' : `${numberFormat.format(last(l.values))}${unit}` }))));
  chart.plot.setAttribute('aria-label', `${chart.plot.getAttribute('aria-label').split(':')[0]}: ${lines.map((l) => `${l.name} ${last(l.values) ?? 'none'}`).join(', ')}`);
}

function drawSeries(charts, series) {
  const times = series.map((s) => Date.parse(s.at));
  const pick = (field) => series.map((s) => s[field]);
  drawChart(charts.orders, times, [
    { name: 'placed', values: pick('placedPerSecond') }, { name: 'approved', values: pick('approvedPerSecond') },
    { name: 'rejected', values: pick('rejectedPerSecond') }, { name: 'cancelled', values: pick('cancelledPerSecond') }], '/s');
  drawChart(charts.latency, times, [
    { name: 'p50', values: pick('approvalP50Ms') }, { name: 'p99', values: pick('approvalP99Ms') }], ' ms');
  const consumers = [...new Set(series.flatMap((s) => Object.keys(s.pending || {})))].sort();
  drawChart(charts.lag, times, consumers.map((c) => ({ name: c, values: series.map((s) => (s.pending || {})[c] ?? null) })), '');
}

function dashboardView() {
  if (!adminOnly()) return;
  const services = el('tbody', { id: 'services' });
  const orders = el('dl', { id: 'orders-by-status', class: 'panel' });
  const rate = el('p', { class: 'metric', id: 'orders-per-second', text: '—' });
  const lag = el('tbody', { id: 'event-lag' });
  const updated = el('p', { class: 'sku', id: 'dashboard-updated' });
  let previous = null;
  const charts = { orders: chartPanel('chart-orders', 'Orders per second, by outcome'),
    latency: chartPanel('chart-latency', 'Time from order to approval'), lag: chartPanel('chart-lag', 'Events pending, per consumer') };
  show('Operations dashboard', updated, el('div', { class: 'charts' }, charts.orders.node, charts.latency.node, charts.lag.node),
    el('div', { class: 'grid-2' },
    el('section', { class: 'panel' }, el('h2', { text: 'Services' }), el('table', { class: 'fit' },
      el('thead', {}, el('tr', {}, el('th', { text: 'Service' }), el('th', { text: 'Health' }), el('th', { text: 'Instances' }))), services)),
    el('section', { class: 'panel' }, el('h2', { text: 'Orders' }), el('p', { text: 'Orders per second' }), rate, orders),
    el('section', { class: 'panel wide' }, el('h2', { text: 'Event-log lag' }), el('table', { class: 'fit' },
      el('thead', {}, el('tr', {}, el('th', { text: 'Consumer ← producer' }), el('th', { class: 'num', text: 'Head' }),
        el('th', { class: 'num', text: 'Position' }), el('th', { class: 'num', text: 'Pending' }))), lag))));
  status('Live: updates every two seconds.');
  live = follow('/api/admin/dashboard/events', (name, d) => {
    if (name !== 'dashboard') return;
    updated.textContent = `Updated ${when(d.at)}`;
    drawSeries(charts, d.series || []);
    services.replaceChildren(...d.services.map((s) => el('tr', { 'data-service': s.name }, el('td', { text: s.name }),
      el('td', {}, el('span', { class: s.health === 'UP' ? 'up' : 'down', text: s.health })),
      el('td', { text: s.instances.length ? s.instances.map((i) => `${i.jvm || i.instance} (${i.status})`).join(', ') : 'none published' }))));
    const byStatus = (d.orders && d.orders.byStatus) || {};
    orders.replaceChildren(...Object.entries(byStatus).sort().flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
    if (previous && d.orders && d.orders.total !== undefined) {
      const seconds = (Date.parse(d.at) - Date.parse(previous.at)) / 1000;
      rate.textContent = seconds > 0 ? ((d.orders.total - previous.orders.total) / seconds).toFixed(1) : '—';
    }
    previous = d;
    lag.replaceChildren(...d.eventLag.map((l) => el('tr', {}, el('td', { class: 'wrap', text: (l.producer ? `${l.consumer} ← ${l.producer}` : l.consumer) + (l.error ? `: ${l.error}` : '') }),
      el('td', { class: 'num', text: l.producerHead ?? '—' }), el('td', { class: 'num', text: l.consumerPosition ?? '—' }),
      el('td', { class: 'num', text: l.pending ?? '—' }))));
  }, (e) => status(e.message, true));
}

// ---------- navigation ----------

function renderCartCount() {
  document.getElementById('cart-count').textContent =
    Object.values(cart.get()).reduce((a, b) => a + b, 0);
}

function renderNav() {
  const s = session.get();
  document.querySelectorAll('[data-when]').forEach((li) => {
    const w = li.dataset.when;
    li.hidden = w === 'guest' ? !!s : w === 'customer' ? !s : !(s && s.role === 'admin');
  });
  document.querySelectorAll('.nav a').forEach((a) => {
    if (a.getAttribute('href') === (location.hash || '#/').split('?')[0]) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
}

async function route() {
  if (live) { live.abort(); live = null; }
  renderNav();
  const [path, query] = (location.hash.slice(1) || '/').split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  try {
    if (parts.length === 0) await catalogView(params);
    else if (parts[0] === 'product' && parts[1]) await productView(decodeURIComponent(parts[1]));
    else if (parts[0] === 'cart') await cartView();
    else if (parts[0] === 'register') registerView();
    else if (parts[0] === 'login') loginView(params);
    else if (parts[0] === 'orders' && parts[1]) await orderView(parts[1]);
    else if (parts[0] === 'orders') await ordersView();
    else if (parts[0] === 'account') await accountView();
    else if (parts[0] === 'admin' && parts[1] === 'trace' && parts[2]) await traceView(decodeURIComponent(parts[2]));
    else if (parts[0] === 'admin') adminView();
    else if (parts[0] === 'dashboard') dashboardView();
    else show('Not found', el('p', { text: 'There is no such page.' }), el('a', { href: '#/', text: 'Back to the catalog' }));
  } catch (e) {
    status(e.message, true);
  }
}

document.getElementById('logout').addEventListener('click', () => {
  session.clear();
  status('You are logged out.');
  location.hash = '#/';
  renderNav();
});
window.addEventListener('hashchange', route);
renderCartCount();
route();
