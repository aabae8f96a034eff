CREATE TABLE `skill_count` (
	`skill_name` text NOT NULL,
	`kind` text NOT NULL,
	`key` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`skill_name`, `kind`, `key`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `skill_totals` (
	`skill_name` text PRIMARY KEY NOT NULL,
	`total_invocations` integer DEFAULT 0 NOT NULL,
	`completed_invocations` integer DEFAULT 0 NOT NULL,
	`abandoned_invocations` integer DEFAULT 0 NOT NULL,
	`total_duration_seconds` real DEFAULT 0 NOT NULL,
	`first_invoked` text,
	`last_invoked` text,
	`completion_rate` real DEFAULT 0 NOT NULL,
	`avg_duration_seconds` real DEFAULT 0 NOT NULL,
	`schema_version` integer DEFAULT 1 NOT NULL,
	`last_aggregated_at` text,
	`p50_duration_seconds` real,
	`p95_duration_seconds` real,
	`p99_duration_seconds` real,
	`duration_sketch` blob,
	`timeline_open_hour` text
);
--> statement-breakpoint
CREATE TABLE `skill_workflow_path` (
	`skill_name` text NOT NULL,
	`workflow_path` text NOT NULL,
	`invocation_count` integer NOT NULL,
	`id` integer NOT NULL,
	PRIMARY KEY(`skill_name`, `workflow_path`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE UNIQUE INDEX `uq_skill_workflow_path_id` ON `skill_workflow_path` (`id`);--> statement-breakpoint
CREATE INDEX `idx_skill_workflow_path_rank` ON `skill_workflow_path` ("invocation_count" DESC,`skill_name`,`workflow_path`,`id`);--> statement-breakpoint
-- Written by hand from here on. WITHOUT ROWID above is hand-written too: Drizzle cannot declare it.
-- Each skill's totals move to skill_totals, and its JSON counts to a row per key, so that a write
-- changes one row per key instead of rewriting every key (the next migration makes skill_metrics a
-- view over them). The open hour starts where it was: the hour of last_invoked.
INSERT INTO `skill_totals` (`skill_name`, `total_invocations`, `completed_invocations`, `abandoned_invocations`,
  `total_duration_seconds`, `first_invoked`, `last_invoked`, `completion_rate`, `avg_duration_seconds`,
  `schema_version`, `last_aggregated_at`, `p50_duration_seconds`, `p95_duration_seconds`, `p99_duration_seconds`,
  `duration_sketch`, `timeline_open_hour`)
SELECT skill_name, total_invocations, completed_invocations, abandoned_invocations, total_duration_seconds,
       first_invoked, last_invoked, completion_rate, avg_duration_seconds, schema_version, last_aggregated_at,
       p50_duration_seconds, p95_duration_seconds, p99_duration_seconds, duration_sketch,
       CASE WHEN last_invoked IS NULL THEN NULL ELSE substr(last_invoked, 1, 13) || ':00:00.000000Z' END
FROM skill_metrics;
--> statement-breakpoint
INSERT INTO `skill_workflow_path` (`skill_name`, `workflow_path`, `invocation_count`, `id`)
SELECT m.skill_name, j.key, j.value, row_number() OVER () FROM skill_metrics m, json_each(m.workflow_paths) j;
--> statement-breakpoint
INSERT INTO `skill_count` (`skill_name`, `kind`, `key`, `count`)
SELECT m.skill_name, 'error', j.key, j.value FROM skill_metrics m, json_each(m.common_errors) j;
--> statement-breakpoint
INSERT INTO `skill_count` (`skill_name`, `kind`, `key`, `count`)
SELECT m.skill_name, 'action', j.key, j.value FROM skill_metrics m, json_each(m.follow_up_actions) j;
--> statement-breakpoint
-- The search index holds each path's folded words (the store's own tokenizer, so that every store
-- matches alike), space-separated; FTS5's ascii tokenizer splits them at the spaces and nowhere
-- else. Its rowid is skill_workflow_path.id. Filled by this migration's data step.
DROP TABLE `workflow_path_search`;
--> statement-breakpoint
CREATE VIRTUAL TABLE workflow_path_search USING fts5(
  words,
  content = '',
  tokenize = 'ascii',
  prefix = '1 2 3'
);
