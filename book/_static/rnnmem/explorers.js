/*
 * The book's interactive figures, run in the reader's browser from the book's own files.
 *
 * Every element with a data-explorer attribute becomes an explorer when the page has loaded:
 *
 *   <div data-explorer="task">     the task's inputs and delayed targets for Δt, λ, the rate reading and the
 *                                  stream seed, with a trained network's outputs and accuracy for that Δt;
 *   <div data-explorer="network">  a trained network's test trajectory in PC1-3 with its fixed points, beside
 *                                  the eigenvalues of W;
 *   <div data-explorer="pulse">    one pulse through the delay: the state in PC space, the three outputs and
 *                                  the state on the rotation planes of W, step by step.
 *
 * It needs plotly.js (window.Plotly), forward.js (window.rnnmem), the book's visual encoding
 * (window.rnnmem_encoding, rnnmem_helpers.chapters.encoding.to_browser(), which the matplotlib figures follow too) and the
 * explorer data written at build time by book/_ext/rnnmem_sphinx.py: data/index.js sets window.rnnmem_networks
 * (for each Δt that a stored network learned, which network the explorers show: see
 * rnnmem_helpers.chapters.explorer_data.explorer_networks) and window.rnnmem_choice_rule, and data/network_delay{Δt}.js adds
 * window.rnnmem_data[Δt], that network's export. A network's script is injected when an explorer first needs it,
 * and the networks next to a shown one once the page is idle, so a page loads only what it shows: a script tag
 * loads from file://, where fetch() is refused. The data folder is found next to this script (or at
 * window.rnnmem_data_base).
 *
 * Each explorer lays itself out for its width, again whenever that width changes (a window resized, a phone
 * turned), from one column on a phone to panels side by side.
 *
 * Each explorer element gets the markup scripts/browser_check.py checks: native labelled controls and one
 * [data-explorer-figure] element, whose caption states in words what the figure shows. After each redraw the
 * element's rnnmemState holds what was computed (for the task explorer: inputs, targets, mask, outputs and
 * accuracy) and rnnmemRedrawn a promise that settles once plotly has drawn it.
 */
(function (root) {
  "use strict";

  var doc = root.document;
  var rnnmem = root.rnnmem;
  var ENC = root.rnnmem_encoding;
  var here = doc.currentScript && doc.currentScript.src ? doc.currentScript.src.replace(/[^/]*$/, "") : "";
  var N_BITS = 3;
  var TASK_STEPS = 400;
  var MAX_TASK_DELAY = 24;
  var PULSE_BEFORE = 3;
  var PULSE_AFTER = 25;
  var PRIME = 200;
  var N_PLANES = 4;
  // Below this width (px) of an explorer's figure, panels stack and legends take two columns.
  var NARROW = 560;
  // plotly draws its 3-D markers as text glyphs of unequal sizes; these make the symbols of the encoding look
  // alike in size.
  var SYMBOL_SIZE = { circle: 6, "circle-open": 6, diamond: 4, "diamond-open": 4, square: 4, "square-open": 4,
    cross: 6 };
  // The eigenvalue panel's kinds, coloured as rnnmem_helpers.chapters.encoding.EIGENVALUE_COLORS says.
  var EIGENVALUE_KINDS = [["bulk", "bulk eigenvalues"], ["real_outlier", "real outliers"],
    ["rotation", "rotation pairs"]];
  // plotly renders WebGL at twice the screen's resolution by default; at the screen's own (1 or 2), a screen shows
  // the same picture, and on a display of ratio 1 the 3-D redraws do a quarter of the pixel work. The explorers
  // size their figures themselves (see draw), so plotly's own window-resize handling is off.
  var PLOT_CONFIG = { displaylogo: false, responsive: false,
    plotGlPixelRatio: Math.min(2, Math.max(1, root.devicePixelRatio || 1)) };

  // ---- data ---------------------------------------------------------------------------------------------

  // The networks the page may load, by Δt, from the index; without one, those already registered.
  function networks() {
    var list = root.rnnmem_networks || Object.keys(root.rnnmem_data || {}).map(function (d) {
      return root.rnnmem_data[d].source || { delay: Number(d) };
    });
    return list.slice().sort(function (a, b) { return a.delay - b.delay; });
  }

  function delays() {
    return networks().map(function (n) { return n.delay; });
  }

  function loaded(delay) {
    return (root.rnnmem_data && root.rnnmem_data[delay]) || null;
  }

  var pending = {};

  function loadNetwork(delay) {
    if (loaded(delay)) return Promise.resolve(loaded(delay));
    if (!pending[delay]) {
      pending[delay] = new Promise(function (resolve, reject) {
        var tag = doc.createElement("script");
        tag.src = (root.rnnmem_data_base || here + "data/") + "network_delay" + delay + ".js";
        tag.onload = function () {
          if (loaded(delay)) resolve(loaded(delay));
          else reject(new Error(tag.src + " did not define the network for Δt = " + delay));
        };
        tag.onerror = function () {
          delete pending[delay];
          reject(new Error("could not load " + tag.src));
        };
        doc.head.appendChild(tag);
      });
    }
    return pending[delay];
  }

  // Once the page is idle, loads the networks next to `delay` on either side, so that stepping the Δt control to
  // them redraws without waiting for a file; the others load when chosen. It runs after a reader's change of Δt,
  // not at load, so that a page loads only the networks it shows first. A failure here is not reported:
  // loadNetwork tries again, and reports, when a figure needs that network.
  function prefetchAround(delay) {
    var all = delays();
    var below = all.filter(function (d) { return d < delay; }), above = all.filter(function (d) { return d > delay; });
    var near = [below[below.length - 1], above[0]].filter(function (d) { return d !== undefined && !loaded(d); });
    if (!near.length) return;
    var go = function () {
      near.forEach(function (d) { loadNetwork(d).catch(function () { return null; }); });
    };
    if (root.requestIdleCallback) root.requestIdleCallback(go, { timeout: 2000 });
    else root.setTimeout(go, 500);
  }

  function rows(matrix) {
    var out = new Array(matrix.shape[0]), c = matrix.shape[1];
    for (var i = 0; i < out.length; i++) out[i] = matrix.data.slice(i * c, (i + 1) * c);
    return out;
  }

  function column(list, j) {
    return list.map(function (row) { return row[j]; });
  }

  function channelLabel(c) {
    return ENC.channel_labels[c];
  }

  // ---- text ---------------------------------------------------------------------------------------------

  function signed(x, digits) {
    var s = Math.abs(x).toFixed(digits);
    return (x < 0 && Number(s) !== 0 ? "\u2212" : "+") + s;
  }

  function signText(signs) {
    return signs.replace(/-/g, "\u2212");
  }

  function vector(values, digits) {
    return "(" + Array.from(values, function (v) { return signed(v, digits); }).join(", ") + ")";
  }

  function percent(x) {
    return (100 * x).toFixed(2) + "%";
  }

  function list(values) {
    return values.length > 1 ? values.slice(0, -1).join(", ") + " and " + values[values.length - 1] : String(values);
  }

  // Where a network comes from, as a phrase: "the book's shipped network (seed 0)" and the like.
  function origin(source) {
    if (!source || source.source === "shipped") return "the book's shipped network (seed 0)";
    if (source.source === "curriculum") {
      return "a curriculum network (seed " + source.seed + ", rung " + source.rung + ", N = " + source.n_hidden + ")";
    }
    return "the " + source.source.replace(/_/g, " ") + "'s network of seed " + source.seed + " (N = " +
      source.n_hidden + ")";
  }

  // The accuracy the chapters quote (rnnmem_helpers.chapters.evidence.canonical_accuracy): the median over independent
  // streams with its order-statistic interval; one stream alone can miss it by a few tenths.
  function accuracyText(net) {
    var a = net.accuracy;
    if (!a) return "accuracy not measured";
    return "accuracy " + percent(a.median) + " (median of " + a.streams + " streams of " + a.steps +
      " steps; " + percent(a.coverage) + " interval " + percent(a.low) + " to " + percent(a.high) + ")";
  }

  // ---- markup -------------------------------------------------------------------------------------------

  var uid = 0;

  function element(tag, className, text) {
    var e = doc.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // A labelled native control: a range input or a select. onChange(value) runs on every change of value.
  function control(parent, spec, onChange) {
    var wrap = element("div", "rnnmem-control");
    var id = "rnnmem-control-" + ++uid;
    var label = element("label", null, spec.label);
    label.htmlFor = id;
    var input;
    if (spec.options) {
      input = element("select");
      spec.options.forEach(function (option) {
        var o = element("option", null, option[1]);
        o.value = String(option[0]);
        input.appendChild(o);
      });
    } else {
      input = element("input");
      input.type = "range";
      input.min = String(spec.min);
      input.max = String(spec.max);
      input.step = String(spec.step || 1);
    }
    input.id = id;
    input.value = String(spec.value);
    wrap.appendChild(label);
    wrap.appendChild(input);
    var shown = null;
    if (!spec.options) {
      shown = element("output", null, String(spec.value));
      shown.setAttribute("for", id);
      wrap.appendChild(shown);
    }
    parent.appendChild(wrap);
    var last = input.value;
    function changed() {
      if (input.value === last) return;
      last = input.value;
      if (shown) shown.textContent = input.value;
      onChange(spec.options ? input.value : Number(input.value));
    }
    input.addEventListener("input", changed);
    input.addEventListener("change", changed);
    return {
      input: input,
      set: function (value) {
        input.value = String(value);
        last = input.value;
        if (shown) shown.textContent = input.value;
      },
    };
  }

  // The explorer's frame: a row of controls, then the figure (plot and caption) that browser_check.py watches.
  function frame(host, title) {
    host.textContent = "";
    host.classList.add("rnnmem-explorer");
    host.setAttribute("role", "group");
    host.setAttribute("aria-label", title);
    var controls = element("div", "rnnmem-controls");
    var figure = element("figure", "rnnmem-figure");
    figure.setAttribute("data-explorer-figure", "");
    var plot = element("div", "rnnmem-plot");
    var caption = element("figcaption", "rnnmem-caption");
    caption.setAttribute("aria-live", "polite");
    figure.appendChild(plot);
    figure.appendChild(caption);
    host.appendChild(controls);
    host.appendChild(figure);
    return { controls: controls, plot: plot, caption: caption };
  }

  // The rule by which the explorers picked their networks, folded under the controls of an explorer that offers
  // them: a reader who wonders which network a Δt shows opens it.
  function choiceNote(parts) {
    if (!root.rnnmem_choice_rule) return;
    var note = element("details", "rnnmem-note");
    note.appendChild(element("summary", null, "Which network for each Δt?"));
    note.appendChild(element("p", null, root.rnnmem_choice_rule));
    parts.controls.parentNode.insertBefore(note, parts.controls.nextSibling);
  }

  // The first draw waits until the explorer nears the viewport, so a page whose explorers are far down
  // loads as fast as one without; a control moved before that draws at once.
  function whenVisible(host, parts, first) {
    host.rnnmemRedrawn = Promise.resolve();
    if (!("IntersectionObserver" in root)) {
      first();
      return;
    }
    parts.caption.textContent = "The figure is drawn when it scrolls into view.";
    var observer = new root.IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) {
        observer.disconnect();
        if (!host.rnnmemState) first();
      }
    }, { rootMargin: "200px" });
    observer.observe(host);
  }

  // Lays the explorer out again (`relayout`) whenever its width changes, once per animation frame: a layout is
  // chosen for a width (see draw), so a new width needs a new one.
  function onResize(host, relayout) {
    if (!("ResizeObserver" in root)) return;
    var width = host.clientWidth, queued = false;
    new root.ResizeObserver(function () {
      if (queued || host.clientWidth === width) return;
      queued = true;
      root.requestAnimationFrame(function () {
        queued = false;
        width = host.clientWidth;
        if (host.rnnmemState) relayout();
      });
    }).observe(host);
  }

  function isNarrow(plot) {
    return plot.clientWidth < NARROW;
  }

  // Draws each figure, given as [plot element, traces, layout]; the explorer's redraw promise settles once all are.
  // Each figure takes its element's width, which the style sheet sets, and the layout's height, which the element
  // takes too: plotly then never measures the page, and nothing collapses when it reflows.
  // Plotly measures each tick label of a 2-D axis (a forced layout per label) to hide those that overflow the
  // figure, 5-10 ms per redraw of the eigenvalue panel; the explorers' margins hold their labels, so it is off.
  // Every width is read before any height is written: a read after a write forces the browser to lay the page out
  // again, a few ms each.
  function draw(host, figures) {
    var widths = figures.map(function (f) { return f[0].clientWidth; });
    host.rnnmemRedrawn = Promise.all(figures.map(function (f, i) {
      var plot = f[0], layout = f[2];
      Object.keys(layout).forEach(function (key) {
        if (/^[xy]axis\d*$/.test(key)) layout[key].ticklabeloverflow = "allow";
      });
      plot.style.height = layout.height + "px";
      layout.width = widths[i];
      layout.autosize = false;
      return root.Plotly.react(plot, f[1], layout, PLOT_CONFIG);
    }));
    return host.rnnmemRedrawn;
  }

  // Plotly's first updates of a WebGL scene are slower than later ones (code paths and GL state set up on first
  // use), which put a reader's first change of network over 100 ms. Drawing the same figure once more from fresh
  // copies of its arrays, once it is drawn and the page is idle, pays about 25 ms of that before the reader moves
  // anything (measured in software WebGL: a first change of network took 90 ms without it, 64 ms with it, and later
  // changes 50 ms, medians of six page loads); the picture does not change. Only an explorer's first drawn figure
  // is warmed up. `current` says whether the figure is still the one drawn.
  function warmUp(host, figures, current) {
    if (host.rnnmemWarmed) return;
    host.rnnmemWarmed = true;
    host.rnnmemRedrawn.then(function () {
      var again = function () {
        if (current()) draw(host, figures.map(function (f) { return [f[0], JSON.parse(JSON.stringify(f[1])), f[2]]; }));
      };
      if (root.requestIdleCallback) root.requestIdleCallback(again, { timeout: 1000 });
      else root.setTimeout(again, 200);
    });
  }

  // Loads the Δt = `delay` network, then calls `again` unless a later redraw has taken over (`current()` false).
  // The explorer's redraw promise settles once `again` has drawn, so that it covers the loading too.
  function redrawWhenLoaded(host, parts, delay, current, again) {
    host.rnnmemRedrawn = loadNetwork(delay).then(function () {
      if (!current()) return null;
      again();
      return host.rnnmemRedrawn;
    }, function (error) {
      if (current()) failed(host, parts, error);
    });
  }

  function failed(host, parts, error) {
    parts.caption.textContent = "This figure could not be drawn: " + error.message;
    host.rnnmemRedrawn = Promise.resolve();
  }

  function delayOptions() {
    return delays().map(function (d) { return [d, String(d)]; });
  }

  function firstDelay() {
    var all = delays();
    return all.indexOf(8) >= 0 ? 8 : all[all.length - 1];
  }

  // Paper coordinates of a band `top`..`top + height` px below the top of a plot area `area` px high.
  function band(top, height, area) {
    return [1 - (top + height) / area, 1 - top / area];
  }

  // A horizontal legend under a figure in `columns` equal columns, so that its height is known from its number of
  // entries whatever their text, and a margin made for it never clips it.
  function columnLegend(y, columns) {
    return { orientation: "h", y: y, yanchor: "top", x: 0, entrywidth: 1 / columns, entrywidthmode: "fraction",
      font: { size: LEGEND_FONT }, tracegroupgap: 0 };
  }

  var measure = null;

  // How many columns of legend entries named `names` fit in `width` px: two, or one where the longest name
  // would run out of its half (on a phone).
  function legendColumns(names, width) {
    measure = measure || doc.createElement("canvas").getContext("2d");
    measure.font = LEGEND_FONT + "px sans-serif";
    var longest = Math.max.apply(null, names.map(function (n) { return measure.measureText(n).width; }));
    return 2 * (longest + LEGEND_ITEM) <= width ? 2 : 1;
  }

  var LEGEND_ROW = 19;
  var LEGEND_FONT = 10;
  // The width of a legend entry's symbol and the gaps around it, in px, beside its text.
  var LEGEND_ITEM = 50;

  // ---- task explorer ------------------------------------------------------------------------------------

  function taskExplorer(host) {
    var parts = frame(host, "Task explorer");
    var state = { delay: 8, lambda: 50, scope: "all", seed: 0 };
    var redraws = 0;
    control(parts.controls, { label: "Δt", min: 0, max: MAX_TASK_DELAY, value: state.delay }, function (v) {
      state.delay = v;
      redraw();
      prefetchAround(state.delay);
    });
    control(parts.controls, { label: "λ", min: 5, max: 200, step: 5, value: state.lambda }, function (v) {
      state.lambda = v;
      redraw();
    });
    control(parts.controls, { label: "rate reading", options: [["all", "all"], ["per_channel", "per_channel"]],
      value: state.scope }, function (v) {
      state.scope = v;
      redraw();
    });
    control(parts.controls, { label: "seed", min: 0, max: 99, value: state.seed }, function (v) {
      state.seed = v;
      redraw();
    });
    choiceNote(parts);

    function compute() {
      var task = { n_bits: N_BITS, mean_interval: state.lambda, rate_scope: state.scope };
      var inputs = rnnmem.makeStream(task, TASK_STEPS, state.seed, false);
      var t = rnnmem.taskTargets(inputs, state.delay);
      var result = { delay: state.delay, lambda: state.lambda, scope: state.scope, seed: state.seed,
        inputs: inputs, targets: t.targets, mask: t.mask, network: null, outputs: null, accuracy: null, scored: 0 };
      var net = loaded(state.delay);
      if (net) {
        result.network = net;
        result.outputs = rnnmem.simulate(net, inputs).outputs;
        result.scored = t.mask.reduce(function (n, row) { return n + row.filter(Boolean).length; }, 0);
        if (result.scored > 0) result.accuracy = rnnmem.accuracy(result.outputs, t.targets, t.mask);
      }
      return result;
    }

    function traces(r) {
      var time = r.inputs.map(function (_, t) { return t; });
      var out = [];
      var shapes = [];
      for (var c = 0; c < N_BITS; c++) {
        var axis = c === 0 ? "y" : "y" + (c + 1), name = "channel " + channelLabel(c);
        var pulses = [];
        r.inputs.forEach(function (row, t) { if (row[c] !== 0) pulses.push(t); });
        // Each pulse is a vertical segment from 0: plotly's gl3d bundle has no bar trace.
        var bx = [], by = [];
        pulses.forEach(function (t) { bx.push(t, t, null); by.push(0, r.inputs[t][c], null); });
        out.push({ type: "scatter", mode: "lines", x: bx, y: by, line: { color: ENC.input_color, width: 3 },
          name: "input pulse", legendgroup: "input", showlegend: c === 0, xaxis: "x", yaxis: axis,
          hovertemplate: "pulse %{y:+d} at step %{x}<extra>" + name + "</extra>" });
        out.push({ type: "scatter", mode: "lines", x: time, y: column(r.targets, c), line: { shape: "hv",
          color: ENC.target_color, width: 1.5 }, name: "target y*", legendgroup: "target", showlegend: c === 0,
          xaxis: "x", yaxis: axis, hoverinfo: "skip" });
        if (r.outputs) {
          out.push({ type: "scatter", mode: "lines", x: time, y: column(r.outputs, c),
            line: { color: ENC.output_color, width: 1.5 }, name: "network output Y", legendgroup: "output",
            showlegend: c === 0, xaxis: "x", yaxis: axis,
            hovertemplate: "Y = %{y:.3f} at step %{x}<extra>" + name + "</extra>" });
        }
        if (r.delay > 0) {
          pulses.forEach(function (t) {
            shapes.push({ type: "rect", xref: "x", yref: axis, x0: t, x1: t + r.delay, y0: -1.25, y1: 1.25,
              fillcolor: "#000000", opacity: 0.1, line: { width: 0 }, layer: "below" });
          });
        }
      }
      return { traces: out, shapes: shapes };
    }

    function describe(r) {
      var pulses = r.inputs.reduce(function (n, row) { return n + row.filter(function (v) { return v !== 0; }).length; }, 0);
      var text = "Δt = " + r.delay + ", λ = " + r.lambda + ", rate reading " + r.scope + ", seed " + r.seed + ": " +
        pulses + " pulses in " + TASK_STEPS + " steps (black bars), targets in blue" +
        (r.delay > 0 ? ", grey bands the Δt steps after each pulse" : "") + ". ";
      if (r.network) {
        text += "Orange: the outputs of " + origin(r.network.source) + " for Δt = " + r.delay + ", computed in your " +
          "browser from its weights, started from the zero state; " + (r.accuracy === null ? "no target is defined " +
          "in this window, so there is no accuracy to report." : "accuracy " + percent(r.accuracy) + " on the " +
          r.scored + " scored entries of this window (" + accuracyText(r.network) + ", trained at λ = " +
          r.network.task.mean_interval + ", rate reading " + r.network.task.rate_scope + ").");
      } else if (delays().indexOf(r.delay) >= 0) {
        text += "Loading the Δt = " + r.delay + " network\u2026";
      } else {
        text += "No stored network learned Δt = " + r.delay + " (networks for Δt = " + list(delays()) +
          "), so no outputs are drawn.";
      }
      return text;
    }

    function redraw() {
      var mine = ++redraws;
      var r;
      try {
        r = compute();
      } catch (error) {
        failed(host, parts, error);
        return;
      }
      host.rnnmemState = r;
      parts.caption.textContent = describe(r);
      var t = traces(r);
      var axis = function (c, domain) {
        return { title: { text: "channel " + channelLabel(c) }, domain: domain, range: [-1.3, 1.3],
          tickvals: [-1, 0, 1], zeroline: false, fixedrange: true };
      };
      draw(host, [[parts.plot, t.traces, {
        height: 420, margin: { l: 60, r: 10, t: 10, b: 40 }, shapes: t.shapes,
        legend: { orientation: "h", y: -0.15 },
        xaxis: { title: { text: "step" }, range: [-1, TASK_STEPS], anchor: "y3" },
        yaxis: axis(0, [0.7, 1]), yaxis2: axis(1, [0.36, 0.66]), yaxis3: axis(2, [0.02, 0.32]),
      }]]);
      if (!r.network && delays().indexOf(r.delay) >= 0) {
        redrawWhenLoaded(host, parts, r.delay, function () { return mine === redraws; }, redraw);
      }
    }

    onResize(host, redraw);
    whenVisible(host, parts, redraw);
  }

  // ---- network explorer ---------------------------------------------------------------------------------

  function circle(radius, name, line) {
    var n = 121, x = new Array(n), y = new Array(n);
    for (var i = 0; i < n; i++) {
      x[i] = radius * Math.cos((2 * Math.PI * i) / (n - 1));
      y[i] = radius * Math.sin((2 * Math.PI * i) / (n - 1));
    }
    return { type: "scatter", mode: "lines", x: x, y: y, name: name, line: line, hoverinfo: "name" };
  }

  // A trace with no points in a WebGL scene: plotly disposes of a scatter3d trace that has none and rebuilds it
  // when points return, 10-20 ms per redraw, so an empty group holds one invisible point at `at` (a point the
  // figure already shows), with no legend entry and no hover. It has the mode of the group it stands in for:
  // plotly also rebuilds a trace whose mode changes.
  function placeholder(scene, name, at, mode) {
    var none = "rgba(0, 0, 0, 0)";
    return { type: "scatter3d", mode: mode, scene: scene, name: name, showlegend: false, hoverinfo: "skip",
      x: [at[0]], y: [at[1]], z: [at[2]], marker: { size: 1, color: none, line: { width: 0 } },
      line: { color: none, width: 1 } };
  }

  // The test trajectory as a path, one line per output sign pattern. A run of states with a pattern is drawn from
  // the state before it, so the path stays connected where its colour changes; a gap separates runs. A line shows
  // the order in which the states came, which 2000 markers hid, and costs 5-10 ms less per redraw: plotly's WebGL
  // scene builds every marker from a glyph of triangles.
  function trajectoryTraces(net, scene, opacity) {
    var pc = rows(net.trajectory.pc), signs = net.trajectory.signs, paths = {};
    var add = function (path, p) {
      path.x.push(p ? p[0] : null);
      path.y.push(p ? p[1] : null);
      path.z.push(p ? p[2] : null);
    };
    signs.forEach(function (s, i) {
      var path = paths[s] = paths[s] || { x: [], y: [], z: [] };
      if (i > 0 && signs[i - 1] !== s) {
        if (path.x.length) add(path, null);
        add(path, pc[i - 1]);
      }
      add(path, pc[i]);
    });
    // All eight patterns, present or not: the same traces for every network let plotly keep its WebGL scene.
    return ENC.state_colors.map(function (colour, corner) {
      var s = "";
      for (var c = N_BITS - 1; c >= 0; c--) s += corner & (1 << c) ? "+" : "-";
      var name = "output " + signText(s), path = paths[s];
      if (!path) return placeholder(scene, name, pc[0], "lines");
      return { type: "scatter3d", mode: "lines", scene: scene, name: name, x: path.x, y: path.y, z: path.z,
        connectgaps: false, line: { color: colour, width: 2 }, opacity: opacity, hoverinfo: "name" };
    });
  }

  // Principal-component coordinates have no unit a reader needs, so the axes have neither tick labels nor grid:
  // plotly's WebGL scene turns every new tick label into triangles, hidden or not, and the new ranges of another
  // network cost 10-20 ms of them on each change of network. Tick labels stay off as well: with labels on and no
  // ticks, the scene drew only part of an axis title ("3" for "PC3").
  function pcAxes() {
    var axis = function (title) {
      return { title: { text: title }, showticklabels: false, tickmode: "array", tickvals: [] };
    };
    // The camera stands a little further back than plotly's default (1.25, 1.25, 1.25), so that the axis titles
    // stay inside a square scene: the WebGL scene cuts off what falls outside it ("C3" for "PC3").
    return { xaxis: axis("PC1"), yaxis: axis("PC2"), zaxis: axis("PC3"), aspectmode: "cube",
      camera: { eye: { x: 1.45, y: 1.45, z: 1.3 } } };
  }

  function networkExplorer(host) {
    var parts = frame(host, "Network explorer");
    // Two plots, side by side where they fit and stacked where not: each has its own legend, so the WebGL
    // figure's fixed margin only has to hold the trajectory and fixed-point entries.
    parts.plot.classList.add("rnnmem-split");
    var spacePlot = element("div", "rnnmem-space");
    var spectrumPlot = element("div", "rnnmem-spectrum");
    parts.plot.appendChild(spacePlot);
    parts.plot.appendChild(spectrumPlot);
    var delay = firstDelay();
    var redraws = 0;
    control(parts.controls, { label: "Δt", options: delayOptions(), value: delay }, function (v) {
      delay = Number(v);
      redraw();
      prefetchAround(delay);
    });
    choiceNote(parts);

    function fixedPointTraces(net) {
      var groups = ENC.fixed_points.map(function () { return []; });
      net.fixed_points.points.forEach(function (p) { groups[Math.min(p.n_unstable, ENC.many_unstable)].push(p); });
      // One trace for every style of the encoding, drawn or not, so the traces stay the same for every network.
      var anchor = net.fixed_points.points.length ? net.fixed_points.points[0].pc : [0, 0, 0];
      return groups.map(function (points, n) {
        var style = ENC.fixed_points[n];
        if (!points.length) return placeholder("scene", style.label, anchor, "markers");
        return { type: "scatter3d", mode: "markers", scene: "scene", name: style.label,
          x: points.map(function (p) { return p.pc[0]; }), y: points.map(function (p) { return p.pc[1]; }),
          z: points.map(function (p) { return p.pc[2]; }),
          marker: { size: SYMBOL_SIZE[style.symbol] || 5, symbol: style.symbol, color: style.color,
            line: { color: "#ffffff", width: 1 } },
          text: points.map(function (p) {
            return "fixed point #" + p.index + "<br>unstable modes: " + p.n_unstable + "<br>q = " +
              p.q.toExponential(1) + "<br>readout " + vector(p.readout, 2);
          }),
          hovertemplate: "%{text}<extra></extra>" };
      });
    }

    function eigenvalueTraces(net) {
      var ev = net.spectrum.eigenvalues;
      var traces = EIGENVALUE_KINDS.map(function (kind) {
        var idx = [];
        ev.kind.forEach(function (k, i) { if (k === kind[0]) idx.push(i); });
        return { type: "scatter", mode: "markers", name: kind[1],
          x: idx.map(function (i) { return ev.re[i]; }), y: idx.map(function (i) { return ev.im[i]; }),
          marker: { size: 6, color: ENC.eigenvalue_colors[kind[0]] },
          text: idx.map(function (i) {
            return "|λ| = " + ev.modulus[i].toFixed(4) + "<br>angle = " + ev.angle[i].toFixed(3) + " rad<br>period = " +
              (ev.period[i] === null ? "none (real, positive)" : ev.period[i].toFixed(1) + " steps");
          }),
          hovertemplate: "%{text}<extra></extra>" };
      });
      var s = net.spectrum;
      return traces.concat([
        circle(s.unit_radius, "unit circle", { color: "#000000", width: 1 }),
        circle(s.bulk_radius, "bulk radius " + s.bulk_radius.toFixed(3), { color: "#7f7f7f", width: 1, dash: "dash" }),
        circle(s.outlier_radius, "outlier radius " + s.outlier_radius.toFixed(3),
          { color: ENC.highlight_color, width: 1, dash: "dot" }),
      ]);
    }

    function describe(net) {
      var census = Object.keys(net.fixed_points.census).map(function (k) {
        return net.fixed_points.census[k] + " with " + k;
      });
      var ratio = net.pca.explained_variance_ratio.reduce(function (a, b) { return a + b; }, 0);
      return "Δt = " + net.delay + ": " + origin(net.source) + ", " + accuracyText(net) + ". Trajectory panel: " +
        "the last " + net.trajectory.signs.length + " states of a " + net.n_time + "-step test run on PC1\u20133 (" +
        percent(ratio) + " of the variance), coloured by the signs of the outputs, and its " +
        net.fixed_points.points.length + " fixed points by number of unstable modes: " + list(census) +
        ". Eigenvalue panel: the " + net.spectrum.eigenvalues.re.length + " eigenvalues of W, " + net.spectrum.n_unstable +
        " of them outside the unit circle (beyond the margin " + net.spectrum.margin + "), with the unit, bulk " +
        "and outlier circles. Drag the cube to turn it; hover over a point for its numbers.";
    }

    function redraw() {
      var mine = ++redraws;
      var net = loaded(delay);
      if (!net) {
        parts.caption.textContent = "Loading the Δt = " + delay + " network\u2026";
        redrawWhenLoaded(host, parts, delay, function () { return mine === redraws; }, redraw);
        return;
      }
      host.rnnmemState = { delay: delay, network: net };
      // The legend's margin holds every entry the encoding has (eight output patterns and a fixed-point style
      // per count of unstable modes), whatever the network: a margin that grew with the legend resized the WebGL
      // canvas, which costs 30-40 ms.
      var names = ENC.fixed_points.map(function (style) { return style.label; }).concat(["output \u2212\u2212\u2212"]);
      var columns = legendColumns(names, spacePlot.clientWidth);
      var legendHeight = Math.ceil((ENC.state_colors.length + names.length - 1) / columns) * LEGEND_ROW + 12;
      var sceneHeight = Math.min(380, Math.max(260, spacePlot.clientWidth));
      var height = 30 + sceneHeight + legendHeight;
      var space = [trajectoryTraces(net, "scene", 0.6).concat(fixedPointTraces(net)), {
        height: height,
        margin: { l: 0, r: 0, t: 30, b: legendHeight, autoexpand: false },
        scene: Object.assign(pcAxes(), { domain: { x: [0, 1], y: [0, 1] } }),
        legend: columnLegend(-0.01, columns),
        annotations: [{ text: "test trajectory and fixed points", x: 0.5, y: 1, yshift: 6, yanchor: "bottom",
          xref: "paper", yref: "paper", showarrow: false }],
        uirevision: "network",
      }];
      // The eigenvalue legend, one entry a row (the panel is too narrow for two columns of its names), sits under
      // the axis' labels and title, 40 px below its plot area.
      var kinds = EIGENVALUE_KINDS.length + 3, bottom = 40 + kinds * LEGEND_ROW + 12;
      var spectrum = [eigenvalueTraces(net), {
        height: height, margin: { l: 50, r: 10, t: 30, b: bottom, autoexpand: false },
        xaxis: { title: { text: "Re λ", standoff: 4 }, zeroline: false },
        yaxis: { title: { text: "Im λ" }, scaleanchor: "x", scaleratio: 1, zeroline: false },
        legend: columnLegend(-40 / (height - 30 - bottom), 1),
        annotations: [{ text: "eigenvalues of W", x: 0.5, y: 1, yshift: 6, yanchor: "bottom", xref: "paper",
          yref: "paper", showarrow: false }],
      }];
      var figures = [[spacePlot].concat(space), [spectrumPlot].concat(spectrum)];
      draw(host, figures);
      // The caption changes after the figures have read their widths, so that reading them lays nothing out.
      parts.caption.textContent = describe(net);
      warmUp(host, figures, function () { return mine === redraws; });
    }

    onResize(host, redraw);
    whenVisible(host, parts, redraw);
  }

  // ---- pulse explorer -----------------------------------------------------------------------------------

  // The attractor whose readout signs are all -, or failing one, the attractor with the lowest readout sum
  // (the export gives the state of attractors only). A network in which the search found no attractor (the
  // curriculum's Δt = 22 network has none) starts where a −1 pulse on every channel leaves it PRIME steps later.
  function startAttractor(net) {
    var pool = net.fixed_points.points.filter(function (p) { return p.n_unstable === 0 && p.state; });
    if (!pool.length) {
      var inputs = [];
      for (var t = 0; t < PRIME; t++) inputs.push(new Float64Array(net.n_bits).fill(t === 0 ? -1 : 0));
      var run = rnnmem.simulate(net, inputs), y = run.outputs[PRIME - 1];
      return { index: null, state: run.states[PRIME - 1], readout: y,
        signs: Array.from(y, function (v) { return v > 0 ? "+" : "-"; }).join("") };
    }
    var allMinus = pool.filter(function (p) { return /^-+$/.test(p.signs); });
    if (allMinus.length) return allMinus[0];
    var sum = function (p) { return p.readout.reduce(function (a, b) { return a + b; }, 0); };
    return pool.slice().sort(function (a, b) { return sum(a) - sum(b); })[0];
  }

  function pulseResponse(net, channel) {
    var start = startAttractor(net);
    var steps = PULSE_BEFORE + net.delay + PULSE_AFTER;
    var inputs = [];
    for (var t = 1; t <= steps; t++) {
      var row = new Float64Array(net.n_bits);
      if (t === PULSE_BEFORE) row[channel] = 1;
      inputs.push(row);
    }
    var sim = rnnmem.simulate(net, inputs, start.state);
    var states = [Float64Array.from(start.state)].concat(sim.states);
    var outputs = [Float64Array.from(start.readout)].concat(sim.outputs);
    var planes = net.rotation_planes.slice().sort(function (a, b) { return b.modulus - a.modulus; })
      .slice(0, N_PLANES);
    var mean = net.pca.mean;
    var onPlanes = planes.map(function (plane) {
      return states.map(function (s) { return rnnmem.project(plane.basis, s); });
    });
    // What every time step draws unchanged (whole curves and ranges) is made once: the same arrays at each step
    // let plotly skip those traces.
    return {
      delay: net.delay, channel: channel, start: start, steps: steps, planes: planes,
      nPlanes: net.rotation_planes.length, outputs: outputs, source: net.source,
      pc: states.map(function (s) { return rnnmem.project(net.pca.components, s, mean); }),
      onPlanes: onPlanes,
      curves: {
        steps: outputs.map(function (_, i) { return i; }),
        outputs: Array.from(outputs[0], function (_, c) { return column(outputs, c); }),
        planes: onPlanes.map(function (proj) {
          var x = column(proj, 0), y = column(proj, 1);
          return { x: x, y: y, xrange: paddedRange(x), yrange: paddedRange(y) };
        }),
      },
    };
  }

  function paddedRange(values) {
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values), pad = 0.08 * (hi - lo || 1);
    return [lo - pad, hi + pad];
  }

  // The outputs panel and the rotation planes' grid under it, in px: a plane's title takes two lines, so that it
  // fits over its panel on a phone.
  var PULSE = { top: 30, outputs: 170, axis: 40, legend: 24, title: 28, gap: 10, bottom: 10 };

  function planesText(r) {
    if (r.nPlanes === 0) {
      return "W has no rotation pair (no complex eigenvalue pair outside its bulk), so there is no rotation plane " +
        "to show.";
    }
    var which = r.planes.length === r.nPlanes ? "the " + (r.nPlanes === 1 ? "rotation plane" : r.nPlanes +
      " rotation planes") + " of W" : "the " + r.planes.length + " leading of the " + r.nPlanes +
      " rotation planes of W";
    return "Lower panels: the state on " + which + ", by |λ|.";
  }

  function pulseExplorer(host) {
    var parts = frame(host, "A pulse through the delay");
    parts.plot.classList.add("rnnmem-split");
    var spacePlot = element("div", "rnnmem-space");
    var timePlot = element("div", "rnnmem-time");
    parts.plot.appendChild(spacePlot);
    parts.plot.appendChild(timePlot);
    var state = { delay: firstDelay(), channel: 0, step: 0 };
    var response = null, background = null, backgroundOf = null, timer = null, redraws = 0;
    control(parts.controls, { label: "Δt", options: delayOptions(), value: state.delay }, function (v) {
      state.delay = Number(v);
      recompute();
      prefetchAround(state.delay);
    });
    control(parts.controls, { label: "channel", options: ENC.channel_labels.map(function (label, c) {
      return [c, label];
    }), value: 0 }, function (v) {
      state.channel = Number(v);
      recompute();
    });
    var time = control(parts.controls, { label: "time step", min: 0, max: PULSE_BEFORE + state.delay + PULSE_AFTER,
      value: 0 }, function (v) {
      state.step = v;
      redraw();
    });
    var play = element("button", "rnnmem-play", "\u25b6 play");
    play.type = "button";
    play.setAttribute("aria-label", "play");
    parts.controls.appendChild(play);
    choiceNote(parts);
    play.addEventListener("click", function () {
      if (timer !== null) {
        stop();
        return;
      }
      if (!response) return;
      if (state.step >= response.steps) state.step = 0;
      play.textContent = "\u275a\u275a pause";
      play.setAttribute("aria-label", "pause");
      timer = root.setInterval(function () {
        if (!response || state.step >= response.steps) {
          stop();
          return;
        }
        state.step += 1;
        time.set(state.step);
        redraw();
      }, 180);
    });

    function stop() {
      if (timer !== null) root.clearInterval(timer);
      timer = null;
      play.textContent = "\u25b6 play";
      play.setAttribute("aria-label", "play");
    }

    function recompute() {
      var mine = ++redraws;
      var net = loaded(state.delay);
      if (!net) {
        parts.caption.textContent = "Loading the Δt = " + state.delay + " network\u2026";
        redrawWhenLoaded(host, parts, state.delay, function () { return mine === redraws; }, recompute);
        return;
      }
      try {
        response = pulseResponse(net, state.channel);
      } catch (error) {
        failed(host, parts, error);
        return;
      }
      // The same trace objects while the network stays: plotly then skips them, where new arrays of the same
      // 2000 states made it upload them to the WebGL scene again at each change of channel.
      if (backgroundOf !== net) {
        background = trajectoryTraces(net, "scene", 0.15).map(function (t) {
          t.showlegend = false;
          t.hoverinfo = "skip";
          return t;
        });
        backgroundOf = net;
      }
      time.input.max = String(response.steps);
      state.step = Math.min(state.step, response.steps);
      time.set(state.step);
      redraw();
    }

    function describe(r, t) {
      var switchAt = PULSE_BEFORE + r.delay, channel = channelLabel(r.channel);
      var phase = t < PULSE_BEFORE ? "before the pulse" : t < switchAt ? "waiting: " + (switchAt - t) +
        " step" + (switchAt - t === 1 ? "" : "s") + " until the target switches" : "after the target has switched";
      var target = r.delay === 0 ? "with Δt = 0 its target switches to + at that same step" :
        "its target switches to + at step " + switchAt + " (shaded: the Δt wait)";
      var rest = r.start.index === null ? "starts where a \u22121 pulse on every channel left it " + PRIME +
        " steps earlier (the search found no attractor), with readout signs " + signText(r.start.signs) :
        "rests at the attractor with readout signs " + signText(r.start.signs) + " (fixed point #" + r.start.index + ")";
      return "Δt = " + r.delay + ", " + origin(r.source) + "; channel " + channel + ": the state " + rest +
        " until a +1 pulse on channel " + channel + " at step " + PULSE_BEFORE + "; " + target + ". Step " + t + " of " +
        r.steps + ", " + phase + ": outputs " + vector(r.outputs[t], 2) + ". " + planesText(r);
    }

    function redraw() {
      if (!response) return;
      var r = response, t = state.step, upto = t + 1;
      host.rnnmemState = { delay: r.delay, channel: r.channel, step: t, response: r };
      var path = r.pc.slice(0, upto);
      var space = background.concat([
        { type: "scatter3d", mode: "lines+markers", scene: "scene", name: "path so far", x: column(path, 0),
          y: column(path, 1), z: column(path, 2), line: { color: "#333333", width: 4 },
          marker: { size: 2.5, color: "#333333" }, hoverinfo: "skip" },
        { type: "scatter3d", mode: "markers", scene: "scene", name: "step " + t, x: [r.pc[t][0]], y: [r.pc[t][1]],
          z: [r.pc[t][2]], marker: { size: 6, color: ENC.highlight_color }, hoverinfo: "name" },
      ]);
      var spaceLayout = {
        height: Math.min(560, Math.max(320, spacePlot.clientWidth)), margin: { l: 0, r: 0, t: 30, b: 0 },
        uirevision: "pulse", scene: Object.assign(pcAxes(), { domain: { x: [0, 1], y: [0, 1] } }),
        legend: { orientation: "h", y: 0.02, font: { size: 10 } },
        annotations: [{ text: "state on PC1\u20133", x: 0.5, y: 1, yshift: 6, yanchor: "bottom", xref: "paper",
          yref: "paper", showarrow: false }],
      };
      var P = PULSE, narrow = isNarrow(timePlot), planeHeight = narrow ? 110 : 120;
      var gridTop = P.outputs + P.axis + P.legend, rowHeight = P.title + planeHeight + P.gap;
      var area = gridTop + Math.ceil(r.planes.length / 2) * rowHeight;
      var traces = [];
      for (var c = 0; c < N_BITS; c++) {
        traces.push({ type: "scatter", mode: "lines", name: "output " + channelLabel(c), x: r.curves.steps,
          y: r.curves.outputs[c], line: { color: ENC.channel_colors[c], width: c === r.channel ? 2.5 : 1.5 },
          xaxis: "x", yaxis: "y" });
        traces.push({ type: "scatter", mode: "markers", x: [t], y: [r.outputs[t][c]], showlegend: false,
          marker: { color: ENC.channel_colors[c], size: 8 }, xaxis: "x", yaxis: "y", hoverinfo: "skip" });
      }
      var layout = {
        height: P.top + area + P.bottom, margin: { l: 45, r: 10, t: P.top, b: P.bottom, autoexpand: false },
        showlegend: true,
        legend: columnLegend(1 - (P.outputs + P.axis) / area, N_BITS),
        xaxis: { domain: [0, 1], anchor: "y", title: { text: "step", standoff: 2 }, range: [-0.5, r.steps + 0.5] },
        yaxis: { domain: band(0, P.outputs, area), anchor: "x", title: { text: "outputs Y" }, range: [-1.15, 1.15] },
        shapes: [
          { type: "line", xref: "x", yref: "y", x0: t, x1: t, y0: -1.15, y1: 1.15,
            line: { color: ENC.highlight_color, width: 1 } },
        ],
        annotations: [
          { text: r.delay === 0 ? "outputs (Δt = 0: no wait)" : "outputs; shaded: the Δt wait", x: 0.5, y: 1,
            yshift: 6, yanchor: "bottom", xref: "paper", yref: "paper", showarrow: false },
        ],
      };
      if (r.delay > 0) {
        layout.shapes.unshift({ type: "rect", xref: "x", yref: "y", x0: PULSE_BEFORE, x1: PULSE_BEFORE + r.delay,
          y0: -1.15, y1: 1.15, fillcolor: "#000000", opacity: 0.08, line: { width: 0 }, layer: "below" });
      }
      // The rotation planes, two by two under the outputs.
      r.planes.forEach(function (plane, k) {
        var n = k + 2, proj = r.onPlanes[k], so = proj.slice(0, upto), whole = r.curves.planes[k];
        var xa = "x" + n, ya = "y" + n, col = k % 2, top = gridTop + Math.floor(k / 2) * rowHeight + P.title;
        traces.push({ type: "scatter", mode: "lines", x: whole.x, y: whole.y, xaxis: xa, yaxis: ya,
          line: { color: "#cccccc", width: 1 }, showlegend: false, hoverinfo: "skip" });
        traces.push({ type: "scatter", mode: "lines", x: column(so, 0), y: column(so, 1), xaxis: xa, yaxis: ya,
          line: { color: "#333333", width: 1.5 }, showlegend: false, hoverinfo: "skip" });
        traces.push({ type: "scatter", mode: "markers", x: [proj[t][0]], y: [proj[t][1]], xaxis: xa, yaxis: ya,
          marker: { color: ENC.highlight_color, size: 7 }, showlegend: false,
          hovertemplate: "(%{x:.3f}, %{y:.3f})<extra>plane " + (k + 1) + "</extra>" });
        // Coordinates on a plane have no unit worth reading (hover gives them); without tick labels a
        // network with four planes redraws in well under 100 ms.
        layout["xaxis" + n] = { domain: [col * 0.52 + 0.02, col * 0.52 + 0.46], anchor: ya,
          range: whole.xrange, showticklabels: false };
        layout["yaxis" + n] = { domain: band(top, planeHeight, area), anchor: xa,
          range: whole.yrange, showticklabels: false };
        layout.annotations.push({ text: "plane " + (k + 1) + ": period " + (plane.period === null ? "\u2013" :
          plane.period.toFixed(1)) + "<br>|λ| " + plane.modulus.toFixed(3), x: col * 0.52 + 0.24, xanchor: "center",
          y: 1 - (top - 2) / area, yanchor: "bottom", xref: "paper", yref: "paper", showarrow: false,
          font: { size: 10 } });
      });
      // Two plots: a time step then redraws the 2-D panels without rebuilding the WebGL scene's layout.
      var figures = [[spacePlot, space, spaceLayout], [timePlot, traces, layout]];
      draw(host, figures);
      parts.caption.textContent = describe(r, t);
      warmUp(host, figures, function () { return response === r && state.step === t; });
    }

    onResize(host, redraw);
    whenVisible(host, parts, recompute);
  }

  // ---- start --------------------------------------------------------------------------------------------

  var KINDS = { task: taskExplorer, network: networkExplorer, pulse: pulseExplorer };

  function init() {
    Array.prototype.forEach.call(doc.querySelectorAll("[data-explorer]"), function (host) {
      if (host.rnnmemExplorer) return;
      var make = KINDS[host.getAttribute("data-explorer")];
      host.rnnmemExplorer = true;
      if (!make) {
        host.textContent = "Unknown explorer \"" + host.getAttribute("data-explorer") + "\" (known: " +
          Object.keys(KINDS).join(", ") + ").";
      } else if (!root.Plotly || !rnnmem || !ENC) {
        host.textContent = "This figure needs plotly.js, forward.js and encoding.js, which did not load.";
      } else {
        make(host);
      }
    });
  }

  if (rnnmem) {
    rnnmem.explorers = { init: init, loadNetwork: loadNetwork, networks: networks, pulseResponse: pulseResponse };
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", init);
  else init();
})(window);
