import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { API_RETRY_BUDGET_MS, Api } from '../../infra/constructs/api.js';
import { Database } from '../../infra/constructs/database.js';
import { WebhookKey } from '../../infra/constructs/webhook-key.js';
import { readSettings } from '../../infra/settings.js';
import { ROUTES, type RouteDefinition, type RouteNeeds, UNMATCHED_ROUTE } from '../../lambdas/http/routes.js';
import { resourcesOf } from './synth.js';
import { apiFunctionId, environmentOf, statementsOf, synthesizedTemplate } from './template-helpers.js';

/**
 * infra/constructs/api.ts configures and grants each route's function from the needs the route declares in
 * lambdas/http/routes.ts, and from nothing else: no database, no DB settings and no Data API permission; a queue,
 * its URL and SendMessage only; public, no authorizer.
 */
type Synthesized = ReturnType<typeof Template.fromStack>;

const DB_VARIABLES = ['DB_DRIVER', 'CLUSTER_ARN', 'SECRET_ARN', 'DATABASE_NAME', 'DATA_API_RETRY_BUDGET_MS'];
const QUEUE_VARIABLES = ['QUEUE_URL', 'DB_AUTO_PAUSE_SECONDS', 'DB_WAKE_AHEAD_SECONDS'];

function functionOf(template: Synthesized, handler: string) {
  const found = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(
    ([id]) => id.replace(/[0-9A-F]{8}$/, '') === apiFunctionId(handler),
  );
  expect(found, handler).toHaveLength(1);
  const [id = '', fn = { Type: '' }] = found[0] ?? [];
  const statements = statementsOf(template).filter((s) =>
    s.id.startsWith(`${id.replace(/[0-9A-F]{8}$/, '')}Role`),
  );
  const actions = statements.flatMap((s) => s.actions);
  const readsWebhookKey = statements.some((s) => JSON.stringify(s.statement.Resource).includes('WebhookKey'));
  // The database secret (the Data API reads it with the caller's permission), not the webhook key.
  const readsDatabaseSecret = statements.some(
    (s) =>
      s.actions.includes('secretsmanager:GetSecretValue') &&
      !JSON.stringify(s.statement.Resource).includes('WebhookKey'),
  );
  return { environment: environmentOf(fn), actions, readsWebhookKey, readsDatabaseSecret };
}

/** What the function of `needs` must have, checked both ways. */
function expectFollowsNeeds(template: Synthesized, needs: RouteNeeds): void {
  const { environment, actions, readsWebhookKey, readsDatabaseSecret } = functionOf(template, needs.handler);
  const database = needs.database !== false;
  const names = Object.keys(environment);
  for (const name of DB_VARIABLES) expect(names.includes(name), `${needs.handler} ${name}`).toBe(database);
  for (const name of QUEUE_VARIABLES)
    expect(names.includes(name), `${needs.handler} ${name}`).toBe(Boolean(needs.queue));
  expect(
    actions.some((a) => a.startsWith('rds-data:')) || readsDatabaseSecret,
    `${needs.handler} database permissions`,
  ).toBe(database);
  expect(
    actions.filter((a) => a.startsWith('sqs:')),
    `${needs.handler} queue permissions`,
  ).toEqual(needs.queue ? ['sqs:SendMessage'] : []);
  if (database) expect(environment.DATA_API_RETRY_BUDGET_MS).toBe(String(API_RETRY_BUDGET_MS));
  expect(names.includes('WEBHOOK_KEY_SECRET_ARN'), `${needs.handler} webhook key`).toBe(
    Boolean(needs.webhookKey),
  );
  expect(readsWebhookKey, `${needs.handler} webhook key permission`).toBe(Boolean(needs.webhookKey));
}

function authorizationOf(template: Synthesized, routeKey: string): string | undefined {
  const route = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).find(
    (r) => r.Properties?.RouteKey === routeKey,
  );
  return route?.Properties?.AuthorizationType as string | undefined;
}

describe("the service's routes", () => {
  const template = synthesizedTemplate();

  it('every function (and the unmatched-route one) has exactly the settings and permissions its route declares', () => {
    for (const needs of [...ROUTES, UNMATCHED_ROUTE]) expectFollowsNeeds(template(), needs);
    // The table holds every mix the service uses, so each branch above is taken.
    expect(ROUTES.some((r) => r.database === false)).toBe(true);
    expect(ROUTES.some((r) => r.queue)).toBe(true);
    expect(ROUTES.some((r) => r.database !== false && !r.queue)).toBe(true);
    expect(ROUTES.some((r) => r.webhookKey)).toBe(true);
  });

  it('public routes have no authorizer, every other route the JWT one', () => {
    for (const route of ROUTES) {
      expect(authorizationOf(template(), `${route.method} ${route.path}`), route.path).toBe(
        route.public ? 'NONE' : 'JWT',
      );
    }
  });
});

describe('a route table with every mix of needs', () => {
  // Existing entry files (NodejsFunction checks the entry), each under needs its real route does not declare.
  const routes: RouteDefinition[] = [
    { method: 'GET', path: '/a', handler: 'health', database: false, queue: true, public: true },
    { method: 'GET', path: '/b', handler: 'get-job', database: false },
    { method: 'POST', path: '/c', handler: 'openapi', queue: true },
    { method: 'GET', path: '/d', handler: 'run-job' },
    { method: 'GET', path: '/e', handler: 'list-jobs', database: false, webhookKey: true },
  ];
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'RouteNeeds', { env: { account: '123456789012', region: 'eu-central-1' } });
  const settings = readSettings(app);
  const { cluster } = new Database(stack, 'Database', settings);
  const webhookKey = new WebhookKey(stack, 'WebhookKey');
  new Api(stack, 'Api', { cluster, queue: new sqs.Queue(stack, 'Queue'), settings, routes, webhookKey });
  const template = Template.fromStack(stack);

  it('gives each function what its declaration says, whatever the handler', () => {
    for (const needs of [...routes, UNMATCHED_ROUTE]) expectFollowsNeeds(template, needs);
  });

  it('puts the authorizer where the declaration says', () => {
    expect(routes.map((r) => authorizationOf(template, `${r.method} ${r.path}`))).toEqual([
      'NONE',
      'JWT',
      'JWT',
      'JWT',
      'JWT',
    ]);
  });
});
