// The route sheet's doorstep confirmation, tolerant of a dropped network: each scanned door code is
// kept in this phone's storage until the server has recorded it, sent again when the network is back,
// and the stop shows what the server recorded (never what was only typed).
(function () {
  var form = document.getElementById("door-scan");
  if (!form || !window.fetch) return;
  var api = form.dataset.api;
  var store = "gongzhi-door:" + api;
  var input = document.getElementById("door-code");
  var note = document.getElementById("door-queue");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var sending = false;

  function queue() { try { return JSON.parse(localStorage.getItem(store) || "[]"); } catch (e) { return []; } }
  function keep(items) { localStorage.setItem(store, JSON.stringify(items)); show(items); }
  function show(items) {
    note.hidden = !items.length;
    note.textContent = items.length ? items.length + " " + (form.dataset.waiting || "条待上传（网络恢复后自动上传）") : "";
  }
  function mark(answer) {
    var li = document.getElementById("stop-" + answer.household);
    if (!li) return;
    li.dataset.outcome = answer.outcome;
    var span = li.querySelector(".stop-outcome");
    if (span) span.textContent = answer.outcome_label + (answer.confirmed_at ? " " + answer.confirmed_at.slice(11, 16) : "");
    var fail = li.querySelector("form.stop-fail");
    if (fail) fail.remove();
  }
  function say(text, bad) {
    var p = document.createElement("p");
    p.className = bad ? "error" : "notice";
    p.textContent = text;
    form.appendChild(p);
    setTimeout(function () { p.remove(); }, 6000);
  }
  function flush() {
    var items = queue();
    if (sending || !items.length) return;
    if (navigator.onLine === false) { show(items); return; }  // the phone knows it is offline: keep them
    sending = true;
    var item = items[0];
    fetch(api, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token},
      body: JSON.stringify({code: item.code, action: "confirm"})
    }).then(function (r) {
      return r.json().then(function (body) { return {ok: r.ok, status: r.status, body: body}; });
    }).then(function (res) {
      sending = false;
      if (res.ok) { mark(res.body); say(res.body.address + " · " + res.body.outcome_label); }
      else { say(item.code + "：" + (res.body.message || res.status), true); }
      if (res.ok || res.status < 500) { keep(queue().slice(1)); flush(); }
    }).catch(function () { sending = false; show(queue()); });
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = input.value.trim();
    if (!code) return;
    var items = queue();
    items.push({code: code});
    keep(items);
    input.value = "";
    input.focus();
    flush();
  });
  // The phone's camera (camera.js): a door code read is confirmed as if typed; the same code read
  // again within a few seconds is the same door, not a second scan.
  var toggle = document.getElementById("door-camera-toggle");
  window.gongzhiCamera(toggle, "door-camera", {
    repeatMs: 4000,
    onRead: function (text) { input.value = text; form.requestSubmit(); },
    onFail: function () { say(toggle.dataset.failed, true); },
  });
  // Offline from the first visit: the service worker the collection page uses keeps this page too.
  if ("serviceWorker" in navigator && form.dataset.sw) {
    navigator.serviceWorker.register(form.dataset.sw, {scope: "/"});
    navigator.serviceWorker.ready.then(function (reg) {
      var urls = [location.pathname];
      document.querySelectorAll("script[src], link[rel=stylesheet]").forEach(function (el) { urls.push(el.src || el.href); });
      var channel = new MessageChannel();
      channel.port1.onmessage = function (m) { if (m.data === "cached") form.dataset.cached = "1"; };
      (reg.active || navigator.serviceWorker.controller).postMessage({cache: urls}, [channel.port2]);
    });
  }
  window.addEventListener("online", flush);
  setInterval(flush, 20000);
  show(queue());
  flush();
})();
