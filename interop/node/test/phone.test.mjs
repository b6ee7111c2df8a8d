// my.getPhoneNumber: the message the mini program hands to its server, checked and decrypted
// with the official Node SDK's rsaCheck and aesDecrypt (AES key from config.encryptKey).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, postWorld, postStep, sdkFor, KEYS,
} from '../lib/authsim.mjs';

const T = { timeout: 30_000 };
let server;

before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const WORLD = {
  seed: 31,
  apps: [
    { name: 'corp', packages: ['jsapi_basic', 'phone_number'], enterprise: true, aesKey: KEYS.aes },
    { name: 'nokey', packages: ['jsapi_basic', 'phone_number'], enterprise: true },
  ],
  users: [{ name: 'alice', nickName: 'Alice', mobile: '13800138000' }],
};

async function phoneMessage(user, app) {
  const btn = await postStep(server,
    { op: 'button.getAuthorize', user, app, scope: 'phoneNumber', decision: 'accept' });
  assert.equal(btn.outcome, 'success', JSON.stringify(btn));
  const step = await postStep(server, { op: 'my.getPhoneNumber', user, app });
  assert.equal(typeof step.result?.response, 'string', JSON.stringify(step));
  return step.result.response;
}

test('the phone number: rsaCheck over the quoted ciphertext, aesDecrypt gives the mobile', T, async () => {
  const ready = await postWorld(server, WORLD);
  const sdk = sdkFor(server, ready.appIds.corp, { encryptKey: KEYS.aes });
  const text = await phoneMessage('alice', 'corp');

  const msg = JSON.parse(text);
  assert.equal(msg.sign_type, 'RSA2');
  assert.equal(msg.encrypt_type, 'AES');
  assert.equal(msg.charset, 'UTF-8');
  assert.equal(typeof msg.response, 'string');
  assert.equal(typeof msg.sign, 'string');

  assert.equal(sdk.rsaCheck(`"${msg.response}"`, msg.sign, msg.sign_type), true,
    `rsaCheck('"' + response + '"', sign) failed for ${text}`);
  const plain = JSON.parse(sdk.aesDecrypt(msg.response));
  assert.deepEqual(plain, { code: '10000', msg: 'Success', mobile: '13800138000' });

  // The check means something: a sign over other text, or another AES key, does not pass.
  assert.equal(sdk.rsaCheck(`"${msg.response}x"`, msg.sign, 'RSA2'), false);
  const wrongAes = sdkFor(server, ready.appIds.corp,
    { encryptKey: Buffer.alloc(16, 7).toString('base64') });
  let wrongPlain;
  try { wrongPlain = wrongAes.aesDecrypt(msg.response); } catch { wrongPlain = undefined; }
  assert.notEqual(wrongPlain, sdk.aesDecrypt(msg.response));
});

test('an app without an AES key: 40001 isv.missing-encrypt-key', T, async () => {
  await postWorld(server, WORLD);
  const text = await phoneMessage('alice', 'nokey');
  assert.match(text, /isv\.missing-encrypt-key/, text);
  assert.match(text, /40001/, text);
});
