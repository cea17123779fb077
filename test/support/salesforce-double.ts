// A test double of the Salesforce REST and Bulk API 2.0 endpoints jsforce calls, as a real HTTP
// server on 127.0.0.1: the OAuth 2.0 token endpoint (username-password and client-credentials),
// /limits, sObject Collections upsert by external id, Bulk API 2.0 ingest jobs, the
// Sforce-Limit-Info header, and injected faults (401 expired session, 403 REQUEST_LIMIT_EXCEEDED,
// 503, per-record errors such as UNABLE_TO_LOCK_ROW). It records every call, so tests and the
// benchmark count API calls as the org would.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parse } from "csv-parse/sync";
import { csvOf, DEFAULT_FIELDS, type Job, jobInfo } from "./salesforce-double-jobs";

export interface DoubleCall {
  method: string;
  path: string;
  status: number;
  /** Bytes of the request body. */
  bytes: number;
  /** Counts against the org's daily API requests (everything but the OAuth endpoints). */
  api: boolean;
}

export interface DoubleRecord {
  Id: string;
  fields: Record<string, unknown>;
  /** How many times an upsert wrote it. */
  writes: number;
}

export type Fault =
  /**
   * Matching requests, after the first `skip`, get this status `times` times (503 by default: the
   * platform is busy; a 401 also ends every session, as an expired one would).
   */
  | {
      kind: "http";
      status?: number;
      method?: string;
      path?: RegExp;
      skip?: number;
      times?: number;
      body?: unknown;
    }
  /** A record's upsert fails with this status code (UNABLE_TO_LOCK_ROW, …) the next `times` tries. */
  | { kind: "record"; externalId: string; statusCode: string; message?: string; times?: number }
  /** The next bulk job leaves its last `count` records unprocessed and ends Failed. */
  | { kind: "unprocessed"; count: number }
  /** The next bulk job fails as a whole, before processing a record. */
  | { kind: "jobFails"; message: string }
  /** Other integrations use `add` API requests when the org answers the next matching request. */
  | { kind: "usage"; method?: string; path?: RegExp; add: number };

export interface DoubleOptions {
  clientId?: string;
  clientSecret?: string;
  username?: string;
  /** The password with the security token appended, as the username-password flow sends it. */
  password?: string;
  apiMax?: number;
  apiUsed?: number;
  /** How long a bulk job takes to process after UploadComplete. */
  processingMs?: number;
  /** The fields the double's objects have (others are INVALID_FIELD). */
  fields?: string[];
}

export class SalesforceDouble {
  url = "";
  readonly calls: DoubleCall[] = [];
  /** Records by object, then by external id. */
  readonly objects = new Map<string, Map<string, DoubleRecord>>();
  readonly jobs = new Map<string, Job>();
  /** Bodies of the bulk uploads (PUT …/batches), in order, whatever the answer: what was sent. */
  readonly uploads: { jobId: string; body: string }[] = [];
  readonly faults: Fault[] = [];
  readonly limits: { max: number; used: number };
  readonly options: Required<Omit<DoubleOptions, "apiMax" | "apiUsed">>;
  private tokens = new Set<string>();
  private seq = 0;
  private server = createServer((req, res) => {
    this.handle(req, res).catch((err) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify([{ errorCode: "DOUBLE_BUG", message: String(err?.stack ?? err) }]));
    });
  });

  constructor(opts: DoubleOptions = {}) {
    this.options = {
      clientId: opts.clientId ?? "client-id",
      clientSecret: opts.clientSecret ?? "client-secret",
      username: opts.username ?? "sync@example.com",
      password: opts.password ?? "passwordTOKEN",
      processingMs: opts.processingMs ?? 0,
      fields: opts.fields ?? DEFAULT_FIELDS,
    };
    this.limits = { max: opts.apiMax ?? 15_000, used: opts.apiUsed ?? 0 };
  }

  static async start(opts: DoubleOptions = {}): Promise<SalesforceDouble> {
    const d = new SalesforceDouble(opts);
    await new Promise<void>((resolve) => d.server.listen(0, "127.0.0.1", resolve));
    d.url = `http://127.0.0.1:${(d.server.address() as AddressInfo).port}`;
    return d;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  inject(...faults: Fault[]) {
    this.faults.push(...faults);
  }

  /** Every token issued so far stops working: the next call gets 401 INVALID_SESSION_ID. */
  expireSessions() {
    this.tokens.clear();
  }

  apiCalls(): number {
    return this.calls.filter((c) => c.api).length;
  }

  callsTo(method: string, path: RegExp): DoubleCall[] {
    return this.calls.filter((c) => c.method === method && path.test(c.path));
  }

  records(object = "Contact"): Map<string, DoubleRecord> {
    let m = this.objects.get(object);
    if (!m) {
      m = new Map();
      this.objects.set(object, m);
    }
    return m;
  }

  /** Clear the call log (records and jobs stay). */
  resetCalls() {
    this.calls.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", this.url);
    const method = req.method ?? "GET";
    const api = !url.pathname.startsWith("/services/oauth2/");
    const call: DoubleCall = {
      method,
      path: url.pathname,
      status: 0,
      bytes: chunks.reduce((n, c) => n + c.length, 0),
      api,
    };
    this.calls.push(call);
    const upload = method === "PUT" && url.pathname.match(/\/jobs\/ingest\/(\w+)\/batches$/);
    if (upload) this.uploads.push({ jobId: upload[1]!, body });
    const send = (status: number, payload?: unknown, type = "application/json") => {
      call.status = status;
      const headers: Record<string, string> = {};
      if (api) headers["sforce-limit-info"] = `api-usage=${this.limits.used}/${this.limits.max}`;
      if (payload === undefined) {
        res.writeHead(status, headers);
        res.end();
        return;
      }
      headers["content-type"] = type;
      res.writeHead(status, headers);
      res.end(typeof payload === "string" ? payload : JSON.stringify(payload));
    };

    if (!api) return this.token(url, body, send);

    const auth = req.headers.authorization ?? "";
    if (!this.tokens.has(auth.replace(/^Bearer /, ""))) {
      return send(401, [
        { message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" },
      ]);
    }
    if (this.limits.used >= this.limits.max) {
      return send(403, [
        { message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" },
      ]);
    }
    this.limits.used++;
    const burst = this.faults.findIndex(
      (f) =>
        f.kind === "usage" &&
        (!f.method || f.method === method) &&
        (!f.path || f.path.test(url.pathname)),
    );
    if (burst >= 0) this.limits.used += (this.faults.splice(burst, 1)[0] as { add: number }).add;
    const fault = this.takeHttpFault(method, url.pathname);
    if (fault) {
      const status = fault.status ?? 503;
      if (status === 401) this.expireSessions();
      // A 429 comes from throttling in front of the API, with no Salesforce error body.
      if (status === 429 && !fault.body) return send(429, "Too Many Requests", "text/plain");
      return send(
        status,
        fault.body ?? [
          status === 403
            ? { message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" }
            : status === 401
              ? { message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }
              : { message: "Service Unavailable", errorCode: "SERVER_UNAVAILABLE" },
        ],
      );
    }

    const m = url.pathname.match(/^\/services\/data\/v\d+\.\d+(\/.*)$/);
    const path = m?.[1] ?? "";
    if (method === "GET" && path === "/limits") {
      return send(200, {
        DailyApiRequests: { Max: this.limits.max, Remaining: this.limits.max - this.limits.used },
        DailyBulkV2QueryJobs: { Max: 10_000, Remaining: 10_000 },
      });
    }
    const coll = path.match(/^\/composite\/sobjects\/(\w+)\/(\w+)$/);
    if (coll && method === "PATCH") return this.collections(coll[1]!, coll[2]!, body, send);
    if (path === "/jobs/ingest" && method === "POST") return this.createJob(body, send);
    const job = path.match(/^\/jobs\/ingest\/(\w+)(\/\w+)?$/);
    if (job) return this.jobCall(method, job[1]!, job[2] ?? "", body, send);
    return send(404, [{ errorCode: "NOT_FOUND", message: `no route ${method} ${url.pathname}` }]);
  }

  private token(url: URL, body: string, send: (s: number, p?: unknown) => void) {
    if (url.pathname !== "/services/oauth2/token") return send(404, { error: "not_found" });
    const p = new URLSearchParams(body);
    const o = this.options;
    const clientOk = p.get("client_id") === o.clientId && p.get("client_secret") === o.clientSecret;
    const grant = p.get("grant_type");
    const ok =
      clientOk &&
      (grant === "client_credentials" ||
        (grant === "password" &&
          p.get("username") === o.username &&
          p.get("password") === o.password));
    if (!ok) {
      return send(400, { error: "invalid_grant", error_description: "authentication failure" });
    }
    const token = `00D000000000001!${++this.seq}.${Math.random().toString(36).slice(2)}`;
    this.tokens.add(token);
    send(200, {
      access_token: token,
      instance_url: this.url,
      id: `${this.url}/id/00D000000000001EAA/005000000000001AAA`,
      token_type: "Bearer",
      issued_at: String(Date.now()),
      signature: "double",
    });
  }

  private takeHttpFault(method: string, path: string) {
    const i = this.faults.findIndex(
      (f) =>
        f.kind === "http" && (!f.method || f.method === method) && (!f.path || f.path.test(path)),
    );
    if (i < 0) return null;
    const f = this.faults[i] as Extract<Fault, { kind: "http" }>;
    if (f.skip) {
      f.skip--;
      return null;
    }
    if ((f.times ?? 1) <= 1) this.faults.splice(i, 1);
    else f.times = (f.times ?? 1) - 1;
    return f;
  }

  private takeRecordFault(externalId: string) {
    const i = this.faults.findIndex((f) => f.kind === "record" && f.externalId === externalId);
    if (i < 0) return null;
    const f = this.faults[i] as Extract<Fault, { kind: "record" }>;
    if ((f.times ?? 1) <= 1) this.faults.splice(i, 1);
    else f.times = (f.times ?? 1) - 1;
    return f;
  }

  /** One record's upsert: created or updated, or an error as Salesforce gives it. */
  private upsert(
    object: string,
    extField: string,
    fields: Record<string, unknown>,
  ):
    | { ok: true; id: string; created: boolean }
    | { ok: false; statusCode: string; message: string; fields: string[] } {
    const ext = fields[extField];
    if (ext === undefined || ext === null || ext === "") {
      return {
        ok: false,
        statusCode: "MISSING_ARGUMENT",
        message: `${extField} not specified`,
        fields: [],
      };
    }
    const fault = this.takeRecordFault(String(ext));
    if (fault) {
      return {
        ok: false,
        statusCode: fault.statusCode,
        message: fault.message ?? `${fault.statusCode}: injected`,
        fields: [],
      };
    }
    const recs = this.records(object);
    const existing = recs.get(String(ext));
    const values = { ...fields };
    delete values.Id;
    if (!existing) {
      if (values.LastName === undefined || values.LastName === null || values.LastName === "") {
        return {
          ok: false,
          statusCode: "REQUIRED_FIELD_MISSING",
          message: "Required fields are missing: [LastName]",
          fields: ["LastName"],
        };
      }
      const id = `003${String(recs.size + 1).padStart(12, "0")}`;
      recs.set(String(ext), { Id: id, fields: values, writes: 1 });
      return { ok: true, id, created: true };
    }
    existing.fields = { ...existing.fields, ...values };
    existing.writes++;
    return { ok: true, id: existing.Id, created: false };
  }

  private collections(
    object: string,
    extField: string,
    body: string,
    send: (s: number, p?: unknown) => void,
  ) {
    const req = JSON.parse(body) as { allOrNone?: boolean; records: Record<string, unknown>[] };
    if (req.records.length > 200) {
      return send(400, [
        {
          errorCode: "EXCEEDED_ID_LIMIT",
          message: "record limit reached. cannot submit more than 200 records into this call",
        },
      ]);
    }
    for (const r of req.records) {
      const bad = Object.keys(r).find(
        (k) => k !== "attributes" && !this.options.fields.includes(k),
      );
      if (bad) {
        return send(400, [
          {
            errorCode: "INVALID_FIELD",
            message: `No such column '${bad}' on sobject of type ${object}`,
          },
        ]);
      }
    }
    const results = req.records.map((r) => {
      const { attributes: _a, ...fields } = r;
      const out = this.upsert(object, extField, fields);
      return out.ok
        ? { id: out.id, success: true, errors: [], created: out.created }
        : {
            success: false,
            errors: [{ statusCode: out.statusCode, message: out.message, fields: out.fields }],
          };
    });
    send(200, results);
  }

  private createJob(body: string, send: (s: number, p?: unknown) => void) {
    const b = JSON.parse(body) as {
      object: string;
      operation: string;
      externalIdFieldName?: string;
    };
    const id = `750${String(this.jobs.size + 1).padStart(12, "0")}`;
    const job: Job = {
      id,
      object: b.object,
      operation: b.operation,
      externalIdFieldName: b.externalIdFieldName ?? "Id",
      state: "Open",
      csv: null,
      columns: [],
      successful: [],
      failed: [],
      unprocessed: [],
    };
    this.jobs.set(id, job);
    send(200, jobInfo(job));
  }

  private jobCall(
    method: string,
    id: string,
    sub: string,
    body: string,
    send: (s: number, p?: unknown, type?: string) => void,
  ) {
    const job = this.jobs.get(id);
    if (!job)
      return send(404, [
        { errorCode: "NOT_FOUND", message: "The requested resource does not exist" },
      ]);
    if (method === "PUT" && sub === "/batches") {
      if (job.state !== "Open") {
        return send(409, [{ errorCode: "INVALIDJOBSTATE", message: `Job is ${job.state}` }]);
      }
      // One upload per job: a second PUT replaces nothing (as when jsforce retries the first).
      job.csv ??= body;
      return send(201);
    }
    if (method === "PATCH" && sub === "") {
      const { state } = JSON.parse(body) as { state: Job["state"] };
      if (state === "Aborted") job.state = "Aborted";
      if (state === "UploadComplete" && job.state === "Open") {
        job.state = "UploadComplete";
        const done = () => this.process(job);
        if (this.options.processingMs > 0) setTimeout(done, this.options.processingMs);
        else queueMicrotask(done);
      }
      return send(200, jobInfo(job));
    }
    if (method === "GET" && sub === "") return send(200, jobInfo(job));
    if (method === "DELETE" && sub === "") {
      this.jobs.delete(id);
      return send(204);
    }
    if (method === "GET" && sub === "/successfulResults") {
      return send(
        200,
        csvOf(["sf__Id", "sf__Created", ...job.columns], job.successful),
        "text/csv",
      );
    }
    if (method === "GET" && sub === "/failedResults") {
      return send(200, csvOf(["sf__Id", "sf__Error", ...job.columns], job.failed), "text/csv");
    }
    if (method === "GET" && sub === "/unprocessedrecords") {
      return send(200, csvOf(job.columns, job.unprocessed), "text/csv");
    }
    send(404, [{ errorCode: "NOT_FOUND", message: `no route ${method} ${sub}` }]);
  }

  private process(job: Job) {
    if (!job.csv?.trim()) {
      job.state = "Failed";
      job.errorMessage = "InvalidBatch : No data was uploaded";
      return;
    }
    const rows = parse(job.csv, { columns: false, relax_column_count: false }) as string[][];
    const [header, ...data] = rows;
    job.columns = header ?? [];
    const bad = job.columns.find((c) => !this.options.fields.includes(c));
    if (bad) {
      job.state = "Failed";
      job.errorMessage = `InvalidBatch : Field name not found : ${bad}`;
      return;
    }
    const fails = this.faults.findIndex((f) => f.kind === "jobFails");
    if (fails >= 0) {
      job.state = "Failed";
      job.errorMessage = (this.faults.splice(fails, 1)[0] as { message: string }).message;
      return;
    }
    const faultAt = this.faults.findIndex((f) => f.kind === "unprocessed");
    const leave = faultAt >= 0 ? (this.faults.splice(faultAt, 1)[0] as { count: number }).count : 0;
    const processed = data.length - leave;
    data.forEach((cells, i) => {
      const row = Object.fromEntries(job.columns.map((c, j) => [c, cells[j] ?? ""]));
      if (i >= processed) {
        job.unprocessed.push(row);
        return;
      }
      // Bulk CSV: an empty value leaves the field as it is; #N/A sets it to null.
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) {
        if (v === "") continue;
        fields[k] = v === "#N/A" ? null : v;
      }
      const out = this.upsert(job.object, job.externalIdFieldName, fields);
      if (out.ok) job.successful.push({ sf__Id: out.id, sf__Created: String(out.created), ...row });
      else
        job.failed.push({
          sf__Id: "",
          sf__Error: `${out.statusCode}:${out.message}:${out.fields.join(",")} --`,
          ...row,
        });
    });
    job.state = leave ? "Failed" : "JobComplete";
    if (leave) job.errorMessage = "ClientInputError : batch retried too many times";
  }
}
