// Helpers for the interop suite: start `authsim serve --http` on a loopback port, drive the
// simulated user and clock through /sim/*, and build official-SDK clients pointed at the gateway.
//
// Everything talks to 127.0.0.1 only, and every wait is bounded.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlipaySdk, AlipayRequestError } from 'alipay-sdk';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const KEY_DIR = path.join(REPO, 'keys');

/** Reads a test key from the repository's keys/ directory (trimmed). */
export function key(name) {
  return fs.readFileSync(path.join(KEY_DIR, name), 'utf8').trim();
}

export const KEYS = {
  alipayPublic: key('alipay-test-public.pem'),
  appPrivate: key('app-test-private.pem'),
  appPrivatePkcs8: key('app-test-private-pkcs8.pem'),
  otherPrivate: key('other-test-private.pem'),
  aes: key('app-test-aes.txt'),
};

export function authsimBin() {
  return process.env.AUTHSIM_BIN
    ? path.resolve(process.env.AUTHSIM_BIN)
    : path.join(REPO, 'target', 'release', 'authsim');
}

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const HTTP_TIMEOUT_MS = 5_000;

const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Starts `authsim serve --http 127.0.0.1:0 [...extraArgs]` and resolves once it has printed its
 * base URL. Rejects (and kills the child) after START_TIMEOUT_MS or if it exits first.
 */
export async function startServer(extraArgs = []) {
  const bin = authsimBin();
  if (!fs.existsSync(bin)) {
    throw new Error(`authsim binary not found at ${bin}: set AUTHSIM_BIN or run `
      + '`cargo build --release -p authsim-cli` at the repository root');
  }
  const args = ['serve', '--http', '127.0.0.1:0', ...extraArgs];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  child.stdout.setEncoding('utf8');

  const url = await new Promise((resolve, reject) => {
    let stdout = '';
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      live.delete(child);
      reject(new Error(`${bin} ${args.join(' ')}: ${why}\nstdout: ${stdout}\nstderr: ${stderr}`));
    };
    const timer = setTimeout(() => fail(`no base URL on stdout within ${START_TIMEOUT_MS} ms`),
      START_TIMEOUT_MS);
    child.on('error', (err) => fail(`spawn failed: ${err.message}`));
    child.on('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
  });
  child.stdout.resume();

  return {
    url,
    gateway: `${url}/gateway.do`,
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) { live.delete(child); return; }
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      live.delete(child);
    },
  };
}

/** One HTTP request to the server with a bounded wait; returns {status, headers, text, json}. */
export async function http(server, method, urlPath, body) {
  const init = { method, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(server.url + urlPath, init);
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

function describe(res) {
  return `HTTP ${res.status}: ${res.text.slice(0, 500)}`;
}

/** POST /sim/world; returns the `ready` object (with appIds). */
export async function postWorld(server, header) {
  const res = await http(server, 'POST', '/sim/world', header);
  if (res.status !== 200 || !res.json?.ready) {
    throw new Error(`POST /sim/world refused: ${describe(res)}`);
  }
  return res.json.ready;
}

/** POST /sim/steps with one step; returns the trace step. */
export async function postStep(server, step) {
  const res = await http(server, 'POST', '/sim/steps', step);
  if (res.status !== 200 || !res.json) {
    throw new Error(`POST /sim/steps ${JSON.stringify(step)} refused: ${describe(res)}`);
  }
  return res.json;
}

/** my.getAuthCode for (user, app) that must succeed; returns the auth code. */
export async function authCode(server, user, app, scopes = 'auth_base', decision = 'accept') {
  const step = await postStep(server, { op: 'my.getAuthCode', user, app, scopes, decision });
  if (step.outcome !== 'success' || typeof step.result?.authCode !== 'string') {
    throw new Error(`my.getAuthCode did not succeed: ${JSON.stringify(step)}`);
  }
  return step.result.authCode;
}

/**
 * The official SDK configured the way the issue says a developer would: only gateway, appId,
 * privateKey and alipayPublicKey (plus encryptKey / keyType where a test needs them).
 */
export function sdkFor(server, appId, extra = {}) {
  return new AlipaySdk({
    gateway: server.gateway,
    appId,
    privateKey: KEYS.appPrivate,
    alipayPublicKey: KEYS.alipayPublic,
    timeout: HTTP_TIMEOUT_MS,
    ...extra,
  });
}

// Cuts the text of `<key>` object out of a raw gateway body the way alipay-sdk-python 3.7.1411
// does (DefaultAlipayClient.__parse_response): from the `{` after `"<key>":` to the `}` just
// before the last `,"sign":"`. Returns {content, sign} or undefined.
export function cutSigned(raw, responseKey) {
  const begin = new RegExp(`"${responseKey}"[ \\t\\n]*:[ \\t\\n]*\\{`).exec(raw);
  const signRe = /\}[ \t\n]*,[ \t\n]*"sign"[ \t\n]*:[ \t\n]*"/g;
  let last;
  for (let m; (m = signRe.exec(raw));) last = m;
  if (!begin || !last) return undefined;
  const content = raw.slice(begin.index + begin[0].length - 1, last.index + 1);
  const signStart = last.index + last[0].length;
  const sign = raw.slice(signStart, raw.indexOf('"', signStart));
  return { content, sign };
}

function camel(obj) {
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    out[k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())] = v;
  }
  return out;
}

/**
 * `sdk.exec(method, params, {validateSign: true})`, i.e. the SDK checks the gateway's sign.
 *
 * alipay-sdk 4.14.0 cannot verify the sign of a body keyed `error_response` (getSignStr only
 * looks for `<method>_response`, src/alipay.ts 776-807) and throws `验签失败` for it, exactly as
 * it would against the real gateway. For that one case the answer is still checked: the
 * `error_response` object text is verified with the SDK's own `rsaCheck` and the Alipay public
 * key, and returned camel-cased as the SDK would have. Returns {result, signCheckedBy}.
 */
export async function execSigned(sdk, method, params) {
  try {
    const result = await sdk.exec(method, params, { validateSign: true });
    return { result, signCheckedBy: 'sdk.exec validateSign' };
  } catch (err) {
    const raw = err instanceof AlipayRequestError ? err.responseDataRaw : undefined;
    if (!raw || !String(err.message).startsWith('验签失败')) throw err;
    let body;
    try { body = JSON.parse(raw); } catch { throw err; }
    const methodKey = `${method.replaceAll('.', '_')}_response`;
    if (body[methodKey] !== undefined || body.error_response === undefined) throw err;
    const cut = cutSigned(raw, 'error_response');
    if (!cut) {
      throw new Error(`error_response body without a cuttable sign: ${raw}`, { cause: err });
    }
    if (cut.sign !== body.sign) {
      throw new Error(`the last "sign" in the body is not the top-level sign: ${raw}`);
    }
    if (!sdk.rsaCheck(cut.content, cut.sign, 'RSA2')) {
      throw new Error(`error_response sign does not verify over ${cut.content}`, { cause: err });
    }
    return { result: camel(body.error_response), signCheckedBy: 'rsaCheck over error_response' };
  }
}

/** Runs `fn(server)` against a fresh server and always stops it. */
export async function withServer(fn, extraArgs) {
  const server = await startServer(extraArgs);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}
