/** A schema's issues as `path: message` lines: how every settings check (config, worker, local CLIs) names faults. */
export function describeIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): string[] {
  return issues.map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`);
}
