import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../db/index.js';

/** A target and what it resolved to. */
export interface ResolvedTarget {
  target: string;
  hostId: number | null;
  agentId: string | null;
  /** The channel holding the agent, when the agent is online on a channel that is up. */
  channelId: string | null;
}

/** Up to this many targets are sent as a VALUES list. */
const SMALL_LIST = 100;

/**
 * Resolve every target in ONE query (set-based, whatever the count): by IP, SN, hostname,
 * then host id, the first match winning; then each host's agent and the channel it is on.
 */
export async function resolveTargets(db: Db, targets: string[]): Promise<ResolvedTarget[]> {
  if (targets.length === 0) return [];
  // A few targets (the interactive path) as a VALUES list, whose size the planner knows: index
  // lookups. Many as one JSON parameter (any count): the planner guesses 100 rows and hashes.
  const list = targets.length <= SMALL_LIST
    ? sql`select * from (values ${sql.join(targets.map((x, i) => sql`(${x}::text, ${i + 1}::bigint)`), sql`, `)}) as t(target, ord)`
    : sql`select value as target, ord from json_array_elements_text(${JSON.stringify(targets)}::json) with ordinality as t(value, ord)`;
  const found = await rows<{ ord: string | number; host_id: string | number | null; agent_id: string | null; usable: boolean }>(
    db,
    sql`
    with t as (${list}),
    m as (
      select t.ord, h.id as host_id, 1 as prio from t join hosts h on h.ip = t.target
      union all select t.ord, h.id, 2 from t join hosts h on h.sn = t.target
      union all select t.ord, h.id, 3 from t join hosts h on h.hostname = t.target
      union all select t.ord, h.id, 4 from t join hosts h
        on h.id = (case when t.target ~ '^[0-9]{1,15}$' then t.target::bigint end)
    ),
    best as (select distinct on (ord) ord, host_id from m order by ord, prio, host_id)
    select t.ord, b.host_id, a.id as agent_id,
      (a.state = 'online' and c.state = 'up') as usable, a.channel_id
    from t left join best b on b.ord = t.ord
    left join lateral (select id, state, channel_id from agents where host_id = b.host_id order by updated_at desc limit 1) a on true
    left join channels c on c.id = a.channel_id
    order by t.ord`,
  );
  return found.map((r, i) => {
    const row = r as typeof r & { channel_id: string | null };
    return {
      target: targets[i]!,
      hostId: r.host_id === null ? null : Number(r.host_id),
      agentId: r.agent_id,
      channelId: r.usable ? row.channel_id : null,
    };
  });
}
