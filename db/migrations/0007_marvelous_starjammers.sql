ALTER TABLE "task_runs" DROP CONSTRAINT "task_runs_host_id_hosts_id_fk";
--> statement-breakpoint
ALTER TABLE "task_runs" DROP CONSTRAINT "task_runs_agent_id_agents_id_fk";
