-- CMDB reconciliation, set-based, in one REPEATABLE READ transaction (one snapshot for every
-- statement); temp tables vanish at commit. A host is "live" when its agent was seen at or
-- after ${cutoff}. A SN pairs rows only when it is not null/empty, not a placeholder as
-- stored and unique on both sides. Nothing is loaded into the Node process.
--
-- Work per run: one statement reads the big tables (`join`: the hash full join of hosts and
-- CMDB, and beside it, in another parallel worker where Postgres has them, the CMDB's
-- repeated SNs and IPs and the agents' repeated IPs in index order). Every later statement
-- works on the few rows that are not clean matches, reaching into the big tables through
-- their indexes for those rows only.

-- name: lock
-- Runs serialise on this lock (it conflicts with itself only: reads and writes of findings go
-- on). LOCK takes no snapshot, so the run's snapshot is taken after the lock is held and sees
-- the previous run's findings.
lock table cmdb_findings in share update exclusive mode;

-- name: tune
-- For the `join` statement. Grouping in index order (GroupAggregate over an index-only scan)
-- is several times cheaper than hashing a million keys. The join stays one hash join: the
-- hosts are read from the heap (for last_seen_at), and sorting them for a merge join costs
-- what the hash does. JIT compiling, done again in every worker, costs more than it saves.
-- Parallel plans: the subqueries of `join` are independent, so each may run in its own
-- worker (a Parallel Append of whole subplans; free parallel setup, else the planner keeps
-- them in one process), but a big table is never split into a parallel scan (the minimum
-- sizes), which would only funnel its million rows through the leader into the join. The
-- leader only collects: with 2 cores, a third process running a subplan slows the join down.
select set_config('work_mem', ${workMem}, true), set_config('jit', 'off', true),
       set_config('enable_hashagg', 'off', true), set_config('enable_mergejoin', 'off', true),
       set_config('parallel_setup_cost', '0', true), set_config('parallel_tuple_cost', '0', true),
       set_config('min_parallel_table_scan_size', '1TB', true), set_config('min_parallel_index_scan_size', '1TB', true),
       set_config('parallel_leader_participation', 'off', true);

-- name: join
-- The one pass over the big tables, as a union of independent subqueries (`what` tells them
-- apart):
--   pair       the hash full join of hosts and CMDB on the SN, less its clean matches (paired,
--              live, same IP: only counted, as agents − kept agents). The CMDB side is one row
--              per SN (DISTINCT ON over the (sn, ip, id) index: the first of a repeated SN),
--              so an agent joins at most one row and nothing multiplies, whatever repeats on
--              either side. An empty SN joins nothing. A SN that must not pair (repeated on a
--              side, a placeholder) may pair here; `unpair` undoes that. The agent's finding
--              details are read in this pass, for the kept rows only.
--   nosn       CMDB rows without a SN (never paired), through the sn index.
--   cmdb-sn    the CMDB's repeated SNs and (cmdb-rows) its rows with a SN, in index order.
--   cmdb-ip    the CMDB's repeated IPs, likewise.
--   host-ip    the agents' repeated IPs and (host-rows) the number of agents, likewise.
--   *-form     placeholder SNs as stored (as written, upper- or lower-case), via the sn index.
-- The agents' repeated SNs are derived from these (`host-sns`) without another pass.
create temp table rc_row on commit drop as
select 'pair'::text as what, h.id as hid, h.sn as hsn, h.ip as hip, h.live, h.hostname, h.owner_id, h.last_seen_at,
       h.facts->'sn'->>'source' as sn_source, h.facts->'ip'->>'source' as ip_source, h.facts->>'specVersion' as spec_version,
       h.facts->'sn'->>'reason' as sn_reason, h.facts->'sn'->'rejected' as sn_rejected,
       c.id as cid, c.sn as csn, c.ip as cip, null::int as n
from (
  select id, sn, ip, hostname, owner_id, last_seen_at, facts, coalesce(last_seen_at >= ${cutoff}::timestamptz, false) as live
  from hosts
) h
full join (
  select distinct on (sn) sn, id, ip from cmdb_hosts where sn <> '' order by sn, ip, id
) c on nullif(h.sn, '') = c.sn
where not (h.id is not null and c.id is not null and h.live and h.ip is not distinct from c.ip)
union all
select 'nosn', null, null, null, null, null, null, null, null, null, null, null, null, id, sn, ip, null
from cmdb_hosts where sn is null or sn = ''
union all
select case when grouping(sn) = 1 then 'cmdb-rows' else 'cmdb-sn' end,
       null, null, null, null, null, null, null, null, null, null, null, null, null, sn, null, count(*)::int
from cmdb_hosts where sn <> '' group by rollup (sn) having grouping(sn) = 1 or count(*) > 1
union all
select 'cmdb-ip', null, null, null, null, null, null, null, null, null, null, null, null, null, null, ip, count(*)::int
from cmdb_hosts where ip <> '' group by ip having count(*) > 1
union all
select case when grouping(ip) = 1 then 'host-rows' else 'host-ip' end,
       null, null, ip, null, null, null, null, null, null, null, null, null, null, null, null, count(*)::int
from hosts group by rollup (ip) having grouping(ip) = 1 or (ip <> '' and count(*) > 1)
union all
select 'host-form', null, sn, null, null, null, null, null, null, null, null, null, null, null, null, null, count(*)::int
from hosts
where sn in (select f from jsonb_array_elements_text(${placeholders}::jsonb) as x, lateral (values (x), (lower(x)), (upper(x))) as v (f))
group by sn
union all
select 'cmdb-form', null, null, null, null, null, null, null, null, null, null, null, null, null, sn, null, count(*)::int
from cmdb_hosts
where sn in (select f from jsonb_array_elements_text(${placeholders}::jsonb) as x, lateral (values (x), (lower(x)), (upper(x))) as v (f))
group by sn;

-- name: tune-lookups
-- From here on every statement reads a few thousand rows of the big tables through their
-- indexes: the tables were just read, so a random page costs what a sequential one does, and
-- a scan of a whole big table is never the way (the planner, misjudging a temp table's size,
-- would hash a million rows to look up a few). Statistics of the temp tables come from a
-- small sample. (Set only now: the join must stay a hash join.)
select set_config('random_page_cost', '1.1', true), set_config('enable_seqscan', 'off', true),
       set_config('default_statistics_target', '10', true);

-- name: analyze
-- Statistics (sampled) of the kept rows, for the plans of the statements below.
analyze rc_row (what, hid, cid);

-- name: keys
-- The key values that need care, as (side, kind, value, n): kind `sn` (a repeated SN), `ip` (a
-- repeated IP), `form` (a placeholder as stored), `rows` (number of agents; of CMDB rows with a
-- SN). The agents' repeated SNs are added by `host-sns`.
create temp table rc_key on commit drop as
select case when what like 'host%' then 'host' else 'cmdb' end as side,
       case what when 'host-ip' then 'ip' when 'cmdb-ip' then 'ip' when 'host-rows' then 'rows' when 'cmdb-rows' then 'rows'
                 when 'cmdb-sn' then 'sn' else 'form' end as kind,
       coalesce(hsn, hip, csn, cip) as value, n
from rc_row where what not in ('pair', 'nosn');

-- name: dup-hosts
-- The agents holding a repeated IP, for their DUPLICATE_IP findings and for `host-sns`.
create temp table rc_dup_host on commit drop as
select h.id, h.sn, h.ip, h.hostname, h.owner_id, h.last_seen_at
from rc_key k join hosts h on h.ip = k.value
where k.side = 'host' and k.kind = 'ip';

-- name: analyze-keys
analyze rc_key, rc_dup_host;

-- name: host-sns
-- The agents' repeated SNs, without a pass over the agents. Agents sharing a SN all probed
-- the same CMDB row (one per SN), so either none was paired, and all are kept (counted here),
-- or all were paired with that one row. Whether any CMDB row was paired twice follows from
-- counts (`extra`: agents paired − CMDB rows paired, i.e. CMDB rows with a SN, less the
-- repeats DISTINCT ON dropped, less those kept unpaired). Only then are candidates counted
-- through the sn index: a kept paired agent's SN, or, where all of them were clean matches
-- (so all at the CMDB row's IP: a repeated agent IP), the SNs of agents holding such an IP.
with k as (
  select count(*) filter (where hid is not null and cid is null) as lone_hosts,
         count(*) filter (where hid is null and cid is not null) as lone_cmdb
  from rc_row where what = 'pair'
), e as (
  select ((select n from rc_key where side = 'host' and kind = 'rows') - k.lone_hosts)
       - ((select n from rc_key where side = 'cmdb' and kind = 'rows')
          - coalesce((select sum(n - 1) from rc_key where side = 'cmdb' and kind = 'sn'), 0) - k.lone_cmdb) as extra
  from k
)
insert into rc_key
select 'host', 'sn', hsn, count(*)::int
from rc_row where what = 'pair' and hid is not null and cid is null and hsn <> ''
group by hsn having count(*) > 1
union
select 'host', 'sn', v.sn, n.n
from (
  select hsn as sn from rc_row where what = 'pair' and hid is not null and cid is not null
  union
  select sn from rc_dup_host where sn <> ''
) v
cross join lateral (select count(*)::int as n from hosts h where h.sn = v.sn) n
where (select extra from e) > 0 and n.n > 1;

-- name: unpair
-- A SN that must not pair (repeated on either side, a placeholder as stored): every agent and
-- every CMDB row holding it becomes an unpaired kept row, whatever the join made of it. After
-- this, every agent not kept is paired one-to-one with a CMDB row holding its SN and its IP.
with bad as (
  select distinct value from rc_key where kind in ('sn', 'form')
), gone as (
  delete from rc_row r
  where r.what = 'pair' and (r.hsn in (select value from bad) or r.csn in (select value from bad))
), agents as (
  insert into rc_row (what, hid, hsn, hip, live, hostname, owner_id, last_seen_at, sn_source, ip_source, spec_version, sn_reason, sn_rejected)
  select 'pair', h.id, h.sn, h.ip, coalesce(h.last_seen_at >= ${cutoff}::timestamptz, false), h.hostname, h.owner_id, h.last_seen_at,
         h.facts->'sn'->>'source', h.facts->'ip'->>'source', h.facts->>'specVersion', h.facts->'sn'->>'reason', h.facts->'sn'->'rejected'
  from hosts h where h.sn in (select value from bad)
)
insert into rc_row (what, cid, csn, cip)
select 'pair', c.id, c.sn, c.ip from cmdb_hosts c where c.sn in (select value from bad);

-- name: findings
-- Every finding of the run in one INSERT, its diff state against the previous successful run
-- decided in the same statement (`open` when the previous run had the key, else `new`), the
-- previous run's findings that are gone copied as `resolved`; answers the counts and the clean
-- matches (agents − kept agents). The previous run's findings are read once, through the
-- run's index range, and matched by hash.
with pl as (
  -- Folded (lower-case) placeholder serials.
  select distinct lower(x) as v from jsonb_array_elements_text(${placeholders}::jsonb) as x
), prev as (
  select id from cmdb_reconcile_runs
  where status = 'succeeded' and id < ${runId}::bigint
  order by id desc limit 1
), pc as materialized (
  -- Kept paired rows: the agent is stale, or live at another IP.
  select * from rc_row where what = 'pair' and hid is not null and cid is not null
), co as materialized (
  -- Unpaired CMDB rows, with their key (the SN when it may pair) and whether a live agent holds
  -- their SN or their IP. An agent holding its SN is kept (the SN would have paired them
  -- otherwise); one holding its IP is kept, or a clean match whose CMDB row holds the IP too
  -- (then a repeated CMDB IP, or an empty one, which counts as no repeat: looked up).
  select r.cid, r.csn, r.cip,
         case when r.csn <> '' and r.csn not in (select value from rc_key where kind in ('sn', 'form')) then r.csn end as ck,
         coalesce(r.csn <> '' and r.csn in (select hsn from rc_row where what = 'pair' and hid is not null and live and hsn is not null), false)
           or coalesce(r.cip in (select hip from rc_row where what = 'pair' and hid is not null and live and hip is not null), false)
           or coalesce((r.cip = '' or r.cip in (select value from rc_key where side = 'cmdb' and kind = 'ip'))
               and exists (select 1 from hosts h where h.ip = r.cip and h.last_seen_at >= ${cutoff}::timestamptz), false) as agent_seen
  from rc_row r where r.what in ('pair', 'nosn') and r.hid is null
), u as materialized (
  -- Unpaired live agents, with their key and whether the CMDB knows their SN or their IP. A
  -- CMDB row holding its SN is kept; one holding its IP is kept, or a clean match whose agent
  -- holds the IP too (then a repeated agent IP, or an empty one: looked up).
  select r.*,
         case when r.hsn <> '' and r.hsn not in (select value from rc_key where kind in ('sn', 'form')) then r.hsn end as hk,
         coalesce(r.hsn <> '' and r.hsn in (select csn from rc_row where what in ('pair', 'nosn') and cid is not null and csn is not null), false)
           or coalesce(r.hip in (select cip from rc_row where what in ('pair', 'nosn') and cid is not null and cip is not null), false)
           or coalesce((r.hip = '' or r.hip in (select value from rc_key where side = 'host' and kind = 'ip'))
               and exists (select 1 from cmdb_hosts c where c.ip = r.hip), false) as cmdb_knows
  from rc_row r where r.what = 'pair' and r.hid is not null and r.cid is null and r.live
), f (kind, key, side, host_id, cmdb_host_id, host_sn, host_ip, cmdb_sn, cmdb_ip, hostname, owner_id, detail) as materialized (
  -- IP_MISMATCH: paired, live, different IP (a kept paired live agent differs in IP).
  select 'IP_MISMATCH', 'IP_MISMATCH:' || p.hid || ':' || p.cid, 'both',
         p.hid, p.cid, p.hsn, p.hip, p.csn, p.cip, coalesce(p.hostname, c.hostname), coalesce(c.owner_id, p.owner_id),
         jsonb_build_object('hostSnSource', p.sn_source, 'hostIpSource', p.ip_source,
           'specVersion', p.spec_version, 'lastSeenAt', p.last_seen_at,
           'cmdbSource', c.source, 'cmdbExternalId', c.external_id)
  from pc p join cmdb_hosts c on c.id = p.cid
  where p.live
  union all
  -- NO_AGENT: paired by SN, but the agent has not been seen within the window.
  select 'NO_AGENT', 'NO_AGENT:' || p.cid, 'cmdb',
         p.hid, p.cid, p.hsn, p.hip, p.csn, p.cip, coalesce(c.hostname, p.hostname), coalesce(c.owner_id, p.owner_id),
         jsonb_build_object('reason', 'agent not seen within the window', 'lastSeenAt', p.last_seen_at,
           'cmdbSource', c.source, 'cmdbExternalId', c.external_id)
  from pc p join cmdb_hosts c on c.id = p.cid
  where not p.live
  union all
  -- NO_AGENT: an unpaired CMDB row with no live agent holding its SN or its IP.
  select 'NO_AGENT', 'NO_AGENT:' || p.cid, 'cmdb',
         null, p.cid, null, null, p.csn, p.cip, c.hostname, c.owner_id,
         jsonb_build_object('reason', 'no agent reports this SN or IP', 'cmdbSource', c.source, 'cmdbExternalId', c.external_id)
  from co p join cmdb_hosts c on c.id = p.cid
  where not p.agent_seen
  union all
  -- MISSING_IN_CMDB: an unpaired live agent whose SN and IP are both unknown to the CMDB.
  select 'MISSING_IN_CMDB', 'MISSING_IN_CMDB:' || u.hid, 'host',
         u.hid, null, u.hsn, u.hip, null, null, u.hostname, u.owner_id,
         jsonb_build_object('hostSnSource', u.sn_source, 'hostIpSource', u.ip_source,
           'specVersion', u.spec_version, 'lastSeenAt', u.last_seen_at)
  from u
  where not u.cmdb_knows
  union all
  -- SN_MISMATCH: an unpaired live agent with a SN that may pair, at an IP (not empty, unique
  -- on both sides) held by an unpaired CMDB row whose SN may pair, is no placeholder and
  -- differs (so neither SN is known to the other side: it would have paired).
  select 'SN_MISMATCH', 'SN_MISMATCH:' || u.hid || ':' || u.cid, 'both',
         u.hid, u.cid, u.hsn, u.hip, u.csn, u.cip, coalesce(u.hostname, c.hostname), coalesce(c.owner_id, u.owner_id),
         jsonb_build_object('hostSnSource', u.sn_source, 'hostIpSource', u.ip_source,
           'specVersion', u.spec_version, 'lastSeenAt', u.last_seen_at,
           'cmdbSource', c.source, 'cmdbExternalId', c.external_id)
  from (
    select u.hid, u.hsn, u.hip, u.hostname, u.owner_id, u.last_seen_at, u.sn_source, u.ip_source, u.spec_version,
           a.cid, a.csn, a.cip
    from u join co a on a.cip = u.hip
    where u.hk is not null and u.hip <> ''
      and u.hip not in (select value from rc_key where kind = 'ip')
      and a.ck is not null and a.ck <> u.hk
      and lower(a.ck) not in (select v from pl)
  ) u
  -- The CMDB row's details for the pairs found (LIMIT keeps it a lookup per pair).
  cross join lateral (select c.hostname, c.owner_id, c.source, c.external_id from cmdb_hosts c where c.id = u.cid limit 1) c
  union all
  -- INVALID_SN: a live agent without a valid SN.
  select 'INVALID_SN', 'INVALID_SN:host:' || u.hid, 'host',
         u.hid, null, u.hsn, u.hip, null, null, u.hostname, u.owner_id,
         jsonb_build_object('reason', coalesce(u.sn_reason, 'placeholder'),
           'rejected', u.sn_rejected, 'specVersion', u.spec_version, 'lastSeenAt', u.last_seen_at)
  from u
  where u.hk is null and (coalesce(u.hsn, '') = '' or lower(u.hsn) in (select v from pl))
  union all
  -- INVALID_SN: a CMDB row without a valid SN.
  select 'INVALID_SN', 'INVALID_SN:cmdb:' || p.cid, 'cmdb',
         null, p.cid, null, null, p.csn, p.cip, c.hostname, c.owner_id,
         jsonb_build_object('reason', coalesce(c.extra->>'snInvalid', case when coalesce(c.sn, '') = '' then 'empty' else 'placeholder' end),
           'raw', coalesce(c.extra->>'snRaw', c.sn), 'cmdbSource', c.source, 'cmdbExternalId', c.external_id)
  from co p join cmdb_hosts c on c.id = p.cid
  where p.ck is null and (coalesce(p.csn, '') = '' or lower(p.csn) in (select v from pl))
  union all
  -- DUPLICATE_SN / DUPLICATE_IP in the CMDB: one finding per repeated value (a repeated
  -- placeholder is an invalid SN, not a duplicate).
  select x.fkind, x.fkind || ':cmdb:' || x.value, 'cmdb',
         null, min(x.id), null, null,
         case x.kind when 'sn' then x.value end, case x.kind when 'ip' then x.value end,
         min(x.hostname), min(x.owner_id),
         jsonb_build_object('count', x.n, 'cmdbHostIds', jsonb_agg(x.id order by x.id),
           'hostnames', jsonb_agg(x.hostname order by x.id))
  from (
    select k.kind, 'DUPLICATE_SN' as fkind, k.value, k.n, c.id, c.hostname, c.owner_id
    from rc_key k join cmdb_hosts c on c.sn = k.value
    where k.side = 'cmdb' and k.kind = 'sn' and lower(k.value) not in (select v from pl)
    union all
    select k.kind, 'DUPLICATE_IP', k.value, k.n, c.id, c.hostname, c.owner_id
    from rc_key k join cmdb_hosts c on c.ip = k.value
    where k.side = 'cmdb' and k.kind = 'ip'
  ) x
  group by x.kind, x.fkind, x.value, x.n
  union all
  -- DUPLICATE_SN / DUPLICATE_IP among agents (stale ones included).
  select x.fkind, x.fkind || ':host:' || x.value, 'host',
         min(x.id), null,
         case x.kind when 'sn' then x.value end, case x.kind when 'ip' then x.value end, null, null,
         min(x.hostname), min(x.owner_id),
         jsonb_build_object('count', x.n, 'hostIds', jsonb_agg(x.id order by x.id),
           'hostnames', jsonb_agg(x.hostname order by x.id), 'lastSeenAt', jsonb_agg(x.last_seen_at order by x.id))
  from (
    select k.kind, 'DUPLICATE_SN' as fkind, k.value, k.n, r.hid as id, r.hostname, r.owner_id, r.last_seen_at
    from rc_key k join rc_row r on r.what = 'pair' and r.hid is not null and r.hsn = k.value
    where k.side = 'host' and k.kind = 'sn' and lower(k.value) not in (select v from pl)
    union all
    select k.kind, 'DUPLICATE_IP', k.value, k.n, d.id, d.hostname, d.owner_id, d.last_seen_at
    from rc_key k join rc_dup_host d on d.ip = k.value
    where k.side = 'host' and k.kind = 'ip'
  ) x
  group by x.kind, x.fkind, x.value, x.n
), o as materialized (
  -- The previous successful run's findings that were not resolved there.
  select o.kind, o.key, o.side, o.host_id, o.cmdb_host_id, o.host_sn, o.host_ip, o.cmdb_sn, o.cmdb_ip, o.hostname,
         o.owner_id, o.detail, o.run_id
  from cmdb_findings o
  where o.run_id = (select id from prev) and o.state <> 'resolved'
), ins as (
  insert into cmdb_findings (run_id, kind, key, state, side, host_id, cmdb_host_id, host_sn, host_ip, cmdb_sn, cmdb_ip, hostname, owner_id, detail)
  select ${runId}::bigint, f.kind, f.key, case when f.key in (select key from o) then 'open' else 'new' end,
         f.side, f.host_id, f.cmdb_host_id, f.host_sn, f.host_ip, f.cmdb_sn, f.cmdb_ip, f.hostname, f.owner_id, f.detail
  from f
  union all
  select ${runId}::bigint, o.kind, o.key, 'resolved', o.side, o.host_id, o.cmdb_host_id, o.host_sn, o.host_ip,
         o.cmdb_sn, o.cmdb_ip, o.hostname, o.owner_id, o.detail || jsonb_build_object('resolvedSinceRun', o.run_id)
  from o
  where o.key not in (select key from f)
  returning kind, state
)
select (select id from prev) as "prevId",
       (select ((select n from rc_key where side = 'host' and kind = 'rows') - count(distinct hid))::int from rc_row where what = 'pair') as matches,
       coalesce((select jsonb_agg(jsonb_build_object('kind', kind, 'state', state, 'n', n))
                 from (select kind, state, count(*)::int as n from ins group by kind, state) c), '[]'::jsonb) as counts;
