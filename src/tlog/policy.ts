/**
 * C2SP tlog-policy (https://c2sp.org/tlog-policy, editor's copy of 2026): which logs and witnesses a verifier
 * trusts, and the quorum of witness cosignatures a checkpoint needs.
 *
 *   log <vkey> [<url>]                       the vkey's name is the log's origin
 *   witness <name> <vkey> [<url>]            a tlog-cosignature key (type 0x04)
 *   group <name> all|any|<k> <member>...     witnessed when k of its n members witnessed (1 ≤ k ≤ n)
 *   quorum <name>|none                       exactly one line
 *
 * Lines end in "\n"; items are separated by spaces and tabs; blank lines and "#" comments are ignored. The only
 * control characters allowed are tab and newline; bytes ≥ 0x80 are opaque, so names are compared as bytes: we
 * parse the file as one character a byte (code points 0–255) and decode UTF-8 only inside vkeys. Names are
 * defined once (witnesses and groups share one namespace, `none` is predefined), a group or the quorum only names
 * what earlier lines define, and a defined name is a group member at most once in the whole file (the spec: "so
 * that each witness can contribute to a group, or to the quorum in particular, in only one way"). Two log lines,
 * or two witness lines, with the same public key are an error whatever their key names.
 *
 * Stricter than the text in two places, so that a policy has one spelling: k is a decimal without leading zeros,
 * and the last line must end in a newline like every other.
 */
import { fromUtf8 } from '../crypto/bytes.js';
import { DetenteError, fail } from '../crypto/errors.js';
import { parseNote } from '../crypto/note.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { hasControlChar } from '../crypto/text.js';
import { type Ed25519NoteVerifier, parseVerifierKey } from '../crypto/vkey.js';
import { type Checkpoint, openCheckpoint, parseCheckpoint } from './checkpoint.js';
import { type CosignatureVerifier, parseCosignatureTimestamp, parseCosignatureVerifierKey } from './cosignature.js';

export const POLICY_NONE = 'none';
/** Far above the 32 logs, witnesses and groups the spec asks implementations to support; bounds hostile input. */
export const MAX_POLICY_ITEMS = 1024;
export const MAX_POLICY_BYTES = 1 << 20;

export interface PolicyLog {
  vkey: string;
  url?: string;
}
export interface PolicyWitness {
  name: string;
  vkey: string;
  url?: string;
}
export interface PolicyGroup {
  name: string;
  /** k: how many members must have witnessed. */
  threshold: number;
  /** How the threshold was written, kept so that formatting gives the file back. */
  spelling: 'all' | 'any' | 'k';
  members: string[];
}
export interface TlogPolicy {
  logs: PolicyLog[];
  witnesses: PolicyWitness[];
  groups: PolicyGroup[];
  /** A witness or group name, or `none`. */
  quorum: string;
}

/** A parsed policy with its keys decoded, ready to check checkpoints. */
export interface LoadedPolicy extends TlogPolicy {
  logVerifiers: Ed25519NoteVerifier[];
  /** By policy witness name. */
  witnessVerifiers: Map<string, CosignatureVerifier>;
}

const KEYWORDS = new Set(['log', 'witness', 'group', 'quorum']);
const DECIMAL_K = /^[1-9][0-9]{0,5}$/;

function bad(line: number, message: string): never {
  fail('POLICY_MALFORMED', `policy line ${line}: ${message}`);
}

/** One character per byte: names stay opaque octet strings, compared exactly as the spec asks. */
function asByteString(input: string | Uint8Array): string {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return s;
}

/** A token of the byte string back as text (vkeys and URLs are UTF-8). */
function tokenText(token: string, line: number, field: string): string {
  const bytes = Uint8Array.from(token, (c) => c.charCodeAt(0));
  try {
    return fromUtf8(bytes, field);
  } catch {
    bad(line, `${field}: expected valid UTF-8`);
  }
}

/** A name for messages: UTF-8 when it is, else its bytes in hex escapes. */
function shown(name: string): string {
  const bytes = Uint8Array.from(name, (c) => c.charCodeAt(0));
  try {
    return JSON.stringify(fromUtf8(bytes, 'name'));
  } catch {
    return JSON.stringify(name.replace(/[\x80-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`));
  }
}

function decodeKey<T>(line: number, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DetenteError) bad(line, `${what}: ${e.message}`);
    throw e;
  }
}

function samePublicKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Parses and checks a policy file, decoding every key (log keys Ed25519 type 0x01, witness keys cosignature/v1
 * type 0x04). Throws POLICY_MALFORMED naming the line and the rule broken.
 */
export function parsePolicy(input: string | Uint8Array, suite: CryptoSuite): LoadedPolicy {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    fail('BAD_INPUT', `policy: expected a string or bytes, got ${typeof input}`);
  }
  const text = asByteString(input);
  if (text.length > MAX_POLICY_BYTES) fail('POLICY_MALFORMED', `policy: larger than ${MAX_POLICY_BYTES} bytes`);
  const lines = text.split('\n');
  const last = lines.pop();
  if (last !== '') fail('POLICY_MALFORMED', `policy line ${lines.length + 1}: expected to end in a newline`);

  const policy: LoadedPolicy = {
    logs: [],
    witnesses: [],
    groups: [],
    quorum: '',
    logVerifiers: [],
    witnessVerifiers: new Map(),
  };
  const defined = new Set<string>();
  const usedAsMember = new Set<string>();
  let quorumLine = 0;

  lines.forEach((raw, i) => {
    const n = i + 1;
    for (let j = 0; j < raw.length; j++) {
      const c = raw.charCodeAt(j);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) bad(n, `control character 0x${c.toString(16).padStart(2, '0')}`);
    }
    const tokens = raw.split(/[ \t]+/).filter((t) => t !== '');
    if (tokens.length === 0 || tokens[0]!.startsWith('#')) return;
    if (defined.size + policy.logs.length >= MAX_POLICY_ITEMS) bad(n, `more than ${MAX_POLICY_ITEMS} items`);
    const [keyword, ...args] = tokens as [string, ...string[]];
    if (!KEYWORDS.has(keyword)) bad(n, `unknown keyword ${shown(keyword)} (expected log, witness, group or quorum)`);
    if (quorumLine > 0 && keyword === 'quorum') bad(n, `a second quorum line (the first is line ${quorumLine})`);

    const newName = (name: string) => {
      if (name === POLICY_NONE) bad(n, `"${POLICY_NONE}" is predefined and cannot be defined`);
      if (defined.has(name)) bad(n, `name ${shown(name)} is already defined`);
      defined.add(name);
    };

    if (keyword === 'log') {
      if (args.length < 1 || args.length > 2) bad(n, 'expected "log <vkey> [<url>]"');
      const vkey = tokenText(args[0]!, n, 'log vkey');
      const verifier = decodeKey(n, 'log vkey', () => parseVerifierKey(vkey, suite));
      if (policy.logVerifiers.some((v) => samePublicKey(v.publicKey, verifier.publicKey))) {
        bad(n, `log ${verifier.name}: the same public key as an earlier log`);
      }
      policy.logVerifiers.push(verifier);
      policy.logs.push(args[1] === undefined ? { vkey } : { vkey, url: tokenText(args[1], n, 'log URL') });
    } else if (keyword === 'witness') {
      if (args.length < 2 || args.length > 3) bad(n, 'expected "witness <name> <vkey> [<url>]"');
      const name = args[0]!;
      const vkey = tokenText(args[1]!, n, 'witness vkey');
      const verifier = decodeKey(n, `witness ${shown(name)} vkey`, () => parseCosignatureVerifierKey(vkey, suite));
      for (const [other, v] of policy.witnessVerifiers) {
        if (samePublicKey(v.publicKey, verifier.publicKey)) {
          bad(n, `witness ${shown(name)}: the same public key as witness ${shown(other)}`);
        }
      }
      newName(name);
      policy.witnessVerifiers.set(name, verifier);
      const w: PolicyWitness = { name, vkey };
      if (args[2] !== undefined) w.url = tokenText(args[2], n, 'witness URL');
      policy.witnesses.push(w);
    } else if (keyword === 'group') {
      if (args.length < 3) bad(n, 'expected "group <name> all|any|<k> <member>..." with at least one member');
      const [name, k, ...members] = args as [string, string, ...string[]];
      const seen = new Set<string>();
      for (const m of members) {
        if (m === POLICY_NONE) bad(n, `"${POLICY_NONE}" cannot be a group member`);
        if (m === name) bad(n, `group ${shown(name)} cannot be its own member`);
        if (!defined.has(m)) bad(n, `member ${shown(m)} is not defined on an earlier line`);
        if (seen.has(m)) bad(n, `member ${shown(m)} is listed twice`);
        if (usedAsMember.has(m)) bad(n, `member ${shown(m)} is already a member of an earlier group`);
        seen.add(m);
      }
      let threshold: number;
      let spelling: PolicyGroup['spelling'];
      if (k === 'all') [threshold, spelling] = [members.length, 'all'];
      else if (k === 'any') [threshold, spelling] = [1, 'any'];
      else if (DECIMAL_K.test(k)) [threshold, spelling] = [Number(k), 'k'];
      else bad(n, `threshold ${shown(k)}: expected all, any or a decimal k without leading zeros`);
      if (threshold < 1 || threshold > members.length) {
        bad(n, `threshold ${threshold} is outside 1..${members.length} (the number of members)`);
      }
      newName(name);
      for (const m of members) usedAsMember.add(m);
      policy.groups.push({ name, threshold, spelling, members });
    } else {
      if (args.length !== 1) bad(n, 'expected "quorum <name>"');
      const name = args[0]!;
      if (name !== POLICY_NONE && !defined.has(name)) bad(n, `quorum ${shown(name)} is not defined on an earlier line`);
      policy.quorum = name;
      quorumLine = n;
    }
  });
  if (quorumLine === 0) fail('POLICY_MALFORMED', 'policy: expected exactly one quorum line, found none');
  return policy;
}

/** The policy file for a policy; parsePolicy gives it back. Names and URLs must be single tokens. */
export function formatPolicy(policy: TlogPolicy): string {
  const token = (s: unknown, field: string): string => {
    if (
      typeof s !== 'string' ||
      s === '' ||
      /\s/.test(s) ||
      hasControlChar(s, false) ||
      s.includes('\x7f') ||
      s.startsWith('#')
    ) {
      fail(
        'BAD_INPUT',
        `policy ${field}: expected a non-empty token without spaces, control characters or a leading #`,
      );
    }
    return s;
  };
  const opt = (url: string | undefined, field: string) => (url === undefined ? '' : ` ${token(url, field)}`);
  const out: string[] = [];
  for (const l of policy.logs) out.push(`log ${token(l.vkey, 'log vkey')}${opt(l.url, 'log URL')}`);
  for (const w of policy.witnesses) {
    out.push(`witness ${token(w.name, 'witness name')} ${token(w.vkey, 'witness vkey')}${opt(w.url, 'witness URL')}`);
  }
  for (const g of policy.groups) {
    const k = g.spelling === 'all' ? 'all' : g.spelling === 'any' ? 'any' : String(g.threshold);
    out.push(`group ${token(g.name, 'group name')} ${k} ${g.members.map((m) => token(m, 'member')).join(' ')}`);
  }
  out.push(`quorum ${token(policy.quorum, 'quorum')}`);
  return `${out.join('\n')}\n`;
}

/**
 * Whether the witnesses named (policy names whose cosignatures verified) meet the quorum. Groups refer only to
 * earlier names, so one pass in file order decides every group.
 */
export function quorumMet(policy: TlogPolicy, witnessed: ReadonlySet<string>): boolean {
  if (policy.quorum === POLICY_NONE) return true;
  const ok = new Set<string>();
  for (const w of policy.witnesses) if (witnessed.has(w.name)) ok.add(w.name);
  for (const g of policy.groups) {
    if (g.members.filter((m) => ok.has(m)).length >= g.threshold) ok.add(g.name);
  }
  return ok.has(policy.quorum);
}

export interface PolicyVerdict {
  checkpoint: Checkpoint;
  /** The checkpoint text (the signed part of the note). */
  text: string;
  /** Each policy witness whose cosignature verified, with its time (POSIX seconds). */
  cosignatures: { witness: string; keyName: string; timestamp: number }[];
  /** How many of the policy's witnesses are known (n in "k of n"). */
  witnesses: number;
  quorum: string;
  quorumMet: boolean;
}

/**
 * Checks a signed checkpoint against a policy without throwing on an unmet quorum: one listed log must have
 * signed it (its key name is the origin), every known witness's cosignature must verify (a bad one refuses the
 * whole note, as signed-note says), unknown lines are ignored. Throws NOTE_* or POLICY_UNSATISFIED (no listed
 * log for the origin).
 */
export function evaluateCheckpoint(policy: LoadedPolicy, note: string | Uint8Array): PolicyVerdict {
  const { text } = parseNote(note);
  const { origin } = parseCheckpoint(text);
  const logs = policy.logVerifiers.filter((v) => v.name === origin);
  if (logs.length === 0) fail('POLICY_UNSATISFIED', `policy: no log for origin ${JSON.stringify(origin)}`);
  const witnesses = [...policy.witnessVerifiers.entries()];
  let lastError: unknown;
  for (const log of logs) {
    let opened: ReturnType<typeof openCheckpoint>;
    try {
      opened = openCheckpoint(
        note,
        log,
        witnesses.map(([, v]) => v),
      );
    } catch (e) {
      // Two listed logs may share an origin (a key rotation): the note must open under one of them.
      if (e instanceof DetenteError && e.code === 'NOTE_UNVERIFIED') {
        lastError = e;
        continue;
      }
      throw e;
    }
    const cosignatures: PolicyVerdict['cosignatures'] = [];
    for (const [name, v] of witnesses) {
      const sig = opened.note.verified.find((s) => s.name === v.name && s.keyId === v.keyId);
      if (sig)
        cosignatures.push({ witness: name, keyName: v.name, timestamp: parseCosignatureTimestamp(sig.signature) });
    }
    return {
      checkpoint: opened.checkpoint,
      text,
      cosignatures,
      witnesses: witnesses.length,
      quorum: policy.quorum,
      quorumMet: quorumMet(policy, new Set(cosignatures.map((c) => c.witness))),
    };
  }
  throw lastError;
}

/** evaluateCheckpoint, refusing a checkpoint whose cosignatures do not meet the quorum (POLICY_UNSATISFIED). */
export function verifyCheckpointPolicy(policy: LoadedPolicy, note: string | Uint8Array): PolicyVerdict {
  const verdict = evaluateCheckpoint(policy, note);
  if (!verdict.quorumMet) {
    const got = verdict.cosignatures.map((c) => c.witness).join(', ') || 'none';
    fail(
      'POLICY_UNSATISFIED',
      `checkpoint ${verdict.checkpoint.origin} size ${verdict.checkpoint.size}: quorum ${JSON.stringify(verdict.quorum)} not met (cosigned by ${got})`,
    );
  }
  return verdict;
}
