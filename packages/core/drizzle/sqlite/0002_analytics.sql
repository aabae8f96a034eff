CREATE TABLE `project_skill` (
	`project_path` text NOT NULL,
	`skill_name` text NOT NULL,
	`invocation_count` integer DEFAULT 0 NOT NULL,
	`completed_count` integer DEFAULT 0 NOT NULL,
	`abandoned_count` integer DEFAULT 0 NOT NULL,
	`total_duration_seconds` real DEFAULT 0 NOT NULL,
	`first_invoked` text,
	`last_invoked` text,
	PRIMARY KEY(`project_path`, `skill_name`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `session_skill` (
	`session_id` text NOT NULL,
	`skill_name` text NOT NULL,
	`invocation_count` integer DEFAULT 0 NOT NULL,
	`completed_count` integer DEFAULT 0 NOT NULL,
	`abandoned_count` integer DEFAULT 0 NOT NULL,
	`total_duration_seconds` real DEFAULT 0 NOT NULL,
	`first_invoked` text,
	`last_invoked` text,
	PRIMARY KEY(`session_id`, `skill_name`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `skill_timeline` (
	`skill_name` text NOT NULL,
	`bucket_start` text NOT NULL,
	`invocations` integer DEFAULT 0 NOT NULL,
	`completed` integer DEFAULT 0 NOT NULL,
	`abandoned` integer DEFAULT 0 NOT NULL,
	`total_duration_seconds` real DEFAULT 0 NOT NULL,
	`duration_sketch` blob,
	PRIMARY KEY(`skill_name`, `bucket_start`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `idx_skill_timeline_bucket` ON `skill_timeline` (`bucket_start`);--> statement-breakpoint
CREATE TABLE `skill_timeline_day` (
	`skill_name` text NOT NULL,
	`bucket_start` text NOT NULL,
	`invocations` integer DEFAULT 0 NOT NULL,
	`completed` integer DEFAULT 0 NOT NULL,
	`abandoned` integer DEFAULT 0 NOT NULL,
	`total_duration_seconds` real DEFAULT 0 NOT NULL,
	`duration_sketch` blob,
	PRIMARY KEY(`skill_name`, `bucket_start`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Written by hand from here on. WITHOUT ROWID above is hand-written too: Drizzle cannot declare it.
-- Full-text search over the distinct (skill, workflow path) pairs; the store adds a pair the first
-- time a finished invocation brings it, and ranks results by the counts in skill_metrics.
CREATE VIRTUAL TABLE workflow_path_search USING fts5(
  skill_name UNINDEXED,
  workflow_path,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '1 2 3'
);
--> statement-breakpoint
INSERT INTO workflow_path_search (skill_name, workflow_path)
SELECT DISTINCT skill_name, workflow_path FROM skill_invocation
WHERE completed_at IS NOT NULL AND workflow_path IS NOT NULL;
--> statement-breakpoint
INSERT INTO `session_skill` (`session_id`, `skill_name`, `invocation_count`, `completed_count`, `abandoned_count`,
  `total_duration_seconds`, `first_invoked`, `last_invoked`)
SELECT session_id, skill_name, COUNT(*), SUM(completed), SUM(1 - completed),
       COALESCE(SUM(CASE WHEN completed = 1 THEN duration_seconds END), 0), MIN(invoked_at), MAX(invoked_at)
FROM skill_invocation WHERE completed_at IS NOT NULL AND session_id IS NOT NULL
GROUP BY session_id, skill_name;
--> statement-breakpoint
INSERT INTO `project_skill` (`project_path`, `skill_name`, `invocation_count`, `completed_count`, `abandoned_count`,
  `total_duration_seconds`, `first_invoked`, `last_invoked`)
SELECT project_path, skill_name, COUNT(*), SUM(completed), SUM(1 - completed),
       COALESCE(SUM(CASE WHEN completed = 1 THEN duration_seconds END), 0), MIN(invoked_at), MAX(invoked_at)
FROM skill_invocation WHERE completed_at IS NOT NULL AND project_path IS NOT NULL
GROUP BY project_path, skill_name;
--> statement-breakpoint
-- Counts per hour, every hour before each skill's open hour (that of its last_invoked); the store
-- builds each hour's duration sketch when it opens the file.
INSERT INTO `skill_timeline` (`skill_name`, `bucket_start`, `invocations`, `completed`, `abandoned`,
  `total_duration_seconds`)
SELECT i.skill_name, substr(i.invoked_at, 1, 13) || ':00:00.000000Z', COUNT(*), SUM(i.completed),
       SUM(1 - i.completed), COALESCE(SUM(CASE WHEN i.completed = 1 THEN i.duration_seconds END), 0)
FROM skill_invocation i JOIN skill_metrics m ON m.skill_name = i.skill_name
WHERE i.completed_at IS NOT NULL AND substr(i.invoked_at, 1, 13) < substr(m.last_invoked, 1, 13)
GROUP BY i.skill_name, substr(i.invoked_at, 1, 13);
--> statement-breakpoint
-- Each hour over every skill, as the skill named '' (no skill has that name).
INSERT INTO `skill_timeline` (`skill_name`, `bucket_start`, `invocations`, `completed`, `abandoned`,
  `total_duration_seconds`)
SELECT '', bucket_start, SUM(invocations), SUM(completed), SUM(abandoned), SUM(total_duration_seconds)
FROM skill_timeline GROUP BY bucket_start;
--> statement-breakpoint
-- Days, summed from the hours above (the totals' too).
INSERT INTO `skill_timeline_day` (`skill_name`, `bucket_start`, `invocations`, `completed`, `abandoned`,
  `total_duration_seconds`)
SELECT skill_name, substr(bucket_start, 1, 10) || 'T00:00:00.000000Z', SUM(invocations), SUM(completed),
       SUM(abandoned), SUM(total_duration_seconds)
FROM skill_timeline GROUP BY skill_name, substr(bucket_start, 1, 10);
