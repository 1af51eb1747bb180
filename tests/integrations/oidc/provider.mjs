// A real OpenID provider for the end-to-end test: node `oidc-provider`, with client_credentials
// clients that get JWT access tokens (RS256, signed with a key made at start, its id from
// $KID) or opaque ones, and token introspection for the `scopegate` client.
//
//   PORT=9000 KID=key-1 node provider.mjs     (run from the directory holding node_modules)
//
// Restarting it with another KID is a key rotation: the old key is gone from its JWKS.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const key = { ...privateKey.export({ format: 'jwk' }), kid: process.env.KID, alg: 'RS256', use: 'sig' };

const API = 'https://retail.example.com/api';
const OPAQUE = 'https://retail.example.com/opaque';
const scopes = ['customer.read', 'customer.write', 'loyalty.points.read', 'sales.transactions.write'];
const client = (id, scope) => ({
  client_id: id,
  client_secret: `${id}-secret-0123456789abcdef`,
  grant_types: scope ? ['client_credentials'] : [],
  redirect_uris: [],
  response_types: [],
  token_endpoint_auth_method: 'client_secret_basic',
  ...(scope ? { scope } : {}),
});

const provider = new Provider(issuer, {
  clients: [
    // JWT access tokens.
    client('pos-integration', 'customer.read'),
    client('shop-sync', 'customer.read customer.write'),
    // Opaque access tokens, judged by introspection.
    client('bi-export', 'customer.read loyalty.points.read'),
    // The decision server's own credentials, for introspection.
    client('scopegate'),
  ],
  jwks: { keys: [key] },
  scopes,
  features: {
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      allowedPolicy: async (ctx, caller) => caller.clientId === 'scopegate',
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (ctx, c) => (c.clientId === 'bi-export' ? OPAQUE : API),
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, resource) => {
        if (resource !== API && resource !== OPAQUE) throw new Error('unknown resource');
        return {
          scope: scopes.join(' '),
          audience: 'retail-api',
          accessTokenTTL: 600,
          accessTokenFormat: resource === API ? 'jwt' : 'opaque',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
    devInteractions: { enabled: false },
  },
});
provider.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ event: 'listening', issuer, kid: key.kid }));
});
