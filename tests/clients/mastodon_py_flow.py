"""Drive a Tessera server with Mastodon.py, a real third-party client.

Run as: python mastodon_py_flow.py BASE_URL
Two people, alice and bob, register through the API, sign in (bob with the password
grant, alice with the authorization-code flow and PKCE), follow, post, favourite,
reblog, read timelines and notifications, page through statuses with the Link header,
upload media (waiting for processing) and post it, edit with history, bookmark, pin,
mute and block, keep markers, stream (update, notification, delete over SSE, and over
one WebSocket), search statuses, vote in a poll, keep a list and a filter, read a direct
conversation, read grouped notifications, schedule a status and file a report. Exits
non-zero on the first failure; ends with "mastodon.py: N passed, 0 failed".
"""

import base64
import datetime
import hashlib
import secrets
import struct
import sys
import threading
import time
import urllib.parse
import zlib

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


def png(width, height):
    """A small valid PNG, made without an imaging library."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"".join(bytes([(x * 40) % 256, (y * 60) % 256, 200]) for x in range(width)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@step("upload an image, wait for processing, and post it")
def media(alice):
    uploaded = alice.media_post(png(64, 48), mime_type="image/png", description="A gradient", focus=(0.5, -0.5), synchronous=True)
    check(uploaded.url and uploaded.type == "image", f"upload: {uploaded}")
    check(uploaded.meta.original.width == 64 and uploaded.meta.focus.x == 0.5, f"meta: {uploaded.meta}")
    check(uploaded.blurhash, "no blurhash")
    described = alice.media_update(uploaded.id, description="A blue gradient")
    check(described.description == "A blue gradient", "description not updated")
    status = alice.status_post("", media_ids=[uploaded.id])
    check([m.id for m in status.media_attachments] == [uploaded.id], "attachment not on the status")
    served = requests.get(status.media_attachments[0].url, timeout=10)
    check(served.status_code == 200 and served.headers["Content-Type"] == "image/png", "file not served")
    return status


@step("edit a status and read its history and source")
def edits(alice):
    status = alice.status_post("first words")
    alice.status_update(status.id, "second words")
    history = alice.status_history(status.id)
    check([h.content for h in history] == ["<p>first words</p>", "<p>second words</p>"], f"history: {history}")
    check(alice.status_source(status.id).text == "second words", "source is not the new text")


@step("bookmark and pin")
def bookmark_and_pin(alice, bob, status_id):
    bob.status_bookmark(status_id)
    check([s.id for s in bob.bookmarks()] == [status_id], "bookmarks")
    pinned = alice.status_pin(status_id)
    check(pinned.pinned, "not pinned")
    check([s.id for s in bob.account_statuses(alice.me().id, pinned=True)] == [status_id], "pinned list")
    alice.status_unpin(status_id)
    bob.status_unbookmark(status_id)


@step("mute and block, then undo")
def mute_and_block(bob, alice_id):
    rel = bob.account_mute(alice_id, notifications=True, duration=3600)
    check(rel.muting and rel.muting_notifications, "mute")
    check([a.id for a in bob.mutes()] == [alice_id], "mutes list")
    bob.account_unmute(alice_id)
    rel = bob.account_block(alice_id)
    check(rel.blocking and not rel.following, "a block ends the follow")
    check([a.id for a in bob.blocks()] == [alice_id], "blocks list")
    bob.account_unblock(alice_id)
    bob.account_follow(alice_id)


@step("save and read markers")
def markers(bob, status_id):
    bob.markers_set(["home"], [status_id])
    got = bob.markers_get(["home"])
    check(got.home.last_read_id == status_id, f"markers: {got}")


class Listener:
    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

    def handle(self, kind, payload):
        with self.lock:
            self.events.append((kind, payload))

    def seen(self, kind, test):
        with self.lock:
            return any(k == kind and test(p) for k, p in self.events)


@step("stream: update, notification and delete over server-sent events")
def streaming(alice, bob):
    from mastodon import StreamListener

    got = Listener()

    class Forward(StreamListener):
        def on_update(self, status):
            got.handle("update", status)

        def on_notification(self, notification):
            got.handle("notification", notification)

        def on_delete(self, status_id):
            got.handle("delete", status_id)

    handle = alice.stream_user(Forward(), run_async=True, reconnect_async=False)
    try:
        eventually("the stream to open", lambda: handle.is_receiving(), seconds=10)
        time.sleep(0.3)
        # alice follows bob back, so bob's post enters her home.
        alice.account_follow(bob.me().id)
        posted = bob.status_post("streamed to alice")
        eventually("the update", lambda: got.seen("update", lambda s: s.id == posted.id), seconds=10)
        mine = alice.status_post("favourite me")
        bob.status_favourite(mine.id)
        eventually("the notification", lambda: got.seen("notification", lambda n: n.type == "favourite"), seconds=10)
        bob.status_delete(posted.id)
        eventually("the delete", lambda: got.seen("delete", lambda i: str(i) == str(posted.id)), seconds=10)
    finally:
        handle.close()


@step("stream over one WebSocket: user and hashtag subscriptions")
def websocket_streaming(alice, bob):
    from mastodon import StreamListener

    got = Listener()

    class Forward(StreamListener):
        def on_update(self, status):
            got.handle("update", status)

    handle = alice.stream_open_websocket(Forward())
    try:
        eventually("the socket to open", lambda: handle.is_receiving(), seconds=10)
        alice.stream_user(Forward(), websocket_handle=handle)
        alice.stream_hashtag("sockets", Forward(), websocket_handle=handle)
        time.sleep(0.5)
        posted = bob.status_post("over the #sockets")
        eventually(
            "the update on both subscriptions",
            lambda: sum(1 for k, p in list(got.events) if k == "update" and p.id == posted.id) >= 2,
            seconds=10,
        )
    finally:
        handle.close()


@step("search statuses by their words")
def search(alice, bob):
    posted = bob.status_post("sourdough starter tips")
    found = eventually(
        "the status in search",
        lambda: alice.search_v2("starter sourdough", resolve=False, result_type="statuses").statuses,
    )
    check(found[0].id == posted.id, f"search found {found}")


@step("vote in a poll and read the results")
def polls(alice, bob):
    poll = alice.make_poll(["tea", "coffee"], expires_in=600)
    status = alice.status_post("which?", poll=poll)
    voted = bob.poll_vote(status.poll.id, [1])
    check(voted.voted and voted.own_votes == [1], f"vote: {voted}")
    check(alice.poll(status.poll.id).options[1].votes_count == 1, "the vote is counted")


@step("keep a list and read its timeline")
def lists(alice, bob_id):
    friends = alice.list_create("friends")
    alice.list_accounts_add(friends, [bob_id])
    check([a.id for a in alice.list_accounts(friends)] == [bob_id], "bob is on the list")
    eventually("bob's posts in the list", lambda: alice.timeline_list(friends))
    alice.list_delete(friends)
    check(all(l.id != friends.id for l in alice.lists()), "the list is gone")


@step("a filter hides matching posts from home")
def filters(alice, bob):
    hidden = alice.create_filter_v2(
        "spoilers", context=["home"], filter_action="hide",
        keywords_attributes=[{"keyword": "ending", "whole_word": True}],
    )
    spoiler = bob.status_post("the ending is a twist")
    plain = bob.status_post("nothing to hide")
    eventually("the plain post at home", lambda: any(s.id == plain.id for s in alice.timeline_home()))
    check(all(s.id != spoiler.id for s in alice.timeline_home()), "the filtered post is hidden")
    alice.delete_filter_v2(hidden)
    check(alice.filters_v2() == [], "the filter is gone")


@step("read a direct conversation")
def conversations(alice, bob):
    dm = bob.status_post("@alice between us", visibility="direct")
    conversation = eventually(
        "the conversation",
        lambda: [c for c in alice.conversations() if c.last_status.id == dm.id],
    )[0]
    check(conversation.unread, "it is unread")
    check(not alice.conversations_read(conversation.id).unread, "and then read")


@step("read grouped notifications")
def grouped(alice, bob):
    status = alice.status_post("group these")
    bob.status_favourite(status.id)
    results = eventually(
        "the favourite group",
        lambda: [g for g in alice.grouped_notifications().notification_groups
                 if g.type == "favourite" and str(g.status_id) == str(status.id)],
    )
    check(results[0].notifications_count == 1, f"group: {results[0]}")


@step("schedule a status, then cancel it")
def scheduled(alice):
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=30)
    later = alice.status_post("from the future", scheduled_at=when)
    check(any(s.id == later.id for s in alice.scheduled_statuses()), "it is scheduled")
    alice.scheduled_status_delete(later.id)
    check(all(s.id != later.id for s in alice.scheduled_statuses()), "and cancelled")


@step("file a report")
def report(bob, alice_id):
    status = bob.account_statuses(alice_id)[0]
    filed = bob.report(alice_id, status_ids=[status.id], comment="testing reports", category="other")
    check(filed.target_account.id == alice_id and filed.comment == "testing reports", f"report: {filed}")


@step("a stranger's private mention waits in a notification request until accepted")
def notification_requests(app, alice):
    check(alice.notifications_policy().for_private_mentions == "filter", "the default policy")
    client = api(client_id=app[0], client_secret=app[1])
    client.create_account("carol", PASSWORD, "carol@example.com", agreement=True, locale="en")
    carol = api(access_token=client.log_in("carol@example.com", PASSWORD, scopes=SCOPES, allow_http=True))
    carol_id = carol.account_verify_credentials().id
    carol.status_post("@alice a private word", visibility="direct")
    requests = eventually(
        "carol's request",
        lambda: [r for r in alice.notification_requests() if r.account.id == carol_id],
    )
    check(all(n.account.id != carol_id for n in alice.notifications()),
          "the mention is not among the notifications yet")
    alice.accept_notification_request(requests[0].id)
    eventually(
        "the mention, accepted",
        lambda: [n for n in alice.notifications(types=["mention"]) if n.account.id == carol_id],
    )
    check(alice.notification_requests() == [], "no request left")


@step("read the announcement, react to it and use the custom emoji")
def announcements(alice):
    found = alice.announcements()
    check(len(found) == 1 and not found[0].read, f"one unread announcement: {found}")
    alice.announcement_reaction_create(found[0].id, "tessera")
    alice.announcement_reaction_create(found[0].id, "👍")
    alice.announcement_dismiss(found[0].id)
    again = alice.announcements()[0]
    check(again.read, "read")
    check(sorted(r.name for r in again.reactions) == ["tessera", "👍"], f"reactions: {again.reactions}")
    emojis = alice.custom_emojis()
    check([e.shortcode for e in emojis] == ["tessera"], f"emoji: {emojis}")
    posted = alice.status_post("made with :tessera:")
    check([e.shortcode for e in posted.emojis] == ["tessera"], f"status emoji: {posted.emojis}")


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
    with_media = media(alice)
    edits(alice)
    bookmark_and_pin(alice, bob, with_media.id)
    mute_and_block(bob, alice_me.id)
    markers(bob, status.id)
    streaming(alice, bob)
    websocket_streaming(alice, bob)
    search(alice, bob)
    polls(alice, bob)
    lists(alice, bob_me.id)
    filters(alice, bob)
    conversations(alice, bob)
    notification_requests(app, alice)
    announcements(alice)
    grouped(alice, bob)
    scheduled(alice)
    report(bob, alice_me.id)
    print(f"mastodon.py: {passed} passed, 0 failed")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one clear line for the log, then a failing exit status
        print(f"FAILED after {passed} steps: {type(e).__name__}: {e}", file=sys.stderr)
        print(f"mastodon.py: {passed} passed, 1 failed")
        sys.exit(1)
