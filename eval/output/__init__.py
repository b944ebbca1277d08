"""What a run writes and shows; each writer is a view of the one results table.

- writers.py: the writer registry (`output.formats`: csv, json, jsonl, markdown, html).
- csv_files.py, json_files.py: scores.csv, aggregates.csv, rows.csv;
  results.json, summaries.jsonl, cleaning.jsonl.
- folder.py: the run folder, written beside the old one and swapped in once
  complete (`write_run`, `RunFolder`).
- tables.py: the console tables; report.py: report.md and the data of report.html;
  report_html.py and report_assets.py: the self-contained HTML page, its style and script.
- findings.py: what a run found, in words (the reports' first screen); findings_html.py renders it.
- console_progress.py: `sumtrack run`'s progress on stderr (a bar in a terminal, lines elsewhere).
- files.py: small file helpers the writers share.
- meta_files.py: `sumtrack meta`'s part of a run (MetaJob), meta.csv, meta.json and the ranked tables;
  meta_report.py: its report.html section and picture.
"""
