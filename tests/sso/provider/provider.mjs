// A real OpenID provider for the sign-on tests (tests/sso): node's oidc-provider on loopback,
// with its development login form, one confidential client and the accounts given in
// PROVIDER_CONFIG (JSON: port, issuer, client, accounts {id: claims}). First-party client:
// the grant is given without a consent page. PKCE is required of every client.
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.PROVIDER_CONFIG);
const accounts = config.accounts;

const provider = new Provider(config.issuer, {
  clients: [
    {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
      ...config.client,
    },
  ],
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'tracker'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    tracker: ['role', 'unit'],
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  cookies: { keys: ['tracker-test-provider-cookie-key'] },
  async findAccount(ctx, id) {
    if (!Object.hasOwn(accounts, id)) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope);
    await grant.save();
    return grant;
  },
});

provider.listen(config.port, '127.0.0.1', () => {
  console.log(`provider listening on ${config.issuer}`);
});
