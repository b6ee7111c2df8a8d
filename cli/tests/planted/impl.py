#!/usr/bin/env python3
"""A planted-bug implementation of the SPEC 8.8 line protocol, for cli/tests/conform.rs.

It wraps `authsim serve --stdio` (the reference) and corrupts one kind of answer, chosen by
MODE, so that `authsim conform` can be shown to catch it and to name the rule:

    impl.py AUTHSIM MODE

  honest              no corruption (the wrapper itself conforms)
  popup-not-counted   the button's popup is reported as 0 popups (R-POPUP-COUNT)
  replay-accepted     a code presented again is accepted, not refused (R-GW-CODE-REPLAY)
  message-changed     error 11's errorMessage is reworded (R-ERROR-TABLE)
  identifier-changed  the gateway's user_id has its last digit changed (R-GW-USER-ID)
  no-reject           a rejected scenario line is answered with a trace (negative vectors)
  hang                stops answering at the third input line
  crash               exits with status 3 at the third input line
  garbage             answers the third input line with text that is not JSON
"""

import json
import subprocess
import sys
import time


def corrupt(mode, step, answer, redeemed):
    """The answer line to print for input `step` (parsed) whose true answer is `answer`."""
    a = json.loads(answer)
    result = a.get("result") if isinstance(a.get("result"), dict) else {}
    changed = False
    if mode == "popup-not-counted":
        if step.get("op") == "button.getAuthorize" and a.get("popups") == 1:
            a["popups"] = 0
            changed = True
    elif mode == "replay-accepted":
        if step.get("op") == "alipay.system.oauth.token" and step.get("grant_type") == "authorization_code":
            code = json.dumps(step.get("code"))
            error = result.get("error_response", {})
            if "alipay_system_oauth_token_response" in result:
                redeemed.setdefault(code, a)
            elif code in redeemed and error.get("sub_code") == "isv.code-invalid":
                a = dict(redeemed[code], index=a["index"])
                changed = True
    elif mode == "message-changed":
        if result.get("errorMessage") == "用户点击拒绝授权":
            result["errorMessage"] = "用户拒绝了授权"
            changed = True
    elif mode == "identifier-changed":
        token = result.get("alipay_system_oauth_token_response", {})
        user_id = token.get("user_id")
        if isinstance(user_id, str) and user_id[-1:].isdigit():
            token["user_id"] = user_id[:-1] + str((int(user_id[-1]) + 1) % 10)
            changed = True
    elif mode == "no-reject":
        if "steps" in step and "op" not in step and "error" in a:
            a = {"trace": {"seed": step.get("seed", 0), "steps": [], "summary": {}}}
            changed = True
    if not changed:
        return answer
    return json.dumps(a, ensure_ascii=False, separators=(",", ":")) + "\n"


def main():
    authsim, mode = sys.argv[1], sys.argv[2]
    child = subprocess.Popen(
        [authsim, "serve", "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    out = sys.stdout.buffer
    redeemed = {}
    count = 0
    for raw in sys.stdin.buffer:
        if not raw.strip():
            continue
        count += 1
        if count == 3 and mode == "hang":
            time.sleep(3600)
        if count == 3 and mode == "crash":
            print("planted crash at input line 3", file=sys.stderr, flush=True)
            sys.exit(3)
        child.stdin.write(raw if raw.endswith(b"\n") else raw + b"\n")
        child.stdin.flush()
        answer = child.stdout.readline().decode("utf-8")
        if count == 3 and mode == "garbage":
            answer = "this is not JSON\n"
        else:
            try:
                step = json.loads(raw)
            except ValueError:
                step = None
            if isinstance(step, dict):
                answer = corrupt(mode, step, answer, redeemed)
        out.write(answer.encode("utf-8"))
        out.flush()
    child.stdin.close()
    out.write(child.stdout.read())
    out.flush()
    sys.exit(child.wait())


if __name__ == "__main__":
    main()
