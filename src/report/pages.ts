import { builtBy, farmSection } from './farm.js';
import { formatDuration, formatTime, stateDescriptions } from './format.js';
import { externalHref, html, localHref, SafeHtml } from './html-template.js';
import { lagPlot } from './plot.js';
import type { BuildSummary, Cell, CellState, Chain, RecipeStatus, StatusDocument } from './schema.js';
import { STYLE } from './style.js';

/**
 * The status pages: plain HTML and CSS, no JavaScript. Pages live in status/ of the archive
 * root, so archive paths are reached with `../`. Every value goes through the escaping `html` tag.
 */
const UP = '../';

function page(title: string, body: SafeHtml, generatedAt: string): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
${body}
<footer>Generated ${formatTime(generatedAt)} by freshet. Machine-readable: <a href="${UP}status.json">status.json</a> (<a href="${UP}status.schema.json">its JSON Schema</a>), <a href="${UP}status.csv">status.csv</a>. This page works without JavaScript.</footer>
</body>
</html>
`.text;
}

function stateChip(state: CellState): SafeHtml {
  return html`<span class="state" title="${stateDescriptions[state]}">${state}</span>`;
}

function lagText(cell: Cell): SafeHtml | null {
  if (!cell.lag) return null;
  return cell.lag.ongoing
    ? html`<dt>lag</dt><dd class="ongoing">${formatDuration(cell.lag.seconds)} so far (not yet published)</dd>`
    : html`<dt>lag</dt><dd>${formatDuration(cell.lag.seconds)}</dd>`;
}

function buildLinks(build: BuildSummary): SafeHtml {
  const buildPart = build.log ? html`<a href="${UP}${localHref(build.log)}">build ${build.status}</a>` : html`build ${build.status}`;
  const gate = build.gate;
  const gatePart = gate ? (gate.log ? html`, <a href="${UP}${localHref(gate.log)}">gate ${gate.status}</a>` : html`, gate ${gate.status}`) : null;
  const failurePart = build.failure ? html` <span class="failure-${build.failure.class}" title="${build.failure.reason}">(${build.failure.class} failure)</span>` : null;
  const worker = builtBy(build);
  const workerPart = worker ? html` <span class="muted worker">${worker}</span>` : null;
  return html`${buildPart}${gatePart}${failurePart}${workerPart}`;
}

function lintText(build: BuildSummary | null): SafeHtml | null {
  const lint = build?.lint;
  if (!lint) return null;
  const tags = lint.topTags.map((entry) => entry.tag).join(', ');
  const findings = lint.findings.map((finding) => html`<li>${finding.severity === 'error' ? 'E' : 'W'} ${finding.package}: <code>${finding.tag}</code>${finding.info ? ` ${finding.info}` : ''}</li>`);
  return html`<dt>${lint.tool}</dt><dd>${lint.errors} E, ${lint.warnings} W${tags ? html`<br><span class="muted">${tags}</span>` : null}${findings.length ? html`<ul class="findings">${findings}</ul>` : null}</dd>`;
}

function cellBody(cell: Cell): SafeHtml {
  const build = cell.build;
  return html`${stateChip(cell.state)}
<dl class="facts">
<dt>freshet</dt><dd>${cell.published ?? '–'}</dd>
<dt>distro</dt><dd>${cell.shipped ?? '–'}</dd>
${lagText(cell)}
${build ? html`<dt>latest</dt><dd>${build.upstreamVersion}: ${buildLinks(build)}</dd>` : null}
${lintText(build)}
</dl>
${cell.note ? html`<span class="note">${cell.note}</span>` : null}
${build?.error && cell.state === 'failed' ? html`<span class="error">${build.error}</span>` : null}
${build?.gate?.reason && cell.state === 'failed' ? html`<span class="error">${build.gate.reason}</span>` : null}`;
}

function legend(): SafeHtml {
  const states = Object.entries(stateDescriptions) as Array<[CellState, string]>;
  return html`<details><summary>What the states mean</summary><dl class="legend">${states.map(
    ([state, description]) => html`<dt class="st-${state}">${stateChip(state)}</dt><dd>${description}</dd>`,
  )}</dl></details>`;
}

function operators(doc: StatusDocument): SafeHtml {
  const key = doc.archive.fingerprint
    ? html`<p>Archive signing key fingerprint: <code>${doc.archive.fingerprint}</code> (<a href="${UP}freshet-archive-keyring.asc">armored key</a>, <a href="${UP}freshet-archive-keyring.gpg">binary keyring</a>).</p>`
    : html`<p>No archive signing key yet: run <code>freshet key create</code>.</p>`;
  const rows = doc.targets.map(
    (target) => html`<h3>${target.id} (${target.distro} ${target.release}, ${target.codename})</h3>
<p><a href="${UP}${localHref(target.setup)}">${target.setup}</a>; one line to set it up:</p>
<pre><code>${target.command}</code></pre>`,
  );
  return html`<section aria-labelledby="use"><h2 id="use">Use this archive</h2>${key}${rows}</section>`;
}

/** `libtick → tock, tick-tools`: each provider with the members that need it. */
function chainLinks(chain: Chain): string {
  const providers = [...new Set(chain.edges.map((edge) => edge.provider))];
  return providers.map((provider) => `${provider} → ${chain.edges.filter((edge) => edge.provider === provider).map((edge) => edge.dependent).join(', ')}`).join('; ');
}

const chainStateClass: Record<Chain['state'], CellState> = { live: 'newest', held: 'failed', pending: 'pending' };

function chainsSection(chains: readonly Chain[]): SafeHtml | null {
  if (chains.length === 0) return null;
  const rows = chains.map(
    (chain) => html`<tr data-target="${chain.target}"><td>${chain.target}</td><td>${chainLinks(chain)}</td><td class="st-${chainStateClass[chain.state]}"><span class="state">${chain.state}</span>${chain.note ? html`<span class="note">${chain.note}</span>` : null}</td></tr>`,
  );
  return html`<section aria-labelledby="chains"><h2 id="chains">Chains</h2>
<p class="muted">A library and what depends on it go live in one publish, after all of their gates passed; while one of them fails, the chain stays out and the archive serves the previous generation.</p>
<div class="scroll"><table aria-labelledby="chains"><thead><tr><th scope="col">Target</th><th scope="col">Provider → dependents</th><th scope="col">State</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

export function indexPage(doc: StatusDocument): string {
  const head = html`<tr><th scope="col">Recipe</th><th scope="col">Upstream newest</th>${doc.targets.map(
    (target) => html`<th scope="col">${target.id}<br><span class="muted">${target.codename}</span></th>`,
  )}</tr>`;
  const rows = doc.recipes.map(
    (recipe) => html`<tr><th scope="row"><a href="${localHref(`${recipe.name}.html`)}">${recipe.name}</a><span class="summary">${recipe.summary}</span>
<img src="${UP}${localHref(`badges/${recipe.name}.svg`)}" alt="${recipe.name} badge" height="20"></th>
<td>${recipe.newest ?? '–'}${recipe.newestSeenAt ? html`<br><span class="muted">seen ${formatTime(recipe.newestSeenAt)}</span>` : null}${
      recipe.check && !recipe.check.ok ? html`<br><span class="error">check failed: ${recipe.check.error}</span>` : null
    }${recipe.nextCheckAt !== undefined ? html`<br><span class="muted">next check ${recipe.nextCheckAt ? formatTime(recipe.nextCheckAt) : 'now'}</span>` : null}</td>
${recipe.cells.map((cell) => html`<td class="cell st-${cell.state}" data-target="${cell.target}">${cellBody(cell)}</td>`)}</tr>`,
  );
  const body = html`<header><h1>freshet status</h1><p class="muted">Upstream releases, what each distribution ships, what freshet publishes.</p></header>
<main id="main">
${doc.archive.keyWarning ? html`<p class="error" role="alert">Archive signing key: ${doc.archive.keyWarning}</p>` : null}
${legend()}
<h2 id="matrix">Packages</h2>
<div class="scroll"><table aria-labelledby="matrix"><thead>${head}</thead><tbody>${rows}</tbody></table></div>
${chainsSection(doc.chains ?? [])}
${doc.farm ? farmSection(doc.farm) : null}
${operators(doc)}
</main>`;
  return page('freshet status', body, doc.generatedAt);
}

function historyTable(history: readonly BuildSummary[]): SafeHtml {
  if (history.length === 0) return html`<p class="muted">No builds yet.</p>`;
  const rows = history.map(
    (build) => html`<tr><td>${formatTime(build.startedAt)}</td><td>${build.target}</td><td>${build.packageVersion}</td><td class="st-${build.status === 'ok' ? 'newest' : build.status === 'running' ? 'pending' : 'failed'}">${buildLinks(build)}</td>
<td>${build.lint ? html`${build.lint.errors} E, ${build.lint.warnings} W` : '–'}</td><td>${build.finishedAt ? formatDuration((Date.parse(build.finishedAt) - Date.parse(build.startedAt)) / 1000) : '–'}</td>
<td>${build.error ? html`<span class="error">${build.error}</span>` : null}${build.gate?.reason ? html`<span class="error">${build.gate.reason}</span>` : null}</td></tr>`,
  );
  return html`<div class="scroll"><table><thead><tr><th scope="col">Started</th><th scope="col">Target</th><th scope="col">Package version</th><th scope="col">Result</th><th scope="col">Lint</th><th scope="col">Took</th><th scope="col">Error</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function lagTable(recipe: RecipeStatus): SafeHtml {
  if (recipe.lagHistory.length === 0) return html``;
  return html`<details><summary>Lag data</summary><table><thead><tr><th scope="col">Target</th><th scope="col">Version</th><th scope="col">Seen upstream</th><th scope="col">Published</th><th scope="col">Lag</th></tr></thead><tbody>${recipe.lagHistory.map(
    (point) => html`<tr><td>${point.target}</td><td>${point.upstreamVersion}</td><td>${formatTime(point.seenAt)}</td><td>${formatTime(point.publishedAt)}</td><td>${formatDuration(point.seconds)}</td></tr>`,
  )}</tbody></table></details>`;
}

export function recipePage(recipe: RecipeStatus, doc: StatusDocument): string {
  const badgeUrl = `${doc.archive.url}badges/${recipe.name}.svg`;
  const snippet = `[![${recipe.name} in freshet](${badgeUrl})](${doc.archive.url}status/${recipe.name}.html)`;
  const cells = recipe.cells.map(
    (cell) => html`<tr><th scope="row">${cell.target}<br><img src="${UP}${localHref(`badges/${recipe.name}/${cell.target}.svg`)}" alt="${recipe.name} on ${cell.target} badge" height="20"></th><td class="cell st-${cell.state}" data-target="${cell.target}">${cellBody(cell)}</td></tr>`,
  );
  const check = recipe.check
    ? recipe.check.ok
      ? html`<p>Upstream checked ${formatTime(recipe.check.checkedAt)}: newest ${recipe.newest ?? 'unknown'}${recipe.newestSeenAt ? html`, first seen ${formatTime(recipe.newestSeenAt)}` : null}.</p>`
      : html`<p class="error">Upstream check failed ${formatTime(recipe.check.checkedAt)}: ${recipe.check.error}</p>`
    : html`<p class="muted">Upstream not checked yet.</p>`;
  const body = html`<header><p><a href="index.html">← all packages</a></p><h1>${recipe.name}</h1><p>${recipe.summary} — <a href="${externalHref(recipe.homepage)}" rel="nofollow noopener">${recipe.homepage}</a></p></header>
<main id="main">
${check}
<h2 id="targets">Targets</h2>
<table aria-labelledby="targets"><tbody>${cells}</tbody></table>
<h2>Freshness lag over time</h2>
${lagPlot(recipe.lagHistory, recipe.name)}
${lagTable(recipe)}
<h2>Recent builds</h2>
${historyTable(recipe.history)}
<h2 id="badges">Badges</h2>
<p class="badges"><img src="${UP}${localHref(`badges/${recipe.name}.svg`)}" alt="${recipe.name} badge" height="20"> For an upstream README:</p>
<pre><code>${snippet}</code></pre>
${legend()}
</main>`;
  return page(`${recipe.name} — freshet status`, body, doc.generatedAt);
}
