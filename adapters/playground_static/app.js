// The playground page: pick who you are, chat with the bot, decide what lands in your inbox.
// Every piece of text from the server is shown with textContent (never innerHTML), so a draft
// or a name can never become markup. The only formatting is *bold* and line breaks.
"use strict";

const state = {
  me: "",
  transcripts: new Map(), // email -> that person's chat transcript element
  busy: false,
};

const $ = (id) => document.getElementById(id);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
  }
  return node;
}

// "*bold*" and newlines, as text nodes and <strong> elements only.
function rich(text, tag = "div") {
  const box = el(tag);
  const lines = String(text).split("\n");
  lines.forEach((line, i) => {
    const parts = line.split(/\*([^*\n]+)\*/);
    parts.forEach((part, j) => {
      if (j % 2 === 1) box.append(el("strong", { text: part }));
      else if (part) box.append(document.createTextNode(part));
    });
    if (i < lines.length - 1) box.append(el("br"));
  });
  return box;
}

function eventId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

function setStatus(text) {
  $("status").textContent = text;
}

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (_) {
    // The browser says only "Failed to fetch": on this page that means the server is gone.
    throw new Error(`policybot is not running at ${location.origin} (start it with "policybot serve")`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch (_) {
    body = null;
  }
  if (!response.ok) {
    const why = body && body.error ? body.error : `the server answered ${response.status}`;
    throw new Error(why);
  }
  return body;
}

function transcript() {
  return state.transcripts.get(state.me);
}

function scrollDown() {
  const box = $("transcripts");
  box.scrollTop = box.scrollHeight;
}

function say(node) {
  transcript().append(node);
  scrollDown();
}

// What just arrived is read from its start: when it is taller than the chat (a long card on
// a phone), its first line (a card's verdict) is put at the top instead of scrolled past.
function reveal(first) {
  const box = $("transcripts");
  const offset = first.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
  box.scrollTop = Math.min(offset - 8, box.scrollHeight - box.clientHeight);
  const top = first.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight - 48) window.scrollBy(0, top - 8);
}

// A problem with what was typed is shown under the box that still holds it.
function sayProblem(text) {
  $("say-error").textContent = text;
  $("say-error").hidden = !text;
}

// -- sending what the person did ------------------------------------------------------------

// ``question``: the question element a choice was made on (a typed answer goes to the last one).
async function send(payload, shownAs, question) {
  if (!state.me || state.busy) return null;
  state.busy = true;
  setBusy(true);
  const mine = shownAs ? el("div", { class: "msg you", text: shownAs }) : null;
  if (mine) say(mine);
  try {
    const result = await api("/playground/api/turn", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ as: state.me, event_id: eventId(), ...payload }),
    });
    showResult(result, question);
    if (payload.text) sayProblem("");
    return result;
  } catch (error) {
    if (mine) mine.remove(); // not sent, so not shown as said
    if (payload.text) sayProblem(`Not sent: ${error.message}`);
    else say(el("div", { class: "msg error", text: `Not sent: ${error.message}` }));
    return null;
  } finally {
    state.busy = false;
    setBusy(false);
    refreshPanels();
  }
}

function setBusy(busy) {
  $("send").disabled = busy || !state.me;
  $("text").disabled = busy || !state.me;
  setStatus(busy ? "Sending…" : "");
}

function showResult(result, question) {
  if (result.duplicate) return;
  if (result.answered && result.answered.length) markAnswered(result.answered, question);
  const shown = result.replies.map(render);
  transcript().append(...shown);
  if (shown.length) reveal(shown[0]);
}

// The open question becomes its answer, without buttons.
function markAnswered(labels, answeredOn) {
  const open = transcript().querySelectorAll(".question:not(.answered)");
  const question = answeredOn || open[open.length - 1];
  if (!question || question.classList.contains("answered")) return;
  question.classList.add("answered");
  for (const controls of question.querySelectorAll(".options, .checks, .continue")) {
    controls.remove();
  }
  question.append(el("div", { class: "answer", text: `✓ ${labels.join(", ")}` }));
}

function press(action, card, comment = "") {
  const payload = {
    press: { name: action.name, request_id: action.request_id, value: action.value, comment },
  };
  const label = action.request_id && !action.label.includes(action.request_id)
    ? `${action.label} ${action.request_id}` : action.label;
  return send(payload, comment ? `${label}: ${comment}` : label).then((result) => {
    if (result && result.replace && card.isConnected) card.replaceWith(render(result.replace));
  });
}

// -- rendering the bot's messages -----------------------------------------------------------

function render(message) {
  if (message.type === "question") return renderQuestion(message);
  if (message.type === "card") return renderCard(message);
  return el("div", { class: "msg bot" }, rich(message.text, "p"));
}

function renderQuestion(q) {
  const box = el("div", { class: "msg question" }, rich(q.prompt, "p"));
  box.dataset.token = q.token;
  if (q.detail) {
    const detail = rich(q.detail, "p");
    detail.className = "detail";
    box.append(detail);
  }
  if (q.options.length && q.multiple) {
    const checks = el("div", { class: "checks" });
    for (const [value, label] of q.options) {
      const input = el("input", { type: "checkbox", value });
      checks.append(el("label", {}, input, label));
    }
    const go = el("button", { type: "button", class: "primary continue", text: "Continue" });
    go.addEventListener("click", () => {
      const picked = [...checks.querySelectorAll("input:checked")].map((i) => i.value);
      if (!picked.length) {
        showError(box, "Tick at least one box (or “None of these”).");
        return;
      }
      send({ choice: { token: q.token, values: picked } }, "", box);
    });
    box.append(checks, go);
  } else if (q.options.length) {
    const options = el("div", { class: "options" });
    for (const [value, label] of q.options) {
      options.append(el("button", {
        type: "button", text: label,
        onclick: () => send({ choice: { token: q.token, values: [value] } }, "", box),
      }));
    }
    box.append(options);
  }
  if (q.free_text) box.append(el("p", { class: "detail", text: "Type your answer below." }));
  return box;
}

const TONES = { refused: "Refused", fine: "Fine", waiting: "Needs approval" };

function renderCard(card, at) {
  const box = el("div", { class: card.tone ? `card ${card.tone}` : "card" });
  if (at) box.append(el("span", { class: "time", text: when(at) }));
  if (TONES[card.tone]) box.append(el("span", { class: "tone", text: TONES[card.tone] }));
  box.append(el("h3", {}, rich(card.title, "span")));
  if (card.fields.length) {
    const list = el("dl");
    for (const [key, value] of card.fields) list.append(el("dt", { text: key }), el("dd", { text: value }));
    box.append(list);
  }
  if (card.body) {
    const body = rich(card.body, "div");
    body.className = "body";
    box.append(body);
  }
  // A draft is shown exactly as typed: as text, never read as markup.
  if (card.quote) box.append(el("div", { class: "quote", text: card.quote }));
  if (card.footer) box.append(el("div", { class: "footer", text: card.footer }));
  // A file the card offers (the governance report): the bot's server hands it over once.
  if (card.file) {
    box.append(el("p", { class: "file" }, el("a", {
      href: card.file.url, target: "_blank", rel: "noopener", class: "file-link",
      text: `Open the report (${card.file.name}); the link works once, for a day`,
    })));
  }
  if (card.actions.length) {
    const actions = el("div", { class: "actions" });
    for (const action of card.actions) {
      const style = action.style === "primary" ? "primary" : action.style === "danger" ? "danger" : "";
      actions.append(el("button", {
        type: "button", class: style, text: action.label,
        onclick: () => (action.needs_reason ? askReason(box, action) : press(action, box)),
      }));
    }
    box.append(actions);
  }
  return box;
}

// A problem with what was filled in is shown beside it, not under the chat box.
function showError(where, text) {
  let note = where.querySelector(":scope > .form-error");
  if (!note) {
    note = el("p", { class: "form-error", role: "alert" });
    where.append(note);
  }
  note.textContent = text;
}

// Times as the cards write them: "2 Mar 2026, 09:00 UTC".
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
function when(stamp) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(stamp || "");
  if (!m) return stamp || "";
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}, ${m[4]}:${m[5]} UTC`;
}

// A reason is asked for in the card itself (e.g. for a rejection) before the press is sent.
function askReason(card, action) {
  if (card.querySelector(".reason")) return;
  const text = el("textarea", { rows: "2", "aria-label": "Reason", placeholder: "Reason (the requester will see it)" });
  const form = el("div", { class: "reason" }, text);
  const ok = el("button", { type: "button", class: "danger", text: `Send: ${action.label}` });
  const cancel = el("button", { type: "button", text: "Cancel", onclick: () => form.remove() });
  ok.addEventListener("click", () => {
    const comment = text.value.trim();
    if (!comment) {
      showError(form, "Please give a reason.");
      text.focus();
      return;
    }
    form.remove();
    press(action, card, comment);
  });
  form.append(el("div", { class: "actions" }, ok, cancel));
  card.append(form);
  text.focus();
}

// -- side panels ----------------------------------------------------------------------------

async function refreshPanels() {
  const me = state.me;
  if (!me) return;
  const who = encodeURIComponent(me);
  try {
    const [inbox, mine] = await Promise.all([
      api(`/playground/api/inbox?as=${who}`),
      api(`/playground/api/requests?as=${who}`),
    ]);
    if (me !== state.me) return; // switched person meanwhile
    const messages = inbox.messages.slice().reverse();
    $("inbox").replaceChildren(...(messages.length
      ? messages.map((m) => (m.message.type === "card" ? renderCard(m.message, m.at) : render(m.message)))
      : [el("p", { class: "hint", text: "Nothing here yet." })]));
    $("requests").replaceChildren(...mine.replies.map(render));
  } catch (error) {
    setStatus(`Could not refresh: ${error.message}`);
  }
}

async function choose(email) {
  state.me = email;
  localStorage.setItem("playground.as", email);
  $("choose-hint").hidden = Boolean(email);
  sayProblem("");
  for (const [who, box] of state.transcripts) box.hidden = who !== email;
  setBusy(false);
  if (!email) {
    $("inbox").replaceChildren();
    $("requests").replaceChildren();
    return;
  }
  if (!state.transcripts.has(email)) {
    const box = el("div", { class: "transcript" });
    box.dataset.person = email;
    state.transcripts.set(email, box);
    $("transcripts").append(box);
    // The chat so far, kept by the server: a reload shows it again.
    if (!(await restore(email))) await send({ text: "" }); // the menu, and any open question
  } else {
    scrollDown();
    await refreshPanels();
  }
  $("text").focus();
}

async function restore(email) {
  let history = null;
  try {
    history = await api(`/playground/api/history?as=${encodeURIComponent(email)}`);
  } catch (error) {
    setStatus(`Could not load the chat so far: ${error.message}`);
    return false;
  }
  if (!history.items.length) return false;
  for (const item of history.items) {
    if (item.kind === "you") say(el("div", { class: "msg you", text: item.text }));
    else if (item.kind === "answered") markAnswered(item.labels);
    else say(render(item.message));
  }
  // Questions no longer open are shown answered; the open one keeps its buttons.
  for (const q of transcript().querySelectorAll(".question:not(.answered)")) {
    if (q.dataset.token !== history.open_token) markAnswered(["(answered earlier)"], q);
  }
  await refreshPanels();
  return true;
}

async function start() {
  const select = $("who");
  let people = [];
  try {
    people = (await api("/playground/api/directory")).people;
  } catch (error) {
    setStatus(`Could not load the directory: ${error.message}`);
    return;
  }
  const schools = new Map();
  for (const person of people) {
    if (!schools.has(person.school)) schools.set(person.school, el("optgroup", { label: person.school }));
    const roles = person.roles.length ? ` (${person.roles.join(", ").replaceAll("_", " ")})` : "";
    schools.get(person.school).append(el("option", { value: person.email, text: `${person.name}${roles}` }));
  }
  select.append(...schools.values());
  select.addEventListener("change", () => choose(select.value));
  $("say").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    // The box is emptied once the message has gone: one that could not go stays to be fixed.
    send({ text }, text).then((result) => {
      if (result) $("text").value = "";
      $("text").focus();
    });
  });
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("say").requestSubmit();
    }
  });
  $("refresh").addEventListener("click", refreshPanels);
  window.addEventListener("focus", refreshPanels); // another tab may have acted meanwhile
  const remembered = localStorage.getItem("playground.as");
  if (remembered && people.some((p) => p.email === remembered)) {
    select.value = remembered;
    await choose(remembered);
  }
}

document.addEventListener("DOMContentLoaded", start);
