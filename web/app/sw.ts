// The service worker (built to dist/sw.js by vite.config.ts, registered by offline.ts).
//
// 1. Offline: on install it precaches the whole built app (the manifest below is written into
//    sw.js at build time, so every build changes sw.js and the browser installs the new one).
//    Hashed assets are served cache-first; pages network-first with the cached index.html as
//    the fallback, so after one visit the app runs with the network off.
// 2. Isolation: every response it serves gets COOP/COEP (and CORP), so the page is
//    cross-origin isolated, hence threaded, even on a static host that cannot set headers
//    (the coi-serviceworker technique; offline.ts reloads once when it first takes control).
// It only ever answers same-origin GETs; everything else goes to the network untouched.
//
// Typed by hand: the app's tsconfig has the DOM lib, not the WebWorker one.
export {};

interface Precache {
  /** Hash of every precached file's name and content. */
  version: string;
  /** Paths relative to this script's directory (the scope), e.g. "index.html", "assets/…". */
  files: string[];
}
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(r: Response | Promise<Response>): void;
}
interface Scope {
  readonly location: Location;
  readonly registration: { readonly scope: string; readonly active: object | null };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', f: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', f: (e: FetchEvent) => void): void;
  /** Set by the first line of the built sw.js. */
  readonly __PARQUETRY_PRECACHE__: Precache;
}

const sw = self as unknown as Scope;
const PRECACHE = sw.__PARQUETRY_PRECACHE__;
const PREFIX = 'parquetry-';
const CACHE = `${PREFIX}${PRECACHE.version}`;
const SCOPE = sw.registration.scope;
const INDEX = new URL('index.html', SCOPE).href;

const ISOLATION: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

sw.addEventListener('install', (event) => {
  // The first install takes over at once (the page reloads into isolation). An update waits
  // until the pages of the old version are closed: they may still need its cached assets.
  const first = sw.registration.active === null;
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // `reload`: straight from the server, never a stale HTTP-cached copy.
      await cache.addAll(PRECACHE.files.map((f) => new Request(new URL(f, SCOPE), { cache: 'reload' })));
      if (first) await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== sw.location.origin) return;
  // DevTools quirk (also in coi-serviceworker): such requests cannot be answered.
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
  const page = request.mode === 'navigate' || url.href === SCOPE || url.href === INDEX;
  event.respondWith(page ? networkFirst(request) : cacheFirst(request));
});

/** Pages: the server's latest when it answers, else this version's precached copy. */
async function networkFirst(request: Request): Promise<Response> {
  try {
    return isolated(await fetch(request));
  } catch (e) {
    const cache = await caches.open(CACHE);
    const hit = (await cache.match(request, { ignoreSearch: true })) ?? (await cache.match(INDEX));
    if (hit) return isolated(hit);
    throw e;
  }
}

/** Hashed assets never change under one name: a cached copy is always right. */
async function cacheFirst(request: Request): Promise<Response> {
  // Any of our caches: a page from a newer deploy may load assets its waiting worker cached.
  const hit = await caches.match(request);
  return isolated(hit ?? (await fetch(request)));
}

/** The response with the isolation headers added. */
function isolated(response: Response): Response {
  if (response.status === 0) return response; // opaque: cannot be changed (and never ours)
  const headers = new Headers(response.headers);
  for (const [k, v] of Object.entries(ISOLATION)) headers.set(k, v);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
