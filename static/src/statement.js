// Statement pages: code blocks that never cut a line off.

import { button } from "./ui.js";

/**
 * Statement code blocks wrap so nothing is cut off in a narrow column; a block whose lines are
 * long gets a switch to show them unwrapped (scrolling sideways), for aligned columns.
 */
export function offerWrapToggles(statement) {
  for (const pre of statement.querySelectorAll("pre:not([data-wrap])")) {
    pre.dataset.wrap = "on";
    pre.classList.add("unwrapped");
    const long = pre.scrollWidth > pre.clientWidth + 1;
    pre.classList.remove("unwrapped");
    if (!long) continue;
    const toggle = button("Wrap lines", () => {
      const unwrapped = pre.classList.toggle("unwrapped");
      toggle.setAttribute("aria-pressed", String(!unwrapped));
    }, "link wrap-toggle");
    toggle.setAttribute("aria-pressed", "true");
    pre.tabIndex = 0; // unwrapped, it scrolls sideways: reachable with the keyboard
    pre.before(toggle);
  }
}
