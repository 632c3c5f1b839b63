// The phone's camera as a code reader (html5-qrcode, vendored), shared by the collection page and a
// volunteer's route sheet. Its button turns it on and off; each code read goes to onRead, except the
// same text again within repeatMs (the same code still in front of the camera, not a second scan).
//
// Starting and stopping take the camera in turn: a start waits until the last stop has let the camera
// go, and a stop pressed while the camera is still starting (the permission prompt, a slow phone)
// waits for the start and then lets it go. Without this, an off pressed while the camera was still
// starting was lost (html5-qrcode refuses to stop a camera not yet running: the page raised an error
// and the camera stayed on), and an off-and-on started the next reader in the box while the last one
// was still letting the camera go.
(function () {
  window.gongzhiCamera = function (toggle, boxId, options) {
    var box = document.getElementById(boxId);
    var session = null, turn = Promise.resolve(), lastText = "", lastAt = 0;

    function read(text) {
      text = (text || "").trim();
      var now = Date.now();
      if (!text || (text === lastText && now - lastAt < options.repeatMs)) return;
      lastText = text; lastAt = now;
      options.onRead(text);
    }
    function stop() {
      var ending = session;
      session = null;
      box.hidden = true;
      toggle.textContent = toggle.dataset.start;
      if (!ending) return;
      ending.stopped = true;
      turn = turn.then(function () {
        if (ending.started) return ending.reader.stop();
      }).catch(function () {});
    }
    function start() {
      if (!window.Html5Qrcode) { options.onFail(); return; }
      var mine = {stopped: false, started: false, reader: null};
      session = mine;
      box.hidden = false;
      toggle.textContent = toggle.dataset.stop;
      turn = turn.then(function () {
        if (mine.stopped) return;
        mine.reader = new window.Html5Qrcode(boxId, {verbose: false});
        return mine.reader.start({facingMode: "environment"}, {fps: 8, qrbox: {width: 240, height: 240}},
                                function (text) { if (!mine.stopped) read(text); }, function () {})
          .then(function () { mine.started = true; if (!mine.stopped && options.onStart) options.onStart(); },
                function () { if (session === mine) stop(); options.onFail(); });
      });
    }
    if (toggle) toggle.addEventListener("click", function () { if (session) stop(); else start(); });
  };
})();
