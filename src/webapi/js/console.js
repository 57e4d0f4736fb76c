// console: every method formats like Node's util.format and hands one line to the host.
// Nothing here throws because of a logged value; per-console state (counters, timers,
// group depth) is bounded.
(function (H, P, load) {
  'use strict';
  const { Object, Array, String, Map, Math, Reflect, Error, Symbol } = P;
  const { inspect, format } = load('%inspect');
  const MAX_LABELS = 1000;
  const MAX_GROUP = 64;
  const MAX_ROWS = 1000;
  const MAX_CHARS = 65536;
  const counts = new Map();
  const timers = new Map();
  let indent = '';

  function emit(level, msg) {
    if (msg.length > MAX_CHARS * 2) msg = msg.slice(0, MAX_CHARS * 2);
    if (indent !== '') msg = indent + msg.replace(/\n/g, `\n${indent}`);
    H.log(level, msg);
  }

  function out(level, args) {
    let msg;
    try {
      msg = format(args);
    } catch {
      msg = '[console: unprintable value]';
    }
    emit(level, msg);
  }

  const label = (v) => {
    if (v === undefined) return 'default';
    try { return `${v}`; } catch { return 'default'; }
  };
  const elapsed = (start) => {
    const ms = H.now() - start;
    return ms >= 1000 ? `${(ms / 1000).toFixed(3)}s` : `${ms.toFixed(3)}ms`;
  };

  // console.table, after Node's lib/internal/cli_table.js (cells left-aligned, as in Node 20).
  function renderRow(row, widths) {
    let s = '│ ';
    for (let i = 0; i < row.length; i++) {
      s += row[i] + ' '.repeat(widths[i] - row[i].length);
      if (i !== row.length - 1) s += ' │ ';
    }
    return `${s} │`;
  }

  function renderTable(head, columns) {
    const rows = [];
    const widths = head.map((h) => h.length);
    let longest = 0;
    for (const c of columns) longest = Math.max(longest, c.length);
    for (let i = 0; i < head.length; i++) {
      const column = columns[i];
      for (let j = 0; j < longest; j++) {
        if (rows[j] === undefined) rows[j] = [];
        const value = rows[j][i] = Object.hasOwn(column, j) ? column[j] : '';
        widths[i] = Math.max(widths[i] || 0, value.length);
      }
    }
    const divider = widths.map((w) => '─'.repeat(w + 2));
    let result = `┌${divider.join('┬')}┐\n${renderRow(head, widths)}\n├${divider.join('┼')}┤\n`;
    for (const row of rows) result += `${renderRow(row, widths)}\n`;
    return `${result}└${divider.join('┴')}┘`;
  }

  function table(data, properties) {
    if (data === null || typeof data !== 'object') return out('log', [data]);
    const cell = (v) => {
      const depth = v !== null && typeof v === 'object' && !Array.isArray(v) &&
        Object.keys(v).length > 2 ? -1 : 0;
      return inspect(v, { depth, maxArrayLength: 3, breakLength: Infinity });
    };
    const indexes = (n) => Array.from({ length: n }, (_, i) => cell(i));
    if (data instanceof Map) {
      const keys = [], values = [];
      for (const [k, v] of data) {
        if (keys.length >= MAX_ROWS) break;
        keys.push(cell(k));
        values.push(cell(v));
      }
      return emit('log', renderTable(['(iteration index)', 'Key', 'Values'],
                                     [indexes(keys.length), keys, values]));
    }
    if (data instanceof P.Set) {
      const values = [];
      for (const v of data) {
        if (values.length >= MAX_ROWS) break;
        values.push(cell(v));
      }
      return emit('log', renderTable(['(iteration index)', 'Values'], [indexes(values.length), values]));
    }
    const map = { __proto__: null };
    let hasPrimitives = false;
    const valuesColumn = [];
    const indexColumn = Object.keys(data).slice(0, MAX_ROWS);
    for (let i = 0; i < indexColumn.length; i++) {
      const item = data[indexColumn[i]];
      const primitive = item === null || (typeof item !== 'function' && typeof item !== 'object');
      if (properties === undefined && primitive) {
        hasPrimitives = true;
        valuesColumn[i] = cell(item);
      } else {
        const keys = properties || Object.keys(item);
        for (const key of keys) {
          map[key] ??= [];
          if ((primitive && properties) || !Object.hasOwn(item, key)) map[key][i] = '';
          else map[key][i] = cell(item[key]);
        }
      }
    }
    const head = Object.keys(map);
    const columns = Object.values(map);
    if (hasPrimitives) {
      head.push('Values');
      columns.push(valuesColumn);
    }
    head.unshift('(index)');
    columns.unshift(indexColumn);
    return emit('log', renderTable(head, columns));
  }

  // Each method is guarded: a hostile argument (throwing getter, Proxy trap, toString)
  // yields a placeholder line, never an exception out of console.
  const guard = (fn) => function (...args) {
    try {
      fn(...args);
    } catch {
      try { emit('error', '[console: failed to format the message]'); } catch { /* give up */ }
    }
  };

  const methods = {
    log: (...args) => out('log', args),
    info: (...args) => out('info', args),
    warn: (...args) => out('warn', args),
    error: (...args) => out('error', args),
    debug: (...args) => out('debug', args),
    trace: (...args) => {
      let stack = '';
      try {
        const frames = `${new Error().stack}`.split('\n').slice(2);
        stack = frames.filter((f) => f !== '')
          .map((f) => {
            const at = f.indexOf('@');
            return at <= 0 ? `\n    at ${f.slice(at + 1)}` : `\n    at ${f.slice(0, at)} (${f.slice(at + 1)})`;
          }).join('');
      } catch { /* no stack */ }
      let msg;
      try { msg = format(args); } catch { msg = '[unprintable]'; }
      emit('debug', `Trace${msg === '' ? '' : `: ${msg}`}${stack}`);
    },
    dir: (value, options) => emit('log', inspect(value, options)),
    dirxml: (...args) => out('log', args),
    table: (data, properties) => {
      try {
        table(data, Array.isArray(properties) ? properties : undefined);
      } catch {
        out('log', [data]);
      }
    },
    assert: (cond, ...args) => {
      if (cond) return;
      if (args.length === 0) return emit('error', 'Assertion failed');
      if (typeof args[0] === 'string') {
        args[0] = `Assertion failed: ${args[0]}`;
        return out('error', args);
      }
      out('error', ['Assertion failed:', ...args]);
    },
    count: (l) => {
      const key = label(l);
      if (!counts.has(key) && counts.size >= MAX_LABELS) return;
      const n = (counts.get(key) || 0) + 1;
      counts.set(key, n);
      emit('log', `${key}: ${n}`);
    },
    countReset: (l) => {
      const key = label(l);
      if (!counts.has(key)) return emit('warn', `Count for '${key}' does not exist`);
      counts.set(key, 0);
    },
    time: (l) => {
      const key = label(l);
      if (timers.has(key)) return emit('warn', `Label '${key}' already exists for console.time()`);
      if (timers.size >= MAX_LABELS) return;
      timers.set(key, H.now());
    },
    timeEnd: (l) => {
      const key = label(l);
      if (!timers.has(key)) return emit('warn', `No such label '${key}' for console.timeEnd()`);
      emit('log', `${key}: ${elapsed(timers.get(key))}`);
      timers.delete(key);
    },
    timeLog: (l, ...data) => {
      const key = label(l);
      if (!timers.has(key)) return emit('warn', `No such label '${key}' for console.timeLog()`);
      let extra = '';
      if (data.length) {
        try { extra = ` ${format(data)}`; } catch { extra = ' [unprintable]'; }
      }
      emit('log', `${key}: ${elapsed(timers.get(key))}${extra}`);
    },
    group: (...args) => {
      if (args.length) out('log', args);
      if (indent.length < MAX_GROUP * 2) indent += '  ';
    },
    groupCollapsed: (...args) => {
      if (args.length) out('log', args);
      if (indent.length < MAX_GROUP * 2) indent += '  ';
    },
    groupEnd: () => { indent = indent.slice(0, -2); },
  };

  const console = {};
  for (const name of Object.keys(methods)) {
    const fn = guard(methods[name]);
    Object.defineProperty(fn, 'name', { value: name });
    Object.defineProperty(console, name, { value: fn, writable: true, enumerable: true, configurable: true });
  }
  Object.defineProperty(console, Symbol.toStringTag, { value: 'console', configurable: true });
  return { __proto__: null, console };
})
