ALTER TABLE "alerts" ADD COLUMN "resolved_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "resolution" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "failure_class" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "failure_hint" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "resolved_by" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "resolved_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "alerts_run" ON "alerts" USING btree ("run_id");--> statement-breakpoint
-- Runs already resolved before this migration: a failed run whose retry chain reached a success.
UPDATE "runs" AS f SET "resolved_by" = s."id", "resolved_at" = s."finished_at"
FROM (
	WITH RECURSIVE fwd("root", "id", "status", "finished_at", "depth") AS (
		SELECT r."retry_of", r."id", r."status", r."finished_at", 1 FROM "runs" r WHERE r."retry_of" IS NOT NULL
		UNION ALL
		SELECT fwd."root", r."id", r."status", r."finished_at", fwd."depth" + 1
		FROM "runs" r JOIN fwd ON r."retry_of" = fwd."id" WHERE fwd."depth" < 20
	)
	SELECT DISTINCT ON ("root") "root", "id", "finished_at" FROM fwd
	WHERE "status" = 'SUCCEEDED' ORDER BY "root", "depth"
) AS s
WHERE f."id" = s."root" AND f."status" IN ('FAILED', 'TIMED_OUT', 'STOPPED') AND f."resolved_by" IS NULL;--> statement-breakpoint
UPDATE "alerts" AS a SET "resolved_at" = coalesce(r."resolved_at", now()),
	"resolution" = 'resolved by run ' || r."resolved_by" || ' (retry succeeded)'
FROM "runs" AS r
WHERE a."run_id" = r."id" AND r."resolved_by" IS NOT NULL AND a."resolved_at" IS NULL;
