// The web app's service worker: keeps the app shell and its built assets so the app opens
// without a network, which is what makes "my tickets" usable at a venue with no signal (the
// tickets themselves are kept per user by the app). API answers are never cached here.
// It also shows the platform's Web Push messages and opens the page they link to when tapped.
const SHELL_CACHE = 'ticketing-shell-v1';
const SHELL = ['/', '/manifest.webmanifest', '/icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((name) => name !== SHELL_CACHE).map((name) => caches.delete(name))),
      )
      .then(() => self.clients.claim()),
  );
});

const isPlatformPath = (path) =>
  ['/api/', '/actuator', '/metrics', '/openapi.json', '/.well-known/'].some((prefix) =>
    path.startsWith(prefix),
  );

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || isPlatformPath(url.pathname)) return;

  if (request.mode === 'navigate') {
    // Network first so a new deployment shows at once; the cached shell when offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            void caches.open(SHELL_CACHE).then((cache) => cache.put('/', copy));
          }
          return response;
        })
        .catch(() => caches.match('/').then((cached) => cached ?? Response.error())),
    );
    return;
  }

  if (url.pathname.startsWith('/assets/')) {
    // Built files carry a content hash in their name: a cached one is never stale.
    event.respondWith(
      caches.match(request).then(
        (cached) =>
          cached ??
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              void caches.open(SHELL_CACHE).then((cache) => cache.put(request, copy));
            }
            return response;
          }),
      ),
    );
  }
});

// A push message from the notification service: {title, body, url, tag} (services/notification/src/push.ts).
self.addEventListener('push', (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { body: event.data ? event.data.text() : '' };
  }
  event.waitUntil(
    self.registration.showNotification(message.title || 'Ticketing', {
      body: message.body || '',
      tag: message.tag,
      icon: '/icon.svg',
      badge: '/icon.svg',
      data: { url: message.url || '/' },
    }),
  );
});

/** Only pages of this app are opened from a notification; anything else opens the home page. */
const sameOriginUrl = (url) => {
  try {
    const target = new URL(url, self.location.origin);
    return target.origin === self.location.origin ? target.href : self.location.origin + '/';
  } catch {
    return self.location.origin + '/';
  }
};

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = sameOriginUrl(event.notification.data?.url ?? '/');
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      // An open tab of the app goes to the page; otherwise a new one opens.
      const open = windows.find((client) => 'navigate' in client);
      if (open) return open.navigate(url).then((client) => (client ?? open).focus());
      return self.clients.openWindow(url);
    }),
  );
});
