/**
 * The checkpoint text a cosignature of a log's tree at a size signs (C2SP tlog-cosignature), as a store sees it.
 */
import { parseNote } from '../crypto/note.js';
import type { LogStore } from '../store/store.js';
import { formatCheckpoint } from '../tlog/checkpoint.js';

/**
 * The text of the checkpoint `store` holds at `size`; for a size it holds none of (a mirror that caught up past
 * it), the checkpoint of its own tree at that size as a Détente log writes it (no extension lines), if `rootAt`
 * knows that tree's root. Undefined otherwise.
 */
export function cosignedTextAt(
  store: LogStore,
  size: number,
  rootAt: () => Uint8Array | undefined,
): string | undefined {
  const note = store.checkpoint(size);
  if (note !== undefined) return parseNote(note).text;
  const root = rootAt();
  return root === undefined ? undefined : formatCheckpoint({ origin: store.origin, size, root, extensions: [] });
}
