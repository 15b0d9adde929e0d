/**
 * The node's escrow endpoints (docs/API.md): commit an escrowed declaration, list the party's, open one, fetch an
 * opening. The answers are read as untrusted: an opening is verified in the browser (../escrow/verify-opening.ts)
 * before anything it says is shown as verified.
 */
import type { EntryRefJson } from './client.js';
import { asReader, getJson } from './client.js';

export interface Receipt extends EntryRefJson {
  checkpoint: string;
  size: number;
  proof: string[];
}

export interface CommitAnswer {
  receipt: Receipt;
  root: string;
  leaves: number;
  /** Items per category. */
  totals: Record<string, number>;
}

export interface EscrowedItem {
  uid: string;
  category: string;
  site: string;
  status: string;
  attributes?: Record<string, number>;
  opened: boolean;
}

export interface EscrowedDeclaration {
  asOf: string;
  ref: { origin: string; index: number; leafHash?: string };
  root: string;
  leaves: number;
  totals: Record<string, number>;
  items: EscrowedItem[];
}

/** What to open: chosen items, every item at a site, or every item in a zone (exactly one). */
export type OpenWhat = { items: string[] } | { site: string } | { region: string };

/** The self-contained opening (detente-opening/1, src/cli/escrow-commands.ts's OpeningFile). */
export interface OpeningDocument {
  format: string;
  party: string;
  opening: unknown;
  declaration: { origin: string; index: number; leafHash: string; entry: string; publicKey: string };
  inclusion: { size: number; proof: string[] };
  checkpoint: string;
  vkey: string;
}

const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
const nonce = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

export const escrowApi = {
  commit: (token: string, asOf: string, items: unknown[]) =>
    getJson<CommitAnswer>('/api/escrow/declarations', {
      method: 'POST',
      headers: auth(token),
      body: JSON.stringify({ nonce: nonce(), asOf, items }),
    }),
  declarations: (token: string) =>
    getJson<{ declarations: EscrowedDeclaration[] }>('/api/escrow/declarations', {
      headers: { authorization: `Bearer ${token}` },
    }),
  open: (token: string, declaration: { origin: string; index: number }, what: OpenWhat) =>
    getJson<{ receipt: Receipt; opening: OpeningDocument }>('/api/escrow/openings', {
      method: 'POST',
      headers: auth(token),
      body: JSON.stringify({ nonce: nonce(), declaration, ...what }),
    }),
  // With the tab's token: a sealed opening's document goes to its audience only (issue 14).
  opening: (origin: string, index: number) =>
    getJson<OpeningDocument>(`/api/escrow/openings/${encodeURIComponent(origin)}/${index}`, asReader()),
};
