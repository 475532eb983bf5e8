-- Inserts 300 000 rows with an index and queries them: an allocation-heavy,
-- deterministic sqlite3 session.
CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, value INTEGER, tag TEXT);
CREATE INDEX items_by_tag ON items(tag, value);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)
INSERT INTO items(name, value, tag)
  SELECT printf('item-%d-%s', i, substr('abcdefghijklmnopqrstuvwxyz', 1 + i % 26)),
         (i * 7919) % 100003,
         'tag' || (i % 97)
  FROM n;
SELECT count(*), sum(value), max(length(name)) FROM items;
SELECT tag, count(*), sum(value) FROM items GROUP BY tag ORDER BY tag LIMIT 5;
SELECT name FROM items WHERE tag = 'tag42' AND value BETWEEN 1000 AND 1100 ORDER BY value, id;
DELETE FROM items WHERE value % 3 = 0;
SELECT count(*), sum(value) FROM items;
