// Size limits of a save, checked in the browser so a huge paste is explained at once instead of
// being uploaded every few seconds only to be refused. The server enforces the same limits.

const encoder = new TextEncoder();

/** Say a size in KB or MB, as people read it. */
export function formatSize(bytes) {
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} KB`;
  const mb = bytes / (1024 * 1024);
  return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`;
}

/** Return why these files cannot be saved or run (one sentence), or "" when they fit. */
export function sizeProblem(files, limits) {
  if (!limits) return "";
  let total = 0;
  for (const [path, text] of Object.entries(files)) {
    const size = encoder.encode(text).length;
    total += size;
    if (size > limits.file_bytes) {
      return `${path} is ${formatSize(size)}; a file may hold at most ${formatSize(limits.file_bytes)}. Remove what made it this large (a big paste?) to save again.`;
    }
  }
  if (total > limits.total_bytes) {
    return `Your files total ${formatSize(total)}; a challenge's files may hold at most ${formatSize(limits.total_bytes)} together. Remove what made them this large to save again.`;
  }
  return "";
}
