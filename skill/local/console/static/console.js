// The console page: every word it shows comes from /api/labels (content), every answer from /api/turn.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const log = $("log"), input = $("utterance"), statusLine = $("status");
  const conversation = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  let labels = {}, lang = "en-US", generation = 0, current = null;

  function fill(data) {
    labels = data.labels;
    lang = data.lang;
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll("[data-label]")) {
      const text = labels[el.dataset.label];
      if (text !== undefined) el.textContent = text;
    }
    const locale = $("locale"), device = $("device");
    if (!locale.options.length) {
      for (const code of data.locales) locale.add(new Option(code, code, code === lang, code === lang));
    }
    const chosen = device.value || data.devices[0];
    device.replaceChildren(...data.devices.map((name) => new Option(labels[`device.${name}`] || name, name, false, name === chosen)));
  }

  async function loadLabels(locale) {
    const answer = await fetch(`/api/labels?locale=${encodeURIComponent(locale)}`);
    if (!answer.ok) throw new Error(String(answer.status));
    fill(await answer.json());
  }

  function note(text) { statusLine.textContent = text || ""; }

  function entry(who, text, kind) {
    const item = document.createElement("li");
    item.className = kind;
    const name = document.createElement("span");
    name.className = "who";
    name.textContent = labels[who] || "";
    const said = document.createElement("p");
    said.className = "said";
    said.textContent = text;
    item.append(name, said);
    log.append(item);
    item.scrollIntoView({block: "nearest"});
    return item;
  }

  function dd(id, text) { $(id).textContent = text || labels.none || ""; }

  function show(reply) {
    document.body.classList.toggle("night", Boolean(reply.night));
    const item = entry("coach", reply.text || "", "coach");
    item.dataset.keys = reply.keys.join(" ");
    item.dataset.intent = reply.request;
    if (reply.notice_text) {
      const notice = document.createElement("p");
      notice.className = "notice";
      notice.textContent = reply.notice_text;
      item.insertBefore(notice, item.querySelector(".said"));
    }
    if (reply.quiet) {
      item.classList.add("quiet");
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = labels.quiet || "";
      item.querySelector(".who").after(badge);
    }
    note(reply.ended_text);
    dd("turn-intent", reply.request);
    dd("turn-slots", Object.entries(reply.slots).map(([name, id]) =>
      `${name} = ${id}` + (reply.spoken_slots[name] ? ` (${reply.spoken_slots[name]})` : "")).join(", "));
    dd("turn-keys", reply.keys.join(", "));
    dd("turn-ssml", reply.ssml);
    dd("turn-reprompt", reply.reprompt_ssml);
    if ($("play").checked) play(reply.segments);
  }

  async function turn(body) {
    try {
      const answer = await fetch("/api/turn", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({conversation, locale: $("locale").value || lang, device: $("device").value,
                              at: $("time").value, ...body}),
      });
      if (!answer.ok) throw new Error(String(answer.status));
      show(await answer.json());
    } catch (error) {
      note(labels.error);
    }
  }

  // Playing an answer: the pack's clips, the browser's own voice for the rest, pauses as silence.
  function stop() {
    generation += 1;
    if (window.speechSynthesis) speechSynthesis.cancel();
    if (current) current.pause();
  }
  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  function clip(file) {
    return new Promise((done) => {
      current = new Audio(`/audio/${encodeURIComponent(file)}`);
      current.onended = current.onerror = done;
      current.play().catch(done);
    });
  }
  function speak(text) {
    if (!window.speechSynthesis || !window.SpeechSynthesisUtterance) return Promise.resolve();
    return Promise.race([
      new Promise((done) => {
        const line = new SpeechSynthesisUtterance(text);
        line.lang = lang;
        line.onend = line.onerror = done;
        speechSynthesis.speak(line);
      }),
      sleep(2000 + text.length * 120),  // a browser without voices never says it has finished
    ]);
  }
  async function play(segments) {
    stop();
    const mine = generation;
    for (const part of segments) {
      if (mine !== generation) return;
      if (part.kind === "pause") await sleep(part.seconds * 1000);
      else if (part.kind === "clip") await clip(part.file);
      else if (part.kind === "say") await speak(part.text);
    }
  }

  $("say").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    entry("you", text, "you");
    input.value = "";
    input.focus();
    turn({action: "say", text});
  });
  for (const button of document.querySelectorAll("[data-action]")) {
    button.addEventListener("click", () => {
      entry("you", button.textContent, "you");
      turn({action: button.dataset.action});
    });
  }
  $("reset").addEventListener("click", () => { stop(); note(labels.session_new); turn({action: "launch"}); });
  $("device").addEventListener("change", () => { stop(); note(labels.session_new); turn({action: "launch"}); });
  $("locale").addEventListener("change", async () => {
    stop();
    try { await loadLabels($("locale").value); } catch (error) { note(labels.error); return; }
    note(labels.session_new);
    turn({action: "launch"});
  });

  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  if (Recognition) {
    const listen = $("listen");
    listen.hidden = false;
    listen.addEventListener("click", () => {
      const ear = new Recognition();
      ear.lang = lang;
      ear.interimResults = false;
      ear.onresult = (event) => { input.value = event.results[0][0].transcript; $("say").requestSubmit(); };
      ear.onend = () => { listen.setAttribute("aria-pressed", "false"); listen.textContent = labels["button.listen"]; };
      listen.setAttribute("aria-pressed", "true");
      listen.textContent = labels["button.listening"];
      ear.start();
    });
  }

  loadLabels("en-US").then(() => turn({action: "launch"}), () => note(labels.error));
})();
