/** Placeholder ARNs for local runs: the local endpoint accepts any ARN, and AWS requires both on every call. */
export const LOCAL_CLUSTER_ARN = 'arn:aws:rds:us-east-1:123456789012:cluster:local-cluster';
export const LOCAL_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:local-secret-AbCdEf';

/** Fills the ARNs a local Data API run needs when the environment does not name them. */
export function withLocalArns(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { CLUSTER_ARN: LOCAL_CLUSTER_ARN, SECRET_ARN: LOCAL_SECRET_ARN, ...env };
}
