"""Drive a Tessera server with Mastodon.py, a real third-party client.

Run as: python mastodon_py_flow.py BASE_URL
Two people, alice and bob, register through the API, sign in (bob with the password
grant, alice with the authorization-code flow and PKCE), follow, post, favourite,
reblog, read timelines and notifications, and page through statuses with the Link
header. Exits non-zero on the first failure; ends with "mastodon.py: N passed, 0 failed".
"""

import base64
import hashlib
import secrets
import sys
import time
import urllib.parse

import requests
from mastodon import Mastodon

BASE = sys.argv[1].rstrip("/")
REDIRECT = "http://127.0.0.1:1/callback"
SCOPES = ["read", "write", "follow", "push"]
PASSWORD = "correct horse battery"
passed = 0


def step(name):
    def wrap(fn):
        def run(*args):
            global passed
            result = fn(*args)
            passed += 1
            print(f"ok {passed}: {name}", flush=True)
            return result
        return run
    return wrap


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def eventually(what, probe, seconds=5.0):
    """Home timelines and notifications are filled by asynchronous projectors."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def api(**kwargs):
    return Mastodon(api_base_url=BASE, request_timeout=10, **kwargs)


@step("register an app")
def register_app():
    client_id, client_secret = Mastodon.create_app(
        "mastodon.py flow", scopes=SCOPES, redirect_uris=[REDIRECT], api_base_url=BASE, request_timeout=10
    )
    check(client_id and client_secret, "create_app returned no credentials")
    return client_id, client_secret


@step("create an account through the API")
def create_account(app, username):
    client = api(client_id=app[0], client_secret=app[1])
    token = client.create_account(username, PASSWORD, f"{username}@example.com", agreement=True, locale="en")
    check(token, "no access token")
    me = api(access_token=token).account_verify_credentials()
    check(me.username == username, f"verify_credentials says {me.username}")
    return me


@step("sign in with the password grant")
def password_login(app, email):
    client = api(client_id=app[0], client_secret=app[1])
    token = client.log_in(email, PASSWORD, scopes=SCOPES, allow_http=True)  # loopback test server
    session = api(access_token=token)
    check(session.account_verify_credentials().acct == "bob", "password grant signed in as someone else")
    return session


@step("sign in with the authorization-code flow and PKCE")
def pkce_login(app, username):
    client = api(client_id=app[0], client_secret=app[1])
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    url = client.auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES, state="s1", allow_http=True)
    url += "&" + urllib.parse.urlencode({"code_challenge": challenge, "code_challenge_method": "S256"})
    page = requests.get(url, timeout=10)
    check(page.status_code == 200 and "<form" in page.text, f"authorize page: {page.status_code}")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query))
    form = {k: v for k, v in query.items() if k in ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method")}
    form.update({"username": username, "password": PASSWORD, "decision": "approve"})
    answer = requests.post(f"{BASE}/oauth/authorize", data=form, allow_redirects=False, timeout=10)
    check(answer.status_code == 302, f"authorize answered {answer.status_code}")
    location = urllib.parse.urlparse(answer.headers["Location"])
    params = dict(urllib.parse.parse_qsl(location.query))
    check(params.get("state") == "s1", "state was not returned")
    # Mastodon.py cannot send a code_verifier, so the exchange is made directly.
    token = requests.post(
        f"{BASE}/oauth/token",
        data={"grant_type": "authorization_code", "code": params["code"], "client_id": app[0],
              "client_secret": app[1], "redirect_uri": REDIRECT, "code_verifier": verifier},
        timeout=10,
    )
    check(token.status_code == 200, f"token exchange: {token.status_code} {token.text}")
    session = api(access_token=token.json()["access_token"])
    check(session.account_verify_credentials().username == username, "PKCE flow signed in as someone else")
    return session


@step("bob follows alice")
def follow(bob, alice_id):
    rel = bob.account_follow(alice_id)
    check(rel.following, "relationship does not show following")


@step("alice posts a public status with a hashtag and a mention")
def post(alice):
    status = alice.status_post("Hello @bob, welcome to #tessera")
    check(status.visibility == "public", f"visibility {status.visibility}")
    check('class="u-url mention"' in status.content, "mention not linked")
    check('class="mention hashtag"' in status.content, "hashtag not linked")
    check([t.name for t in status.tags] == ["tessera"], f"tags {status.tags}")
    return status


@step("bob sees it in his home timeline")
def home(bob, status_id):
    eventually("alice's status in bob's home", lambda: any(s.id == status_id for s in bob.timeline_home()))


@step("bob favourites it")
def favourite(bob, status_id):
    status = bob.status_favourite(status_id)
    check(status.favourited and status.favourites_count == 1, "favourite not counted")


@step("both are notified")
def notified(alice, bob, bob_id):
    def kinds():
        found = {(n.type, n.account.id) for n in alice.notifications()}
        return {("favourite", bob_id), ("follow", bob_id)} <= found
    eventually("alice's favourite and follow notifications", kinds)
    eventually("bob's mention", lambda: any(n.type == "mention" for n in bob.notifications()))


@step("reblog and undo both")
def reblog_and_undo(alice, bob, status_id):
    boosted = bob.status_reblog(status_id)
    check(boosted.reblog.id == status_id, "reblog does not wrap the original")
    check(alice.status(status_id).reblogs_count == 1, "reblog not counted")
    bob.status_unreblog(status_id)
    bob.status_unfavourite(status_id)
    after = alice.status(status_id)
    check(after.reblogs_count == 0 and after.favourites_count == 0, "counts did not return to 0")


@step("page through statuses with the Link header")
def paging(alice, alice_id, first_id):
    posted = [first_id] + [alice.status_post(f"post number {i}").id for i in range(5)]
    page = alice.account_statuses(alice_id, limit=2)
    seen = []
    while page:
        seen.extend(s.id for s in page)
        page = alice.fetch_next(page)
    check(seen == sorted(posted, reverse=True), f"pages gave {seen}")
    check(len(set(seen)) == len(seen), "a status appeared twice")


def main():
    app = register_app()
    alice_me = create_account(app, "alice")
    bob_me = create_account(app, "bob")
    bob = password_login(app, "bob@example.com")
    alice = pkce_login(app, "alice")
    follow(bob, alice_me.id)
    status = post(alice)
    home(bob, status.id)
    favourite(bob, status.id)
    notified(alice, bob, bob_me.id)
    reblog_and_undo(alice, bob, status.id)
    paging(alice, alice_me.id, status.id)
    print(f"mastodon.py: {passed} passed, 0 failed")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one clear line for the log, then a failing exit status
        print(f"FAILED after {passed} steps: {type(e).__name__}: {e}", file=sys.stderr)
        print(f"mastodon.py: {passed} passed, 1 failed")
        sys.exit(1)
