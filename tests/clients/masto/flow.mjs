// masto.js against a Tessera server: register an app, create two accounts and sign in,
// follow, post, read the home timeline, and receive a post over a WebSocket stream.
// Run as: node flow.mjs BASE_URL. Ends with "masto.js: N passed, 0 failed".
import { createRestAPIClient, createStreamingAPIClient } from "masto";

const BASE = process.argv[2].replace(/\/$/, "");
let passed = 0;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function step(name, fn) {
  const result = await fn();
  passed += 1;
  console.log(`ok ${passed}: ${name}`);
  return result;
}

async function appToken() {
  const anonymous = createRestAPIClient({ url: BASE });
  const app = await anonymous.v1.apps.create({
    clientName: "masto.js flow",
    redirectUris: "urn:ietf:wg:oauth:2.0:oob",
    scopes: "read write follow",
  });
  check(app.clientId && app.clientSecret, "no client credentials");
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: app.clientId,
    client_secret: app.clientSecret,
    scope: "read write follow",
  });
  const res = await fetch(`${BASE}/oauth/token`, { method: "POST", body: form });
  check(res.ok, `client credentials: ${res.status}`);
  return { app, token: (await res.json()).access_token };
}

async function register(appClient, username) {
  const token = await appClient.v1.accounts.create({
    username,
    email: `${username}@example.com`,
    password: "correct horse battery",
    agreement: true,
    locale: "en",
  });
  check(token.accessToken, "registration gave no token");
  return token.accessToken;
}

async function logIn(app, username) {
  const form = new URLSearchParams({
    grant_type: "password",
    client_id: app.clientId,
    client_secret: app.clientSecret,
    username: `${username}@example.com`,
    password: "correct horse battery",
    scope: "read write follow",
  });
  const res = await fetch(`${BASE}/oauth/token`, { method: "POST", body: form });
  check(res.ok, `log-in: ${res.status}`);
  return (await res.json()).access_token;
}

async function main() {
  const { app, token } = await step("register an app", appToken);
  const appClient = createRestAPIClient({ url: BASE, accessToken: token });
  const aliceToken = await step("create alice", () => register(appClient, "alice"));
  await step("create bob", () => register(appClient, "bob"));
  const bobToken = await step("bob logs in", () => logIn(app, "bob"));
  const alice = createRestAPIClient({ url: BASE, accessToken: aliceToken });
  const bob = createRestAPIClient({ url: BASE, accessToken: bobToken });

  const aliceMe = await step("verify credentials", async () => {
    const me = await alice.v1.accounts.verifyCredentials();
    check(me.username === "alice", `verify_credentials says ${me.username}`);
    return me;
  });
  await step("bob follows alice", async () => {
    const rel = await bob.v1.accounts.$select(aliceMe.id).follow();
    check(rel.following, "not following");
  });

  const instance = await step("read the instance", async () => {
    const i = await bob.v2.instance.fetch();
    check(i.configuration.urls.streaming, "no streaming URL");
    return i;
  });
  const streaming = createStreamingAPIClient({
    streamingApiUrl: instance.configuration.urls.streaming,
    accessToken: bobToken,
    log: process.env.MASTO_LOG || "warn",
  });
  const subscription = streaming.user.subscribe();
  const received = (async () => {
    for await (const event of subscription) {
      if (event.event === "update" && event.payload.content.includes("streamed")) {
        return event.payload;
      }
    }
    return null;
  })();
  // masto.js connects and subscribes in the background, with no signal when it is done.
  await new Promise((resolve) => setTimeout(resolve, 2000));

  const posted = await step("alice posts", async () => {
    const s = await alice.v1.statuses.create({ status: "Hello from masto.js, streamed" });
    check(s.visibility === "public", `visibility ${s.visibility}`);
    return s;
  });
  await step("bob receives it over the WebSocket stream", async () => {
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("no update within 15 s")), 15000));
    const status = await Promise.race([received, timeout]);
    check(status && status.id === posted.id, "the streamed status is not alice's post");
    subscription.unsubscribe();
    streaming.close();
  });
  await step("bob's home timeline has it", async () => {
    const home = await bob.v1.timelines.home.list({ limit: 5 });
    check(home.some((s) => s.id === posted.id), "not in bob's home");
  });
  console.log(`masto.js: ${passed} passed, 0 failed`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`FAILED after ${passed} steps: ${e.stack || e}`);
    console.log(`masto.js: ${passed} passed, 1 failed`);
    process.exit(1);
  },
);
