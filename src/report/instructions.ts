import { setupFile } from './setup.js';
import type { StatusDocument } from './schema.js';

/** What `freshet serve --instructions` prints: per target, the setup file and the one-line command. */
export function operatorInstructions(doc: StatusDocument): string {
  const lines = [`freshet archive at ${doc.archive.url}`];
  lines.push(doc.archive.fingerprint ? `signing key fingerprint: ${doc.archive.fingerprint}` : 'no signing key yet (run `freshet key create`)');
  for (const target of doc.targets) {
    lines.push('', `== ${target.id} (${target.distro} ${target.release}, ${target.codename}) ==`);
    lines.push(`${doc.archive.url}${target.setup}:`, '', setupFile(target, doc.archive.url).trimEnd(), '');
    lines.push('one-line setup:', `  ${target.command}`);
  }
  lines.push('', `status page: ${doc.archive.url}status/`);
  return `${lines.join('\n')}\n`;
}
