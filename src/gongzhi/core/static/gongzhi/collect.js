// Offline-first collection: every action is queued in IndexedDB first and sent in batches of up
// to 500 when the network allows. A scan is never lost: it leaves the queue only after the server
// answered for it, and the screen shows what the server recorded, not what the phone hoped: people
// counted from the answers, each refused scan kept in a visible list until the collector clears it.
// Batch ids are derived from the first and last event ids, so a retry of the same batch is
// recognised by the server and answered from its record.
(function () {
  var root = document.getElementById("collect");
  if (!root) return;
  var POOL = parseInt(root.dataset.pool, 10);
  var URL_SCANS = root.dataset.url;
  var KEY = "gongzhi-collect-" + root.dataset.round + "-" + root.dataset.user;
  var BATCH = 500;
  var CODE = /^(?:[RH]:[0-9A-Za-z]{1,62}|[0-9]{17}[0-9Xx])$/;  // what the server can resolve
  var barcodeRule = null;
  try { barcodeRule = new RegExp("^(?:" + root.dataset.pattern + ")$"); } catch (e) { barcodeRule = null; }
  var $ = function (id) { return document.getElementById(id); };
  var T = function (name) { return root.dataset[name] || ""; };  // words from the template (translated)
  var state = JSON.parse(localStorage.getItem(KEY) || "null") || {};
  var defaults = {device: Math.random().toString(36).slice(2, 10), seq: 0, tube: "", sent: 0,
                  people: 0, tubes: {}, pending: {}, refused: [], warnings: [], mustClose: ""};
  Object.keys(defaults).forEach(function (k) { if (state[k] === undefined) state[k] = defaults[k]; });
  function save() { localStorage.setItem(KEY, JSON.stringify(state)); render(); }

  // One queue per round and collector: event numbers count per round and collector, so a shared
  // queue let two rounds' events overwrite each other and be sent to the wrong round.
  function openQueue(name) {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(name, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore("events", {keyPath: "n"}); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function moveLegacy(db) {  // events queued by the page before queues were per round
    return openQueue("gongzhi-collect").then(function (old) {
      return new Promise(function (resolve) {
        var read = old.transaction("events", "readonly").objectStore("events").getAll();
        read.onsuccess = function () {
          var mine = read.result.filter(function (e) { return e.round === root.dataset.round; });
          if (!mine.length) { old.close(); resolve(db); return; }
          var t = db.transaction("events", "readwrite");
          mine.forEach(function (e) { t.objectStore("events").put(e); });
          t.oncomplete = function () {
            var d = old.transaction("events", "readwrite");
            mine.forEach(function (e) { d.objectStore("events").delete(e.n); });
            d.oncomplete = function () { old.close(); resolve(db); };
            d.onerror = function () { old.close(); resolve(db); };
          };
          t.onerror = function () { old.close(); resolve(db); };
        };
        read.onerror = function () { old.close(); resolve(db); };
      });
    }, function () { return db; });
  }
  var dbp = openQueue(KEY).then(moveLegacy);
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
    if (kind === "scan") state.pending[barcode] = (state.pending[barcode] || 0) + 1;
    save();
    return tx("readwrite", function (s) { s.put(event); }).then(render);
  }
  function say(text, level) {
    var m = $("message");
    m.textContent = text;
    m.className = "notice" + (level ? " " + level : "");
  }
  function masked(code) {  // an ID number typed on the screen is not left on it in full
    return /^[0-9]{17}[0-9Xx]$/.test(code) ? "****" + code.slice(-4) : (code.length > 40 ? code.slice(0, 40) + "…" : code);
  }
  function list(id, items, cls) {
    var ul = $(id);
    ul.textContent = "";
    items.slice(0, 200).forEach(function (item) {
      var li = document.createElement("li");
      if (cls) li.className = cls;
      li.textContent = item.text;
      ul.appendChild(li);
    });
  }
  function render() {
    var tube = state.tube;
    $("current").textContent = tube || "—";
    $("in-tube").textContent = tube ? (state.tubes[tube] || 0) : 0;
    $("in-tube-pending").textContent = tube && state.pending[tube] ? state.pending[tube] : 0;
    $("people").textContent = state.people;
    $("sent").textContent = state.sent;
    $("net").textContent = navigator.onLine ? T("online") : T("offline");
    $("refused-count").textContent = state.refused.length;
    $("refused-box").hidden = state.refused.length === 0;
    list("refused", state.refused, "error");
    list("warnings", state.warnings, "warning");
    queued().then(function (n) { $("queued").textContent = n; });
  }

  $("tube-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var barcode = $("barcode").value.trim();
    if (!barcode || (barcodeRule && !barcodeRule.test(barcode))) { say(T("badBarcode"), "error"); return; }
    if (state.mustClose && state.mustClose !== barcode && state.tube === state.mustClose) {
      say(T("closeFirst"), "error"); return;
    }
    state.tube = barcode;
    $("barcode").value = "";  // cleared at once: a fast scanner types the next code before the queue write ends
    $("code").focus();
    enqueue("open", barcode).then(function () { say(T("opened") + " " + barcode); });
  });
  $("scan-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = $("code").value.trim();
    if (!state.tube) { say(T("openFirst"), "error"); return; }
    if (!code) return;
    if (!CODE.test(code)) {  // a health-code URL, a typo: refused here, and kept in view like the server's refusals
      $("code").value = "";
      state.refused.unshift({event_id: "", text: state.tube + " · " + masked(code) + " · " + T("badCode")});
      save();
      say(T("badCode"), "error");
      return;
    }
    if (state.mustClose === state.tube) { say(T("closeFirst"), "error"); return; }
    if ((state.tubes[state.tube] || 0) + (state.pending[state.tube] || 0) >= POOL) {
      say(T("tubeFull"), "error"); return;
    }
    $("code").value = "";
    enqueue("scan", state.tube, code).then(function () { say(T("queuedScan") + " " + masked(code)); });
  });
  $("close-tube").addEventListener("click", function () {
    if (!state.tube) return;
    var barcode = state.tube;
    state.tube = "";
    if (state.mustClose === barcode) state.mustClose = "";
    enqueue("close", barcode).then(function () { say(T("closed") + " " + barcode); $("barcode").focus(); });
  });
  $("refused-clear").addEventListener("click", function () { state.refused = []; save(); });

  // The phone's camera (camera.js): what it reads goes through the same two forms a hand-held
  // scanner types into. A resident's or household's code (or an ID number) goes into the open tube;
  // anything else that fits the round's barcode rule opens a tube. The same code seen again within
  // 3 s is the same scan, not a second one.
  function submit(form) {
    if (form.requestSubmit) form.requestSubmit(); else form.dispatchEvent(new Event("submit", {cancelable: true}));
  }
  function fromCamera(text) {
    if (CODE.test(text) && state.tube) { $("code").value = text; submit($("scan-form")); return; }
    if (!CODE.test(text) && (!barcodeRule || barcodeRule.test(text))) { $("barcode").value = text; submit($("tube-form")); return; }
    $("code").value = text; submit($("scan-form"));  // says why it was not taken (open a tube first, ...)
  }
  window.gongzhiCamera($("camera-toggle"), "camera", {
    repeatMs: 3000,
    onRead: fromCamera,
    onStart: function () { say(T("cameraOn")); },
    onFail: function () { say(T("cameraFailed"), "error"); },
  });

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function settle(e) {  // an event answered (recorded or refused): it is no longer pending
    if (e.kind === "scan" && state.pending[e.barcode]) {
      state.pending[e.barcode] -= 1;
      if (!state.pending[e.barcode]) delete state.pending[e.barcode];
    }
  }
  function refuse(e, message) {
    state.refused.unshift({event_id: e.event_id, text: (e.barcode ? e.barcode + " · " : "") +
      (e.code ? masked(e.code) + " · " : "") + message});
  }
  function answered(events, outcomes) {
    var byId = {};
    events.forEach(function (e) { byId[e.event_id] = e; });
    var last = null;
    outcomes.forEach(function (o) {
      var e = byId[o.event_id];
      if (!e) return;
      delete byId[o.event_id];
      settle(e);
      var names = (o.params && o.params.names || []).join("、");
      // A reopened tube or a repeated scan says what the tube holds on the server: the screen
      // counts from that, not from what this phone remembers (it may not have filled the tube).
      if (o.params && typeof o.params.in_tube === "number") state.tubes[e.barcode] = o.params.in_tube;
      if (o.added) {
        state.people += o.added;
        state.tubes[e.barcode] = (state.tubes[e.barcode] || 0) + o.added;
      }
      if (o.status === "error") {
        refuse(e, (names ? names + "：" : "") + o.message);
        if (o.code === "pool_full" || o.code === "pool_short") state.mustClose = e.barcode;
        last = [(names ? names + "：" : "") + o.message, "error"];
      } else if (o.status === "warning") {
        state.warnings.unshift({text: e.barcode + " · " + (names ? names + "：" : "") + o.message});
        last = [(names ? names + "：" : "") + o.message, "warning"];
      } else if (e.kind === "scan") {
        last = [names + " " + T("recorded") + " " + e.barcode + "（" + (state.tubes[e.barcode] || 0) + "/" + POOL + "）", "ok"];
      }
    });
    Object.keys(byId).forEach(function (id) { settle(byId[id]); refuse(byId[id], T("noAnswer")); });
    state.refused = state.refused.slice(0, 500);
    state.warnings = state.warnings.slice(0, 200);
    state.sent += events.length;
    if (last) say(last[0], last[1]);
    save();
  }
  var sending = false, wait = 0, size = BATCH, singles = 0;
  function drop(events) {
    var last = events[events.length - 1].n;
    return tx("readwrite", function (s) { s.delete(IDBKeyRange.upperBound(last)); });
  }
  function sync() {
    if (sending || !navigator.onLine || Date.now() < wait) return;
    sending = true;
    tx("readonly", function (s) { return s.getAll(null, size); }).then(function (events) {
      if (!events.length) { sending = false; return; }
      var body = {batch_id: events[0].event_id + ".." + events[events.length - 1].event_id,
                  events: events.map(function (e) { return {event_id: e.event_id, kind: e.kind, barcode: e.barcode, code: e.code, at: e.at}; })};
      return fetch(URL_SCANS, {method: "POST", credentials: "same-origin",
                               headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}, body: JSON.stringify(body)})
        .then(function (r) {
          if (r.status === 429 || r.status === 503) {
            // Jitter: phones told "busy" together must not all come back in the same second.
            wait = Date.now() + 1000 * (parseInt(r.headers.get("Retry-After") || "2", 10)) * (0.5 + Math.random());
            throw new Error("busy");
          }
          if (r.status === 409) {  // the round is not open: nothing is lost, the queue waits
            say(T("roundClosed"), "error");
            wait = Date.now() + 60000;
            throw new Error("closed");
          }
          if (r.status === 401 || r.status === 403 || r.status === 404) {
            // Not these events' fault: the login ran out or the collector is not on this round.
            say(r.status === 404 ? T("notAssigned") : T("loginAgain"), "error");
            wait = Date.now() + 10000;
            throw new Error("auth");
          }
          if (r.status === 400 || r.status === 413 || r.status === 422) {
            // The batch could not be read. Send its events one by one to find the unreadable ones:
            // those are refused for good and shown; the others go through.
            if (events.length > 1) { size = 1; singles = events.length; throw new Error("split"); }
            settle(events[0]);
            refuse(events[0], T("serverRefused") + " (" + r.status + ")");
            return drop(events).then(function () { save(); return "refused"; });
          }
          if (!r.ok) { wait = Date.now() + 3000; throw new Error("http " + r.status); }
          return r.json().then(function (answer) {
            answered(events, answer.outcomes || []);
            return drop(events);
          });
        })
        .then(function () {
          if (size === 1 && --singles <= 0) size = BATCH;
          sending = false; render(); setTimeout(sync, 0);
        })
        .catch(function () { sending = false; render(); });
    });
  }
  window.addEventListener("online", function () { render(); sync(); });
  window.addEventListener("offline", render);
  setInterval(sync, 1500);

  // Offline from the first visit: the service worker keeps this page and everything it loads.
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, {scope: "/"});
    navigator.serviceWorker.ready.then(function (reg) {
      var urls = [location.pathname];
      document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=manifest]").forEach(function (el) {
        urls.push(el.src || el.href);
      });
      var channel = new MessageChannel();
      channel.port1.onmessage = function (m) { if (m.data === "cached") root.dataset.cached = "1"; };
      (reg.active || navigator.serviceWorker.controller).postMessage({cache: urls}, [channel.port2]);
    });
  }
  render();
  sync();
})();
