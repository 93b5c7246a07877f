-- The workload of traces/recorded/sqlite-small.alrt (sqlite3 :memory: < this file).
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, payload TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000)
INSERT INTO t SELECT x, 'name' || x, x % 37, printf('%.*c', 20 + x % 200, 'x') FROM c;
CREATE INDEX t_grp ON t(grp, name);
SELECT grp, count(*), sum(length(payload)) FROM t GROUP BY grp ORDER BY 2 DESC LIMIT 3;
SELECT count(*) FROM (SELECT name FROM t ORDER BY payload, name LIMIT 2000);
UPDATE t SET payload = payload || payload WHERE grp < 5;
DELETE FROM t WHERE grp BETWEEN 10 AND 20;
SELECT count(*), sum(length(payload)) FROM t;
