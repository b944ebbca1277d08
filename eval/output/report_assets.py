"""The style and script of report.html (see report_html.py). The script draws the overview charts at load
and a cluster's tables, charts, heatmaps and side-by-side views when the reader opens it, from the page's
JSON data.

It builds every element with createElement/createElementNS and textContent, never innerHTML, so text from
the corpus can only ever show as text. Kept in a Python module so it ships with the package.
"""

from eval.output.report_style import CSS

__all__ = ["CSS", "SCRIPT"]

SCRIPT = r"""
(function () {
  'use strict';
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var at = {};
  data.measures.forEach(function (key, i) { at[key] = i; });

  function attrs(node, a) {
    if (a) { Object.keys(a).forEach(function (k) { node.setAttribute(k, String(a[k])); }); }
    return node;
  }
  function kids(node, list) {
    (Array.isArray(list) ? list : [list]).forEach(function (k) {
      if (k === null || k === undefined) { return; }
      node.appendChild(typeof k === 'object' ? k : document.createTextNode(String(k)));
    });
    return node;
  }
  function el(tag, a, list) { return kids(attrs(document.createElement(tag), a), list); }
  function sv(tag, a, list) { return kids(attrs(document.createElementNS(SVG_NS, tag), a), list); }
  function fmt(v, key) {
    if (v === null || v === undefined) { return '\u2013'; }
    var digits = data.digits[key];
    return v.toFixed(digits === undefined ? 3 : digits);
  }
  function value(cluster, t, key) {
    var values = cluster.values[t];
    var v = values ? values[at[key]] : null;
    return v === undefined ? null : v;
  }

  // Colours: one per point when there are few, else one per cluster, else one per kind of text.
  function colouring(points) {
    var palette = data.palette;
    if (points.length <= palette.length) {
      return {
        of: function (p, i) { return palette[i]; },
        legend: points.map(function (p, i) { return [palette[i], p.label]; })
      };
    }
    var clusters = [];
    points.forEach(function (p) { if (clusters.indexOf(p.ci) < 0) { clusters.push(p.ci); } });
    if (clusters.length > 1 && clusters.length <= palette.length) {
      return {
        of: function (p) { return palette[clusters.indexOf(p.ci)]; },
        legend: clusters.map(function (ci, i) { return [palette[i], data.clusters[ci].id]; })
      };
    }
    var kinds = [];
    points.forEach(function (p) { if (kinds.indexOf(p.kind) < 0) { kinds.push(p.kind); } });
    return {
      of: function (p) { return data.kinds[p.kind] || '#555'; },
      legend: kinds.map(function (k) { return [data.kinds[k] || '#555', k]; })
    };
  }
  function legend(entries) {
    return el('ul', {'class': 'legend'}, entries.map(function (e) {
      var swatch = el('span', {'class': 'swatch'});
      swatch.style.background = e[0];
      return el('li', null, [swatch, e[1]]);
    }));
  }

  function scatter(points, colour, caption) {
    var W = 360, H = 300, L = 46, R = 14, T = 10, B = 42, pw = W - L - R, ph = H - T - B;
    var svg = sv('svg', {'class': 'scatter', width: W, height: H, role: 'img', 'aria-label': caption});
    [0, 0.25, 0.5, 0.75, 1].forEach(function (t) {
      var x = L + t * pw, y = T + ph - t * ph;
      svg.appendChild(sv('line', {x1: x, y1: T, x2: x, y2: T + ph, stroke: '#eee'}));
      svg.appendChild(sv('line', {x1: L, y1: y, x2: L + pw, y2: y, stroke: '#eee'}));
      svg.appendChild(sv('text', {x: x, y: T + ph + 14, 'text-anchor': 'middle'}, String(t)));
      svg.appendChild(sv('text', {x: L - 6, y: y + 4, 'text-anchor': 'end'}, String(t)));
    });
    svg.appendChild(sv('rect', {x: L, y: T, width: pw, height: ph, fill: 'none', stroke: '#999'}));
    svg.appendChild(sv('text', {x: L + pw / 2, y: H - 6, 'text-anchor': 'middle'},
      'recall: share of the source kept'));
    svg.appendChild(sv('text', {transform: 'translate(12,' + (T + ph / 2) + ') rotate(-90)',
      'text-anchor': 'middle'}, 'precision: share from the source'));
    points.forEach(function (p, i) {
      if (p.x === null || p.y === null) { return; }
      var x = L + p.x * pw, y = T + ph - p.y * ph;
      svg.appendChild(sv('circle', {'class': 'point', cx: x.toFixed(1), cy: y.toFixed(1), r: 4.5,
        fill: colour.of(p, i), 'fill-opacity': 0.85, stroke: '#fff'},
        sv('title', null, p.label + ': P ' + fmt(p.y) + ', R ' + fmt(p.x))));
    });
    return el('figure', null, [el('figcaption', null, caption), svg]);
  }

  function strip(points, colour, caption) {
    var keys = data.chart, rowH = 26, L = 110, pw = 260, W = L + pw + 40, H = keys.length * rowH + 8;
    var svg = sv('svg', {'class': 'profile', width: W, height: H, role: 'img', 'aria-label': caption});
    keys.forEach(function (key, r) {
      var y = 16 + r * rowH, lo = data.ranges[key][0], hi = data.ranges[key][1];
      svg.appendChild(sv('text', {x: L - 8, y: y + 4, 'text-anchor': 'end'},
        [data.labels[key], sv('title', null, data.descriptions[key] || '')]));
      svg.appendChild(sv('line', {x1: L, y1: y, x2: L + pw, y2: y, stroke: '#bbb'}));
      svg.appendChild(sv('text', {x: L, y: y + 14, 'text-anchor': 'middle', fill: '#888'}, String(lo)));
      svg.appendChild(sv('text', {x: L + pw, y: y + 14, 'text-anchor': 'middle', fill: '#888'}, String(hi)));
      points.forEach(function (p, i) {
        var v = value(data.clusters[p.ci], p.ti, key);
        if (v === null) { return; }
        var x = L + Math.max(0, Math.min(1, (v - lo) / (hi - lo))) * pw;
        var tip = p.label + ': ' + data.labels[key] + ' ' + fmt(v, key);
        svg.appendChild(sv('circle', {'class': 'dot', cx: x.toFixed(1), cy: y, r: 4, fill: colour.of(p, i),
          'fill-opacity': points.length > 30 ? 0.35 : 0.8}, sv('title', null, tip)));
      });
    });
    return el('figure', null, [el('figcaption', null, caption), svg]);
  }

  function points(ci, kinds, prefix) {
    var c = data.clusters[ci], out = [];
    c.texts.forEach(function (t, ti) {
      if (ti === 0 || kinds.indexOf(t.kind) < 0) { return; }
      out.push({ci: ci, ti: ti, kind: t.kind, label: (prefix ? c.id + ' / ' : '') + t.id,
        x: value(c, ti, data.scatter[0]), y: value(c, ti, data.scatter[1])});
    });
    return out;
  }

  function charts(list, what) {
    if (!list.length) { return el('p', {'class': 'note'}, 'No ' + what + ' to chart.'); }
    if (list.every(function (p) { return p.x === null; })) {
      return el('p', {'class': 'note'}, 'No tracking measures: tracking is off in this run.');
    }
    var colour = colouring(list);
    return el('div', null, [el('div', {'class': 'charts'}, [
      scatter(list, colour, 'Precision against recall (ROUGE-1, against the source)'),
      strip(list, colour, 'Tracking profile')
    ]), legend(colour.legend)]);
  }

  var measurer = null;
  function textWidth(s, bold) {
    if (!measurer) { measurer = document.createElement('canvas').getContext('2d'); }
    measurer.font = (bold ? 'bold ' : '') + '11px system-ui, sans-serif';
    return measurer.measureText(s).width;
  }
  // Colours span the range of the values shown (issue 21: .54 to 1.00 on a 0..1 ramp was one colour).
  function shade(v, lo, hi) {
    var t = hi > lo ? (v - lo) / (hi - lo) : 1;
    t = Math.max(0, Math.min(1, t));
    var low = [247, 251, 255], high = [8, 48, 107];
    return 'rgb(' + low.map(function (a, i) { return Math.round(a + (high[i] - a) * t); }).join(',') + ')';
  }
  function ramp(lo, hi) {
    var bar = el('span', {'class': 'ramp'});
    bar.style.background = 'linear-gradient(90deg, ' + shade(lo, lo, hi) + ', ' + shade(hi, lo, hi) + ')';
    return el('div', {'class': 'scale'}, [lo.toFixed(2), bar, hi.toFixed(2),
      el('span', {'class': 'note'}, ' (lightest to darkest: the lowest to the highest value shown)')]);
  }
  function heatmap(m, sourceId) {
    if (m.unavailable) { return el('p', {'class': 'note'}, m.metric + ': ' + m.unavailable); }
    var n = m.labels.length, cell = n <= 12 ? 42 : (n <= 20 ? 32 : 24);
    var src = m.labels.indexOf(sourceId);
    var labels = m.labels.map(function (l, i) { return i === src ? l + ' (source)' : l; });
    var widest = Math.max.apply(null, labels.map(function (l, i) { return textWidth(l, i === src); })) + 4;
    var left = widest + 8, top = Math.ceil(widest * 0.72) + 12;
    var W = Math.ceil(left + n * cell + widest * 0.72 + 12), H = top + n * cell + 10;
    var svg = sv('svg', {'class': 'heatmap', width: W, height: H, role: 'img', 'aria-label': m.metric});
    labels.forEach(function (label, i) {
      var weight = i === src ? 'bold' : 'normal';
      svg.appendChild(sv('text', {'class': 'row-label', x: left - 6, y: top + i * cell + cell / 2 + 4,
        'text-anchor': 'end', 'font-weight': weight}, label));
      svg.appendChild(sv('text', {'class': 'col-label', 'font-weight': weight,
        transform: 'translate(' + (left + i * cell + cell / 2) + ',' + (top - 6) + ') rotate(-45)'}, label));
    });
    function at(i, j) {
      if (i === j) { return 1; }
      var a = Math.min(i, j), b = Math.max(i, j);
      return m.upper[a * n - a * (a + 1) / 2 + (b - a - 1)];
    }
    var lo = Infinity, hi = -Infinity;
    m.labels.forEach(function (r, i) {
      m.labels.forEach(function (c, j) {
        var v = at(i, j);
        if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      });
    });
    if (lo > hi) { lo = 0; hi = 1; }
    m.labels.forEach(function (rowLabel, i) {
      m.labels.forEach(function (colLabel, j) {
        var x = left + j * cell, y = top + i * cell, v = at(i, j);
        var shown = v === null ? 'n/a' : v.toFixed(3);
        var tip = sv('title', null, rowLabel + ' / ' + colLabel + ': ' + shown);
        svg.appendChild(sv('rect', {'class': 'cell', x: x, y: y, width: cell, height: cell,
          fill: v === null ? '#ddd' : shade(v, lo, hi), 'data-value': shown}, tip));
        if (cell >= 30 && v !== null) {
          var dark = hi > lo ? (v - lo) / (hi - lo) > 0.55 : true;
          svg.appendChild(sv('text', {x: x + cell / 2, y: y + cell / 2 + 4, 'text-anchor': 'middle',
            fill: dark ? '#fff' : '#000'}, v.toFixed(2)));
        }
      });
    });
    if (src >= 0) {
      var mark = {fill: 'none', stroke: '#d62728', 'stroke-width': 2, 'class': 'source-mark'};
      svg.appendChild(sv('rect', Object.assign({x: left, y: top + src * cell,
        width: n * cell, height: cell}, mark)));
      svg.appendChild(sv('rect', Object.assign({x: left + src * cell, y: top, width: cell,
        height: n * cell}, mark)));
    }
    var caption = m.metric + (src >= 0 ? ' (the source\u2019s row and column outlined in red)' : '');
    return el('figure', null, [el('figcaption', null, caption), ramp(lo, hi),
      el('div', {'class': 'wide'}, svg)]);
  }

  // Spans are [start, end) code-point offsets into the sentences joined by "\n". Each span visits only the
  // sentences it covers (found by bisection): the work is spans plus pieces, not sentences x spans.
  function perSentence(sentences, spans) {
    var out = [], starts = [], lengths = [], position = 0;
    sentences.forEach(function (s) {
      var length = Array.from(s).length;
      starts.push(position);
      lengths.push(length);
      out.push([]);
      position += length + 1;
    });
    (spans || []).forEach(function (sp) {
      var lo = 0, hi = starts.length - 1;
      while (lo < hi) {
        var mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= sp[0]) { lo = mid; } else { hi = mid - 1; }
      }
      for (var k = lo; k < starts.length && starts[k] < sp[1]; k++) {
        var start = starts[k], end = start + lengths[k];
        if (sp[0] < end && sp[1] > start) {
          out[k].push([Math.max(sp[0], start) - start, Math.min(sp[1], end) - start]);
        }
      }
    });
    return out;
  }
  // flags: [start, end, class, title] of the entities and quantities the source does not support; they
  // take the place of a copied span where both cover a character.
  function highlighted(node, sentence, spans, flags) {
    var chars = Array.from(sentence), cls = [], tips = [];
    for (var k = 0; k < chars.length; k++) { cls.push(''); tips.push(''); }
    (spans || []).forEach(function (sp) {
      for (var k = Math.max(sp[0], 0); k < sp[1] && k < chars.length; k++) { cls[k] = 'copy'; }
    });
    (flags || []).forEach(function (f) {
      for (var k = Math.max(f[0], 0); k < f[1] && k < chars.length; k++) { cls[k] = f[2]; tips[k] = f[3]; }
    });
    var start = 0;
    for (var k = 1; k <= chars.length; k++) {
      if (k === chars.length || cls[k] !== cls[start] || tips[k] !== tips[start]) {
        var piece = chars.slice(start, k).join('');
        if (cls[start]) {
          var attrs = {'class': cls[start]};
          if (tips[start]) { attrs.title = tips[start]; }
          node.appendChild(el('mark', attrs, piece));
        } else {
          node.appendChild(document.createTextNode(piece));
        }
        start = k;
      }
    }
    return node;
  }
  function factFlags(c, t, i, src) {
    return ((c.facts || [])[t] || []).filter(function (f) { return f[0] === i; }).map(function (f) {
      var checked = f[5].map(function (j) {
        return 'source sentence ' + (j + 1) + ': \u201c' + (src.sentences[j] || '').slice(0, 160) + '\u201d';
      }).join('; ');
      var what = f[3] ? ' stands where the source has another entity (swapped?)' : ' is not in the source';
      var tip = f[4] + what + (checked ? '; checked against ' + checked : '');
      return [f[1], f[2], f[3] ? 'context' : 'unsupported', tip];
    });
  }
  function link(span, target) {
    function mark(on) { span.classList.toggle('linked', on); target.classList.toggle('linked', on); }
    span.addEventListener('mouseenter', function () { mark(true); });
    span.addEventListener('mouseleave', function () { mark(false); });
    span.addEventListener('focus', function () { mark(true); target.scrollIntoView({block: 'nearest'}); });
    span.addEventListener('blur', function () { mark(false); });
    span.addEventListener('click', function () { span.focus(); });
  }
  function pairView(c, t) {
    var src = c.texts[0], txt = c.texts[t], spans = c.spans[t] || [[], []], aligned = c.align[t] || [];
    var srcMarks = perSentence(src.sentences, spans[1]), txtMarks = perSentence(txt.sentences, spans[0]);
    var srcItems = src.sentences.map(function (s, j) { return highlighted(el('li'), s, srcMarks[j]); });
    var textList = el('ol');
    txt.sentences.forEach(function (s, i) {
      var pair = aligned[i], li = el('li'), flags = factFlags(c, t, i, src);
      if (!aligned.length) {
        highlighted(li, s, txtMarks[i], flags);
      } else if (!pair || pair[0] === null || pair[0] === undefined) {
        li.className = 'unaligned';
        li.title = 'no source sentence';
        highlighted(li, s, txtMarks[i], flags);
      } else {
        var title = 'source sentence ' + (pair[0] + 1) + ', similarity ' + (pair[1] || 0).toFixed(2);
        var span = el('span', {'class': 'sent', tabindex: 0, title: title});
        highlighted(span, s, txtMarks[i], flags);
        link(span, srcItems[pair[0]]);
        li.appendChild(span);
      }
      textList.appendChild(li);
    });
    var note = null;
    if (src.total > src.sentences.length || txt.total > txt.sentences.length) {
      note = el('p', {'class': 'note shown-part'}, 'Shown: the first ' + src.sentences.length + ' of ' +
        src.total + ' source sentences and the first ' + txt.sentences.length + ' of ' + txt.total +
        ' sentences of this text (the report holds at most ' + data.max_sentences + ' a side); ' +
        'the measures cover the whole texts.');
    }
    return el('div', null, [note, el('div', {'class': 'pair'}, [
      el('div', null, [el('h4', null, 'Source: ' + src.id), el('ol', null, srcItems)]),
      el('div', null, [el('h4', null, txt.id + ' (' + txt.kind + ')'), textList])
    ])]);
  }

  function trackingTable(c, ci, body) {
    // One table per measure group (copying, faithfulness), each with the measures this cluster has values
    // of: the kind goes under the id, so each table fits a 1280-pixel page.
    var head = function (keys) {
      return el('tr', null, ['text', 'words']
        .map(function (h) { return el('th', {'class': 't'}, h); })
        .concat(keys.map(function (k) {
          return el('th', {title: data.descriptions[k] || ''}, data.labels[k]);
        })));
    };
    var present = function (k) {
      return c.texts.slice(1).some(function (t, j) { return value(c, j + 1, k) !== null; });
    };
    var table = function (keys, withButtons) {
      var rows = c.texts.slice(1).map(function (t, k) {
        var ti = k + 1, first = [t.id, el('br'), el('span', {'class': 'note kind'}, t.kind)];
        if (withButtons) {
          var button = el('button', {'class': 'sbs-open', type: 'button', 'data-text': ti}, 'side by side');
          button.addEventListener('click', function () {
            var d = body.querySelector('details.sbs[data-text="' + ti + '"]');
            d.open = true;
            d.scrollIntoView({block: 'start'});
          });
          first.push(button);
        }
        return el('tr', null, [el('td', {'class': 't'}, first), el('td', null, String(t.words))]
          .concat(keys.map(function (k2) { return el('td', null, fmt(value(c, ti, k2), k2)); })));
      });
      return el('div', {'class': 'wide'}, el('table', {'class': 'tracking'}, [el('thead', null, head(keys)),
        el('tbody', null, rows)]));
    };
    var groups = (data.table_groups || [['', data.table]]).map(function (g) {
      return [g[0], g[1].filter(present)];
    }).filter(function (g) { return g[1].length; });
    return el('div', null, groups.map(function (g, gi) {
      return el('div', null, [g[0] ? el('p', {'class': 'note'}, g[0]) : null, table(g[1], gi === 0)]);
    }));
  }

  function renderCluster(details) {
    if (details.dataset.rendered) { return; }
    details.dataset.rendered = '1';
    var ci = Number(details.dataset.index), c = data.clusters[ci], src = c.texts[0];
    var body = details.querySelector('.cluster-body');
    kids(body, el('p', null, ['Source: ', el('b', null, src.id), ' (' + src.words + ' words). ',
      el('a', {href: '#clusters'}, 'back to the cluster index')]));
    c.notes.forEach(function (n) {
      body.appendChild(el('p', {'class': 'note'}, 'Semantic similarity: ' + n));
    });
    body.appendChild(el('h4', null, 'Every text against the source'));
    body.appendChild(trackingTable(c, ci, body));
    body.appendChild(charts(points(ci, ['derivative', 'reference', 'system'], false), 'texts'));
    body.appendChild(el('h4', null, 'Pairwise matrices'));
    c.matrices.forEach(function (m) { body.appendChild(heatmap(m, src.id)); });
    body.appendChild(el('h4', null, 'The source beside each text'));
    body.appendChild(el('p', {'class': 'note'},
      'Highlighted: runs of 3 or more words copied from the source. ' +
      'Hover or click a sentence of the text to mark the source sentence it is aligned with; grey italics: ' +
      'no source sentence is close enough.'));
    c.texts.slice(1).forEach(function (t, k) {
      var d = el('details', {'class': 'sbs', 'data-text': k + 1}, el('summary', null, [t.id + ' ',
        el('span', {'class': 'note'}, '(' + t.kind + ', ' + t.words + ' words)')]));
      d.addEventListener('toggle', function () {
        if (d.open && !d.dataset.rendered) { d.dataset.rendered = '1'; d.appendChild(pairView(c, k + 1)); }
      });
      body.appendChild(d);
    });
  }

  var all = [];
  data.clusters.forEach(function (c, ci) {
    all = all.concat(points(ci, ['derivative'], data.clusters.length > 1));
  });
  var overview = document.getElementById('overview-charts');
  if (overview) { overview.appendChild(charts(all, 'derivatives')); }

  document.querySelectorAll('details.cluster').forEach(function (d) {
    d.addEventListener('toggle', function () { if (d.open) { renderCluster(d); } });
  });
  function openFromHash() {
    var match = /^#cluster-(\d+)$/.exec(window.location.hash);
    var d = match && document.getElementById('cluster-' + match[1]);
    if (!d) { return; }
    renderCluster(d);
    d.open = true;
    d.scrollIntoView({block: 'start'});
  }
  window.addEventListener('hashchange', openFromHash);
  // For tests in a browser: the span cutting, checked against the direct definition.
  window.sumtrackReport = {perSentence: perSentence};
  if (data.clusters.length === 1) {
    var only = document.getElementById('cluster-0');
    renderCluster(only);
    only.open = true;
  }
  openFromHash();
})();
"""
