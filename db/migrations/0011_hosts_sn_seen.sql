-- CMDB reconciliation reads every agent's SN, IP, id and last_seen_at in SN order: with this
-- covering index it merge-joins two index-only scans instead of hashing the CMDB and reading
-- the hosts heap (bench:reconcile, cmdb-sync/sql/reconcile.sql). hosts_sn_idx stays (smaller,
-- for lookups by SN). last_seen_at is refreshed at most every 5 minutes per host, so the
-- updates this index makes non-HOT are few. (drizzle's index builder has no INCLUDE: written by hand.)
CREATE INDEX IF NOT EXISTS "hosts_sn_seen_idx" ON "hosts" USING btree ("sn") INCLUDE ("ip", "id", "last_seen_at");
