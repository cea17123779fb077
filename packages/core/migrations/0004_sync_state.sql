CREATE TABLE "sync_records" (
	"run_id" text NOT NULL,
	"external_id" text NOT NULL,
	"target" text NOT NULL,
	"status" text NOT NULL,
	"hash" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created" boolean,
	"sf_id" text,
	"error_code" text,
	"message" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"transport" text,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sync_records_run_id_external_id_pk" PRIMARY KEY("run_id","external_id")
);
--> statement-breakpoint
CREATE TABLE "sync_snapshot" (
	"target" text NOT NULL,
	"external_id" text NOT NULL,
	"hash" text NOT NULL,
	"sf_id" text,
	"run_id" text NOT NULL,
	"synced_at" timestamp with time zone NOT NULL,
	CONSTRAINT "sync_snapshot_target_external_id_pk" PRIMARY KEY("target","external_id")
);
--> statement-breakpoint
CREATE INDEX "sync_records_run_status" ON "sync_records" USING btree ("run_id","status");