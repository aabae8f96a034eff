-- Written by hand. The original guide's skill_metrics, as other tools read it with plain SQL: every
-- column as on SQLite, the JSON counts built from their tables on each read.
CREATE VIEW "skill_metrics" AS
SELECT t.skill_name, t.total_invocations, t.completed_invocations, t.abandoned_invocations, t.total_duration_seconds,
  (SELECT coalesce(jsonb_object_agg(p.workflow_path, p.invocation_count), '{}'::jsonb) FROM skill_workflow_path p
   WHERE p.skill_name = t.skill_name) AS workflow_paths,
  (SELECT coalesce(jsonb_object_agg(c.key, c.count), '{}'::jsonb) FROM skill_count c
   WHERE c.skill_name = t.skill_name AND c.kind = 'error') AS common_errors,
  (SELECT coalesce(jsonb_object_agg(c.key, c.count), '{}'::jsonb) FROM skill_count c
   WHERE c.skill_name = t.skill_name AND c.kind = 'action') AS follow_up_actions,
  t.first_invoked, t.last_invoked, t.completion_rate, t.avg_duration_seconds, t.schema_version,
  t.last_aggregated_at, t.p50_duration_seconds, t.p95_duration_seconds, t.p99_duration_seconds
FROM skill_totals t;
