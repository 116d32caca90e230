import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ROUTES, type RouteDefinition } from '../../lambdas/http/routes.js';
import type { StackSettings } from '../settings.js';
import { DATABASE_NAME } from './database.js';
import { serviceFunction } from './lambda-function.js';
import { noticeEnvironment } from './worker.js';

export interface ApiProps {
  cluster: rds.DatabaseCluster;
  queue: sqs.IQueue;
  settings: StackSettings;
}

/** What a function may reach, from the route table: handlers that never touch the database get no Data API access. */
type Needs = Pick<RouteDefinition, 'handler' | 'database' | 'queue'>;
const NOT_FOUND: Needs = { handler: 'not-found', database: false };

/**
 * The HTTP API: one small Lambda per route (the route table in lambdas/http/routes.ts), a JWT authorizer on
 * every route but health and the OpenAPI document, stage throttling and JSON access logs.
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly functions: lambda.IFunction[] = [];

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { settings } = props;
    const authorizer = this.authorizer(settings);
    const notFound = this.routeFunction(NOT_FOUND, props);
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Background Job Service',
      defaultIntegration: new HttpLambdaIntegration('NotFound', notFound),
      ...(settings.corsOrigins.length
        ? {
            corsPreflight: {
              allowOrigins: settings.corsOrigins,
              allowMethods: [apigw.CorsHttpMethod.ANY],
              allowHeaders: ['authorization', 'content-type', 'if-match', 'idempotency-key'],
              exposeHeaders: ['etag', 'location', 'idempotent-replayed'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    for (const route of ROUTES) {
      const fn = this.routeFunction(route, props);
      this.httpApi.addRoutes({
        path: route.path,
        methods: [route.method as apigw.HttpMethod],
        integration: new HttpLambdaIntegration(`${route.handler}-integration`, fn),
        authorizer: route.public ? new apigw.HttpNoneAuthorizer() : authorizer,
      });
    }
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = this.httpApi.defaultStage?.node.defaultChild as apigw.CfnStage;
    stage.defaultRouteSettings = {
      throttlingRateLimit: settings.throttleRateLimit,
      throttlingBurstLimit: settings.throttleBurstLimit,
    };
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latency: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
        authorizerError: '$context.authorizer.error',
        userId: '$context.authorizer.claims.sub',
      }),
    };
    new CfnOutput(Stack.of(this), 'ApiUrl', { value: this.httpApi.apiEndpoint });
  }

  private routeFunction(needs: Needs, props: ApiProps): lambda.IFunction {
    const { handler } = needs;
    const database = needs.database !== false;
    const environment: Record<string, string> = { LOG_LEVEL: 'info' };
    if (database) {
      Object.assign(environment, {
        DB_DRIVER: 'data-api',
        CLUSTER_ARN: props.cluster.clusterArn,
        SECRET_ARN: props.cluster.secret?.secretArn ?? '',
        DATABASE_NAME,
        // Below API Gateway's 30 s: a resuming cluster gets our 503 + Retry-After, not a gateway timeout.
        DATA_API_RETRY_BUDGET_MS: '20000',
      });
    }
    if (needs.queue) Object.assign(environment, noticeEnvironment(props.queue, props.settings));
    const id = handler.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
    const fn = serviceFunction(this, `${id}Function`, {
      handler,
      environment,
      logRetentionDays: props.settings.logRetentionDays,
    });
    if (database) props.cluster.grantDataApiAccess(fn);
    // SendMessage only: these handlers send a schedule's first occurrence or a run-now, nothing else.
    if (needs.queue) props.queue.grant(fn, 'sqs:SendMessage');
    this.functions.push(fn);
    return fn;
  }

  /** Cognito by default; an external issuer and audience when the context names them. */
  private authorizer(settings: StackSettings): apigw.IHttpRouteAuthorizer {
    if (settings.jwtIssuer && settings.jwtAudience) {
      return new HttpJwtAuthorizer('JwtAuthorizer', settings.jwtIssuer, {
        jwtAudience: settings.jwtAudience,
      });
    }
    const userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy: settings.removal === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const client = userPool.addClient('ApiClient', {
      authFlows: { userSrp: true, userPassword: true },
      generateSecret: false,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      preventUserExistenceErrors: true,
    });
    const scope = Stack.of(this);
    new CfnOutput(scope, 'UserPoolId', { value: userPool.userPoolId });
    new CfnOutput(scope, 'UserPoolClientId', { value: client.userPoolClientId });
    return new HttpJwtAuthorizer('JwtAuthorizer', userPool.userPoolProviderUrl, {
      jwtAudience: [client.userPoolClientId],
    });
  }
}
