// Bản tin: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function fmt(seconds) {
    var t = Math.round(seconds), m = Math.floor(t / 60), s = t % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(data)
    }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) { throw new Error(j.error || r.statusText); } return j; });
    });
  }

  // Render the spoken text with DOM nodes (never innerHTML): each classified token in a
  // <span> whose title gives its class and evidence (hover), unknown words in <mark>.
  function renderSpoken(box, text, unknown, tokens) {
    box.textContent = "";
    if (!text) { var e = document.createElement("span"); e.className = "muted"; e.textContent = "Chưa có nội dung."; box.appendChild(e); return; }
    var spans = [], pos = 0;
    (tokens || []).forEach(function (t) {
      var at = text.indexOf(t.spoken, pos);
      if (at < 0 || !t.spoken) { return; }
      spans.push({ start: at, end: at + t.spoken.length, token: t });
      pos = at + t.spoken.length;
    });
    var words = (unknown || []).filter(Boolean).sort(function (a, b) { return b.length - a.length; });
    if (!spans.length && words.length) {
      var esc = words.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
      var re = new RegExp("(^|[^\\p{L}\\p{N}_])(" + esc.join("|") + ")(?![\\p{L}\\p{N}_])", "gu"), m;
      while ((m = re.exec(text)) !== null) {
        var s = m.index + m[1].length;
        spans.push({ start: s, end: s + m[2].length, token: null });
        re.lastIndex = s + m[2].length;
      }
    }
    pos = 0;
    spans.forEach(function (sp) {
      box.appendChild(document.createTextNode(text.slice(pos, sp.start)));
      var t = sp.token, isUnknown = !t || words.indexOf(t.written.replace(/\.$/, "")) >= 0;
      var el = document.createElement(isUnknown ? "mark" : "span");
      el.className = isUnknown ? "unknown tok" : "tok";
      var title = t ? t.class_vi + ": «" + t.written + "»" + (t.evidence ? " — " + t.evidence : "") : "";
      el.title = isUnknown ? "Chưa biết cách đọc" + (title ? " — " + title : "") : title;
      if (t) { el.setAttribute("data-cls", t.cls); }
      el.textContent = text.slice(sp.start, sp.end);
      box.appendChild(el);
      pos = sp.end;
    });
    box.appendChild(document.createTextNode(text.slice(pos)));
  }

  function renderUnknown(list, unknown) {
    var tpl = document.getElementById("lex-template");
    if (!list || !tpl) { return; }
    list.textContent = "";
    (unknown || []).forEach(function (w) {
      var li = tpl.content.firstElementChild.cloneNode(true);
      li.querySelector('input[name="word"]').value = w;
      li.querySelector("mark").textContent = w;
      li.querySelector('input[name="spoken"]').setAttribute("aria-label", "Cách đọc của " + w);
      list.appendChild(li);
    });
    document.getElementById("unknown-box").hidden = !(unknown && unknown.length);
  }

  // Record from the microphone on the news form: listen, re-record, and the recording is
  // put into the form's file field, so saving uploads it like a chosen file.
  var recStart = document.getElementById("rec-start");
  if (recStart && window.MediaRecorder && navigator.mediaDevices) {
    var recStop = document.getElementById("rec-stop"), recState = document.getElementById("rec-state");
    var recPreview = document.getElementById("rec-preview"), audioInput = document.getElementById("audio");
    var recorder = null, chunks = [];
    recStart.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        chunks = [];
        recorder = new MediaRecorder(stream);
        recorder.ondataavailable = function (e) { if (e.data.size) { chunks.push(e.data); } };
        recorder.onstop = function () {
          stream.getTracks().forEach(function (t) { t.stop(); });
          var type = recorder.mimeType || "audio/webm";
          var blob = new Blob(chunks, { type: type });
          var ext = type.indexOf("ogg") >= 0 ? "ogg" : "webm";
          var dt = new DataTransfer();
          dt.items.add(new File([blob], "ghi-am." + ext, { type: type }));
          audioInput.files = dt.files;
          recPreview.src = URL.createObjectURL(blob);
          recPreview.hidden = false;
          recState.textContent = "Đã ghi xong: nghe thử, ghi lại, hoặc bấm Lưu.";
          recStart.disabled = false; recStop.disabled = true;
          recStart.textContent = "● Ghi lại";
        };
        recorder.start();
        recState.textContent = "Đang ghi âm…";
        recStart.disabled = true; recStop.disabled = false;
      }).catch(function () {
        recState.textContent = "Không mở được micrô: hãy cho phép trình duyệt dùng micrô.";
      });
    });
    recStop.addEventListener("click", function () {
      if (recorder && recorder.state !== "inactive") { recorder.stop(); }
    });
  }

  // Live reading time and spoken form on the news form.
  var form = document.getElementById("news-form");
  if (form) {
    var title = form.querySelector("#title"), body = form.querySelector("#body");
    var chars = document.getElementById("chars"), est = document.getElementById("estimate");
    var state = document.getElementById("estimate-state"), counter = document.getElementById("counter");
    var spoken = document.getElementById("spoken"), list = document.getElementById("unknown-list");
    var max = parseInt(body.getAttribute("data-max"), 10) || 0;
    var timer = null, seq = 0;
    function station() {
      var c = form.querySelector('input[name="stations"]:checked');
      return c ? c.value : null;
    }
    function refresh() {
      var text = [title.value.trim(), body.value.trim()].filter(Boolean).join(". ");
      var mine = ++seq;
      if (!text) { est.textContent = "–"; renderSpoken(spoken, "", []); renderUnknown(list, []); return; }
      state.textContent = "(đang tính…)";
      post("/api/speak-preview", { text: text, station: station() }).then(function (j) {
        if (mine !== seq) { return; }
        state.textContent = "";
        est.textContent = fmt(j.estimated_s);
        renderSpoken(spoken, j.spoken, j.unknown, j.tokens);
        renderUnknown(list, j.unknown);
      }).catch(function (err) {
        if (mine !== seq) { return; }
        state.textContent = "(" + err.message + ")";
      });
    }
    function typed() {
      chars.textContent = body.value.length;
      counter.classList.toggle("over", max > 0 && body.value.length > max);
      clearTimeout(timer);
      timer = setTimeout(refresh, 500);
    }
    title.addEventListener("input", typed);
    body.addEventListener("input", typed);
    form.addEventListener("change", function (e) { if (e.target.name === "stations") { typed(); } });

    // Add a word to the station lexicon without leaving the page (keeps what was typed).
    document.addEventListener("submit", function (e) {
      var f = e.target;
      if (!f.classList || !f.classList.contains("lex-form")) { return; }
      e.preventDefault();
      var word = f.querySelector('input[name="word"]').value, said = f.querySelector('input[name="spoken"]').value;
      post("/api/lexicon", { word: word, spoken: said }).then(function () {
        refresh();
      }).catch(function (err) { window.alert(err.message); });
    });
  }

  // "Build now": show that the server is working; the form still submits normally.
  var build = document.getElementById("build-form");
  if (build) {
    build.addEventListener("submit", function () {
      var btn = document.getElementById("build-btn");
      setTimeout(function () { btn.disabled = true; }, 0);
      document.getElementById("build-wait").hidden = false;
    });
  }

  // Ask before destructive buttons (e.g. deleting a user).
  document.querySelectorAll("button[data-confirm]").forEach(function (b) {
    b.addEventListener("click", function (e) {
      if (!window.confirm(b.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });

  // Timeline: click a segment (or its time) to play from there.
  var player = document.getElementById("player");
  if (player) {
    document.querySelectorAll("[data-start]").forEach(function (el) {
      el.addEventListener("click", function () {
        player.currentTime = parseFloat(el.getAttribute("data-start")) || 0;
        player.play();
      });
    });
  }
})();
