import { useState } from 'preact/hooks';
import { startCognitoSignIn } from './auth.js';
import type { DashboardConfig } from './config.js';

/** `npm start` on this machine, where `npm run token` mints tokens; a deployed page with its own issuer is not. */
const isThisMachine = () => ['localhost', '127.0.0.1', '[::1]'].includes(window.location.hostname);

/** Local: paste a token (or open `/#token=<jwt>`). AWS: the user pool's managed login. */
export function SignIn(props: {
  config: DashboardConfig | undefined;
  message: string | undefined;
  onToken: (token: string) => void;
}) {
  const [pasted, setPasted] = useState('');
  const [invalid, setInvalid] = useState<string>();
  const { config, message } = props;
  return (
    <main class="sign-in">
      <h1>Background Job Service</h1>
      <h2>Sign in</h2>
      {message && (
        <p class="notice" role="alert">
          {message}
        </p>
      )}
      {config?.mode === 'cognito' && (
        <button type="button" class="primary" onClick={() => void startCognitoSignIn(config)}>
          Sign in with your account
        </button>
      )}
      {config?.mode === 'local' && (
        <form
          aria-label="Sign in with a token"
          onSubmit={(event) => {
            event.preventDefault();
            const token = pasted.trim();
            if (token.split('.').length !== 3)
              return setInvalid('A token has three parts separated by dots.');
            props.onToken(token);
          }}
        >
          {isThisMachine() ? (
            <p>
              Mint a token with <code>npm run --silent token -- &lt;user-uuid&gt;</code>, then open{' '}
              <code>{window.location.origin}/#token=&lt;token&gt;</code> or paste it here.
            </p>
          ) : (
            <p>Paste an access token from the identity provider this API trusts.</p>
          )}
          <label for="token">Token</label>
          <textarea
            id="token"
            rows={4}
            value={pasted}
            aria-invalid={invalid ? 'true' : undefined}
            aria-describedby={invalid ? 'token-error' : undefined}
            onInput={(event) => {
              setPasted(event.currentTarget.value);
              setInvalid(undefined);
            }}
          />
          {invalid && (
            <p id="token-error" class="field-error">
              {invalid}
            </p>
          )}
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
      )}
    </main>
  );
}
