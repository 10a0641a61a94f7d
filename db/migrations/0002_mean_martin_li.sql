CREATE TABLE "diagnoses" (
	"id" uuid PRIMARY KEY NOT NULL,
	"target" text NOT NULL,
	"host_id" bigint,
	"run_id" uuid,
	"run_code" text,
	"outcome" text NOT NULL,
	"code" text,
	"rule" text NOT NULL,
	"cause_en" text NOT NULL,
	"cause_zh" text NOT NULL,
	"verdict" jsonb NOT NULL,
	"duration_ms" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "syslog_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"host_id" bigint,
	"sender_ip" text NOT NULL,
	"transport" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"reported_at" timestamp with time zone,
	"format" text NOT NULL,
	"facility" smallint,
	"severity" smallint,
	"hostname" text,
	"app" text,
	"pid" text,
	"message" text NOT NULL,
	"kind" text,
	"pattern_id" text
);
--> statement-breakpoint
ALTER TABLE "diagnoses" ADD CONSTRAINT "diagnoses_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "syslog_events" ADD CONSTRAINT "syslog_events_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "diagnoses_host_created_idx" ON "diagnoses" USING btree ("host_id","created_at");--> statement-breakpoint
CREATE INDEX "diagnoses_target_created_idx" ON "diagnoses" USING btree ("target","created_at");--> statement-breakpoint
CREATE INDEX "syslog_events_host_received_idx" ON "syslog_events" USING btree ("host_id","received_at");--> statement-breakpoint
CREATE INDEX "syslog_events_sender_received_idx" ON "syslog_events" USING btree ("sender_ip","received_at");