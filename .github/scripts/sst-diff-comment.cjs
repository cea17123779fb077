// The pull request's one `sst diff` comment (pull-request.yml, through actions/github-script):
// found by its marker and updated in place on every push, created on the first.
const MARKER = "<!-- cdp:sst-diff -->";
// GitHub refuses a comment over 65,536 characters.
const MAX_OUTPUT = 60_000;

/** The comment's text: the stage, the commit, the outcome, the diff (colours stripped, bounded). */
function commentBody({ stage, sha, outcome, output, runUrl }) {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are what we strip
  let text = String(output ?? "").replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
  if (text.length > MAX_OUTPUT) {
    text = `${text.slice(0, MAX_OUTPUT)}\n… cut at ${MAX_OUTPUT} characters: the whole diff is in the run's log.`;
  }
  const status = outcome === "success" ? "" : ` — **${outcome ?? "unknown"}**, see the run's log`;
  return [
    MARKER,
    `### \`sst diff --stage ${stage}\` at ${String(sha).slice(0, 7)}${status}`,
    "",
    "```",
    text.trim() || "(no output)",
    "```",
    runUrl ? `[The run](${runUrl})` : "",
  ].join("\n");
}

async function postDiffComment({ github, context, stage, outcome, output }) {
  const { owner, repo } = context.repo;
  const issue_number = context.issue.number;
  const body = commentBody({
    stage,
    sha: context.payload.pull_request?.head?.sha ?? context.sha,
    outcome,
    output,
    runUrl: `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`,
  });
  const comments = await github.paginate(github.rest.issues.listComments, {
    owner,
    repo,
    issue_number,
    per_page: 100,
  });
  const mine = comments.find((c) => c.user?.type === "Bot" && c.body?.startsWith(MARKER));
  if (mine) {
    await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
  } else {
    await github.rest.issues.createComment({ owner, repo, issue_number, body });
  }
}

module.exports = postDiffComment;
module.exports.commentBody = commentBody;
module.exports.MARKER = MARKER;
