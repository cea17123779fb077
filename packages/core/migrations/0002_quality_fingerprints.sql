-- Failures already recorded get the name their file is known by (the run id a taken name got in
-- error/ or processed/ left out, as ingest/rejects.ts sourceName does), then their fingerprint.
ALTER TABLE "quality_failures" ADD COLUMN "source_name" text;--> statement-breakpoint
UPDATE "quality_failures" SET "source_name" = regexp_replace(regexp_replace("source_key", '^.*/', ''), '\.(run_[0-9A-Z]{26}|(sfn|glue):[^.]*)(\.[^.]*)?$', '\3');--> statement-breakpoint
ALTER TABLE "quality_failures" ALTER COLUMN "source_name" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "quality_failures" ADD COLUMN "fingerprint" text GENERATED ALWAYS AS (md5("table_name" || chr(31) || "source_name" || chr(31) || "rule" || chr(31) || coalesce("row_number"::text, '') || chr(31) || coalesce("row"::text, '') || chr(31) || coalesce("raw_record", ''))) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "quality_failures" ADD COLUMN "fixed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "quality_failures" ADD COLUMN "fixed_by" text;--> statement-breakpoint
CREATE INDEX "qf_fingerprint" ON "quality_failures" USING btree ("fingerprint");--> statement-breakpoint
CREATE INDEX "qf_file" ON "quality_failures" USING btree ("table_name","source_name");
