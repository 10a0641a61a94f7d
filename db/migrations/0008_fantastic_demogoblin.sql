ALTER TABLE "task_runs" DROP CONSTRAINT "task_runs_task_id_tasks_id_fk";
