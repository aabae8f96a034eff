ALTER TABLE `skill_metrics` ADD `p50_duration_seconds` real;--> statement-breakpoint
ALTER TABLE `skill_metrics` ADD `p95_duration_seconds` real;--> statement-breakpoint
ALTER TABLE `skill_metrics` ADD `p99_duration_seconds` real;--> statement-breakpoint
ALTER TABLE `skill_metrics` ADD `duration_sketch` blob;
--> statement-breakpoint
-- Written by hand: the percentiles of existing skills, exact (percentile_cont over the completed
-- durations). The store builds the duration sketches that keep them current when it opens the file.
WITH ranked AS (
  SELECT skill_name, duration_seconds AS v,
         ROW_NUMBER() OVER (PARTITION BY skill_name ORDER BY duration_seconds) - 1 AS k,
         COUNT(*) OVER (PARTITION BY skill_name) AS n
  FROM skill_invocation
  WHERE completed = 1 AND completed_at IS NOT NULL AND duration_seconds IS NOT NULL
), exact AS (
  SELECT skill_name,
         MAX(CASE WHEN k = CAST(0.5 * (n - 1) AS INTEGER) THEN v END) + (0.5 * (n - 1) - CAST(0.5 * (n - 1) AS INTEGER)) * (MAX(CASE WHEN k = MIN(CAST(0.5 * (n - 1) AS INTEGER) + 1, n - 1) THEN v END) - MAX(CASE WHEN k = CAST(0.5 * (n - 1) AS INTEGER) THEN v END)) AS p50,
         MAX(CASE WHEN k = CAST(0.95 * (n - 1) AS INTEGER) THEN v END) + (0.95 * (n - 1) - CAST(0.95 * (n - 1) AS INTEGER)) * (MAX(CASE WHEN k = MIN(CAST(0.95 * (n - 1) AS INTEGER) + 1, n - 1) THEN v END) - MAX(CASE WHEN k = CAST(0.95 * (n - 1) AS INTEGER) THEN v END)) AS p95,
         MAX(CASE WHEN k = CAST(0.99 * (n - 1) AS INTEGER) THEN v END) + (0.99 * (n - 1) - CAST(0.99 * (n - 1) AS INTEGER)) * (MAX(CASE WHEN k = MIN(CAST(0.99 * (n - 1) AS INTEGER) + 1, n - 1) THEN v END) - MAX(CASE WHEN k = CAST(0.99 * (n - 1) AS INTEGER) THEN v END)) AS p99
  FROM ranked GROUP BY skill_name
)
UPDATE skill_metrics
SET p50_duration_seconds = exact.p50, p95_duration_seconds = exact.p95, p99_duration_seconds = exact.p99
FROM exact WHERE exact.skill_name = skill_metrics.skill_name;
