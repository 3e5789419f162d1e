// The closing page: follow the grading of each submitted challenge until it is done.

import { api } from "./api.js";

async function follow(root) {
  for (let wait = 2000; ; wait = Math.min(wait * 1.5, 15_000)) {
    try {
      const data = await api(root.dataset.statusUrl);
      for (const item of data.items) {
        const badge = root.querySelector(`[data-item-id="${item.item_id}"] .final-state`);
        if (!badge || !item.final) continue;
        badge.dataset.state = item.final.status;
        // The server words each state; for a final answer it says nothing about the tests.
        badge.textContent = item.final.detail;
      }
      if (data.grading_done) return;
    } catch (error) {
      /* keep the page as rendered; try again later */
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

const root = document.getElementById("closing");
if (root) follow(root);
