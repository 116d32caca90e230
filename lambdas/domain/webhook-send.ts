import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { signingKey } from './webhook-secret.js';

/**
 * One webhook attempt on the wire: a POST signed per Standard Webhooks
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md): `webhook-id`,
 * `webhook-timestamp` (seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
 */

export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', signingKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export interface SignedPost {
  url: URL;
  /** The address the target check approved: the connection goes there and nowhere else (no second lookup). */
  address: string;
  family: 4 | 6;
  id: string;
  timestamp: number;
  body: string;
  secret: string;
  timeoutMs: number;
}

/** The answer's status code, or why there was none (`timeout`, a connection error's code). Never throws. */
export type PostResult = { status: number } | { error: string };

export function postSigned(post: SignedPost): Promise<PostResult> {
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: post.address, family: post.family },
      ]);
    else callback(null, post.address, post.family);
  };
  const client = post.url.protocol === 'https:' ? https : http;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const request = client.request(
      post.url,
      {
        method: 'POST',
        lookup: pinned,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'background-job-service-webhooks',
          'webhook-id': post.id,
          'webhook-timestamp': String(post.timestamp),
          'webhook-signature': signature(post.secret, post.id, post.timestamp, post.body),
        },
      },
      (response) => {
        // Only the status matters; the body is drained and dropped.
        response.resume();
        finish({ status: response.statusCode ?? 0 });
      },
    );
    const timer = setTimeout(() => {
      finish({ error: 'timeout' });
      request.destroy();
    }, post.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => finish({ error: error.code ?? error.name }));
    request.end(post.body);
  });
}
