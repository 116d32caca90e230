import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { type Api, createApi, type SignedOutError } from './api.js';
import { finishCognitoSignIn, forgetToken, storedToken, storeToken, tokenSubject } from './auth.js';
import { apiBase, type DashboardConfig, loadConfig } from './config.js';
import { Dashboard } from './Dashboard.js';
import { SignIn } from './SignIn.js';

/** Config → token (fragment, login return or this tab's storage) → the dashboard, or the sign-in page. */
export function App(props: { fragmentToken: string | undefined }) {
  const [config, setConfig] = useState<DashboardConfig>();
  const [token, setToken] = useState<string>();
  const [message, setMessage] = useState<string>();
  const [ready, setReady] = useState(false);

  useEffect(() => {
    void (async () => {
      try {
        const loaded = await loadConfig();
        setConfig(loaded);
        const fresh = loaded.mode === 'cognito' ? await finishCognitoSignIn(loaded) : props.fragmentToken;
        if (fresh) storeToken(fresh);
        setToken(fresh ?? storedToken());
      } catch (error) {
        setMessage(error instanceof Error ? error.message : String(error));
      } finally {
        setReady(true);
      }
    })();
  }, [props.fragmentToken]);

  const signOut = useCallback((reason?: string) => {
    forgetToken();
    setToken(undefined);
    setMessage(reason);
  }, []);

  const api: Api | undefined = useMemo(
    () =>
      config && token
        ? createApi(apiBase(config), token, (error: SignedOutError) => signOut(error.message))
        : undefined,
    [config, token, signOut],
  );

  if (!ready) return <p class="loading">Loading the dashboard…</p>;
  if (!config || !api || !token)
    return (
      <SignIn
        config={config}
        message={message}
        onToken={(pasted) => {
          storeToken(pasted);
          setMessage(undefined);
          setToken(pasted);
        }}
      />
    );
  return (
    <Dashboard
      api={api}
      base={apiBase(config)}
      user={tokenSubject(token) ?? 'unknown user'}
      onSignOut={() => signOut('You signed out.')}
    />
  );
}
