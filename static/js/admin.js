// Administration pages: confirm actions that lock someone out, and copy a one-time link.
(function () {
  "use strict";

  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  for (const button of document.querySelectorAll("button[data-copy]")) {
    const input = document.getElementById(button.dataset.copy);
    const status = button.closest(".field")?.querySelector(".copy-status");
    button.addEventListener("click", async () => {
      try {
        if (!navigator.clipboard) throw new Error("no clipboard");
        await navigator.clipboard.writeText(input.value);
        if (status) status.textContent = "Copied.";
      } catch (error) {
        // Outside a secure context there is no clipboard API: select the text for Ctrl+C.
        input.focus();
        input.select();
        if (status) status.textContent = "Selected: press Ctrl+C (or ⌘C) to copy.";
      }
    });
  }
})();
