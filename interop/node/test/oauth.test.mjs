// alipay.system.oauth.token through the official Node SDK (alipay-sdk 4.14.0), unchanged,
// configured only with gateway, appId, privateKey and alipayPublicKey.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, postWorld, postStep, authCode, sdkFor, execSigned, http, KEYS,
} from '../lib/authsim.mjs';

const T = { timeout: 30_000 };
let server;

before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const WORLD = {
  seed: 11,
  apps: [
    { name: 'shop', packages: ['jsapi_basic'] },
    { name: 'rival', packages: ['jsapi_basic'] },
  ],
  users: [{ name: 'alice' }, { name: 'bob' }],
};

async function freshWorld() {
  const ready = await postWorld(server, WORLD);
  assert.ok(ready.appIds?.shop && ready.appIds?.rival, `ready without appIds: ${JSON.stringify(ready)}`);
  return ready;
}

const exchange = (sdk, code) => execSigned(sdk, 'alipay.system.oauth.token',
  { grant_type: 'authorization_code', code });

function assertError(result, code, subCode) {
  assert.equal(result.code, code, `expected ${code}/${subCode}, got ${JSON.stringify(result)}`);
  assert.equal(result.subCode, subCode, `expected ${subCode}, got ${JSON.stringify(result)}`);
  assert.equal(typeof result.subMsg, 'string');
  assert.equal(result.accessToken, undefined);
}

test('GET /alipay-public-key serves the key the SDK is configured with', T, async () => {
  const res = await http(server, 'GET', '/alipay-public-key');
  assert.equal(res.status, 200);
  const norm = (pem) => pem.replace(/\s+/g, '');
  assert.equal(norm(res.text), norm(KEYS.alipayPublic));
});

test('code exchange: validateSign passes and user_id/open_id come back', T, async () => {
  const ready = await freshWorld();
  const sdk = sdkFor(server, ready.appIds.shop);
  const code = await authCode(server, 'alice', 'shop');
  const { result, signCheckedBy } = await exchange(sdk, code);
  assert.equal(signCheckedBy, 'sdk.exec validateSign', 'a success answer is verified by the SDK itself');
  assert.match(result.userId, /^2088\d{12}$/);
  assert.equal(typeof result.openId, 'string');
  assert.ok(result.openId.length > 0);
  assert.equal(typeof result.accessToken, 'string');
  assert.equal(typeof result.refreshToken, 'string');
  assert.notEqual(result.accessToken, result.refreshToken);
  assert.equal(Number(result.expiresIn), 1296000);
  assert.equal(Number(result.reExpiresIn), 2592000);
  assert.match(String(result.authStart), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

  // The same user through another code: same user_id, same open_id (per user and app).
  const again = await exchange(sdk, await authCode(server, 'alice', 'shop'));
  assert.equal(again.result.userId, result.userId);
  assert.equal(again.result.openId, result.openId);
  // Another user: another user_id.
  const bob = await exchange(sdk, await authCode(server, 'bob', 'shop'));
  assert.notEqual(bob.result.userId, result.userId);
});

test('replay of a redeemed code: isv.code-invalid', T, async () => {
  const ready = await freshWorld();
  const sdk = sdkFor(server, ready.appIds.shop);
  const code = await authCode(server, 'alice', 'shop');
  const first = await exchange(sdk, code);
  assert.match(first.result.userId, /^2088\d{12}$/);
  const replay = await exchange(sdk, code);
  assertError(replay.result, '40002', 'isv.code-invalid');
});

test('a forged code: isv.code-invalid', T, async () => {
  const ready = await freshWorld();
  const sdk = sdkFor(server, ready.appIds.shop);
  const { result } = await exchange(sdk, '0123456789abcdef0123456789abcdef');
  assertError(result, '40002', 'isv.code-invalid');
});

test('expiry: a code is good for 179 s, void after clock.advance 180', T, async () => {
  const ready = await freshWorld();
  const sdk = sdkFor(server, ready.appIds.shop);

  const early = await authCode(server, 'alice', 'shop');
  await postStep(server, { op: 'clock.advance', seconds: 179 });
  const ok = await exchange(sdk, early);
  assert.match(ok.result.userId, /^2088\d{12}$/, JSON.stringify(ok.result));

  const late = await authCode(server, 'alice', 'shop');
  const adv = await postStep(server, { op: 'clock.advance', seconds: 180 });
  assert.equal(adv.op, 'clock.advance');
  const { result } = await exchange(sdk, late);
  assertError(result, '40002', 'isv.code-invalid');
});

test('a code redeemed by another app: isv.unmatched-app-id', T, async () => {
  const ready = await freshWorld();
  assert.notEqual(ready.appIds.shop, ready.appIds.rival);
  const rival = sdkFor(server, ready.appIds.rival);
  const code = await authCode(server, 'alice', 'shop');
  const { result } = await exchange(rival, code);
  assertError(result, '40002', 'isv.unmatched-app-id');
});

test('refresh rotation: new tokens, the old refresh token is then refused', T, async () => {
  const ready = await freshWorld();
  const sdk = sdkFor(server, ready.appIds.shop);
  const first = (await exchange(sdk, await authCode(server, 'alice', 'shop'))).result;

  await postStep(server, { op: 'clock.advance', seconds: 3600 });
  const { result: second, signCheckedBy } = await execSigned(sdk, 'alipay.system.oauth.token',
    { grantType: 'refresh_token', refreshToken: first.refreshToken });
  assert.equal(signCheckedBy, 'sdk.exec validateSign');
  assert.equal(second.userId, first.userId);
  assert.equal(second.openId, first.openId);
  assert.notEqual(second.accessToken, first.accessToken);
  assert.notEqual(second.refreshToken, first.refreshToken);
  assert.equal(Number(second.expiresIn), 1296000);
  // The refresh deadline is not restarted: re_expires_in shrank by the hour that passed.
  assert.equal(Number(second.reExpiresIn), 2592000 - 3600);

  const stale = await execSigned(sdk, 'alipay.system.oauth.token',
    { grant_type: 'refresh_token', refresh_token: first.refreshToken });
  assertError(stale.result, '40002', 'isv.refresh-token-invalid');

  // The new refresh token still works.
  const third = await execSigned(sdk, 'alipay.system.oauth.token',
    { grant_type: 'refresh_token', refresh_token: second.refreshToken });
  assert.equal(third.result.userId, first.userId);
});

test('a grant_type other than the two: isv.grant-type-invalid', T, async () => {
  const ready = await freshWorld();
  const sdk = sdkFor(server, ready.appIds.shop);
  const { result } = await execSigned(sdk, 'alipay.system.oauth.token',
    { grant_type: 'password', code: 'x' });
  assertError(result, '40002', 'isv.grant-type-invalid');
});

test('a wrong app private key: isv.invalid-signature', T, async () => {
  const ready = await freshWorld();
  const code = await authCode(server, 'alice', 'shop');
  const wrong = sdkFor(server, ready.appIds.shop, { privateKey: KEYS.otherPrivate });
  const { result } = await exchange(wrong, code);
  assertError(result, '40002', 'isv.invalid-signature');
  // A request refused for its signature is not a redemption: the right key still gets the code.
  const right = sdkFor(server, ready.appIds.shop);
  const ok = await exchange(right, code);
  assert.match(ok.result.userId, /^2088\d{12}$/, JSON.stringify(ok.result));
});

test('the PKCS#8 form of the app key (keyType PKCS8) signs the same', T, async () => {
  const ready = await freshWorld();
  const sdk = sdkFor(server, ready.appIds.shop,
    { privateKey: KEYS.appPrivatePkcs8, keyType: 'PKCS8' });
  const { result } = await exchange(sdk, await authCode(server, 'alice', 'shop'));
  assert.match(result.userId, /^2088\d{12}$/, JSON.stringify(result));
});

test('an unknown app id: isv.invalid-app-id', T, async () => {
  const ready = await freshWorld();
  const known = new Set(Object.values(ready.appIds));
  let unknown = '2021000000000001';
  while (known.has(unknown)) unknown = String(BigInt(unknown) + 1n);
  const sdk = sdkFor(server, unknown);
  const { result } = await exchange(sdk, await authCode(server, 'alice', 'shop'));
  assertError(result, '40002', 'isv.invalid-app-id');
});

test('parameter values the SDK must encode (+ & = space, non-ASCII) are read back exactly', T, async () => {
  // The gateway must decode the form exactly as the SDK encoded it, or its sign check fails:
  // an awkward code must be refused as a code, not as a signature.
  const ready = await freshWorld();
  const sdk = sdkFor(server, ready.appIds.shop);
  const { result } = await exchange(sdk, 'a+b&c=d e/f%20中文');
  assertError(result, '40002', 'isv.code-invalid');
});

test('sign_type RSA (SHA-1) is refused: isv.invalid-signature-type', T, async () => {
  const ready = await freshWorld();
  const sdk = sdkFor(server, ready.appIds.shop, { signType: 'RSA' });
  const { result } = await exchange(sdk, await authCode(server, 'alice', 'shop'));
  assertError(result, '40002', 'isv.invalid-signature-type');
});

test('32 concurrent SDK exchanges over keep-alive connections all succeed', T, async () => {
  const ready = await freshWorld();
  const sdk = sdkFor(server, ready.appIds.shop);
  const codes = [];
  for (let i = 0; i < 32; i++) codes.push(await authCode(server, i % 2 ? 'alice' : 'bob', 'shop'));
  const results = await Promise.all(codes.map((code) => exchange(sdk, code)));
  for (const { result, signCheckedBy } of results) {
    assert.equal(signCheckedBy, 'sdk.exec validateSign');
    assert.match(result.userId, /^2088\d{12}$/, JSON.stringify(result));
  }
  assert.equal(new Set(results.map((r) => r.result.accessToken)).size, 32);
});
