// A real OpenID provider for calsync's OAuth client tests: panva's oidc-provider, on
// 127.0.0.1, with its development login and consent pages. Prints "LISTENING <issuer>".
// Environment: REDIRECT_PORT (the port calsync's listener will use).
import net from 'node:net';
import Provider from 'oidc-provider';

const redirectPort = process.env.REDIRECT_PORT;
if (!redirectPort) {
  console.error('REDIRECT_PORT is required');
  process.exit(2);
}

const accounts = {
  'rooms-delegate@contoso.com': { name: 'Rooms Delegate' },
  'it-admin@contoso.com': { name: 'IT Admin' },
};

const freePort = () => new Promise((resolve, reject) => {
  const srv = net.createServer();
  srv.once('error', reject);
  srv.listen(0, '127.0.0.1', () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  });
});

const port = await freePort();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'calsync-test',
    client_secret: 'calsync-test-secret-value',
    application_type: 'native',
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [`http://localhost:${redirectPort}/`],
  }],
  scopes: ['openid', 'offline_access', 'profile', 'email', 'Calendars.ReadWrite', 'Calendars.ReadWrite.Shared'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  pkce: { required: () => true },
  // Like Entra: the profile and email claims go into the id_token itself.
  conformIdTokenClaims: false,
  // Like Microsoft Entra: a refresh token for offline_access without prompt=consent
  // (a standard provider drops offline_access unless the prompt includes consent).
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const known = accounts[id];
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: id,
          email_verified: true,
          preferred_username: id,
          name: known ? known.name : id,
        };
      },
    };
  },
});
provider.proxy = false;

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`LISTENING ${issuer}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The test closes stdin when it is done; never outlive it.
process.stdin.on('end', stop);
process.stdin.resume();
