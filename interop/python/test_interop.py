"""alipay-sdk-python 3.7.1411 against `authsim serve --http`.

The SDK's DefaultAlipayClient is used as published (signing, the request's query/body split,
and the response sign check in __parse_response), with one exception: its transport cannot reach
a gateway on any port but 80. alipay/aop/api/util/WebUtils.py get_http_connection() always
connects to port 80 and then does `url += url_parse_result.port` (str + int), so any server_url
with a port raises TypeError before sending. TRANSPORT_SHIM below replaces that one function with
a version that honours the port; test_sdk_cannot_use_a_port_unpatched pins the bug so the shim
can go when the SDK is fixed.

The SDK's AES helper (EncryptUtils.aes_decrypt_content) cannot run on Python 3 either (its IV is a
str, which pycryptodome refuses), so the phone-number test verifies with the SDK's
verify_with_rsa and decrypts with pycryptodome directly; test_phone_number pins that bug too.

AUTHSIM_BIN is the authsim binary (default: target/release/authsim at the repository root).
"""

import base64
import http.client
import json
import os
import re
import signal
import subprocess
import threading
import unittest
import urllib.error
import urllib.parse
import urllib.request

import alipay.aop.api.util.WebUtils as WebUtils
from Crypto.Cipher import AES
from Crypto.Util.Padding import unpad
from alipay.aop.api.AlipayClientConfig import AlipayClientConfig
from alipay.aop.api.DefaultAlipayClient import DefaultAlipayClient
from alipay.aop.api.request.AlipaySystemOauthTokenRequest import AlipaySystemOauthTokenRequest
from alipay.aop.api.request.AlipayUserInfoShareRequest import AlipayUserInfoShareRequest
from alipay.aop.api.response.AlipaySystemOauthTokenResponse import AlipaySystemOauthTokenResponse
from alipay.aop.api.response.AlipayUserInfoShareResponse import AlipayUserInfoShareResponse
from alipay.aop.api.util.EncryptUtils import decrypt_content
from alipay.aop.api.util.SignatureUtils import verify_with_rsa

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEYS = os.path.join(REPO, "keys")
START_TIMEOUT = 15
HTTP_TIMEOUT = 5

_sdk_get_http_connection = WebUtils.get_http_connection


def TRANSPORT_SHIM(url, query_string, timeout):
    """WebUtils.get_http_connection with the URL's port honoured (see the module docstring)."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme != "http" or parsed.hostname != "127.0.0.1":
        raise AssertionError("the interop suite only talks to http://127.0.0.1, not " + url)
    connection = http.client.HTTPConnection(host=parsed.hostname, port=parsed.port or 80,
                                            timeout=timeout)
    # Same absolute-form request target as the SDK builds.
    return parsed.scheme + "://" + parsed.netloc + parsed.path + "?" + query_string, connection


WebUtils.get_http_connection = TRANSPORT_SHIM


def read_key(name):
    with open(os.path.join(KEYS, name), encoding="utf-8") as f:
        return f.read().strip()


def authsim_bin():
    bin_path = os.environ.get("AUTHSIM_BIN") or os.path.join(REPO, "target", "release", "authsim")
    return os.path.abspath(bin_path)


class Server:
    """`authsim serve --http 127.0.0.1:0`, stopped with SIGTERM (SIGKILL after 5 s)."""

    def __init__(self):
        bin_path = authsim_bin()
        if not os.path.exists(bin_path):
            raise RuntimeError("authsim binary not found at %s: set AUTHSIM_BIN or run "
                               "`cargo build --release -p authsim-cli`" % bin_path)
        self.proc = subprocess.Popen([bin_path, "serve", "--http", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True)
        self.stderr = []
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()
        found = {}
        got_url = threading.Event()

        def read_url():
            for line in self.proc.stdout:
                m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
                if m and not got_url.is_set():
                    found["url"] = "http://127.0.0.1:" + m.group(1)
                    got_url.set()
            got_url.set()  # stdout closed: the server exited

        threading.Thread(target=read_url, daemon=True).start()
        got_url.wait(START_TIMEOUT)
        if "url" not in found:
            self.stop()
            raise RuntimeError("authsim printed no base URL within %d s; stderr: %s"
                               % (START_TIMEOUT, "".join(self.stderr)))
        self.url = found["url"]
        self.gateway = self.url + "/gateway.do"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def post(self, path, obj):
        req = urllib.request.Request(self.url + path, data=json.dumps(obj).encode("utf-8"),
                                     headers={"content-type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as res:
                return json.loads(res.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            raise AssertionError("POST %s %s: HTTP %d %s"
                                 % (path, json.dumps(obj), e.code, e.read()[:500]))

    def world(self, header):
        return self.post("/sim/world", header)["ready"]

    def step(self, obj):
        return self.post("/sim/steps", obj)

    def auth_code(self, user, app, scopes="auth_base"):
        step = self.step({"op": "my.getAuthCode", "user": user, "app": app, "scopes": scopes})
        if step.get("outcome") != "success":
            raise AssertionError("my.getAuthCode failed: " + json.dumps(step))
        return step["result"]["authCode"]


def client(server, app_id, private_key=None):
    config = AlipayClientConfig()
    config.server_url = server.gateway
    config.app_id = app_id
    config.app_private_key = private_key or read_key("app-test-private.pem")
    config.alipay_public_key = read_key("alipay-test-public.pem")
    config.timeout = HTTP_TIMEOUT
    return DefaultAlipayClient(config)


def exchange(alipay_client, code):
    request = AlipaySystemOauthTokenRequest()
    request.grant_type = "authorization_code"
    request.code = code
    text = alipay_client.execute(request)  # checks the gateway's sign; raises if it is wrong
    response = AlipaySystemOauthTokenResponse()
    response.parse_response_content(text)
    return response


WORLD = {
    "seed": 5,
    "apps": [
        {"name": "shop", "packages": ["jsapi_basic", "member_info"]},
        {"name": "corp", "packages": ["jsapi_basic", "phone_number"], "enterprise": True,
         "aesKey": read_key("app-test-aes.txt")},
    ],
    "users": [{"name": "alice", "nickName": "Alice", "mobile": "13800138000"}],
}


class PythonSdkInterop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.ready = self.server.world(WORLD)
        self.shop = client(self.server, self.ready["appIds"]["shop"])

    def test_code_exchange(self):
        response = exchange(self.shop, self.server.auth_code("alice", "shop"))
        self.assertTrue(response.is_success(), response.body)
        self.assertRegex(response.user_id, r"^2088\d{12}$")
        self.assertTrue(response.open_id)
        self.assertTrue(response.access_token)
        self.assertTrue(response.refresh_token)
        self.assertEqual(int(response.expires_in), 1296000)
        self.assertEqual(int(response.re_expires_in), 2592000)

    def test_replay(self):
        code = self.server.auth_code("alice", "shop")
        self.assertTrue(exchange(self.shop, code).is_success())
        replay = exchange(self.shop, code)
        self.assertFalse(replay.is_success())
        self.assertEqual(replay.code, "40002", replay.body)
        self.assertEqual(replay.sub_code, "isv.code-invalid", replay.body)

    def test_awkward_code_is_read_back_exactly(self):
        # quote_plus on the SDK side, form decoding on the gateway's: a code full of characters
        # that need encoding must be refused as a code, not as a bad signature.
        response = exchange(self.shop, "a+b&c=d e/f%20\u4e2d\u6587")
        self.assertEqual(response.code, "40002", response.body)
        self.assertEqual(response.sub_code, "isv.code-invalid", response.body)

    def test_wrong_private_key(self):
        wrong = client(self.server, self.ready["appIds"]["shop"], read_key("other-test-private.pem"))
        response = exchange(wrong, self.server.auth_code("alice", "shop"))
        self.assertEqual(response.code, "40002", response.body)
        self.assertEqual(response.sub_code, "isv.invalid-signature", response.body)

    def test_user_info_share(self):
        token = exchange(self.shop, self.server.auth_code("alice", "shop", "auth_user"))
        request = AlipayUserInfoShareRequest()
        request.add_other_text_param("auth_token", token.access_token)
        response = AlipayUserInfoShareResponse()
        response.parse_response_content(self.shop.execute(request))
        self.assertEqual(response.code, "10000", response.body)
        self.assertEqual(response.user_id, token.user_id)
        self.assertEqual(response.nick_name, "Alice")

    def test_phone_number(self):
        self.server.step({"op": "button.getAuthorize", "user": "alice", "app": "corp",
                          "scope": "phoneNumber", "decision": "accept"})
        step = self.server.step({"op": "my.getPhoneNumber", "user": "alice", "app": "corp"})
        message = json.loads(step["result"]["response"])
        self.assertEqual(message["encrypt_type"], "AES")
        # The SDK's own verifier, over the ciphertext with its quotes (raises if the sign is bad).
        self.assertTrue(verify_with_rsa(read_key("alipay-test-public.pem"),
                                        ('"' + message["response"] + '"').encode("utf-8"),
                                        message["sign"]))
        # The SDK's own decrypt_content cannot run on Python 3: EncryptUtils.aes_decrypt_content
        # passes the IV as the str '\0' * 16, which pycryptodome refuses (TypeError). So decrypt
        # with pycryptodome, the SDK's AES dependency, exactly as that function means to:
        # AES-128-CBC, zero IV, PKCS#7, UTF-8.
        key = read_key("app-test-aes.txt")
        with self.assertRaises(TypeError):
            decrypt_content(message["response"], "AES", key, "utf-8")
        cipher = AES.new(base64.b64decode(key), AES.MODE_CBC, iv=bytes(16))
        plain = unpad(cipher.decrypt(base64.b64decode(message["response"])), 16).decode("utf-8")
        self.assertEqual(json.loads(plain),
                         {"code": "10000", "msg": "Success", "mobile": "13800138000"})

    def test_sdk_cannot_use_a_port_unpatched(self):
        with self.assertRaises(TypeError):
            _sdk_get_http_connection(self.server.gateway, "a=b", HTTP_TIMEOUT)


if __name__ == "__main__":
    unittest.main(verbosity=2)
