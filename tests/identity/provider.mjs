// The OpenID provider the identity tests run against: `oidc-provider` (npm, OpenID Certified),
// pinned in package-lock.json beside this file and installed by `cargo xtask ci` into
// target/identity. It serves discovery (/.well-known/openid-configuration) and its JWKS (/jwks)
// on loopback, and signs JWT access tokens itself with one key per algorithm Rollcall verifies
// (RS256, RS384, RS512, PS256, ES256, ES384, EdDSA), made here by Node's crypto.
//
// How a test gets a token: where a person would sign in through a browser, the test client
// (client_secret_post) asks the token endpoint with the grant `urn:rollcall:test:sign-in`, naming
// the subject, the extra claims (email, roles, …), the algorithm, the audience and the lifetime.
// The provider builds and signs the access token as for any grant (`sub`, `iss`, `aud`, `exp`,
// `iat`, `jti`, `client_id`, `scope`).
//
// Usage: node provider.mjs --modules DIR --keys FILE [--port N] [--max-age S]
//   --modules: the node_modules holding oidc-provider;
//   --keys:    the private keys (JWK and PKCS#8 PEM, so the tests can forge tokens with the same
//              keys); made here when the file does not exist (a new file: a rotated key set);
//   --port:    0 (default) for any free port;
//   --max-age: the JWKS answer's Cache-Control max-age, in seconds (none when absent).
// Prints one JSON line `{"issuer": …}` on stdout when it listens. GET /test/jwks-hits answers how
// many times the JWKS was fetched.

import { generateKeyPair, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const { values: args } = parseArgs({
  options: {
    modules: { type: 'string' },
    keys: { type: 'string' },
    port: { type: 'string', default: '0' },
    'max-age': { type: 'string' },
  },
});
if (!args.modules || !args.keys) {
  console.error('usage: node provider.mjs --modules DIR --keys FILE [--port N] [--max-age S]');
  process.exit(2);
}

const entry = createRequire(join(args.modules, 'resolve.js')).resolve('oidc-provider');
const { default: Provider } = await import(pathToFileURL(entry).href);

const GRANT = 'urn:rollcall:test:sign-in';
const KINDS = {
  RS256: ['rsa', { modulusLength: 2048 }],
  RS384: ['rsa', { modulusLength: 2048 }],
  RS512: ['rsa', { modulusLength: 2048 }],
  PS256: ['rsa', { modulusLength: 2048 }],
  ES256: ['ec', { namedCurve: 'P-256' }],
  ES384: ['ec', { namedCurve: 'P-384' }],
  EdDSA: ['ed25519', {}],
};

// Asynchronous generation: Node 20's generateKeyPairSync can deadlock when a collection runs
// while its key is exported.
async function makeKeys() {
  return Promise.all(Object.entries(KINDS).map(async ([alg, [type, options]]) => {
    const { privateKey, publicKey } = await promisify(generateKeyPair)(type, options);
    const kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`;
    return {
      alg,
      kid,
      jwk: { ...privateKey.export({ format: 'jwk' }), alg, kid, use: 'sig' },
      pem: privateKey.export({ format: 'pem', type: 'pkcs8' }),
      publicPem: publicKey.export({ format: 'pem', type: 'spki' }),
    };
  }));
}

if (!existsSync(args.keys)) {
  writeFileSync(args.keys, JSON.stringify(await makeKeys(), null, 2), { mode: 0o600 });
}
const keys = JSON.parse(readFileSync(args.keys, 'utf8'));

// Bind first: the issuer names the port.
const server = http.createServer();
await new Promise((resolve) => server.listen(Number(args.port), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  jwks: { keys: keys.map((k) => k.jwk) },
  clients: [{
    client_id: 'rollcall-tests',
    client_secret: 'rollcall-tests-secret',
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: [GRANT],
    response_types: [],
    redirect_uris: [],
  }],
  features: { devInteractions: { enabled: false } },
  // The claims the sign-in asked for (below), added to the access token as a provider's claim
  // mappers (Keycloak) or Actions (Auth0) add theirs.
  extraTokenClaims: (ctx, token) => token.extra,
});

provider.registerGrantType(GRANT, async (ctx) => {
  const { params, client } = ctx.oidc;
  const ttl = Number(params.ttl || 3600);
  const resourceServer = new provider.ResourceServer('urn:rollcall:api', {
    audience: params.audience || 'rollcall-api',
    scope: 'api',
    accessTokenFormat: 'jwt',
    accessTokenTTL: ttl,
    jwt: { sign: { alg: params.alg || 'RS256' } },
  });
  const token = new provider.AccessToken({
    accountId: params.subject,
    client,
    resourceServer,
    gty: GRANT,
    scope: 'api',
    extra: JSON.parse(params.claims || '{}'),
  });
  const value = await token.save();
  ctx.body = { access_token: value, token_type: 'Bearer', expires_in: token.expiration };
}, ['subject', 'claims', 'alg', 'audience', 'ttl']);

let jwksHits = 0;
provider.use(async (ctx, next) => {
  if (ctx.path === '/test/jwks-hits') {
    ctx.body = { hits: jwksHits };
    return;
  }
  await next();
  if (ctx.path === '/jwks') {
    jwksHits += 1;
    if (args['max-age']) ctx.set('cache-control', `max-age=${args['max-age']}`);
  }
});

server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer, kids: keys.map((k) => k.kid) })}\n`);
