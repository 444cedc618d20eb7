// The catalog page: lists products from GET /api/products, with search.
'use strict';

const money = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });

function badge(available) {
  const span = document.createElement('span');
  span.className = 'badge ' + (available <= 0 ? 'out' : available < 10 ? 'low' : 'in');
  span.textContent = available <= 0 ? 'Out of stock' : available < 10 ? `Only ${available} left` : 'In stock';
  return span;
}

function card(p) {
  const li = document.createElement('li');
  li.className = 'product';
  li.dataset.sku = p.sku;
  const h2 = document.createElement('h2');
  h2.textContent = p.name;
  const sku = document.createElement('p');
  sku.className = 'sku';
  sku.textContent = p.sku;
  const desc = document.createElement('p');
  desc.textContent = p.description;
  const price = document.createElement('p');
  price.className = 'price';
  // the price arrives as an exact decimal string; shown in the shopper's format
  price.textContent = money.format(Number(p.price));
  li.append(h2, sku, desc, price, badge(p.available));
  return li;
}

async function load(q) {
  const status = document.getElementById('status');
  const list = document.getElementById('products');
  status.classList.remove('error');
  status.textContent = 'Loading the catalog…';
  try {
    const url = q ? `/api/products?q=${encodeURIComponent(q)}` : '/api/products';
    const res = await fetch(url, { headers: { Accept: 'application/json' } });
    const body = await res.json();
    if (!res.ok) {
      throw new Error(body.message || `The shop answered ${res.status}.`);
    }
    list.replaceChildren(...body.products.map(card));
    status.textContent = body.products.length === 0 ? 'No product matches your search.'
      : `${body.products.length} products.`;
  } catch (e) {
    status.classList.add('error');
    status.textContent = `The catalog could not be loaded: ${e.message}`;
  }
}

document.getElementById('search').addEventListener('submit', (event) => {
  event.preventDefault();
  load(document.getElementById('q').value.trim());
});
load('');
