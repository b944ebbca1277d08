"""The style sheet of report.html (see report_html.py and report_assets.py, its script)."""

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 1.5em 3em; color: #222; }
h1, h2, h3 { font-weight: 600; } code { font-size: 12px; word-break: break-all; }
nav.top { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ddd; padding: .4em 0;
  z-index: 2; } nav.top a { margin-right: 1em; }
table { border-collapse: collapse; margin: .5em 0 1.5em; font-size: 12px; }
th, td { border: 1px solid #ccc; padding: 2px 4px; text-align: right; vertical-align: top; }
th { background: #f4f4f4; font-weight: 600; } th[title] { cursor: help; text-decoration: underline dotted; }
td.t, th.t { text-align: left; } td.reason { text-align: left; max-width: 40em; font-size: 12px; }
/* Long ids wrap inside their cell, so a table of many measures fits the page's width. */
td.t { overflow-wrap: anywhere; max-width: 16em; }
/* The bar sits under the number, not behind it. */
td.bar { background: linear-gradient(90deg, #6baed6 var(--w), #eef3f8 var(--w))
  no-repeat left bottom / 100% 3px; }
table.tracking { font-size: 11px; } table.tracking th, table.tracking td { padding: 2px 3px; }
table.tracking td.t { max-width: 13em; } .kind { font-size: 10px; }
.wide { overflow-x: auto; max-width: 100%; }
#findings { margin: .5em 0 1em; } .findings { display: flex; flex-wrap: wrap; gap: 1em 2em; }
.findings ul { max-width: 44em; margin: 0; padding-left: 1.2em; font-size: 15px; }
.findings li { margin-bottom: .5em; }
details.signature { margin: .3em 0 1em; max-width: 100%; }
details.signature > summary { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; cursor: pointer;
  color: #555; } details.signature > summary code { word-break: normal; }
.scale { display: flex; align-items: center; gap: .4em; font-size: 12px; margin: .2em 0 .8em; }
.scale .ramp { width: 160px; height: 10px; border: 1px solid #999; }
.note { color: #555; max-width: 60em; }
.detail-note { background: #fff8c5; border: 1px solid #d4a72c; padding: .3em .6em; max-width: 60em; }
.charts { display: flex; flex-wrap: wrap; gap: 2em; align-items: flex-start; }
figure { margin: 0 0 1em; } figcaption { font-weight: 600; margin-bottom: .3em; }
svg text { font: 11px system-ui, sans-serif; }
.legend { list-style: none; padding: 0; margin: .3em 0; font-size: 12px; display: flex; flex-wrap: wrap;
  gap: .3em 1.2em; max-width: 60em; }
.swatch { display: inline-block; width: .8em; height: .8em; margin-right: .3em; vertical-align: -1px; }
.status-ok { color: #1a7f37; } .status-unavailable { color: #9a6700; }
.status-failed, .status-skipped { color: #cf222e; }
ul.problems li { margin-bottom: .3em; }
details.cluster { border-top: 1px solid #ddd; padding: .3em 0; }
section, details.cluster, details.sbs { scroll-margin-top: 2.6em; }
table.tracking td:first-child { white-space: nowrap; }
details.cluster > summary { cursor: pointer; font-size: 1.1em; }
details.cluster > summary .note { font-size: 13px; }
details.sbs { margin: .3em 0; } details.sbs > summary { cursor: pointer; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5em; }
.pair ol { padding-left: 2.2em; } .pair li { margin-bottom: .3em; }
mark.copy { background: #ffe08a; }
mark.unsupported { background: #f6b3b3; outline: 1px solid #d62728; }
mark.context { background: #fcd3a8; outline: 1px dashed #d6721f; }
.unsupported-list { color: #b01c1c; font-weight: 600; }
li.unaligned { color: #666; font-style: italic; }
.linked { outline: 2px solid #d62728; background: #fde2e2; }
span.sent { cursor: pointer; }
button.sbs-open { font-size: 11px; margin-left: .4em; }
"""
