-- Store collected facts on host rows and append one history row per changed field, for a
-- whole batch of hosts in one statement. All CTEs see the rows as they were before the
-- update, so `old` holds the previous values. A row is written only when its facts differ or
-- a `seen_at` is given that differs from `last_seen_at` (NULL `seen_at`: leave it alone), so a
-- batch of unchanged hosts writes nothing.

-- name: record
with input as (
  select * from jsonb_to_recordset(${rows}::jsonb)
    as x(host_id bigint, sn text, ip text, hostname text, platform text, facts jsonb, seen_at timestamptz)
), old as (
  select h.id, h.sn, h.ip, h.hostname, h.facts->'platform'->>'value' as platform
  from hosts h join input i on i.host_id = h.id
), upd as (
  update hosts h
  set sn = i.sn, ip = i.ip, hostname = coalesce(i.hostname, h.hostname), facts = i.facts,
      last_seen_at = coalesce(i.seen_at, h.last_seen_at), updated_at = now()
  from input i where h.id = i.host_id
    and ((h.sn, h.ip, h.hostname, h.facts) is distinct from (i.sn, i.ip, coalesce(i.hostname, h.hostname), i.facts)
         or (i.seen_at is not null and i.seen_at is distinct from h.last_seen_at))
  returning h.id
), hist as (
  insert into host_fact_history (host_id, field, old_value, new_value, provenance, changed_at)
  select i.host_id, f.field, f.old_value, f.new_value,
         coalesce(f.provenance, '{}'::jsonb) - 'value' - 'rejected' - 'unread', coalesce(i.seen_at, now())
  from input i
  join old o on o.id = i.host_id
  cross join lateral (values
    ('sn', o.sn, i.sn, i.facts->'sn'),
    ('ip', o.ip, i.ip, i.facts->'ip'),
    ('hostname', o.hostname, coalesce(i.hostname, o.hostname), i.facts->'hostname'),
    ('platform', o.platform, i.platform, i.facts->'platform')
  ) as f(field, old_value, new_value, provenance)
  where f.old_value is distinct from f.new_value
  returning 1
)
select (select count(*) from upd)::int as hosts, (select count(*) from hist)::int as changes;
