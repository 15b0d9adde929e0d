/**
 * Where two JSON values first differ, as a path and the two values there: what a test that waits for nodes to agree
 * reports when they do not (a whole state is too long to read in a failure message).
 */
export function jsonDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (Object.is(a, b)) return undefined;
  const bothObjects = typeof a === 'object' && typeof b === 'object' && a !== null && b !== null;
  if (!bothObjects || Array.isArray(a) !== Array.isArray(b)) {
    return `${path}: ${JSON.stringify(a)?.slice(0, 200)} against ${JSON.stringify(b)?.slice(0, 200)}`;
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  for (const k of ka) {
    if (!kb.includes(k)) return `${path}.${k}: only in the first`;
    const at = Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`;
    const d = jsonDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at);
    if (d) return d;
  }
  const extra = kb.find((k) => !ka.includes(k));
  return extra === undefined ? undefined : `${path}.${extra}: only in the second`;
}

/** The first difference of each text from the first one (JSON texts of the same kind), for a failure message. */
export function textsDifference(texts: readonly string[], names: readonly string[]): string {
  const parse = (t: string) => {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return t;
    }
  };
  const first = parse(texts[0]!);
  return texts
    .slice(1)
    .map((t, i) => {
      if (t === texts[0]) return undefined;
      let at = 0;
      while (t[at] === texts[0]![at]) at++;
      const d = jsonDifference(first, parse(t)) ?? `the texts differ at ${at}`;
      return `${names[0]} vs ${names[i + 1]}: ${d}`;
    })
    .filter((d) => d !== undefined)
    .join('; ');
}
