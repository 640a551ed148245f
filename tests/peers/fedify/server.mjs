// A third-party ActivityPub peer for Tessera's interoperability test, built on Fedify
// (https://fedify.dev): Fedify does the WebFinger, actor documents, HTTP signatures and
// inbox verification; this file only wires one actor and a small control API for the test.
//
//   node server.mjs --port 4567
//
// Control API (JSON): GET /_test/received, GET /_test/followers,
// POST /_test/follow {"actor": url}, POST /_test/post {"content": html, "to": [urls]}.

import http from "node:http";
import {
  Accept,
  Announce,
  Create,
  createFederation,
  Delete,
  Endpoints,
  Follow,
  generateCryptoKeyPair,
  Like,
  MemoryKvStore,
  Mention,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Reject,
  Undo,
  Update,
} from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";

const portArg = process.argv.indexOf("--port");
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 4567;
const origin = `http://127.0.0.1:${port}`;
const NAME = "peer";

const keyPair = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
const received = [];
const followers = new Map(); // actor id -> actor object
const notes = new Map(); // note id (path part) -> Note
let counter = 0;

const federation = createFederation({
  kv: new MemoryKvStore(),
  // The test runs everything on loopback.
  allowPrivateAddress: true,
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== NAME) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedify peer",
      summary: "A Fedify server that talks to Tessera in its tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
    });
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) =>
    identifier === NAME ? [keyPair] : []
  );

federation.setFollowersDispatcher(
  "/users/{identifier}/followers",
  async (_ctx, identifier) => {
    if (identifier !== NAME) return null;
    return {
      items: [...followers.values()].map((a) => ({
        id: a.id,
        inboxId: a.inboxId,
        endpoints: a.endpoints,
      })),
    };
  },
);

federation.setObjectDispatcher(Note, "/notes/{id}", async (_ctx, values) => {
  return notes.get(values.id) ?? null;
});

async function record(activity) {
  const raw = await activity.toJsonLd();
  received.push({
    type: raw.type,
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    object: activity.objectId?.href ?? null,
    raw,
  });
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    await record(follow);
    if (follow.objectId?.href !== ctx.getActorUri(NAME).href) return;
    const follower = await follow.getActor(ctx);
    if (follower?.id == null) return;
    followers.set(follower.id.href, follower);
    counter += 1;
    await ctx.sendActivity(
      { identifier: NAME },
      follower,
      new Accept({
        id: new URL(`/accepts/${counter}`, origin),
        actor: ctx.getActorUri(NAME),
        object: follow,
      }),
    );
  })
  .on(Accept, (_ctx, activity) => record(activity))
  .on(Reject, (_ctx, activity) => record(activity))
  .on(Create, (_ctx, activity) => record(activity))
  .on(Update, (_ctx, activity) => record(activity))
  .on(Delete, (_ctx, activity) => record(activity))
  .on(Announce, (_ctx, activity) => record(activity))
  .on(Like, (_ctx, activity) => record(activity))
  .on(Undo, async (_ctx, undo) => {
    await record(undo);
    const inner = await undo.getObject();
    if (inner instanceof Follow && undo.actorId != null) {
      followers.delete(undo.actorId.href);
    }
  })
  .onError((_ctx, error) => console.error("inbox error:", error));

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function json(res, status, value) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

async function control(req, res, url) {
  const ctx = federation.createContext(new URL(origin), undefined);
  if (req.method === "GET" && url.pathname === "/_test/received") {
    return json(res, 200, received);
  }
  if (req.method === "GET" && url.pathname === "/_test/followers") {
    return json(res, 200, [...followers.keys()]);
  }
  const input = JSON.parse((await readBody(req)).toString() || "{}");
  if (req.method === "POST" && url.pathname === "/_test/follow") {
    const target = await ctx.lookupObject(input.actor);
    if (target?.id == null) return json(res, 404, { error: "actor not found" });
    counter += 1;
    const id = new URL(`/follows/${counter}`, origin);
    await ctx.sendActivity(
      { identifier: NAME },
      target,
      new Follow({ id, actor: ctx.getActorUri(NAME), object: target.id }),
    );
    return json(res, 200, { id: id.href });
  }
  if (req.method === "POST" && url.pathname === "/_test/post") {
    const to = [];
    for (const u of input.to ?? []) {
      const actor = await ctx.lookupObject(u);
      if (actor?.id != null) to.push(actor);
    }
    counter += 1;
    const noteId = String(counter);
    const note = new Note({
      id: ctx.getObjectUri(Note, { id: noteId }),
      attribution: ctx.getActorUri(NAME),
      content: input.content ?? "<p>hello</p>",
      to: PUBLIC_COLLECTION,
      ccs: [ctx.getFollowersUri(NAME), ...to.map((a) => a.id)],
      tags: to.map((a) =>
        new Mention({ href: a.id, name: `@${a.preferredUsername}@${a.id.host}` })
      ),
      published: Temporal.Now.instant(),
    });
    notes.set(noteId, note);
    const recipients = [...followers.values(), ...to];
    await ctx.sendActivity(
      { identifier: NAME },
      recipients,
      new Create({
        id: new URL(`/notes/${noteId}/activity`, origin),
        actor: ctx.getActorUri(NAME),
        object: note,
        to: PUBLIC_COLLECTION,
        ccs: [ctx.getFollowersUri(NAME), ...to.map((a) => a.id)],
      }),
    );
    return json(res, 200, { id: note.id.href });
  }
  return json(res, 404, { error: "no such control" });
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, origin);
    if (url.pathname.startsWith("/_test/")) return await control(req, res, url);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
      else if (v != null) headers.set(k, v);
    }
    const body = ["GET", "HEAD"].includes(req.method) ? undefined : await readBody(req);
    const response = await federation.fetch(
      new Request(url, { method: req.method, headers, body }),
      { contextData: undefined },
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    console.error("request failed:", error);
    if (!res.headersSent) json(res, 500, { error: String(error) });
  }
});

server.listen(port, "127.0.0.1", () => {
  console.log(`fedify-peer listening on ${port}`);
});
