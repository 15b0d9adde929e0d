/** The `<origin>/<index>` part of the entry routes' paths (/api/entries, /api/receipts, /api/plaintexts). */
import { TLOG_PROOF_EXTENSION } from '../tlog/proof-file.js';

/**
 * `<origin>/<index>` or `<origin>/<index>.tlog-proof`, percent-encoded (the origin has slashes), as the entry and
 * receipt routes take it; a string when it does not parse: the reason, or '' for the route's own usage line.
 */
export function entryPath(raw: string): { origin: string; indexText: string; asProof: boolean } | string {
  let rest: string;
  try {
    rest = decodeURIComponent(raw);
  } catch {
    return 'bad percent-encoding in the path';
  }
  const asProof = rest.endsWith(TLOG_PROOF_EXTENSION);
  if (asProof) rest = rest.slice(0, -TLOG_PROOF_EXTENSION.length);
  const cut = rest.lastIndexOf('/');
  const indexText = rest.slice(cut + 1);
  if (cut <= 0 || !/^(0|[1-9]\d{0,15})$/.test(indexText)) return '';
  return { origin: rest.slice(0, cut), indexText, asProof };
}
