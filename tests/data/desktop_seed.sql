-- The desktop app's own inserts into the shared database, as its seed writes them: plain SQL,
-- only the columns the seed schema lists. Columns the seed marks "Auto" (id, created_at,
-- updated_at) are left out, as are the columns discogs-harvest added (tracks.sequence,
-- collection_items.listing_id, first_seen_at, last_seen_at, ...).
-- Reconstructed from the contract the README names (tables and columns of tests/test_schema.py);
-- the issue that asked for this (10) describes the seed as: created_at "Auto", tracks without
-- sequence, collection_items without a listing id.
INSERT INTO albums (discogs_release_id, artist, title, label, catalog_number, format, country, released_year,
                    cover_image_url, resource_url, price_low, price_median, price_high, have_count, want_count,
                    avg_rating, ratings_count, last_sold_date)
VALUES ('990000001', 'Seed Artist', 'Seed Album', 'Seed Label', 'SEED 1', 'Vinyl, LP', 'Canada', 1979,
        NULL, 'https://www.discogs.com/release/990000001', 12.5, 20.0, 40.0, 3, 7, 4.5, 2, '2025-11-30');
INSERT INTO albums (discogs_release_id, artist, title) VALUES ('990000002', 'Seed Artist', 'Second Album');
INSERT INTO tracks (album_id, position, title, duration, side) VALUES ('990000001', 'A1', 'Opening', '3:10', 'A');
INSERT INTO tracks (album_id, position, title, duration, side) VALUES ('990000001', 'A2', 'Second', '4:05', 'A');
INSERT INTO tracks (album_id, position, title, duration, side) VALUES ('990000001', 'B1', 'Turnover', NULL, 'B');
INSERT INTO tracks (album_id, title) VALUES ('990000002', 'Only Track');
INSERT INTO youtube_videos (id, title, url) VALUES ('seedVideo01', 'Opening (live)', 'https://www.youtube.com/watch?v=seedVideo01');
INSERT INTO album_videos (album_id, video_id) VALUES ('990000001', 'seedVideo01');
INSERT INTO album_videos (album_id, video_id, order_index) VALUES ('990000002', 'seedVideo01', 0);
INSERT INTO sellers (id, username) VALUES (990000101, 'seed-shop');
INSERT INTO collection_items (album_id, seller_id, collection_id, price, currency, condition, sleeve_condition,
                              notes, is_available, is_new, item_url)
VALUES ('990000001', 990000101, 'my-collection', 15.0, 'USD', 'Very Good Plus (VG+)', 'Very Good (VG)',
        'bought at a fair', 1, 0, NULL);
INSERT INTO collection_items (album_id, collection_id) VALUES ('990000002', 'my-collection');
INSERT INTO collection_items (album_id, collection_id, price) VALUES ('990000002', 'wishlist', 9.99);
INSERT INTO genres (name) VALUES ('Seed Genre');
INSERT INTO styles (name) VALUES ('Seed Style');
INSERT INTO album_genres (album_id, genre_id) VALUES ('990000001', (SELECT id FROM genres WHERE name = 'Seed Genre'));
INSERT INTO album_styles (album_id, style_id) VALUES ('990000001', (SELECT id FROM styles WHERE name = 'Seed Style'));
