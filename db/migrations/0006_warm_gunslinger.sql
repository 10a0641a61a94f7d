ALTER TABLE "task_runs" ADD COLUMN "history" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
UPDATE "task_runs" r SET "history" = h.entries FROM (
  SELECT e.run_id, jsonb_agg(jsonb_build_object('state', e.state, 'at', e.at, 'detail', e.detail) ORDER BY e.id) AS entries
  FROM "task_events" e WHERE e.state <> 'RECEIVED' GROUP BY e.run_id
) h WHERE h.run_id = r.id;--> statement-breakpoint
DROP TABLE "task_events" CASCADE;--> statement-breakpoint
DROP INDEX "task_runs_state_deadline_idx";--> statement-breakpoint
CREATE INDEX "task_runs_open_deadline_idx" ON "task_runs" USING btree ("state","deadline_at") WHERE state in ('RECEIVED', 'DISPATCHED', 'RUNNING');
