import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local AWS Secrets Manager endpoint with the one operation the service calls: GetSecretValue, in the AWS JSON 1.1
 * protocol as @aws-sdk/client-secrets-manager sends it (`POST /`, `X-Amz-Target: secretsmanager.GetSecretValue`,
 * `Content-Type: application/x-amz-json-1.1`). It accepts any SigV4 signature. Behaviours and the AWS pages they
 * follow: docs/sqs-endpoint.md, "The local Secrets Manager endpoint".
 */
export interface LocalSecretsManager {
  endpoint: string;
  /** Stores a secret string under a name; returns its ARN. */
  put(name: string, value: string): string;
  /** GetSecretValue calls so far. */
  calls(): number;
  close(): Promise<void>;
}

const ACCOUNT = '000000000000';

export async function startLocalSecretsManager(region = 'us-east-1'): Promise<LocalSecretsManager> {
  const secrets = new Map<
    string,
    { arn: string; name: string; value: string; versionId: string; created: number }
  >();
  let calls = 0;
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown) => {
      response.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomUUID(),
      });
      response.end(JSON.stringify(body));
    };
    // Errors: the shape name in `__type`, a `Message` (API_GetSecretValue, "Errors"; CommonErrors).
    const fail = (status: number, type: string, message: string) =>
      send(status, { __type: type, Message: message });
    const target = String(request.headers['x-amz-target'] ?? '');
    if (request.method !== 'POST' || target !== 'secretsmanager.GetSecretValue')
      return fail(400, 'UnknownOperationException', `unsupported operation ${target || request.method}`);
    calls += 1;
    let input: { SecretId?: unknown };
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { SecretId?: unknown };
    } catch {
      return fail(400, 'SerializationException', 'the body is not JSON');
    }
    if (typeof input.SecretId !== 'string' || input.SecretId.length === 0)
      return fail(400, 'InvalidParameterException', 'SecretId is required');
    // SecretId: the ARN or the name (API_GetSecretValue, "SecretId").
    const secret = [...secrets.values()].find((s) => s.arn === input.SecretId || s.name === input.SecretId);
    if (!secret)
      return fail(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    send(200, {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: secret.versionId,
      SecretString: secret.value,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: secret.created,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    put(name, value) {
      // A real ARN ends in a hyphen and six random characters (SecretsManager userguide, reference_iam-permissions).
      const arn = `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}-${randomUUID().slice(0, 6)}`;
      secrets.set(name, { arn, name, value, versionId: randomUUID(), created: Date.now() / 1000 });
      return arn;
    },
    calls: () => calls,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
