CREATE TABLE "project_skill" (
	"project_path" text COLLATE "C" NOT NULL,
	"skill_name" text COLLATE "C" NOT NULL,
	"invocation_count" bigint DEFAULT 0 NOT NULL,
	"completed_count" bigint DEFAULT 0 NOT NULL,
	"abandoned_count" bigint DEFAULT 0 NOT NULL,
	"total_duration_seconds" double precision DEFAULT 0 NOT NULL,
	"first_invoked" text COLLATE "C",
	"last_invoked" text COLLATE "C",
	CONSTRAINT "project_skill_project_path_skill_name_pk" PRIMARY KEY("project_path","skill_name")
);
--> statement-breakpoint
CREATE TABLE "session_skill" (
	"session_id" text COLLATE "C" NOT NULL,
	"skill_name" text COLLATE "C" NOT NULL,
	"invocation_count" bigint DEFAULT 0 NOT NULL,
	"completed_count" bigint DEFAULT 0 NOT NULL,
	"abandoned_count" bigint DEFAULT 0 NOT NULL,
	"total_duration_seconds" double precision DEFAULT 0 NOT NULL,
	"first_invoked" text COLLATE "C",
	"last_invoked" text COLLATE "C",
	CONSTRAINT "session_skill_session_id_skill_name_pk" PRIMARY KEY("session_id","skill_name")
);
--> statement-breakpoint
CREATE TABLE "skill_count" (
	"skill_name" text COLLATE "C" NOT NULL,
	"kind" text COLLATE "C" NOT NULL,
	"key" text COLLATE "C" NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "skill_count_skill_name_kind_key_pk" PRIMARY KEY("skill_name","kind","key")
);
--> statement-breakpoint
CREATE TABLE "skill_invocation" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"skill_name" text COLLATE "C" NOT NULL,
	"invoked_at" text COLLATE "C" NOT NULL,
	"workflow_path" text COLLATE "C",
	"completed" boolean DEFAULT false NOT NULL,
	"completed_at" text COLLATE "C",
	"duration_seconds" double precision,
	"error_type" text COLLATE "C",
	"session_id" text COLLATE "C",
	"follow_up_actions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"schema_version" integer DEFAULT 1 NOT NULL,
	"project_path" text COLLATE "C",
	"user_context" jsonb
);
--> statement-breakpoint
CREATE TABLE "skill_timeline" (
	"skill_name" text COLLATE "C" NOT NULL,
	"bucket_start" text COLLATE "C" NOT NULL,
	"invocations" bigint DEFAULT 0 NOT NULL,
	"completed" bigint DEFAULT 0 NOT NULL,
	"abandoned" bigint DEFAULT 0 NOT NULL,
	"total_duration_seconds" double precision DEFAULT 0 NOT NULL,
	"duration_sketch" "bytea",
	CONSTRAINT "skill_timeline_skill_name_bucket_start_pk" PRIMARY KEY("skill_name","bucket_start")
);
--> statement-breakpoint
CREATE TABLE "skill_timeline_day" (
	"skill_name" text COLLATE "C" NOT NULL,
	"bucket_start" text COLLATE "C" NOT NULL,
	"invocations" bigint DEFAULT 0 NOT NULL,
	"completed" bigint DEFAULT 0 NOT NULL,
	"abandoned" bigint DEFAULT 0 NOT NULL,
	"total_duration_seconds" double precision DEFAULT 0 NOT NULL,
	"duration_sketch" "bytea",
	CONSTRAINT "skill_timeline_day_skill_name_bucket_start_pk" PRIMARY KEY("skill_name","bucket_start")
);
--> statement-breakpoint
CREATE TABLE "skill_totals" (
	"skill_name" text COLLATE "C" PRIMARY KEY NOT NULL,
	"total_invocations" bigint DEFAULT 0 NOT NULL,
	"completed_invocations" bigint DEFAULT 0 NOT NULL,
	"abandoned_invocations" bigint DEFAULT 0 NOT NULL,
	"total_duration_seconds" double precision DEFAULT 0 NOT NULL,
	"first_invoked" text COLLATE "C",
	"last_invoked" text COLLATE "C",
	"completion_rate" double precision DEFAULT 0 NOT NULL,
	"avg_duration_seconds" double precision DEFAULT 0 NOT NULL,
	"schema_version" integer DEFAULT 1 NOT NULL,
	"last_aggregated_at" text COLLATE "C",
	"p50_duration_seconds" double precision,
	"p95_duration_seconds" double precision,
	"p99_duration_seconds" double precision,
	"duration_sketch" "bytea",
	"timeline_open_hour" text COLLATE "C"
);
--> statement-breakpoint
CREATE TABLE "skill_workflow_path" (
	"skill_name" text COLLATE "C" NOT NULL,
	"workflow_path" text COLLATE "C" NOT NULL,
	"invocation_count" bigint NOT NULL,
	"search_words" "tsvector" NOT NULL,
	CONSTRAINT "skill_workflow_path_skill_name_workflow_path_pk" PRIMARY KEY("skill_name","workflow_path")
);
--> statement-breakpoint
CREATE TABLE "store_note" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "store_note_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" text COLLATE "C" NOT NULL,
	"recorded_at" text COLLATE "C" NOT NULL,
	"body" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "store_state" (
	"key" text COLLATE "C" PRIMARY KEY NOT NULL,
	"value" text COLLATE "C" NOT NULL,
	"updated_at" text COLLATE "C" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "timeline_all_skills" (
	"bucket_start" text COLLATE "C" NOT NULL,
	"invocations" bigint DEFAULT 0 NOT NULL,
	"completed" bigint DEFAULT 0 NOT NULL,
	"abandoned" bigint DEFAULT 0 NOT NULL,
	"total_duration_seconds" double precision DEFAULT 0 NOT NULL,
	"duration_sketch" "bytea",
	CONSTRAINT "timeline_all_skills_bucket_start_pk" PRIMARY KEY("bucket_start")
);
--> statement-breakpoint
CREATE TABLE "timeline_day_all_skills" (
	"bucket_start" text COLLATE "C" NOT NULL,
	"invocations" bigint DEFAULT 0 NOT NULL,
	"completed" bigint DEFAULT 0 NOT NULL,
	"abandoned" bigint DEFAULT 0 NOT NULL,
	"total_duration_seconds" double precision DEFAULT 0 NOT NULL,
	"duration_sketch" "bytea",
	CONSTRAINT "timeline_day_all_skills_bucket_start_pk" PRIMARY KEY("bucket_start")
);
--> statement-breakpoint
CREATE INDEX "idx_skill_invocation_time" ON "skill_invocation" USING btree ("invoked_at","id");--> statement-breakpoint
CREATE INDEX "idx_skill_invocation_skill_time" ON "skill_invocation" USING btree ("skill_name","invoked_at","id");--> statement-breakpoint
CREATE INDEX "idx_skill_invocation_session_time" ON "skill_invocation" USING btree ("session_id","invoked_at","id") WHERE "skill_invocation"."session_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "idx_skill_invocation_project_time" ON "skill_invocation" USING btree ("project_path","invoked_at","id") WHERE "skill_invocation"."project_path" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "idx_skill_timeline_bucket" ON "skill_timeline" USING btree ("bucket_start");--> statement-breakpoint
CREATE INDEX "idx_skill_workflow_path_search" ON "skill_workflow_path" USING gin ("search_words");--> statement-breakpoint
CREATE INDEX "idx_store_note_kind" ON "store_note" USING btree ("kind","seq");