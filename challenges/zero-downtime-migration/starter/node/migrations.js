'use strict';
// The expand/contract steps of splitting users.name into first_name and last_name.

// Add the new columns and keep them in sync with the old one; backfill in batches.
async function expand(client, tenant) { // eslint-disable-line no-unused-vars
  throw new Error('not implemented');
}

// Record that no old code writes to this tenant any more.
async function retireOldCode(client, tenant) { // eslint-disable-line no-unused-vars
  throw new Error('not implemented');
}

// Drop what only the old code needed, once that is safe.
async function contract(client, tenant) { // eslint-disable-line no-unused-vars
  throw new Error('not implemented');
}

module.exports = { expand, retireOldCode, contract };
