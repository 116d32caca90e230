import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { StackSettings } from '../settings.js';
import type { DashboardConfig } from './dashboard-sign-in.js';
import { ROOT_DIR, serviceFunction } from './lambda-function.js';

/** The routes the page lives at: itself at `/`, its script, style and config.json under `/dashboard/`. */
export const DASHBOARD_ROUTES = ['/', '/dashboard/{proxy+}'] as const;

/**
 * The dashboard, served by the HTTP API itself (docs/architecture.md, "The dashboard in AWS"): one function whose
 * asset holds the page's built files (infra/dashboard-build.ts, run while bundling it), on two public GET routes.
 * The page and the API share an origin, so the API needs no CORS for it; the function has no Data API or queue
 * access, and costs nothing while nobody loads the page.
 */
export class Dashboard extends Construct {
  readonly function: lambda.IFunction;

  constructor(
    scope: Construct,
    id: string,
    props: { httpApi: apigw.HttpApi; url: string; config: DashboardConfig; settings: StackSettings },
  ) {
    super(scope, id);
    const fn = serviceFunction(this, 'Function', {
      handler: 'dashboard',
      environment: { DASHBOARD_CONFIG: Stack.of(this).toJsonString(props.config) },
      logRetentionDays: props.settings.logRetentionDays,
      afterBundling: (_input, output) => [
        `"${ROOT_DIR}/node_modules/.bin/tsx" "${ROOT_DIR}/scripts/build-dashboard.ts" "${output}/dashboard"`,
      ],
    });
    this.function = fn;
    const integration = new HttpLambdaIntegration('DashboardIntegration', fn);
    for (const path of DASHBOARD_ROUTES) {
      props.httpApi.addRoutes({
        path,
        methods: [apigw.HttpMethod.GET],
        integration,
        authorizer: new apigw.HttpNoneAuthorizer(),
      });
    }
    new CfnOutput(Stack.of(this), 'DashboardUrl', { value: props.url });
  }
}
