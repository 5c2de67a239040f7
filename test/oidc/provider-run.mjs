// provider-run.mjs: a real OpenID Connect provider (oidc-provider) on 127.0.0.1 for the
// staff sign-in tests. usage: node provider-run.mjs PORT (0: any) with VIGIL_OIDC (JSON:
// {"clients": [{client_id, client_secret, redirect_uris}], "accounts": {ID: EMAIL}}).
// Prints "listening PORT" once it serves. Accounts sign in through the provider's own
// development form (any password). PKCE (S256) is required of every client. For the
// tests of refusals, GET /_test/mode?m=aud|exp|sig|none makes the next token answers
// carry an ID token re-signed with the provider's key for another audience, already
// expired, or with a broken signature.
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 0);
const cfg = JSON.parse(process.env.VIGIL_OIDC);
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', use: 'sig', alg: 'RS256' };
let mode = 'none';

function b64url(buf) {
	return Buffer.from(buf).toString('base64url');
}

function tamper(idToken) {
	const [h, p, s] = idToken.split('.');
	const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
	if (mode === 'sig') {
		const sig = Buffer.from(s, 'base64url');
		sig[sig.length - 1] ^= 1;
		return `${h}.${p}.${b64url(sig)}`;
	}
	if (mode === 'aud') claims.aud = 'another-application';
	if (mode === 'exp') {
		claims.iat = Math.floor(Date.now() / 1000) - 7200;
		claims.exp = Math.floor(Date.now() / 1000) - 3600;
	}
	const np = b64url(JSON.stringify(claims));
	const sig = crypto.sign('sha256', Buffer.from(`${h}.${np}`), privateKey);
	return `${h}.${np}.${b64url(sig)}`;
}

const server = (await import('node:http')).createServer();
server.listen(port, '127.0.0.1', () => {
	const issuer = `http://127.0.0.1:${server.address().port}`;
	const provider = new Provider(issuer, {
		clients: cfg.clients,
		jwks: { keys: [jwk] },
		pkce: { required: () => true, methods: ['S256'] },
		// As Entra ID and Google do: the scope's claims (email) in the ID token itself.
		conformIdTokenClaims: false,
		claims: { openid: ['sub'], email: ['email', 'email_verified'] },
		features: { devInteractions: { enabled: true } },
		async findAccount(ctx, id) {
			if (!cfg.accounts[id]) return undefined;
			return {
				accountId: id,
				async claims() {
					return { sub: id, email: cfg.accounts[id], email_verified: true };
				},
			};
		},
		// No consent screen: a school's tenant has granted the application already.
		async loadExistingGrant(ctx) {
			const grantId = ctx.oidc.result?.consent?.grantId
				|| ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
			if (grantId) return ctx.oidc.provider.Grant.find(grantId);
			const grant = new ctx.oidc.provider.Grant({
				clientId: ctx.oidc.client.clientId,
				accountId: ctx.oidc.session.accountId,
			});
			grant.addOIDCScope('openid email profile');
			await grant.save();
			return grant;
		},
	});
	provider.use(async (ctx, next) => {
		if (ctx.path === '/_test/mode') {
			mode = ctx.query.m || 'none';
			ctx.body = `mode ${mode}\n`;
			return;
		}
		await next();
		if (ctx.path === '/token' && mode !== 'none' && ctx.body && ctx.body.id_token)
			ctx.body = { ...ctx.body, id_token: tamper(ctx.body.id_token) };
	});
	server.on('request', provider.callback());
	console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
