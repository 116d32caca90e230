/**
 * How the page signs in, from /dashboard/config.json, written by whoever hosts the page: `local` (npm start: a
 * token from `npm run token`) or `cognito` (AWS: the user pool's managed login, authorization code + PKCE).
 */
export type DashboardConfig =
  | { mode: 'local'; apiUrl?: string }
  | { mode: 'cognito'; authority: string; clientId: string; redirectUri: string; apiUrl: string };

export async function loadConfig(): Promise<DashboardConfig> {
  const response = await fetch('/dashboard/config.json');
  if (!response.ok)
    throw new Error(`The dashboard's configuration could not be loaded (HTTP ${response.status}).`);
  const config = (await response.json()) as DashboardConfig;
  if (config.mode !== 'local' && config.mode !== 'cognito')
    throw new Error('The dashboard configuration names no known sign-in mode.');
  return config;
}

/** Where API calls go: the configured API, or this origin (npm start serves both). */
export const apiBase = (config: DashboardConfig) => (config.apiUrl ?? '').replace(/\/+$/, '');
