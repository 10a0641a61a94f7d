-- CMDB reconciliation, set-based, in one REPEATABLE READ transaction (one snapshot for every
-- statement); temp tables vanish at commit. A host is "live" when its agent was seen at or
-- after ${cutoff}. A SN pairs rows only when it is not null/empty, not a placeholder and
-- unique on both sides. Nothing is loaded into the Node process: findings are written by SQL.
--
-- Work per run: three index-ordered passes for duplicates (agents' SNs, CMDB SNs, CMDB IPs),
-- one hash full join of the two tables, then statements over the few rows that are not clean
-- matches (agents' duplicate IPs among them, see host-ips).

-- name: lock
-- Runs serialise on this lock (it conflicts with itself only: reads and writes of findings go
-- on). LOCK takes no snapshot, so the run's snapshot is taken after the lock is held and sees
-- the previous run's findings.
lock table cmdb_findings in share update exclusive mode;

-- name: tune
-- For this transaction only: grouping in index order (GroupAggregate over the sn/ip indexes)
-- is several times cheaper than hashing a million keys; the three passes of `keys` are
-- independent, so Postgres may run them in parallel workers (free parallel setup: the planner
-- would otherwise keep them in one process; the other statements write and stay serial); the
-- join's key has an expression without statistics, on which the planner would sort both
-- tables for a merge join where one hash join is twice as fast; and JIT compiling these
-- statements costs seconds and saves nothing.
select set_config('work_mem', ${workMem}, true), set_config('jit', 'off', true),
       set_config('enable_hashagg', 'off', true), set_config('enable_mergejoin', 'off', true),
       set_config('parallel_setup_cost', '0', true), set_config('parallel_tuple_cost', '0', true);

-- name: keys
-- The few key values that need care, per side: duplicated SNs ('sn') and IPs ('ip'),
-- placeholder SNs as stored ('form': as written, upper- or lower-case, looked up through the
-- sn index), and the number of CMDB rows ('rows', value NULL, from the same pass as the
-- CMDB's IP groups). A duplicated or placeholder SN never pairs rows. The agents' duplicate
-- IPs are added by host-ips, after the join.
create temp table rc_key on commit drop as
select 'host'::text as side, 'sn'::text as kind, sn as value, count(*)::int as n
from hosts where sn <> '' group by sn having count(*) > 1
union all
select 'cmdb', 'sn', sn, count(*)::int from cmdb_hosts where sn <> '' group by sn having count(*) > 1
union all
select 'cmdb', case when grouping(ip) = 1 then 'rows' else 'ip' end, ip, count(*)::int
from cmdb_hosts group by rollup (ip) having grouping(ip) = 1 or (ip <> '' and count(*) > 1)
union all
select 'host', 'form', sn, count(*)::int from hosts
where sn in (select f from jsonb_array_elements_text(${placeholders}::jsonb) as x, lateral (values (x), (lower(x)), (upper(x))) as v (f))
group by sn
union all
select 'cmdb', 'form', sn, count(*)::int from cmdb_hosts
where sn in (select f from jsonb_array_elements_text(${placeholders}::jsonb) as x, lateral (values (x), (lower(x)), (upper(x))) as v (f))
group by sn;

-- name: pairs
-- A kept row: the host side with what its findings report (read in the join's pass, for the
-- kept rows only) and the CMDB side's identity (its details are looked up by id: carrying
-- them through the join's hash table would cost more than the lookups).
create temp table rc_pair (
  hid bigint, hsn text, hip text, live boolean,
  hostname text, owner_id bigint, last_seen_at timestamptz, sn_source text, ip_source text,
  spec_version text, sn_reason text, sn_rejected jsonb,
  cid bigint, csn text, cip text
) on commit drop;

-- name: join
-- The one big join: hosts full-join CMDB on the pairing key. Clean matches (paired, live,
-- same IP) are only counted; every other row goes to rc_pair: paired rows with a finding, and
-- every unpaired host or CMDB row once. The key is (SN, t): an agent's t is 0 when its SN
-- pairs rows and minus its id when the SN is NULL, empty, a placeholder or duplicated on
-- either side; a CMDB row's t is 0, or its id when the SN is NULL or empty. So an agent whose
-- SN must not pair joins nothing, and a CMDB row whose SN must not pair finds no agent with
-- t = 0 holding it: nothing joins twice. Rows without a SN spread over the hash table by
-- their id (a full hash join puts NULL keys in one bucket, quadratic in the number of such
-- rows). Each CMDB row is in exactly one join row, so MATCH = CMDB rows - CMDB rows kept.
with bad as (
  select value from rc_key where kind in ('sn', 'form')
), kept as (
  insert into rc_pair
  select h.id, h.sn, h.ip, h.live, h.hostname, h.owner_id, h.last_seen_at, h.facts->'sn'->>'source',
         h.facts->'ip'->>'source', h.facts->>'specVersion', h.facts->'sn'->>'reason', h.facts->'sn'->'rejected',
         c.id, c.sn, c.ip
  from (
    select id, sn, ip, hostname, owner_id, last_seen_at, facts, coalesce(last_seen_at >= ${cutoff}::timestamptz, false) as live,
           case when sn <> '' and sn not in (select value from bad) then 0 else -id end as t
    from hosts
  ) h
  full join (
    select id, sn, ip, case when sn <> '' then 0 else id end as t
    from cmdb_hosts
  ) c on h.sn = c.sn and h.t = c.t
  where not (h.id is not null and c.id is not null and h.live and h.ip is not distinct from c.ip)
  returning cid
)
select ((select n from rc_key where kind = 'rows') - count(cid))::int as matches, count(*)::int as kept from kept;

-- name: host-ips
-- The agents' duplicate IPs without a pass over all agents: every agent not kept is paired
-- one-to-one with a CMDB row holding its IP, so an IP held by two agents is either held by
-- two CMDB rows (a CMDB duplicate) or held by a kept agent. Those candidates are counted
-- through the ip index.
insert into rc_key
select 'host', 'ip', v.ip, n.n
from (
  select value as ip from rc_key where side = 'cmdb' and kind = 'ip'
  union
  select hip from rc_pair where hid is not null and hip <> ''
) v
cross join lateral (select count(*)::int as n from hosts h where h.ip = v.ip) n
where n.n > 1;

-- name: analyze
-- Statistics for the findings statement's plan (of the columns its conditions read).
analyze rc_key, rc_pair (hid, hsn, hip, live, cid, csn, cip);

-- name: tune-lookups
-- The tables were just read, so for the findings a random page costs what a sequential one
-- does; at the default cost the planner hashes both whole tables to look up a few thousand
-- rows instead of going through the primary keys. (Set only now: the join must stay a hash
-- join, which this setting would turn into a merge join over two sorts.)
select set_config('random_page_cost', '1.1', true);

-- name: findings
-- Every finding of the run in one INSERT, its diff state against the previous successful run
-- decided in the same statement (`open` when the previous run had the key, else `new`), the
-- previous run's findings that are gone copied as `resolved`; answers the counts.
with pl as (
  -- Folded (lower-case) placeholder serials.
  select distinct lower(x) as v from jsonb_array_elements_text(${placeholders}::jsonb) as x
), prev as (
  select id from cmdb_reconcile_runs
  where status = 'succeeded' and id < ${runId}::bigint
  order by id desc limit 1
), p as (
  -- Rows kept by the join, with each side's key: the SN when valid and unique on its side.
  select p.*,
    case when p.hsn <> '' and p.hsn not in (select value from rc_key where side = 'host' and kind in ('sn', 'form'))
         then p.hsn end as hk,
    case when p.csn <> '' and p.csn not in (select value from rc_key where side = 'cmdb' and kind in ('sn', 'form'))
         then p.csn end as ck
  from rc_pair p
), hu as (
  -- Unpaired live agents, each with a CMDB row holding its IP (one is enough: when two hold
  -- it, the IP is a CMDB duplicate and makes no SN_MISMATCH).
  select p.*, c.id as at_id, c.sn as at_sn, c.ip as at_ip, c.hostname as at_hostname, c.owner_id as at_owner_id,
         c.source as at_source, c.external_id as at_external_id
  from p left join lateral (select * from cmdb_hosts c where c.ip = p.hip limit 1) c on true
  where p.hid is not null and p.cid is null and p.live
), f (kind, key, side, host_id, cmdb_host_id, host_sn, host_ip, cmdb_sn, cmdb_ip, hostname, owner_id, detail) as materialized (
  -- IP_MISMATCH: paired, live, different IP.
  select 'IP_MISMATCH', 'IP_MISMATCH:' || p.hid || ':' || p.cid, 'both',
         p.hid, p.cid, p.hsn, p.hip, p.csn, p.cip, coalesce(p.hostname, c.hostname), coalesce(c.owner_id, p.owner_id),
         jsonb_build_object('hostSnSource', p.sn_source, 'hostIpSource', p.ip_source,
           'specVersion', p.spec_version, 'lastSeenAt', p.last_seen_at,
           'cmdbSource', c.source, 'cmdbExternalId', c.external_id)
  from p join cmdb_hosts c on c.id = p.cid
  where p.hid is not null and p.cid is not null and p.live
  union all
  -- NO_AGENT: paired by SN, but the agent has not been seen within the window.
  select 'NO_AGENT', 'NO_AGENT:' || p.cid, 'cmdb',
         p.hid, p.cid, p.hsn, p.hip, p.csn, p.cip, coalesce(c.hostname, p.hostname), coalesce(c.owner_id, p.owner_id),
         jsonb_build_object('reason', 'agent not seen within the window', 'lastSeenAt', p.last_seen_at,
           'cmdbSource', c.source, 'cmdbExternalId', c.external_id)
  from p join cmdb_hosts c on c.id = p.cid
  where p.hid is not null and p.cid is not null and not p.live
  union all
  -- NO_AGENT: an unpaired CMDB row with no live agent holding its SN or its IP.
  select 'NO_AGENT', 'NO_AGENT:' || p.cid, 'cmdb',
         null, p.cid, null, null, p.csn, p.cip, c.hostname, c.owner_id,
         jsonb_build_object('reason', 'no agent reports this SN or IP', 'cmdbSource', c.source, 'cmdbExternalId', c.external_id)
  from p join cmdb_hosts c on c.id = p.cid
  where p.hid is null
    and not exists (select 1 from hosts h where p.csn <> '' and h.sn = p.csn and h.last_seen_at >= ${cutoff}::timestamptz)
    and not exists (select 1 from hosts h where h.ip = p.cip and h.last_seen_at >= ${cutoff}::timestamptz)
  union all
  -- MISSING_IN_CMDB: an unpaired live agent whose SN and IP are both unknown to the CMDB.
  select 'MISSING_IN_CMDB', 'MISSING_IN_CMDB:' || u.hid, 'host',
         u.hid, null, u.hsn, u.hip, null, null, u.hostname, u.owner_id,
         jsonb_build_object('hostSnSource', u.sn_source, 'hostIpSource', u.ip_source,
           'specVersion', u.spec_version, 'lastSeenAt', u.last_seen_at)
  from hu u
  where u.at_id is null
    and not exists (select 1 from cmdb_hosts c where u.hsn <> '' and c.sn = u.hsn)
  union all
  -- SN_MISMATCH: an unpaired live agent with a valid unique SN, at an IP (not empty) held by
  -- one CMDB row (unique on both sides) whose valid unique SN no agent reports.
  select 'SN_MISMATCH', 'SN_MISMATCH:' || u.hid || ':' || u.at_id, 'both',
         u.hid, u.at_id, u.hsn, u.hip, u.at_sn, u.at_ip, coalesce(u.hostname, u.at_hostname), coalesce(u.at_owner_id, u.owner_id),
         jsonb_build_object('hostSnSource', u.sn_source, 'hostIpSource', u.ip_source,
           'specVersion', u.spec_version, 'lastSeenAt', u.last_seen_at,
           'cmdbSource', u.at_source, 'cmdbExternalId', u.at_external_id)
  from hu u
  where u.hk is not null and u.hip <> ''
    and u.at_sn <> '' and u.at_sn <> u.hsn
    and not exists (select 1 from pl where pl.v = lower(u.at_sn))
    and u.at_sn not in (select value from rc_key where side = 'cmdb' and kind = 'sn')
    and u.hip not in (select value from rc_key where kind = 'ip')
    and not exists (select 1 from hosts h2 where h2.sn = u.at_sn)
  union all
  -- INVALID_SN: a live agent without a valid SN.
  select 'INVALID_SN', 'INVALID_SN:host:' || p.hid, 'host',
         p.hid, null, p.hsn, p.hip, null, null, p.hostname, p.owner_id,
         jsonb_build_object('reason', coalesce(p.sn_reason, 'placeholder'),
           'rejected', p.sn_rejected, 'specVersion', p.spec_version, 'lastSeenAt', p.last_seen_at)
  from p
  where p.hid is not null and p.cid is null and p.live and p.hk is null
    and (coalesce(p.hsn, '') = '' or exists (select 1 from pl where pl.v = lower(p.hsn)))
  union all
  -- INVALID_SN: a CMDB row without a valid SN.
  select 'INVALID_SN', 'INVALID_SN:cmdb:' || p.cid, 'cmdb',
         null, p.cid, null, null, p.csn, p.cip, c.hostname, c.owner_id,
         jsonb_build_object('reason', coalesce(c.extra->>'snInvalid', case when coalesce(c.sn, '') = '' then 'empty' else 'placeholder' end),
           'raw', coalesce(c.extra->>'snRaw', c.sn), 'cmdbSource', c.source, 'cmdbExternalId', c.external_id)
  from p join cmdb_hosts c on c.id = p.cid
  where p.hid is null and p.ck is null
    and (coalesce(p.csn, '') = '' or exists (select 1 from pl where pl.v = lower(p.csn)))
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
    where k.side = 'cmdb' and k.kind = 'sn' and not exists (select 1 from pl where pl.v = lower(k.value))
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
    select k.kind, 'DUPLICATE_SN' as fkind, k.value, k.n, h.id, h.hostname, h.owner_id, h.last_seen_at
    from rc_key k join hosts h on h.sn = k.value
    where k.side = 'host' and k.kind = 'sn' and not exists (select 1 from pl where pl.v = lower(k.value))
    union all
    select k.kind, 'DUPLICATE_IP', k.value, k.n, h.id, h.hostname, h.owner_id, h.last_seen_at
    from rc_key k join hosts h on h.ip = k.value
    where k.side = 'host' and k.kind = 'ip'
  ) x
  group by x.kind, x.fkind, x.value, x.n
), ins as (
  insert into cmdb_findings (run_id, kind, key, state, side, host_id, cmdb_host_id, host_sn, host_ip, cmdb_sn, cmdb_ip, hostname, owner_id, detail)
  select ${runId}::bigint, f.kind, f.key,
         case when exists (select 1 from cmdb_findings o where o.run_id = (select id from prev) and o.key = f.key and o.state <> 'resolved')
              then 'open' else 'new' end,
         f.side, f.host_id, f.cmdb_host_id, f.host_sn, f.host_ip, f.cmdb_sn, f.cmdb_ip, f.hostname, f.owner_id, f.detail
  from f
  union all
  select ${runId}::bigint, o.kind, o.key, 'resolved', o.side, o.host_id, o.cmdb_host_id, o.host_sn, o.host_ip,
         o.cmdb_sn, o.cmdb_ip, o.hostname, o.owner_id, o.detail || jsonb_build_object('resolvedSinceRun', o.run_id)
  from cmdb_findings o
  where o.run_id = (select id from prev) and o.state <> 'resolved'
    and not exists (select 1 from f where f.key = o.key)
  returning kind, state
)
select (select id from prev) as "prevId",
       coalesce((select jsonb_agg(jsonb_build_object('kind', kind, 'state', state, 'n', n))
                 from (select kind, state, count(*)::int as n from ins group by kind, state) c), '[]'::jsonb) as counts;
