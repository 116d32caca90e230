import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { synthStack } from './synth.js';

const run = promisify(execFile);

/** cfn-lint (Python) is not an npm package: it runs where the machine has it, and says so where it doesn't. */
const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
const version = probe.status === 0 ? probe.stdout.trim() : undefined;
if (!version) {
  console.warn(
    `cfn-lint tests SKIPPED: no cfn-lint on PATH (${probe.error?.message ?? probe.stderr?.trim() ?? 'not found'}). Install it with \`pip install cfn-lint\` to lint the synthesized templates.`,
  );
}

/** The default synth and every context combination the README documents. */
const COMBINATIONS: Record<string, Record<string, unknown>> = {
  default: {},
  'removal=destroy': { removal: 'destroy' },
  'jwtIssuer+jwtAudience': { jwtIssuer: 'https://auth.example.com/', jwtAudience: 'jobs-api,jobs-cli' },
  corsOrigins: { corsOrigins: 'https://app.example.com,https://admin.example.com' },
  alarmEmail: { alarmEmail: 'ops@example.com' },
  workerReservedConcurrency: { workerReservedConcurrency: 12, workerConcurrency: 12 },
  'minCapacity>0': { minCapacity: 0.5, maxCapacity: 8 },
  'logRetentionDays=365': { logRetentionDays: 365 },
  // docs/operations.md: tracing, the alarm thresholds and the metrics namespace.
  'tracing=true': { tracing: 'true' },
  'alarm thresholds+metricsNamespace': {
    alarmQueueDelaySeconds: 300,
    alarmTaskFailurePercent: 10,
    metricsNamespace: 'Acme/Jobs',
  },
};

interface Finding {
  Level: string;
  Rule: { Id: string };
  Message: string;
  Filename: string;
}

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!version)(`cfn-lint (${version ?? 'absent'})`, () => {
  it('reports no errors on the default synth and on each documented context combination', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bgjobs-cfn-lint-'));
    const files: string[] = [];
    for (const [name, context] of Object.entries(COMBINATIONS)) {
      const { template } = synthStack({ context });
      const file = path.join(dir, `${name.replace(/[^\w-]+/g, '_')}.template.json`);
      await writeFile(file, JSON.stringify(template.toJSON(), null, 1));
      files.push(file);
    }
    // Exit codes are bit flags (2 errors, 4 warnings, 8 informational); the JSON output is what counts.
    const { stdout } = await run('cfn-lint', ['--format', 'json', '--', ...files], {
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { stdout?: string; code?: number }) => {
      if (typeof error.stdout === 'string' && error.code !== 1) return { stdout: error.stdout };
      throw error;
    });
    const findings = JSON.parse(stdout || '[]') as Finding[];
    const errors = findings
      .filter((finding) => finding.Level === 'Error')
      .map((f) => `${path.basename(f.Filename)} ${f.Rule.Id}: ${f.Message}`);
    expect(errors).toEqual([]);
  }, 180_000);

  it('is live: an invalid property in a template is an error', async () => {
    dir ??= await mkdtemp(path.join(tmpdir(), 'bgjobs-cfn-lint-'));
    const file = path.join(dir, 'broken.template.json');
    const { template } = synthStack();
    const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties?: object }> };
    json.Resources.Broken = { Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 45 } };
    await writeFile(file, JSON.stringify(json));
    const outcome = await run('cfn-lint', ['--format', 'json', '--', file]).catch(
      (error: { stdout: string }) => ({ stdout: error.stdout }),
    );
    const findings = JSON.parse(outcome.stdout) as Finding[];
    expect(findings.some((f) => f.Level === 'Error' && JSON.stringify(f).includes('Broken'))).toBe(true);
  }, 60_000);
});
