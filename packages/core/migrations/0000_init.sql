CREATE TABLE "alerts" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"severity" text NOT NULL,
	"title" text NOT NULL,
	"message" text NOT NULL,
	"run_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" text
);
--> statement-breakpoint
CREATE TABLE "metrics" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"value" double precision NOT NULL,
	"unit" text NOT NULL,
	"pipeline" text NOT NULL,
	"run_id" text,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "quality_failures" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"table_name" text NOT NULL,
	"rule" text NOT NULL,
	"error_type" text NOT NULL,
	"severity" text NOT NULL,
	"description" text NOT NULL,
	"row_number" bigint,
	"row" jsonb,
	"raw_record" text,
	"source_key" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" text PRIMARY KEY NOT NULL,
	"pipeline" text NOT NULL,
	"engine" text NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"args" jsonb NOT NULL,
	"error" text,
	"stats" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"retry_of" text,
	"owner" text,
	"work_key" text
);
--> statement-breakpoint
CREATE TABLE "schema_changes" (
	"id" text PRIMARY KEY NOT NULL,
	"table_name" text NOT NULL,
	"column_name" text NOT NULL,
	"original_name" text,
	"change" text NOT NULL,
	"data_type" text NOT NULL,
	"from_type" text,
	"run_id" text NOT NULL,
	"source_key" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "alerts_created" ON "alerts" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "metrics_name_at" ON "metrics" USING btree ("name","at");--> statement-breakpoint
CREATE INDEX "qf_table_created" ON "quality_failures" USING btree ("table_name","created_at");--> statement-breakpoint
CREATE INDEX "qf_run" ON "quality_failures" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "qf_created" ON "quality_failures" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "runs_retry_of_unique" ON "runs" USING btree ("retry_of") WHERE "runs"."retry_of" is not null;--> statement-breakpoint
CREATE INDEX "runs_status_id" ON "runs" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "runs_pipeline_id" ON "runs" USING btree ("pipeline","id");--> statement-breakpoint
CREATE INDEX "runs_created_at" ON "runs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "runs_work_key_active" ON "runs" USING btree ("work_key") WHERE "runs"."status" in ('QUEUED', 'RUNNING');--> statement-breakpoint
CREATE INDEX "sc_table" ON "schema_changes" USING btree ("table_name","created_at");