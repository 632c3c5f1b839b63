// Keeps the pages used out of doors available offline (the collection page, a volunteer's route
// sheet) with their files: network first, the cache when the network is down. On the page's first visit the page sends the list of what it needs (itself,
// its scripts and styles) and they are cached at once, so a reload without network works even if
// the page was opened only once. API calls are never cached; the page's own queue handles them.
var CACHE = "gongzhi-collect-v3";
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});
self.addEventListener("message", function (e) {
  var urls = (e.data && e.data.cache) || [];
  var port = e.ports && e.ports[0];
  var same = urls.filter(function (u) { return new URL(u, location.origin).origin === location.origin; });
  e.waitUntil(caches.open(CACHE).then(function (c) {
    return Promise.all(same.map(function (u) {
      return fetch(u, {credentials: "same-origin"}).then(function (r) { if (r.ok) return c.put(u, r); });
    }));
  }).then(function () { if (port) port.postMessage("cached"); }, function () { if (port) port.postMessage("failed"); }));
});
self.addEventListener("fetch", function (e) {
  var url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  var offlinePage = url.pathname.includes("/collect/") || url.pathname.startsWith("/supplies/runs/");
  if (!(offlinePage || url.pathname.startsWith("/static/"))) return;
  e.respondWith(
    fetch(e.request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (c) { c.put(url.pathname.startsWith("/static/") ? e.request : url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(url.pathname.startsWith("/static/") ? e.request : url.pathname, {ignoreVary: true, ignoreSearch: true});
    })
  );
});
