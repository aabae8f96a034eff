CREATE TABLE `skill_invocation` (
	`id` text PRIMARY KEY NOT NULL,
	`skill_name` text NOT NULL,
	`invoked_at` text NOT NULL,
	`workflow_path` text,
	`completed` integer DEFAULT false NOT NULL,
	`completed_at` text,
	`duration_seconds` real,
	`error_type` text,
	`session_id` text,
	`follow_up_actions` text DEFAULT '[]' NOT NULL,
	`schema_version` integer DEFAULT 1 NOT NULL,
	`project_path` text,
	`user_context` text
);
--> statement-breakpoint
CREATE INDEX `idx_skill_invocation_time` ON `skill_invocation` (`invoked_at`,`id`);--> statement-breakpoint
CREATE INDEX `idx_skill_invocation_skill_time` ON `skill_invocation` (`skill_name`,`invoked_at`,`id`);--> statement-breakpoint
CREATE INDEX `idx_skill_invocation_session_time` ON `skill_invocation` (`session_id`,`invoked_at`,`id`) WHERE "skill_invocation"."session_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `idx_skill_invocation_project_time` ON `skill_invocation` (`project_path`,`invoked_at`,`id`) WHERE "skill_invocation"."project_path" IS NOT NULL;--> statement-breakpoint
CREATE TABLE `skill_metrics` (
	`skill_name` text PRIMARY KEY NOT NULL,
	`total_invocations` integer DEFAULT 0 NOT NULL,
	`completed_invocations` integer DEFAULT 0 NOT NULL,
	`abandoned_invocations` integer DEFAULT 0 NOT NULL,
	`total_duration_seconds` real DEFAULT 0 NOT NULL,
	`workflow_paths` text DEFAULT '{}' NOT NULL,
	`common_errors` text DEFAULT '{}' NOT NULL,
	`follow_up_actions` text DEFAULT '{}' NOT NULL,
	`first_invoked` text,
	`last_invoked` text,
	`completion_rate` real DEFAULT 0 NOT NULL,
	`avg_duration_seconds` real DEFAULT 0 NOT NULL,
	`schema_version` integer DEFAULT 1 NOT NULL,
	`last_aggregated_at` text
);
