DROP INDEX "cmdb_hosts_sn_idx";--> statement-breakpoint
DROP INDEX "cmdb_findings_run_key_idx";--> statement-breakpoint
DROP INDEX "cmdb_findings_owner_idx";--> statement-breakpoint
CREATE INDEX "cmdb_hosts_sn_ip_id_idx" ON "cmdb_hosts" USING btree ("sn","ip","id");