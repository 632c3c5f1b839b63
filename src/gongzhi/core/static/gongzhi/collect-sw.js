// Keeps the collection page and its files available offline: network first, the cache when the
// network is down. API calls are never cached; the page's own queue handles them.
var CACHE = "gongzhi-collect-v1";
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (e) { e.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", function (e) {
  var url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  if (!(url.pathname.includes("/collect/") || url.pathname.startsWith("/static/"))) return;
  e.respondWith(
    fetch(e.request).then(function (response) {
      var copy = response.clone();
      caches.open(CACHE).then(function (c) { c.put(e.request, copy); });
      return response;
    }).catch(function () { return caches.match(e.request); })
  );
});
