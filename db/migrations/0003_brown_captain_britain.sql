CREATE TABLE "cmdb_reconcile_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"trigger" text NOT NULL,
	"requested_by" text,
	"previous_run_id" bigint,
	"options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"diff" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"progress" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"fixes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "cmdb_findings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"state" text DEFAULT 'new' NOT NULL,
	"side" text NOT NULL,
	"host_id" bigint,
	"cmdb_host_id" bigint,
	"host_sn" text,
	"host_ip" text,
	"cmdb_sn" text,
	"cmdb_ip" text,
	"hostname" text,
	"owner_id" bigint,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"fixed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "host_fact_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"host_id" bigint NOT NULL,
	"field" text NOT NULL,
	"old_value" text,
	"new_value" text,
	"provenance" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "cmdb_reconcile_runs_status_idx" ON "cmdb_reconcile_runs" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "cmdb_findings_run_kind_idx" ON "cmdb_findings" USING btree ("run_id","kind");--> statement-breakpoint
CREATE INDEX "cmdb_findings_run_key_idx" ON "cmdb_findings" USING btree ("run_id","key");--> statement-breakpoint
CREATE INDEX "cmdb_findings_owner_idx" ON "cmdb_findings" USING btree ("run_id","owner_id");--> statement-breakpoint
CREATE INDEX "host_fact_history_host_idx" ON "host_fact_history" USING btree ("host_id","changed_at");