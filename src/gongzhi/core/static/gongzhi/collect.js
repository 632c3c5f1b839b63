// Offline-first collection: every action is queued in IndexedDB first and sent in batches of up
// to 500 when the network allows. A scan is never lost: it leaves the queue only after the server
// answered for its batch. Batch ids are derived from the first and last event ids, so a retry of
// the same batch is recognised by the server and answered from its record.
(function () {
  var root = document.getElementById("collect");
  if (!root) return;
  var POOL = parseInt(root.dataset.pool, 10);
  var URL = root.dataset.url;
  var KEY = "gongzhi-collect-" + root.dataset.round + "-" + root.dataset.user;
  var $ = function (id) { return document.getElementById(id); };
  var state = JSON.parse(localStorage.getItem(KEY) || "null") || {
    device: Math.random().toString(36).slice(2, 10), seq: 0, tube: "", inTube: 0, sent: 0
  };
  function save() { localStorage.setItem(KEY, JSON.stringify(state)); render(); }

  var dbp = new Promise(function (resolve, reject) {
    var req = indexedDB.open("gongzhi-collect", 1);
    req.onupgradeneeded = function () { req.result.createObjectStore("events", {keyPath: "n"}); };
    req.onsuccess = function () { resolve(req.result); };
    req.onerror = function () { reject(req.error); };
  });
  function tx(mode, fn) {
    return dbp.then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction("events", mode);
        var out = fn(t.objectStore("events"));
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function queued() { return tx("readonly", function (s) { return s.count(); }); }
  function enqueue(kind, barcode, code) {
    state.seq += 1;
    var event = {n: state.seq, round: root.dataset.round, event_id: state.device + "-" + state.seq, kind: kind,
                 barcode: barcode, code: code || "", at: new Date().toISOString()};
    save();
    return tx("readwrite", function (s) { s.put(event); }).then(render);
  }
  function say(text) { $("message").textContent = text; }
  function render() {
    $("current").textContent = state.tube || "—";
    $("in-tube").textContent = state.inTube;
    $("sent").textContent = state.sent;
    $("net").textContent = navigator.onLine ? "在线" : "离线";
    queued().then(function (n) { $("queued").textContent = n; });
  }

  $("tube-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var barcode = $("barcode").value.trim();
    if (!/^[A-Za-z0-9-]{6,32}$/.test(barcode)) { say("管号格式不正确（6-32位字母、数字或-）"); return; }
    state.tube = barcode; state.inTube = 0;
    $("barcode").value = "";  // cleared at once: a fast scanner types the next code before the queue write ends
    $("code").focus();
    enqueue("open", barcode).then(function () { say("已开管 " + barcode); });
  });
  $("scan-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = $("code").value.trim();
    if (!state.tube) { say("请先扫码开管"); return; }
    if (!code) return;
    if (state.inTube >= POOL) { say("该管已满" + POOL + "人，请封管后换新管"); return; }
    state.inTube += 1;
    $("code").value = "";
    enqueue("scan", state.tube, code).then(function () { say("已扫入"); });
  });
  $("close-tube").addEventListener("click", function () {
    if (!state.tube) return;
    var barcode = state.tube;
    state.tube = ""; state.inTube = 0;
    enqueue("close", barcode).then(function () { say("已封管 " + barcode); $("barcode").focus(); });
  });

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  var sending = false, wait = 0;
  function sync() {
    if (sending || !navigator.onLine || Date.now() < wait) return;
    sending = true;
    tx("readonly", function (s) { return s.getAll(null, 500); }).then(function (events) {
      if (!events.length) { sending = false; return; }
      var body = {batch_id: events[0].event_id + ".." + events[events.length - 1].event_id,
                  events: events.map(function (e) { return {event_id: e.event_id, kind: e.kind, barcode: e.barcode, code: e.code, at: e.at}; })};
      return fetch(URL, {method: "POST", credentials: "same-origin",
                         headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}, body: JSON.stringify(body)})
        .then(function (r) {
          if (r.status === 429 || r.status === 503) {
            // Jitter: phones told "busy" together must not all come back in the same second.
            wait = Date.now() + 1000 * (parseInt(r.headers.get("Retry-After") || "2", 10)) * (0.5 + Math.random());
            throw new Error("busy");
          }
          if (!r.ok) throw new Error("http " + r.status);
          return r.json();
        })
        .then(function (answer) {
          answer.outcomes.forEach(function (o) {
            if (o.status !== "ok") {
              var li = document.createElement("li");
              li.textContent = o.event_id + "：" + o.message;
              $("warnings").prepend(li);
            }
          });
          state.sent += events.length; save();
          var last = events[events.length - 1].n;
          return tx("readwrite", function (s) { s.delete(IDBKeyRange.upperBound(last)); });
        })
        .then(function () { sending = false; render(); })
        .catch(function () { sending = false; render(); });
    });
  }
  window.addEventListener("online", function () { render(); sync(); });
  window.addEventListener("offline", render);
  setInterval(sync, 1500);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(root.dataset.sw, {scope: "/"});
  render();
  sync();
})();
