// What the SDK did over HTTP is recorded: GET /sim/scenario replays through `authsim run` to the
// trace GET /sim/trace shows, byte for byte.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, postWorld, postStep, authCode, sdkFor, execSigned, http, authsimBin, KEYS,
} from '../lib/authsim.mjs';

const T = { timeout: 60_000 };
let server;

before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

function run(args) {
  return new Promise((resolve, reject) => {
    execFile(authsimBin(), args, { timeout: 30_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`authsim ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

test('GET /sim/scenario replays through authsim run to GET /sim/trace', T, async () => {
  const ready = await postWorld(server, {
    seed: 41,
    apps: [
      { name: 'shop', packages: ['jsapi_basic', 'member_info'] },
      { name: 'corp', packages: ['jsapi_basic', 'phone_number'], enterprise: true, aesKey: KEYS.aes },
    ],
    users: [{ name: 'alice', nickName: 'Alice', mobile: '13800138000' }, { name: 'bob' }],
  });
  const shop = sdkFor(server, ready.appIds.shop);
  const code = await authCode(server, 'alice', 'shop', 'auth_user');
  const token = (await execSigned(shop, 'alipay.system.oauth.token',
    { grant_type: 'authorization_code', code })).result;
  await execSigned(shop, 'alipay.system.oauth.token', { grant_type: 'authorization_code', code });
  await postStep(server, { op: 'clock.advance', seconds: 60 });
  const fresh = (await execSigned(shop, 'alipay.system.oauth.token',
    { grant_type: 'authorization_code', code: await authCode(server, 'bob', 'shop') })).result;
  await execSigned(shop, 'alipay.system.oauth.token',
    { grant_type: 'refresh_token', refresh_token: fresh.refreshToken });
  await execSigned(shop, 'alipay.user.info.share', { auth_token: token.accessToken });
  await execSigned(sdkFor(server, ready.appIds.shop, { privateKey: KEYS.otherPrivate }),
    'alipay.system.oauth.token', { grant_type: 'authorization_code', code: 'x' });
  await postStep(server, { op: 'button.getAuthorize', user: 'alice', app: 'corp', scope: 'phoneNumber' });
  await postStep(server, { op: 'my.getPhoneNumber', user: 'alice', app: 'corp' });

  const scenario = await http(server, 'GET', '/sim/scenario');
  assert.equal(scenario.status, 200);
  const trace = await http(server, 'GET', '/sim/trace');
  assert.equal(trace.status, 200);
  const steps = trace.json?.steps ?? [];
  assert.ok(steps.some((s) => s.op === 'alipay.user.info.share'),
    'the gateway requests that came over HTTP are in the trace');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsim-interop-'));
  try {
    const file = path.join(dir, 'scenario.json');
    fs.writeFileSync(file, scenario.text);
    const replayed = await run(['run', '--json', file]);
    assert.equal(replayed, trace.text);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
