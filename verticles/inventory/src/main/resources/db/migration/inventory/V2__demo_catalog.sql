-- The demo catalog, seeded once: Flyway applies a versioned migration a single time, so products
-- an administrator changes or removes later never come back.
INSERT INTO product (sku, name, description, price_cents, on_hand) VALUES
  ('MUG-CLASSIC',      'Classic mug',             'Stoneware mug, 330 ml, dishwasher safe.',                 1290,  120),
  ('MUG-TRAVEL',       'Travel mug',              'Insulated steel travel mug with a leak-proof lid, 450 ml.', 2490,   60),
  ('TEE-LOGO-M',       'Logo T-shirt (M)',        'Organic cotton T-shirt with the Microshop logo, size M.',  1990,   80),
  ('TEE-LOGO-L',       'Logo T-shirt (L)',        'Organic cotton T-shirt with the Microshop logo, size L.',  1990,   80),
  ('HOODIE-GREY',      'Grey hoodie',             'Heavyweight hoodie with a kangaroo pocket.',              4990,   40),
  ('CAP-BLACK',        'Black cap',               'Six-panel cap with an adjustable strap.',                 1750,   50),
  ('NOTEBOOK-A5',      'A5 notebook',             'Dotted, 192 pages, lay-flat binding.',                    1150,  200),
  ('PEN-GEL-3',        'Gel pens, pack of 3',     'Black, blue and red, 0.5 mm.',                             499,  300),
  ('STICKERS-10',      'Sticker pack',            'Ten vinyl stickers, weatherproof.',                        399,  500),
  ('TOTE-CANVAS',      'Canvas tote bag',         'Sturdy canvas tote with long handles.',                   1490,   90),
  ('BOTTLE-STEEL',     'Steel bottle',            'Double-walled bottle, keeps drinks cold for 24 hours.',   2790,   70),
  ('SOCKS-STRIPE',     'Striped socks',           'Combed cotton socks, one size.',                           990,  150),
  ('POSTER-ARCH',      'Architecture poster',     'A2 print of the event-driven shop, matte paper.',         1500,   30),
  ('KEYBOARD-MECH',    'Mechanical keyboard',     'Tenkeyless, hot-swappable switches, USB-C.',             8900,   15),
  ('MOUSEPAD-XL',      'XL mouse pad',            '900 x 400 mm desk mat with stitched edges.',              2200,   45),
  ('USB-HUB-4',        'USB hub, 4 ports',        'USB-C hub with four USB-A 3.0 ports.',                    2599,   35),
  ('CABLE-USBC-2M',    'USB-C cable, 2 m',        'Braided USB-C to USB-C cable, 100 W.',                    1299,  140),
  ('HEADPHONES-OVER',  'Over-ear headphones',     'Closed-back headphones with a detachable cable.',        7900,   20),
  ('LAMP-DESK',        'Desk lamp',               'LED desk lamp with a dimmer and warm-to-cold light.',     3490,   25),
  ('PLANT-SUCCULENT',  'Succulent in a pot',      'A small, forgiving desk plant in a ceramic pot.',          850,   60),
  ('BOOK-VERTX',       'Event-driven systems',    'A paperback on reactive, event-driven services.',         3900,   12);
