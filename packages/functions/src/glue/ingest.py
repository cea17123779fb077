"""The ingest Glue job: runs one stored ingest plan on Redshift, in order, and writes its results.

Thin on purpose: every statement comes from the plan the TypeScript core built (plans/<id>.json,
see packages/core/src/ingest/machine.ts and plan.ts); this script only executes them and reads the
counts back. Its twin for PostgreSQL is packages/core/src/ingest/job-runner.ts, which the tests run.

Redshift is reached through the Redshift Data API with boto3 (no driver wheels, no VPC connection,
credentials from the Secrets Manager secret): each statement is submitted and polled; select and
merge are the plan's `batches`, each one BatchExecuteStatement, which the Data API runs as one
transaction.

Arguments: --run_id --plan_key --lake_bucket (from the state machine) and --workgroup --database
--secret_arn (job defaults, set by infra). Exits non-zero on any error; cleanup always runs.
"""

import json
import sys
import time

import boto3
from awsglue.utils import getResolvedOptions

args = getResolvedOptions(
    sys.argv, ["run_id", "plan_key", "lake_bucket", "workgroup", "database", "secret_arn"]
)
s3 = boto3.client("s3")
rs = boto3.client("redshift-data")
TARGET = {
    "WorkgroupName": args["workgroup"],
    "Database": args["database"],
    "SecretArn": args["secret_arn"],
}


def log(message):
    print(f"[{args['run_id']}] {message}", flush=True)


def wait(statement_id):
    delay = 0.2
    while True:
        d = rs.describe_statement(Id=statement_id)
        status = d["Status"]
        if status == "FINISHED":
            return d
        if status in ("FAILED", "ABORTED"):
            failed = [s for s in d.get("SubStatements", []) if s.get("Status") == "FAILED"]
            error = failed[0].get("Error") if failed else d.get("Error", status)
            raise RuntimeError(f"Redshift {status.lower()}: {error}")
        time.sleep(delay)
        delay = min(delay * 1.5, 5)


def submit(sql):
    return rs.execute_statement(Sql=sql, **TARGET)["Id"]


def execute(sql):
    return wait(submit(sql))


def value(field):
    if field.get("isNull"):
        return None
    for kind in ("longValue", "doubleValue", "stringValue", "booleanValue"):
        if kind in field:
            return field[kind]
    return None


def rows(statement_id):
    out, token = [], None
    while True:
        page = rs.get_statement_result(Id=statement_id, **({"NextToken": token} if token else {}))
        names = [c.get("label") or c.get("name") for c in page["ColumnMetadata"]]
        out += [dict(zip(names, map(value, record))) for record in page["Records"]]
        token = page.get("NextToken")
        if not token:
            return out


def query(sql):
    done = execute(sql)
    return rows(done["Id"]) if done.get("HasResultSet") else []


def scalar(sql, column="n"):
    result = query(sql)
    return int(result[0][column] or 0) if result else 0


def checks(plan):
    """Statements marked concurrent are independent scans: submitted together, then awaited."""
    pending = []
    for check in plan["check"]:
        if check.get("concurrent"):
            pending.append((check["rule"], submit(check["sql"])))
            continue
        finish(pending)
        pending = []
        run_check(check["rule"], lambda: execute(check["sql"]))
    finish(pending)


def finish(pending):
    for rule, statement_id in pending:
        run_check(rule, lambda: wait(statement_id))


def run_check(rule, run):
    try:
        run()
    except Exception as err:
        raise RuntimeError(f"quality rule {rule} could not run: {err}") from err


def run_batches(calls):
    """The plan's Data API calls, in order (plan.ts packs them: at most 40 statements each, one
    transaction each). A call whose skipIf query returns a row was committed by an earlier attempt.
    Returns the count the last call's last statement reads (the rows merged), and the row of the
    plan's changes query (inserted, updated) where a call carries it (countsAt), else None."""
    result = []
    changes = None
    for call in calls:
        if call.get("skipIf") and query(call["skipIf"]):
            log("already applied: skipped")
            continue
        batch = rs.batch_execute_statement(Sqls=call["sqls"], **TARGET)["Id"]
        wait(batch)
        result = rows(f"{batch}:{len(call['sqls'])}")
        if call.get("countsAt") is not None:
            row = rows(f"{batch}:{call['countsAt'] + 1}")[0]
            updated = row.get("updated")
            changes = {
                "inserted": int(row["inserted"] or 0),
                "updated": None if updated is None else int(updated),
            }
    return (int(result[0]["n"] or 0) if result else 0), changes


def main():
    job = json.loads(s3.get_object(Bucket=args["lake_bucket"], Key=args["plan_key"])["Body"].read())
    plan = job["plan"]
    if plan["dialect"] != "redshift":
        raise RuntimeError(f"plan {args['plan_key']} is for {plan['dialect']}, not Redshift")
    try:
        log("prepare")
        for sql in plan["prepare"]:
            execute(sql)
        log("load")
        for sql in plan["load"]:
            execute(sql)
        log("check")
        checks(plan)
        failures_by_rule = query(plan["report"]["failuresByRule"])
        quarantined = scalar(plan["report"]["quarantined"])
        merged = scalar(job["mergeWhen"], "merge") == 1
        loaded = 0
        changes = None
        if merged:
            variant = "merge"
            # null: the plan step proved no key repeats
            duplicates = plan.get("duplicateKeys")
            if duplicates is None or scalar(duplicates) == 0:
                variant = "unique"
            log("select + merge")
            loaded, changes = run_batches(plan["batches"][variant])
        log("unload rejects")
        for sql in plan["report"].get("rejectedRows", []):
            execute(sql)
        for sql in plan["report"]["unloadRejects"]:
            execute(sql)
        results = {
            "version": 1,
            "ingestId": job["ingestId"],
            "failuresByRule": failures_by_rule,
            "quarantined": quarantined,
            "merged": merged,
            "loaded": loaded,
            "changes": changes,
        }
        s3.put_object(
            Bucket=args["lake_bucket"],
            Key=job["resultsKey"],
            Body=json.dumps(results).encode(),
            ContentType="application/json",
        )
        log(f"done: merged={merged} loaded={loaded} quarantined={quarantined}")
    finally:
        log("cleanup")
        for sql in plan["cleanup"]:
            try:
                execute(sql)
            except Exception as err:  # cleanup must not hide the real error
                log(f"cleanup failed: {err}")


if __name__ == "__main__":
    try:
        main()
    except Exception as err:
        log(f"failed: {err}")
        raise
