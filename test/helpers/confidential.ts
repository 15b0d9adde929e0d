/** Node directories for the confidentiality tests: the scenario regime with recipient keys and audiences. */
import { join } from 'node:path';
import YAML from 'yaml';
import { parseRegime } from '../../src/model/index.js';
import { importRegimeKeys, initNodeDir } from '../../src/node/config.js';
import { createRecipientKeys } from '../../src/node/recipient-keys.js';
import { scenarioRegimeText, suite } from './nodes.js';

/**
 * The scenario regime with a recipient key for each party of `withKeys`, New START declarations bilateral
 * (us, ru), observations by us, ru and nato to those three (the host nations and Ukraine write none here).
 */
export function confidentialRegimeText(withKeys: readonly string[] = ['us', 'ru']): string {
  const doc = YAML.parse(scenarioRegimeText());
  for (const party of doc.parties) {
    if (withKeys.includes(party.id)) party.keys.push({ id: `${party.id}-recipient`, roles: ['recipient'] });
  }
  doc.audiences = [
    { types: ['declaration'], parties: ['us', 'ru'], audience: ['us', 'ru'] },
    { types: ['observation'], parties: ['us', 'ru', 'nato'], audience: ['us', 'ru', 'nato'] },
  ];
  return YAML.stringify(doc);
}

/** One node directory per party under `root`, recipient keys made, every public key imported everywhere. */
export async function initConfidentialNodes(root: string, text: string): Promise<Map<string, string>> {
  const keys: Record<string, string> = {};
  const dirs = new Map<string, string>();
  const draft = parseRegime(text, { allowMissingKeys: true });
  for (const party of draft.parties) {
    const dir = join(root, party.id);
    Object.assign(keys, initNodeDir(dir, { party: party.id, regimeText: text }, suite).publicKeys);
    Object.assign(keys, await createRecipientKeys(dir, party));
    dirs.set(party.id, dir);
  }
  for (const dir of dirs.values()) importRegimeKeys(dir, keys);
  return dirs;
}
