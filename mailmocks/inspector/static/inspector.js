// mailmocks inspector: copy buttons, control calls (JSON + the session's token), live lists.
// Served from the package; the pages allow no other script (Content-Security-Policy).
"use strict";
(function () {
  const token = document.querySelector('meta[name="mailmocks-token"]').content;
  const flash = document.getElementById("flash");

  function say(text, bad) {
    flash.textContent = text;
    flash.className = bad ? "bad" : "ok";
  }

  async function call(url, method, body) {
    const init = {method: method, headers: {"x-mailmocks-token": token}, credentials: "same-origin"};
    if (method !== "DELETE" || body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = body === undefined ? "{}" : body;
    }
    const answer = await fetch(url, init);
    const text = await answer.text();
    let data = null;
    try { data = JSON.parse(text); } catch (e) { data = text; }
    if (!answer.ok) {
      throw new Error((data && data.error) || ("HTTP " + answer.status));
    }
    return data;
  }

  async function act(url, method, body, then) {
    try {
      await call(url, method, body);
      say(method + " " + url + ": done", false);
      if (then) { window.location.assign(then); } else { window.location.reload(); }
    } catch (err) {
      say(method + " " + url + ": " + err.message, true);
    }
  }

  document.addEventListener("click", function (ev) {
    const copy = ev.target.closest("[data-copy]");
    if (copy) {
      const source = document.querySelector(copy.dataset.copy);
      const text = source ? source.textContent : "";
      const done = () => { copy.textContent = "Copied"; setTimeout(() => { copy.textContent = "Copy"; }, 1200); };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(text).then(done, () => say("copy refused by the browser", true));
      }
      return;
    }
    const post = ev.target.closest("[data-post]");
    if (post) {
      if (post.dataset.confirm && !window.confirm(post.dataset.confirm)) { return; }
      act(post.dataset.post, post.dataset.method || "POST", post.dataset.body, post.dataset.then);
    }
  });

  document.addEventListener("submit", function (ev) {
    const form = ev.target.closest("form[data-api]");
    if (!form) { return; }
    ev.preventDefault();
    if (form.dataset.raw !== undefined) {  // a vendor's own route: its JSON body as typed
      act(form.dataset.api, "POST", form.elements.body.value);
      return;
    }
    const body = {};
    for (const field of form.elements) {
      if (!field.name) { continue; }
      const kind = field.dataset.type;
      if (field.type === "checkbox") {
        if (field.checked) { body[field.name] = true; }
        continue;
      }
      const value = field.value.trim();
      if (value === "") { continue; }
      if (kind === "number" || kind === "integer") {
        // sent as typed when it reads as a number; the API names the field when it does not
        body[field.name] = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(value) ? Number(value) : value;
      } else if (field.name === "body") {
        try { body.body = JSON.parse(value); } catch (e) { body.body = value; }
      } else {
        body[field.name] = value;
      }
    }
    act(form.dataset.api, "POST", JSON.stringify(body));
  });

  // Live lists: poll the sandbox's status; when the watched counter moves, refetch the list.
  const live = document.querySelector("[data-live]");
  const clock = document.getElementById("clock");
  // the page says what it showed when rendered, so nothing sent since is missed
  let seen = live ? live.dataset.mark : null;
  async function poll() {
    try {
      const status = await (await fetch("/_admin", {credentials: "same-origin"})).json();
      clock.textContent = status.clock.now + (status.clock.frozen ? " (frozen)" : "");
      if (live) {
        const mark = [status.last_message, status.last_request, status.outbox,
                      status.journal.entries].join("/");
        if (mark !== seen) {
          const part = await fetch(live.dataset.src, {credentials: "same-origin"});
          if (part.ok) { live.innerHTML = await part.text(); }
        }
        seen = mark;
      }
    } catch (e) { /* the sandbox stopped: try again later */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 300);
})();
