-- Safe auto-fix: copy the agent's value into the CMDB for findings the policy trusts.
-- Never touches a row involved in a duplicate or invalid-SN finding of the same run, never
-- creates a duplicate, and only writes when the CMDB still holds the value the run saw
-- (no lost updates). One audit row per changed CMDB row, in the same statement.

-- name: fix-ip
with flagged as (
  select kind, host_id, cmdb_host_id, coalesce(host_ip, cmdb_ip) as ip, coalesce(host_sn, cmdb_sn) as sn
  from cmdb_findings
  where run_id = ${runId}::bigint and state <> 'resolved' and kind in ('DUPLICATE_SN', 'DUPLICATE_IP', 'INVALID_SN')
), cand as (
  select f.id as fid, f.cmdb_host_id, f.host_ip, f.cmdb_ip, f.detail->>'hostIpSource' as src
  from cmdb_findings f
  where f.run_id = ${runId}::bigint and f.kind = 'IP_MISMATCH' and f.state <> 'resolved' and f.fixed_at is null
    and f.host_ip is not null
    and f.detail->>'hostIpSource' in (select jsonb_array_elements_text(${sources}::jsonb))
    and not exists (select 1 from flagged x where x.kind = 'DUPLICATE_IP' and x.ip in (f.host_ip, f.cmdb_ip))
    and not exists (select 1 from flagged x where x.kind = 'DUPLICATE_SN' and x.sn in (f.host_sn, f.cmdb_sn))
    and not exists (select 1 from flagged x where x.kind = 'INVALID_SN' and (x.host_id = f.host_id or x.cmdb_host_id = f.cmdb_host_id))
    and not exists (select 1 from cmdb_hosts o where o.ip = f.host_ip)
), upd as (
  update cmdb_hosts c set ip = cand.host_ip, updated_at = now()
  from cand
  where c.id = cand.cmdb_host_id and c.ip is not distinct from cand.cmdb_ip
  returning c.id, cand.fid, cand.cmdb_ip as old_value, cand.host_ip as new_value, cand.src
), mark as (
  update cmdb_findings f set fixed_at = now() from upd where f.id = upd.fid returning 1
), audit as (
  insert into audit_log (actor, action, subject_type, subject_id, detail)
  select ${actor}, 'cmdb.autofix', 'cmdb_hosts', upd.id::text,
         jsonb_build_object('field', 'ip', 'old', upd.old_value, 'new', upd.new_value, 'source', upd.src,
                            'runId', ${runId}::bigint, 'findingId', upd.fid, 'policy', 'ip-from-agent-when-sn-matches')
  from upd
  returning 1
)
select (select count(*) from audit)::int as n, (select count(*) from mark)::int as marked;

-- name: fix-sn
with flagged as (
  select kind, host_id, cmdb_host_id, coalesce(host_ip, cmdb_ip) as ip, coalesce(host_sn, cmdb_sn) as sn
  from cmdb_findings
  where run_id = ${runId}::bigint and state <> 'resolved' and kind in ('DUPLICATE_SN', 'DUPLICATE_IP', 'INVALID_SN')
), cand as (
  select f.id as fid, f.cmdb_host_id, f.host_sn, f.cmdb_sn, f.detail->>'hostSnSource' as src
  from cmdb_findings f
  where f.run_id = ${runId}::bigint and f.kind = 'SN_MISMATCH' and f.state <> 'resolved' and f.fixed_at is null
    and f.host_sn is not null
    and f.detail->>'hostSnSource' in (select jsonb_array_elements_text(${sources}::jsonb))
    and not exists (select 1 from flagged x where x.kind = 'DUPLICATE_IP' and x.ip in (f.host_ip, f.cmdb_ip))
    and not exists (select 1 from flagged x where x.kind = 'DUPLICATE_SN' and x.sn in (f.host_sn, f.cmdb_sn))
    and not exists (select 1 from flagged x where x.kind = 'INVALID_SN' and (x.host_id = f.host_id or x.cmdb_host_id = f.cmdb_host_id))
    and not exists (select 1 from cmdb_hosts o where o.sn = f.host_sn)
), upd as (
  update cmdb_hosts c set sn = cand.host_sn, updated_at = now()
  from cand
  where c.id = cand.cmdb_host_id and c.sn is not distinct from cand.cmdb_sn
  returning c.id, cand.fid, cand.cmdb_sn as old_value, cand.host_sn as new_value, cand.src
), mark as (
  update cmdb_findings f set fixed_at = now() from upd where f.id = upd.fid returning 1
), audit as (
  insert into audit_log (actor, action, subject_type, subject_id, detail)
  select ${actor}, 'cmdb.autofix', 'cmdb_hosts', upd.id::text,
         jsonb_build_object('field', 'sn', 'old', upd.old_value, 'new', upd.new_value, 'source', upd.src,
                            'runId', ${runId}::bigint, 'findingId', upd.fid, 'policy', 'sn-from-agent-when-ip-matches')
  from upd
  returning 1
)
select (select count(*) from audit)::int as n, (select count(*) from mark)::int as marked;

-- name: record
update cmdb_reconcile_runs
set fixes = fixes || jsonb_build_object('ip', coalesce((fixes->>'ip')::int, 0) + ${ip}::int,
                                        'sn', coalesce((fixes->>'sn')::int, 0) + ${sn}::int)
where id = ${runId}::bigint;
