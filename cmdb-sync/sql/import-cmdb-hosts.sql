-- CMDB import: rows are staged in a temp table, then written with one UPDATE and one INSERT
-- (set-based, no per-row statements). Everything runs in one transaction.

-- name: lock
select pg_advisory_xact_lock(hashtext('starling.cmdb.import'));

-- name: create-stage
create temp table cmdb_stage (
  "row" int, external_id text, sn text, sn_raw text, sn_invalid text,
  ip text, hostname text, idc text, owner text, app text
) on commit drop;

-- name: stage-batch
insert into cmdb_stage
select * from jsonb_to_recordset(${rows}::jsonb) as x(
  "row" int, external_id text, sn text, sn_raw text, sn_invalid text,
  ip text, hostname text, idc text, owner text, app text);

-- name: upsert-owners
insert into owners (name)
select distinct owner from cmdb_stage where owner is not null
on conflict (name) do nothing;

-- name: update-existing
with upd as (
  update cmdb_hosts c
  set sn = s.sn, ip = s.ip, hostname = s.hostname, idc = s.idc, app = s.app, owner_id = o.id,
      extra = (c.extra - 'snRaw' - 'snInvalid')
              || jsonb_strip_nulls(jsonb_build_object('snRaw', s.sn_raw, 'snInvalid', s.sn_invalid)),
      updated_at = now()
  from cmdb_stage s
  left join owners o on o.name = s.owner
  where c.source = ${source} and c.external_id = s.external_id
    and (c.sn, c.ip, c.hostname, c.idc, c.app, c.owner_id, c.extra->>'snInvalid')
        is distinct from (s.sn, s.ip, s.hostname, s.idc, s.app, o.id, s.sn_invalid)
  returning c.id
)
select count(*)::int as n from upd;

-- name: insert-new
with ins as (
  insert into cmdb_hosts (sn, ip, hostname, idc, owner_id, app, source, external_id, extra)
  select s.sn, s.ip, s.hostname, s.idc, o.id, s.app, ${source}, s.external_id,
         jsonb_strip_nulls(jsonb_build_object('snRaw', s.sn_raw, 'snInvalid', s.sn_invalid))
  from cmdb_stage s
  left join owners o on o.name = s.owner
  where not exists (
    select 1 from cmdb_hosts c where c.source = ${source} and c.external_id = s.external_id)
  returning id
)
select count(*)::int as n from ins;

-- name: audit
insert into audit_log (actor, action, subject_type, subject_id, detail)
values (${actor}, 'cmdb.import', 'cmdb_hosts', ${source}, ${detail}::jsonb);
