/** The status pages' one stylesheet, inlined so every page is a single file that works offline. */
export const STYLE = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #fff; --head: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1.25rem; border-bottom: 1px solid var(--line); padding-bottom: .75rem; }
header h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; }
a { color: #0550ae; }
a:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
.muted { color: var(--muted); }
.skip-link { position: absolute; left: -9999px; }
.skip-link:focus { left: 1rem; top: 1rem; background: #fff; padding: .25rem .5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--line); padding: .45rem .55rem; text-align: left; vertical-align: top; }
thead th { background: var(--head); font-weight: 600; }
th[scope=row] { background: var(--head); min-width: 11rem; }
th[scope=row] .summary { display: block; font-weight: 400; color: var(--muted); font-size: .85rem; }
.scroll { overflow-x: auto; }
.cell { min-width: 12rem; border-left: 6px solid var(--state); }
.state { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; color: #fff; background: var(--state); font-weight: 600; font-size: .85rem; }
.st-newest { --state: #2e7d32; } .st-distro-current { --state: #1565c0; } .st-outdated { --state: #a15c00; }
.st-failed { --state: #c62828; } .st-pending { --state: #6a4fb3; } .st-skipped, .st-unknown { --state: #616161; }
.facts { display: grid; grid-template-columns: auto 1fr; gap: .05rem .6rem; margin: .35rem 0 0; font-size: .9rem; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; font-variant-numeric: tabular-nums; }
.note { display: block; margin-top: .3rem; font-size: .85rem; }
.error { color: #8b1a1a; white-space: pre-wrap; word-break: break-word; font-size: .85rem; }
.ongoing { font-style: italic; }
.legend { display: grid; grid-template-columns: max-content 1fr; gap: .3rem .8rem; }
.legend dd { margin: 0; }
pre { background: var(--head); border: 1px solid var(--line); padding: .6rem .75rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .88rem; }
.plot text { font-size: 12px; fill: var(--fg); } .plot .grid { stroke: #eaeef2; } .plot .axis { stroke: #8c959f; }
.badges img { vertical-align: middle; margin-right: .4rem; }
footer { margin-top: 2rem; padding-top: .75rem; padding-bottom: 2rem; border-top: 1px solid var(--line); color: var(--muted); font-size: .85rem; }
`;
