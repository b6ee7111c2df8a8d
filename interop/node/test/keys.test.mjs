// The keys a developer brings: an app with its own uploaded public key (PEM or bare base64),
// a server started with --alipay-private-key, and a server started with --world.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  withServer, postWorld, authCode, sdkFor, execSigned, http, key, KEYS, REPO,
} from '../lib/authsim.mjs';

const T = { timeout: 30_000 };
const bare = (pem) => pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');

for (const [form, publicKey] of [
  ['PEM', key('other-test-public.pem')],
  ['bare base64', bare(key('other-test-public.pem'))],
]) {
  test(`an app with its own public key (${form}) is checked with it`, T, () => withServer(async (server) => {
    const ready = await postWorld(server, {
      seed: 51,
      apps: [{ name: 'own', packages: ['jsapi_basic'], publicKey }],
      users: [{ name: 'alice' }],
    });
    const code = await authCode(server, 'alice', 'own');
    const defaultKey = sdkFor(server, ready.appIds.own);
    const refused = await execSigned(defaultKey, 'alipay.system.oauth.token',
      { grant_type: 'authorization_code', code });
    assert.equal(refused.result.subCode, 'isv.invalid-signature', JSON.stringify(refused.result));
    const own = sdkFor(server, ready.appIds.own, { privateKey: KEYS.otherPrivate });
    const { result } = await execSigned(own, 'alipay.system.oauth.token',
      { grant_type: 'authorization_code', code });
    assert.match(result.userId, /^2088\d{12}$/, JSON.stringify(result));
  }));
}

test('an app id given in the world is the one the gateway answers to', T, () => withServer(async (server) => {
  const ready = await postWorld(server, {
    seed: 52,
    apps: [{ name: 'shop', packages: ['jsapi_basic'], appId: '2021004123456789' }],
    users: [{ name: 'alice' }],
  });
  assert.equal(ready.appIds.shop, '2021004123456789');
  const sdk = sdkFor(server, '2021004123456789');
  const { result } = await execSigned(sdk, 'alipay.system.oauth.token',
    { grant_type: 'authorization_code', code: await authCode(server, 'alice', 'shop') });
  assert.match(result.userId, /^2088\d{12}$/, JSON.stringify(result));
}));

test('--alipay-private-key: answers are signed with it and /alipay-public-key serves its pair', T,
  () => withServer(async (server) => {
    const served = await http(server, 'GET', '/alipay-public-key');
    assert.equal(served.status, 200);
    assert.equal(bare(served.text.trim()), bare(key('other-test-public.pem')));
    const ready = await postWorld(server, {
      seed: 53, apps: [{ name: 'shop', packages: ['jsapi_basic'] }], users: [{ name: 'alice' }],
    });
    const sdk = sdkFor(server, ready.appIds.shop, { alipayPublicKey: served.text });
    const { result, signCheckedBy } = await execSigned(sdk, 'alipay.system.oauth.token',
      { grant_type: 'authorization_code', code: await authCode(server, 'alice', 'shop') });
    assert.equal(signCheckedBy, 'sdk.exec validateSign');
    assert.match(result.userId, /^2088\d{12}$/);
    // The default test key no longer verifies these answers.
    const stale = sdkFor(server, ready.appIds.shop);
    await assert.rejects(
      stale.exec('alipay.system.oauth.token',
        { grant_type: 'authorization_code', code: await authCode(server, 'alice', 'shop') },
        { validateSign: true }),
      /验签失败/);
  }, ['--alipay-private-key', path.join(REPO, 'keys', 'other-test-private.pem')]));

test('--world FILE: the first world, without POST /sim/world', T, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsim-interop-'));
  try {
    const file = path.join(dir, 'world.json');
    fs.writeFileSync(file, JSON.stringify({
      seed: 54,
      apps: [{ name: 'kiosk', packages: ['jsapi_basic'], appId: '2021004000000054' }],
      users: [{ name: 'zoe' }],
    }));
    await withServer(async (server) => {
      const sdk = sdkFor(server, '2021004000000054');
      const { result } = await execSigned(sdk, 'alipay.system.oauth.token',
        { grant_type: 'authorization_code', code: await authCode(server, 'zoe', 'kiosk') });
      assert.match(result.userId, /^2088\d{12}$/, JSON.stringify(result));
    }, ['--world', file]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
