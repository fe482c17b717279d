/*
 * The rnnmem network and task in the reader's browser: plain JavaScript, no build step, no library.
 *
 * Loaded as a classic script, it sets window.rnnmem (merged into an existing object) with:
 *
 *   simulate(net, inputs, s0)         S(t) = tanh(W S(t-1) + W_in X(t)), Y(t) = tanh(W_out S(t)) in float64,
 *                                     as rnnmem_helpers.core.model.simulate; net is a network exported by
 *                                     rnnmem_helpers.chapters.explorer_data (its weights are exact float32 values).
 *   taskTargets(inputs, delay)        the delayed targets and their mask, as rnnmem_helpers.core.task.targets_from_inputs.
 *   accuracy(outputs, targets, mask)  the accuracy of rnnmem_helpers.core.metrics.score.
 *   makeStream(task, nTime, seed, pulseAtStart)
 *                                     a seeded pulse stream with the same rule as rnnmem_helpers.core.task.sample_pulses.
 *                                     Its random numbers are not numpy's: the same seed gives another stream than
 *                                     in Python, but always the same one here.
 *   project(matrix, state, mean)      matrix @ (state - mean): a state on the PCA axes or on a rotation plane.
 *
 * A sequence is an array of rows, one per time step (inputs: n_bits numbers; states: N). Results are
 * arrays of Float64Array rows. Bad arguments throw a TypeError or RangeError whose message starts with the
 * parameter's name and says what is allowed.
 */
(function (root) {
  "use strict";

  var RATE_SCOPES = ["all", "per_channel"];
  // The layout of rnnmem_helpers.chapters.explorer_data that this script reads (its FORMAT_VERSION).
  var FORMAT_VERSION = 2;

  function describe(value) {
    if (value === null) return "null";
    if (Array.isArray(value)) return "an array of length " + value.length;
    if (typeof value === "object") return "an object";
    return typeof value + " " + String(value);
  }

  function isArrayLike(value) {
    return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  }

  function checkInteger(name, value, min, max) {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw new TypeError(name + " must be an integer in [" + min + ", " + max + "], got " + describe(value));
    }
    if (value < min || value > max) {
      throw new RangeError(name + " must be an integer in [" + min + ", " + max + "], got " + value);
    }
    return value;
  }

  // Rows of `width` finite numbers; returns the number of rows.
  function checkRows(name, rows, width) {
    if (!isArrayLike(rows)) {
      throw new TypeError(name + " must be an array of rows of " + width + " numbers, got " + describe(rows));
    }
    for (var t = 0; t < rows.length; t++) {
      var row = rows[t];
      if (!isArrayLike(row) || row.length !== width) {
        throw new RangeError(name + " must be an array of rows of " + width + " numbers; row " + t + " is " +
          describe(row));
      }
      for (var c = 0; c < width; c++) {
        if (typeof row[c] !== "number" || !Number.isFinite(row[c])) {
          throw new RangeError(name + " must hold only finite numbers; row " + t + " has " + describe(row[c]));
        }
      }
    }
    return rows.length;
  }

  function checkMatrix(name, m, rows, cols) {
    var ok = m !== null && typeof m === "object" && isArrayLike(m.shape) && m.shape.length === 2 &&
      isArrayLike(m.data) && m.data.length === m.shape[0] * m.shape[1];
    if (!ok) {
      throw new TypeError(name + " must be a matrix {shape: [rows, cols], data: [rows * cols numbers]}, got " +
        describe(m));
    }
    if ((rows !== null && m.shape[0] !== rows) || (cols !== null && m.shape[1] !== cols)) {
      throw new RangeError(name + " must have shape [" + (rows === null ? "any" : rows) + ", " +
        (cols === null ? "any" : cols) + "], got [" + m.shape[0] + ", " + m.shape[1] + "]");
    }
    var data = Float64Array.from(m.data);
    for (var i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new RangeError(name + " must hold only finite numbers");
    }
    return data;
  }

  // Typed copies of an exported network's weights, made once per network object.
  var prepared = new WeakMap();

  function prepare(net) {
    if (net === null || typeof net !== "object" || net.weights === null || typeof net.weights !== "object") {
      throw new TypeError("net must be a network exported by rnnmem_helpers.chapters.explorer_data " +
        "(an object with weights W, W_in, W_out), got " + describe(net));
    }
    var cached = prepared.get(net);
    if (cached) return cached;
    if (net.format_version !== FORMAT_VERSION) {
      // A data file from another version of the export may lay its data out differently.
      throw new RangeError("net.format_version must be " + FORMAT_VERSION + " (this script's format), got " +
        describe(net.format_version));
    }
    var w = net.weights;
    var n = w.W && w.W.shape ? w.W.shape[0] : null;
    var W = checkMatrix("net.weights.W", w.W, n, n);
    var k = w.W_in && w.W_in.shape ? w.W_in.shape[1] : null;
    var Win = checkMatrix("net.weights.W_in", w.W_in, n, k);
    var Wout = checkMatrix("net.weights.W_out", w.W_out, k, n);
    var p = { n: n, k: k, W: W, Win: Win, Wout: Wout };
    prepared.set(net, p);
    return p;
  }

  function simulate(net, inputs, s0) {
    var p = prepare(net);
    var n = p.n, k = p.k, W = p.W, Win = p.Win, Wout = p.Wout;
    var T = checkRows("inputs", inputs, k);
    var s = new Float64Array(n);
    if (s0 !== undefined && s0 !== null) {
      checkRows("s0", [s0], n);
      s.set(s0);
    }
    var states = new Array(T), outputs = new Array(T);
    for (var t = 0; t < T; t++) {
      var x = inputs[t], next = new Float64Array(n), y = new Float64Array(k);
      for (var i = 0; i < n; i++) {
        var rec = 0, drive = 0, row = i * n;
        for (var j = 0; j < n; j++) rec += W[row + j] * s[j];
        for (var c = 0; c < k; c++) drive += Win[i * k + c] * x[c];
        // The recurrent and input sums are added last, as simulate() adds W s and the precomputed drive.
        next[i] = Math.tanh(rec + drive);
      }
      for (var o = 0; o < k; o++) {
        var acc = 0;
        for (var m = 0; m < n; m++) acc += Wout[o * n + m] * next[m];
        y[o] = Math.tanh(acc);
      }
      states[t] = next;
      outputs[t] = y;
      s = next;
    }
    return { states: states, outputs: outputs };
  }

  function taskTargets(inputs, delay) {
    if (!isArrayLike(inputs) || inputs.length === 0 || !isArrayLike(inputs[0])) {
      throw new TypeError("inputs must be a non-empty array of rows of numbers, got " + describe(inputs));
    }
    var k = inputs[0].length;
    var T = checkRows("inputs", inputs, k);
    checkInteger("delay", delay, 0, Number.MAX_SAFE_INTEGER);
    // held[t]: sign of the last pulse at or before t on each channel (0 before the first).
    var held = new Array(T), last = new Float64Array(k);
    for (var t = 0; t < T; t++) {
      for (var c = 0; c < k; c++) {
        if (inputs[t][c] !== 0) last[c] = Math.sign(inputs[t][c]);
      }
      held[t] = Float64Array.from(last);
    }
    var targets = new Array(T), mask = new Array(T);
    for (var u = 0; u < T; u++) {
      targets[u] = u >= delay ? Float64Array.from(held[u - delay]) : new Float64Array(k);
      mask[u] = Array.from(targets[u], function (v) { return v !== 0; });
    }
    return { targets: targets, mask: mask };
  }

  function accuracy(outputs, targets, mask) {
    if (!isArrayLike(outputs) || outputs.length === 0 || !isArrayLike(outputs[0])) {
      throw new TypeError("outputs must be a non-empty array of rows of numbers, got " + describe(outputs));
    }
    var k = outputs[0].length;
    var T = checkRows("outputs", outputs, k);
    if (checkRows("targets", targets, k) !== T) {
      throw new RangeError("targets must have as many rows as outputs (" + T + "), got " + targets.length);
    }
    if (!isArrayLike(mask) || mask.length !== T) {
      throw new RangeError("mask must be " + T + " rows of " + k + " booleans, got " + describe(mask));
    }
    var correct = 0, valid = 0;
    for (var t = 0; t < T; t++) {
      if (!isArrayLike(mask[t]) || mask[t].length !== k) {
        throw new RangeError("mask must be " + T + " rows of " + k + " booleans; row " + t + " is " +
          describe(mask[t]));
      }
      for (var c = 0; c < k; c++) {
        if (mask[t][c]) {
          valid += 1;
          if (Math.sign(outputs[t][c]) === targets[t][c]) correct += 1;
        }
      }
    }
    if (valid === 0) throw new RangeError("mask must mark at least one valid entry");
    return correct / valid;
  }

  // mulberry32: a small, fast 32-bit generator, good enough to draw pulse times for a figure.
  function generator(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      var z = a;
      z = Math.imul(z ^ (z >>> 15), z | 1);
      z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
      return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
    };
  }

  function makeStream(task, nTime, seed, pulseAtStart) {
    if (task === null || typeof task !== "object") {
      throw new TypeError("task must be an object {n_bits, mean_interval, rate_scope}, got " + describe(task));
    }
    var k = checkInteger("task.n_bits", task.n_bits, 1, 64);
    var lambda = task.mean_interval;
    if (typeof lambda !== "number" || !Number.isFinite(lambda) || lambda <= 1) {
      throw new RangeError("task.mean_interval must be a finite number > 1, got " + describe(lambda));
    }
    if (RATE_SCOPES.indexOf(task.rate_scope) < 0) {
      throw new RangeError("task.rate_scope must be one of " + JSON.stringify(RATE_SCOPES) + ", got " +
        describe(task.rate_scope));
    }
    checkInteger("nTime", nTime, 1, 10000000);
    checkInteger("seed", seed, 0, 4294967295);
    if (pulseAtStart !== undefined && typeof pulseAtStart !== "boolean") {
      throw new TypeError("pulseAtStart must be true or false, got " + describe(pulseAtStart));
    }
    var random = generator(seed), p = 1 / lambda, rows = new Array(nTime);
    for (var t = 0; t < nTime; t++) {
      var row = new Float64Array(k);
      if (task.rate_scope === "all") {
        // One process over all channels: a pulse goes to a channel drawn uniformly.
        if (random() < p) row[Math.floor(random() * k)] = random() < 0.5 ? -1 : 1;
      } else {
        for (var c = 0; c < k; c++) {
          if (random() < p) row[c] = random() < 0.5 ? -1 : 1;
        }
      }
      rows[t] = row;
    }
    if (pulseAtStart) {
      for (var b = 0; b < k; b++) rows[0][b] = random() < 0.5 ? -1 : 1;
    }
    return rows;
  }

  function project(matrix, state, mean) {
    if (!isArrayLike(state)) throw new TypeError("state must be an array of numbers, got " + describe(state));
    var n = state.length;
    var M = checkMatrix("matrix", matrix, null, n);
    checkRows("state", [state], n);
    if (mean !== undefined && mean !== null) checkRows("mean", [mean], n);
    var r = matrix.shape[0], out = new Float64Array(r);
    for (var i = 0; i < r; i++) {
      var acc = 0;
      for (var j = 0; j < n; j++) acc += M[i * n + j] * (mean ? state[j] - mean[j] : state[j]);
      out[i] = acc;
    }
    return out;
  }

  var api = {
    FORMAT_VERSION: FORMAT_VERSION,
    simulate: simulate,
    taskTargets: taskTargets,
    accuracy: accuracy,
    makeStream: makeStream,
    project: project,
  };
  root.rnnmem = Object.assign(root.rnnmem || {}, api);
})(typeof window !== "undefined" ? window : globalThis);
