import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';

/**
 * An API Gateway HTTP API (payload format 2.0) event with a JWT authorizer, shaped like AWS's documented sample
 * ("Working with AWS Lambda proxy integrations for HTTP APIs").
 */
export function sampleEvent(options: {
  routeKey: string;
  rawPath: string;
  sub?: string;
  body?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string>;
  pathParameters?: Record<string, string>;
  rawQueryString?: string;
  /** The request's method; by default the route key's (`$default` names none: GET). */
  method?: string;
}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const [routeMethod = 'GET'] = options.routeKey.split(' ');
  const method = options.method ?? (routeMethod === '$default' ? 'GET' : routeMethod);
  const claims: Record<string, string> = options.sub
    ? {
        sub: options.sub,
        iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example',
        aud: 'example-client',
        exp: '1999999999',
        token_use: 'access',
      }
    : {};
  return {
    version: '2.0',
    routeKey: options.routeKey,
    rawPath: options.rawPath,
    rawQueryString: options.rawQueryString ?? '',
    headers: {
      accept: '*/*',
      'content-length': String(options.body?.length ?? 0),
      host: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      'user-agent': 'curl/8.5.0',
      'x-amzn-trace-id': 'Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e',
      'x-forwarded-for': '205.255.255.176',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...options.headers,
    },
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims, scopes: [] } },
      domainName: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abcdef1234',
      http: {
        method,
        path: options.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '205.255.255.176',
        userAgent: 'curl/8.5.0',
      },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: options.routeKey,
      stage: '$default',
      time: '10/Mar/2026:05:16:23 +0000',
      timeEpoch: 1773119783000,
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}
