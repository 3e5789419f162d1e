// Invitation pages: copy links without leaving the page, and confirm the actions that cannot be undone.
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]');

  function say(place, text, isError) {
    if (!place) return;
    place.textContent = text;
    place.classList.toggle("error", Boolean(isError));
  }

  // Copy to the clipboard; where the page is not a secure context, select the text instead.
  async function copy(input, status) {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(input.value);
      say(status, "Copied.");
    } catch (error) {
      input.focus();
      input.select();
      say(status, "Selected: press Ctrl+C (or ⌘C) to copy.");
    }
  }

  // "Copy link": the server derives the link on demand (and logs that it was shown).
  for (const form of document.querySelectorAll("form.js-copy-link")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const status = form.querySelector(".copy-result");
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const response = await fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json", "X-CSRFToken": csrf ? csrf.content : "" },
          credentials: "same-origin",
        });
        const data = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error(data.error || "The link could not be fetched.");
        let input = form.querySelector("input.link-input");
        if (!input) {
          input = document.createElement("input");
          input.type = "text";
          input.readOnly = true;
          input.className = "link-input";
          input.setAttribute("aria-label", "Candidate link");
          form.appendChild(input);
        }
        input.value = data.url;
        await copy(input, status);
      } catch (error) {
        say(status, error.message, true);
      } finally {
        button.disabled = false;
      }
    });
  }

  // Links already on the page (after inviting or re-issuing).
  for (const button of document.querySelectorAll("button.js-copy")) {
    const input = document.getElementById(button.dataset.copy);
    if (!input) continue;
    button.hidden = false;
    button.addEventListener("click", () => copy(input, button.parentElement.querySelector(".copy-result")));
  }

  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
})();
