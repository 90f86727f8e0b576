import { Document, isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import type { Annotation, Inference } from './infer.js';

/**
 * The recipe as YAML with freshet's guesses as `#` comments above the fields they concern. The
 * Document API places the comments, so the file stays valid whatever the values hold.
 */
function pairAt(doc: Document, path: Annotation['path']): Pair | undefined {
  const parentPath = path.slice(0, -1);
  const parent = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
  const key = path.at(-1);
  if (!isMap(parent)) return undefined;
  return parent.items.find((pair) => isScalar(pair.key) && pair.key.value === key) as Pair | undefined;
}

function attach(doc: Document, annotation: Annotation): void {
  const pair = pairAt(doc, annotation.path);
  const key = pair?.key as Node | undefined;
  if (!key) return;
  const lines = annotation.text.split('\n').map((line) => ` ${line}`);
  key.commentBefore = key.commentBefore ? `${key.commentBefore}\n${lines.join('\n')}` : lines.join('\n');
}

/** Flow style for short string lists (files, smoke commands), as the bundled recipes write them. */
function flowLists(doc: Document): void {
  const visit = (node: unknown): void => {
    if (isSeq(node)) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
      for (const item of node.items) visit(item);
    } else if (isMap(node)) for (const pair of node.items) visit(pair.value);
  };
  visit(doc.contents);
}

export function renderRecipe(inference: Inference, source: string): string {
  const doc = new Document(inference.recipe);
  flowLists(doc);
  // Keep the one multi-line text a block scalar.
  const description = doc.get('description', true);
  if (isScalar(description)) description.type = 'BLOCK_LITERAL';
  for (const annotation of inference.annotations) attach(doc, annotation);
  doc.commentBefore = ` yaml-language-server: $schema=recipe.schema.json\n Written by freshet new from ${source}.\n Comments mark what was guessed; check them, then delete them.`;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
