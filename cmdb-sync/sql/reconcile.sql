-- CMDB reconciliation, set-based. Runs in one transaction; temp tables vanish at commit.
-- A host is "live" when its agent was seen at or after ${cutoff}. A SN is "valid" when it is
-- not null/empty and not in the placeholder list; only valid, non-duplicate SNs pair rows.
-- Findings are inserted straight from SQL; nothing is loaded into the Node process.

-- name: lock
select pg_advisory_xact_lock(hashtext('starling.cmdb.reconcile'));

-- name: tune
-- The follow-up statements' row estimates are poor (temp tables, CASE keys); JIT compiling
-- them costs seconds and saves nothing, so it is off for this transaction.
select set_config('work_mem', ${workMem}, true), set_config('jit', 'off', true);

-- name: placeholders
-- Folded (lower-case) placeholder serials, for the small follow-up checks.
create temp table rc_placeholder on commit drop as
select distinct lower(x) as v from jsonb_array_elements_text(${placeholders}::jsonb) as x;

-- name: placeholder-forms
-- The forms a placeholder may be stored in (as written, upper-case as normalised, lower-case),
-- looked up through the sn indexes instead of folding every row.
create temp table rc_placeholder_form on commit drop as
select v from rc_placeholder union select upper(v) from rc_placeholder
union select x from jsonb_array_elements_text(${placeholders}::jsonb) as x;

-- name: analyze-placeholders
analyze rc_placeholder;

-- name: analyze-placeholder-forms
analyze rc_placeholder_form;

-- name: duplicates
create temp table rc_dup (side text, kind text, value text, n int) on commit drop;

-- name: sorted-groups
-- Grouping in index order (GroupAggregate over the sn/ip indexes) is several times cheaper
-- than hashing a million keys; the planner falls back to a sort when the index cannot serve.
select set_config('enable_hashagg', 'off', true);

-- name: dup-cmdb-sn
insert into rc_dup select 'cmdb', 'sn', sn, count(*)::int from cmdb_hosts
where sn is not null and sn <> '' group by sn having count(*) > 1;

-- name: dup-cmdb-ip
insert into rc_dup select 'cmdb', 'ip', ip, count(*)::int from cmdb_hosts
where ip is not null and ip <> '' group by ip having count(*) > 1;

-- name: dup-host-sn
insert into rc_dup select 'host', 'sn', sn, count(*)::int from hosts
where sn is not null and sn <> '' group by sn having count(*) > 1;

-- name: dup-host-ip
insert into rc_dup select 'host', 'ip', ip, count(*)::int from hosts
where ip is not null and ip <> '' group by ip having count(*) > 1;

-- name: hashed-groups
select set_config('enable_hashagg', 'on', true);

-- name: dup-not-placeholder
-- A repeated placeholder is an invalid SN, not a duplicate.
delete from rc_dup where kind = 'sn' and lower(value) in (select v from rc_placeholder);

-- name: bad-sn
-- Serials that never pair rows: duplicated on their side, or placeholders.
create temp table rc_bad on commit drop as
select side, value from rc_dup where kind = 'sn'
union
select 'host', sn from hosts where sn in (select v from rc_placeholder_form)
union
select 'cmdb', sn from cmdb_hosts where sn in (select v from rc_placeholder_form);

-- name: analyze-dup
analyze rc_dup;

-- name: analyze-bad
analyze rc_bad;

-- name: pairs
-- The one big join: hosts full-join CMDB on the pairing key. Matching live pairs are only
-- counted; everything else (mismatches, stale agents, one-sided rows) goes to rc_pair.
create temp table rc_pair (
  hid bigint, hsn text, hip text, hk text, live boolean,
  cid bigint, csn text, cip text, ck text
) on commit drop;

-- name: join
-- Joined on the raw serial so the planner can use the column statistics (a hash full join);
-- a join row only counts as a pair when the serial is valid and unique on both sides, and
-- the rows of any other join row are kept one-sided (distinct, as a duplicate joins twice).
with h as (
  select h.id, h.sn, h.ip, coalesce(h.last_seen_at >= ${cutoff}::timestamptz, false) as live,
         case when h.sn = '' or b.value is not null then null else h.sn end as k
  from hosts h
  left join rc_bad b on b.side = 'host' and b.value = h.sn
), c as (
  select c.id, c.sn, c.ip,
         case when c.sn = '' or b.value is not null then null else c.sn end as k
  from cmdb_hosts c
  left join rc_bad b on b.side = 'cmdb' and b.value = c.sn
), j as (
  select h.id as hid, h.sn as hsn, h.ip as hip, h.k as hk, h.live,
         c.id as cid, c.sn as csn, c.ip as cip, c.k as ck,
         (h.k is not null and c.k is not null) as paired
  from h full join c on h.sn = c.sn
), kept as (
  insert into rc_pair
  select hid, hsn, hip, hk, live, cid, csn, cip, ck from j
  where paired and not (live and hip is not distinct from cip)
  union all
  select distinct hid, hsn, hip, hk, live, null::bigint, null::text, null::text, null::text from j
  where not paired and hid is not null
  union all
  select distinct null::bigint, null::text, null::text, null::text, null::boolean, cid, csn, cip, ck from j
  where not paired and cid is not null
  returning 1
)
select (select count(*) from j where paired and live and hip is not distinct from cip)::int as matches,
       (select count(*) from kept)::int as kept;

-- name: analyze-pairs
analyze rc_pair;

-- name: ip-mismatch
insert into cmdb_findings (run_id, kind, key, state, side, host_id, cmdb_host_id, host_sn, host_ip, cmdb_sn, cmdb_ip, hostname, owner_id, detail)
select ${runId}::bigint, 'IP_MISMATCH', 'IP_MISMATCH:' || p.hid || ':' || p.cid, 'new', 'both',
       p.hid, p.cid, p.hsn, p.hip, p.csn, p.cip, coalesce(h.hostname, c.hostname), coalesce(c.owner_id, h.owner_id),
       jsonb_build_object('hostSnSource', h.facts->'sn'->>'source', 'hostIpSource', h.facts->'ip'->>'source',
         'specVersion', h.facts->>'specVersion', 'lastSeenAt', h.last_seen_at,
         'cmdbSource', c.source, 'cmdbExternalId', c.external_id)
from rc_pair p join hosts h on h.id = p.hid join cmdb_hosts c on c.id = p.cid
where p.hk is not null and p.ck is not null and p.live;

-- name: no-agent-stale
-- Paired by SN, but the agent has not been seen within the window.
insert into cmdb_findings (run_id, kind, key, state, side, host_id, cmdb_host_id, host_sn, host_ip, cmdb_sn, cmdb_ip, hostname, owner_id, detail)
select ${runId}::bigint, 'NO_AGENT', 'NO_AGENT:' || p.cid, 'new', 'cmdb',
       p.hid, p.cid, p.hsn, p.hip, p.csn, p.cip, coalesce(c.hostname, h.hostname), coalesce(c.owner_id, h.owner_id),
       jsonb_build_object('reason', 'agent not seen within the window', 'lastSeenAt', h.last_seen_at,
         'cmdbSource', c.source, 'cmdbExternalId', c.external_id)
from rc_pair p join hosts h on h.id = p.hid join cmdb_hosts c on c.id = p.cid
where p.hk is not null and p.ck is not null and not p.live;

-- name: no-agent-unpaired
-- CMDB rows with no live agent holding their SN or their IP.
insert into cmdb_findings (run_id, kind, key, state, side, host_id, cmdb_host_id, host_sn, host_ip, cmdb_sn, cmdb_ip, hostname, owner_id, detail)
select ${runId}::bigint, 'NO_AGENT', 'NO_AGENT:' || p.cid, 'new', 'cmdb',
       null, p.cid, null, null, p.csn, p.cip, c.hostname, c.owner_id,
       jsonb_build_object('reason', 'no agent reports this SN or IP', 'cmdbSource', c.source, 'cmdbExternalId', c.external_id)
from rc_pair p join cmdb_hosts c on c.id = p.cid
where p.hid is null
  and not exists (select 1 from hosts h where p.csn is not null and p.csn <> '' and h.sn = p.csn
                  and h.last_seen_at >= ${cutoff}::timestamptz)
  and not exists (select 1 from hosts h where p.cip is not null and h.ip = p.cip
                  and h.last_seen_at >= ${cutoff}::timestamptz);

-- name: missing-in-cmdb
-- Live agents whose SN and IP are both unknown to the CMDB.
insert into cmdb_findings (run_id, kind, key, state, side, host_id, cmdb_host_id, host_sn, host_ip, cmdb_sn, cmdb_ip, hostname, owner_id, detail)
select ${runId}::bigint, 'MISSING_IN_CMDB', 'MISSING_IN_CMDB:' || p.hid, 'new', 'host',
       p.hid, null, p.hsn, p.hip, null, null, h.hostname, h.owner_id,
       jsonb_build_object('hostSnSource', h.facts->'sn'->>'source', 'hostIpSource', h.facts->'ip'->>'source',
         'specVersion', h.facts->>'specVersion', 'lastSeenAt', h.last_seen_at)
from rc_pair p join hosts h on h.id = p.hid
where p.cid is null and p.live
  and not exists (select 1 from cmdb_hosts c where p.hsn is not null and p.hsn <> '' and c.sn = p.hsn)
  and not exists (select 1 from cmdb_hosts c where p.hip is not null and c.ip = p.hip);

-- name: sn-mismatch
-- Same IP on both sides (unique on each), both SNs valid and unique, and neither SN known to
-- the other side: the machine at that IP is not the one the CMDB names.
insert into cmdb_findings (run_id, kind, key, state, side, host_id, cmdb_host_id, host_sn, host_ip, cmdb_sn, cmdb_ip, hostname, owner_id, detail)
select ${runId}::bigint, 'SN_MISMATCH', 'SN_MISMATCH:' || p.hid || ':' || c.id, 'new', 'both',
       p.hid, c.id, p.hsn, p.hip, c.sn, c.ip, coalesce(h.hostname, c.hostname), coalesce(c.owner_id, h.owner_id),
       jsonb_build_object('hostSnSource', h.facts->'sn'->>'source', 'hostIpSource', h.facts->'ip'->>'source',
         'specVersion', h.facts->>'specVersion', 'lastSeenAt', h.last_seen_at,
         'cmdbSource', c.source, 'cmdbExternalId', c.external_id)
from rc_pair p
join hosts h on h.id = p.hid
join cmdb_hosts c on c.ip = p.hip
where p.cid is null and p.live and p.hk is not null
  and c.sn is not null and c.sn <> '' and c.sn <> p.hsn
  and not exists (select 1 from rc_placeholder x where x.v = lower(c.sn))
  and not exists (select 1 from rc_dup d where d.side = 'cmdb' and d.kind = 'sn' and d.value = c.sn)
  and not exists (select 1 from rc_dup d where d.kind = 'ip' and d.value = p.hip)
  and not exists (select 1 from hosts h2 where h2.sn = c.sn);

-- name: invalid-sn-host
insert into cmdb_findings (run_id, kind, key, state, side, host_id, cmdb_host_id, host_sn, host_ip, cmdb_sn, cmdb_ip, hostname, owner_id, detail)
select ${runId}::bigint, 'INVALID_SN', 'INVALID_SN:host:' || p.hid, 'new', 'host',
       p.hid, null, p.hsn, p.hip, null, null, h.hostname, h.owner_id,
       jsonb_build_object('reason', coalesce(h.facts->'sn'->>'reason', 'placeholder'),
         'rejected', h.facts->'sn'->'rejected', 'specVersion', h.facts->>'specVersion', 'lastSeenAt', h.last_seen_at)
from rc_pair p join hosts h on h.id = p.hid
where p.cid is null and p.live and p.hk is null
  and (p.hsn is null or p.hsn = '' or exists (select 1 from rc_placeholder x where x.v = lower(p.hsn)));

-- name: invalid-sn-cmdb
insert into cmdb_findings (run_id, kind, key, state, side, host_id, cmdb_host_id, host_sn, host_ip, cmdb_sn, cmdb_ip, hostname, owner_id, detail)
select ${runId}::bigint, 'INVALID_SN', 'INVALID_SN:cmdb:' || p.cid, 'new', 'cmdb',
       null, p.cid, null, null, p.csn, p.cip, c.hostname, c.owner_id,
       jsonb_build_object('reason', coalesce(c.extra->>'snInvalid', case when coalesce(c.sn, '') = '' then 'empty' else 'placeholder' end),
         'raw', coalesce(c.extra->>'snRaw', c.sn), 'cmdbSource', c.source, 'cmdbExternalId', c.external_id)
from rc_pair p join cmdb_hosts c on c.id = p.cid
where p.hid is null and p.ck is null
  and (p.csn is null or p.csn = '' or exists (select 1 from rc_placeholder x where x.v = lower(p.csn)));

-- name: duplicates-cmdb
insert into cmdb_findings (run_id, kind, key, state, side, host_id, cmdb_host_id, host_sn, host_ip, cmdb_sn, cmdb_ip, hostname, owner_id, detail)
select ${runId}::bigint, x.fkind, x.fkind || ':cmdb:' || x.value, 'new', 'cmdb',
       null, min(x.id), null, null,
       case x.kind when 'sn' then x.value end, case x.kind when 'ip' then x.value end,
       min(x.hostname), min(x.owner_id),
       jsonb_build_object('count', x.n, 'cmdbHostIds', jsonb_agg(x.id order by x.id),
         'hostnames', jsonb_agg(x.hostname order by x.id))
from (
  select d.kind, 'DUPLICATE_SN' as fkind, d.value, d.n, c.id, c.hostname, c.owner_id
  from rc_dup d join cmdb_hosts c on c.sn = d.value where d.side = 'cmdb' and d.kind = 'sn'
  union all
  select d.kind, 'DUPLICATE_IP', d.value, d.n, c.id, c.hostname, c.owner_id
  from rc_dup d join cmdb_hosts c on c.ip = d.value where d.side = 'cmdb' and d.kind = 'ip'
) x
group by x.kind, x.fkind, x.value, x.n;

-- name: duplicates-host
insert into cmdb_findings (run_id, kind, key, state, side, host_id, cmdb_host_id, host_sn, host_ip, cmdb_sn, cmdb_ip, hostname, owner_id, detail)
select ${runId}::bigint, x.fkind, x.fkind || ':host:' || x.value, 'new', 'host',
       min(x.id), null,
       case x.kind when 'sn' then x.value end, case x.kind when 'ip' then x.value end, null, null,
       min(x.hostname), min(x.owner_id),
       jsonb_build_object('count', x.n, 'hostIds', jsonb_agg(x.id order by x.id),
         'hostnames', jsonb_agg(x.hostname order by x.id), 'lastSeenAt', jsonb_agg(x.last_seen_at order by x.id))
from (
  select d.kind, 'DUPLICATE_SN' as fkind, d.value, d.n, h.id, h.hostname, h.owner_id, h.last_seen_at
  from rc_dup d join hosts h on h.sn = d.value where d.side = 'host' and d.kind = 'sn'
  union all
  select d.kind, 'DUPLICATE_IP', d.value, d.n, h.id, h.hostname, h.owner_id, h.last_seen_at
  from rc_dup d join hosts h on h.ip = d.value where d.side = 'host' and d.kind = 'ip'
) x
group by x.kind, x.fkind, x.value, x.n;

-- name: previous-run
select id from cmdb_reconcile_runs
where status = 'succeeded' and id < ${runId}::bigint
order by id desc limit 1;

-- name: diff-open
update cmdb_findings f set state = 'open'
from cmdb_findings p
where f.run_id = ${runId}::bigint and p.run_id = ${prevId}::bigint and p.state <> 'resolved' and p.key = f.key;

-- name: diff-resolved
insert into cmdb_findings (run_id, kind, key, state, side, host_id, cmdb_host_id, host_sn, host_ip, cmdb_sn, cmdb_ip, hostname, owner_id, detail)
select ${runId}::bigint, p.kind, p.key, 'resolved', p.side, p.host_id, p.cmdb_host_id, p.host_sn, p.host_ip,
       p.cmdb_sn, p.cmdb_ip, p.hostname, p.owner_id, p.detail || jsonb_build_object('resolvedSinceRun', p.run_id)
from cmdb_findings p
where p.run_id = ${prevId}::bigint and p.state <> 'resolved'
  and not exists (select 1 from cmdb_findings f where f.run_id = ${runId}::bigint and f.key = p.key);

-- name: counts
select kind, state, count(*)::int as n from cmdb_findings where run_id = ${runId}::bigint group by kind, state;
