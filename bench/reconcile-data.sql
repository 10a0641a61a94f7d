-- Synthetic CMDB and agent facts for bench:reconcile, generated set-based. Row i is the same
-- machine on both sides, except every 50th row, which gets one injected mismatch; its kind
-- is (i / 50) % 7:
--   0 IP_MISMATCH      agent reports another IP
--   1 SN_MISMATCH      agent reports another SN at the CMDB's IP
--   2 MISSING_IN_CMDB + NO_AGENT  the CMDB row describes a different machine
--   3 NO_AGENT         agent last seen 3 days ago
--   4 DUPLICATE_SN     the CMDB row repeats the previous row's SN
--   5 DUPLICATE_IP     the agent reports the previous host's IP (also an IP_MISMATCH)
--   6 INVALID_SN       the CMDB holds a placeholder SN

-- name: owners
insert into owners (name) select 'team-' || g from generate_series(1, 100) g;

-- name: cmdb
insert into cmdb_hosts (sn, ip, hostname, idc, owner_id, app, source, external_id, extra)
select
  case when m and k = 2 then 'CM' || lpad(i::text, 8, '0')
       when m and k = 4 then 'SN' || lpad((i - 1)::text, 8, '0')
       when m and k = 6 then null
       else 'SN' || lpad(i::text, 8, '0') end,
  case when m and k = 2 then '11.' || ((i >> 16) & 255) || '.' || ((i >> 8) & 255) || '.' || (i & 255)
       else '10.' || ((i >> 16) & 255) || '.' || ((i >> 8) & 255) || '.' || (i & 255) end,
  'host-' || i, 'idc-' || (i % 20), (select min(id) from owners) + i % 100, 'app-' || (i % 500), 'bench',
  'row:' || i,
  case when m and k = 6 then '{"snRaw": "To Be Filled By O.E.M.", "snInvalid": "placeholder"}'::jsonb else '{}'::jsonb end
from (select i, i % 50 = 0 as m, (i / 50) % 7 as k from generate_series(1, ${n}::int) i) g;

-- name: hosts
insert into hosts (sn, ip, hostname, idc, owner_id, facts, last_seen_at)
select
  case when m and k = 1 then 'NEW' || lpad(i::text, 8, '0') else 'SN' || lpad(i::text, 8, '0') end,
  case when m and k = 0 then '172.' || (16 + ((i >> 16) & 15)) || '.' || ((i >> 8) & 255) || '.' || (i & 255)
       when m and k = 5 then '10.' || (((i - 1) >> 16) & 255) || '.' || (((i - 1) >> 8) & 255) || '.' || ((i - 1) & 255)
       else '10.' || ((i >> 16) & 255) || '.' || ((i >> 8) & 255) || '.' || (i & 255) end,
  'host-' || i, 'idc-' || (i % 20), (select min(id) from owners) + i % 100,
  '{"specVersion": "v1", "sn": {"source": "dmi:product_serial", "specVersion": "v1"}, "ip": {"source": "default-route-ipv4", "specVersion": "v1"}}'::jsonb,
  case when m and k = 3 then now() - interval '3 days' else now() end
from (select i, i % 50 = 0 as m, (i / 50) % 7 as k from generate_series(1, ${n}::int) i) g;

-- name: expected
select k, count(*)::int as n from (select (i / 50) % 7 as k from generate_series(1, ${n}::int) i where i % 50 = 0) g group by k;

-- name: analyze
-- What autovacuum does to a table that has just been loaded: statistics and the visibility
-- map (which lets index-only scans skip the heap). Not timed.
vacuum analyze;

-- name: warm
select (select count(*) from hosts) + (select count(*) from cmdb_hosts) as n;

-- name: tune
select set_config('work_mem', ${workMem}, true);

-- name: bare-join
select count(*)::int as n from hosts h full outer join cmdb_hosts c on h.sn = c.sn;

-- name: no-hashjoin
-- For the reference bare join forced to a merge join (over the two tables' sn indexes).
select set_config('enable_hashjoin', 'off', true);

-- name: bare-join-sn-ip
select count(*)::int as n from hosts h full outer join cmdb_hosts c on h.sn = c.sn and h.ip = c.ip;

-- name: version
select version() as v;
