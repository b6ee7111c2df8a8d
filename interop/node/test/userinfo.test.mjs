// alipay.user.info.share through the official Node SDK, after an auth_user grant.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, postWorld, postStep, authCode, sdkFor, execSigned,
} from '../lib/authsim.mjs';

const T = { timeout: 30_000 };
let server;

before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const WORLD = {
  seed: 23,
  apps: [
    { name: 'legacy', packages: ['jsapi_basic', 'member_info'] },
    { name: 'modern', packages: ['jsapi_basic', 'member_basic_info'] },
  ],
  users: [
    { name: 'alice', nickName: 'Alice', avatar: 'https://example.com/alice.png' },
    { name: 'bob' },
  ],
};

async function tokenFor(sdk, user, app) {
  const code = await authCode(server, user, app, 'auth_user', 'accept');
  const { result } = await execSigned(sdk, 'alipay.system.oauth.token',
    { grant_type: 'authorization_code', code });
  assert.equal(typeof result.accessToken, 'string', JSON.stringify(result));
  return result;
}

test('alipay.user.info.share after an auth_user grant (member_info package)', T, async () => {
  const ready = await postWorld(server, WORLD);
  const sdk = sdkFor(server, ready.appIds.legacy);
  const token = await tokenFor(sdk, 'alice', 'legacy');
  const { result, signCheckedBy } = await execSigned(sdk, 'alipay.user.info.share',
    { auth_token: token.accessToken });
  assert.equal(signCheckedBy, 'sdk.exec validateSign');
  assert.equal(result.code, '10000', JSON.stringify(result));
  assert.equal(result.msg, 'Success');
  assert.equal(result.userId, token.userId);
  assert.equal(result.nickName, 'Alice');
  assert.equal(result.avatar, 'https://example.com/alice.png');
});

test('a user without a profile: user_id only', T, async () => {
  const ready = await postWorld(server, WORLD);
  const sdk = sdkFor(server, ready.appIds.legacy);
  const token = await tokenFor(sdk, 'bob', 'legacy');
  const { result } = await execSigned(sdk, 'alipay.user.info.share',
    { auth_token: token.accessToken });
  assert.equal(result.code, '10000', JSON.stringify(result));
  assert.equal(result.userId, token.userId);
  assert.equal(result.nickName, undefined);
});

test('an unknown access token: 20001 aop.invalid-auth-token', T, async () => {
  const ready = await postWorld(server, WORLD);
  const sdk = sdkFor(server, ready.appIds.legacy);
  const { result } = await execSigned(sdk, 'alipay.user.info.share',
    { auth_token: 'authusrB0123456789abcdef0123456789abcdef' });
  assert.equal(result.code, '20001', JSON.stringify(result));
  assert.equal(result.subCode, 'aop.invalid-auth-token');
});

test('the access token replaced by a refresh is refused', T, async () => {
  const ready = await postWorld(server, WORLD);
  const sdk = sdkFor(server, ready.appIds.legacy);
  const first = await tokenFor(sdk, 'alice', 'legacy');
  const { result: second } = await execSigned(sdk, 'alipay.system.oauth.token',
    { grant_type: 'refresh_token', refresh_token: first.refreshToken });
  assert.notEqual(second.accessToken, first.accessToken);
  const old = await execSigned(sdk, 'alipay.user.info.share', { auth_token: first.accessToken });
  assert.equal(old.result.code, '20001', JSON.stringify(old.result));
  assert.equal(old.result.subCode, 'aop.invalid-auth-token');
  const cur = await execSigned(sdk, 'alipay.user.info.share', { auth_token: second.accessToken });
  assert.equal(cur.result.code, '10000', JSON.stringify(cur.result));
});

test('an app without member_info: 40006 isv.insufficient-isv-permissions', T, async () => {
  const ready = await postWorld(server, WORLD);
  const sdk = sdkFor(server, ready.appIds.modern);
  const token = await tokenFor(sdk, 'alice', 'modern');
  const { result } = await execSigned(sdk, 'alipay.user.info.share',
    { auth_token: token.accessToken });
  assert.equal(result.code, '40006', JSON.stringify(result));
  assert.equal(result.subCode, 'isv.insufficient-isv-permissions');
});

test('a revoked grant: the access token is refused', T, async () => {
  const ready = await postWorld(server, WORLD);
  const sdk = sdkFor(server, ready.appIds.legacy);
  const token = await tokenFor(sdk, 'alice', 'legacy');
  await postStep(server, { op: 'user.revoke', user: 'alice', app: 'legacy' });
  const { result } = await execSigned(sdk, 'alipay.user.info.share',
    { auth_token: token.accessToken });
  assert.equal(result.code, '20001', JSON.stringify(result));
});
