-- Allocation-heavy SQLite workload for bench/recorder_overhead.sh (sqlite3 :memory: < this).
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, payload TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)
INSERT INTO t SELECT x, 'name' || x, x % 97, hex(randomblob(40)) FROM c;
CREATE INDEX t_grp ON t(grp, name);
SELECT grp, count(*), max(length(payload)) FROM t GROUP BY grp ORDER BY 2 DESC LIMIT 3;
SELECT count(*) FROM (SELECT name FROM t ORDER BY payload LIMIT 50000);
SELECT group_concat(name, ',') IS NOT NULL FROM t WHERE grp < 20;
