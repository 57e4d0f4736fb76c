// %inspect: util.inspect / util.format as Node prints them (what Workers users see in logs).
// Never throws because of the value: every access to guest objects is guarded, getters are
// not invoked, and output is bounded (depth, 100 items per list, an overall length budget).
(function (H, P, load) {
  'use strict';
  const { Object, Array, String, Number, Symbol, Reflect, Map, Set, Math, JSON, Date, RegExp,
    Error, ArrayBuffer, DataView, WeakMap, WeakSet, Uint8Array, Function, Boolean, BigInt,
    Promise, parseInt, parseFloat } = P;
  const apply = Reflect.apply;
  const uncurry = (f) => (self, ...args) => apply(f, self, args);
  const getter = (proto, key) => uncurry(Reflect.getOwnPropertyDescriptor(proto, key).get);
  const getProto = Reflect.getPrototypeOf;
  const ownKeys = Reflect.ownKeys;
  const ownDesc = Reflect.getOwnPropertyDescriptor;
  const isArray = Array.isArray;
  const objectToString = uncurry(Object.prototype.toString);
  const fnToString = uncurry(Function.prototype.toString);
  const hasOwn = Object.hasOwn;
  const push = uncurry(Array.prototype.push);
  const join = uncurry(Array.prototype.join);
  const strSlice = uncurry(String.prototype.slice);
  const strRepeat = uncurry(String.prototype.repeat);
  const strIncludes = uncurry(String.prototype.includes);
  const strReplace = uncurry(String.prototype.replace);
  const strSplit = uncurry(String.prototype.split);
  const strPadStart = uncurry(String.prototype.padStart);
  const strPadEnd = uncurry(String.prototype.padEnd);
  const reTest = uncurry(RegExp.prototype.test);
  const reToString = uncurry(RegExp.prototype.toString);
  const symToString = uncurry(Symbol.prototype.toString);
  const mapSize = getter(Map.prototype, 'size');
  const setSize = getter(Set.prototype, 'size');
  const mapEntries = uncurry(Map.prototype.entries);
  const setValues = uncurry(Set.prototype.values);
  const mapIterNext = uncurry(getProto(new Map().entries()).next);
  const setIterNext = uncurry(getProto(new Set().values()).next);
  const TypedArray = getProto(Uint8Array);
  const taTag = getter(TypedArray.prototype, Symbol.toStringTag);
  const taLength = getter(TypedArray.prototype, 'length');
  const abByteLength = getter(ArrayBuffer.prototype, 'byteLength');
  const abDetached = ownDesc(ArrayBuffer.prototype, 'detached')
    ? getter(ArrayBuffer.prototype, 'detached') : () => false;
  const dvByteLength = getter(DataView.prototype, 'byteLength');
  const dvByteOffset = getter(DataView.prototype, 'byteOffset');
  const dvBuffer = getter(DataView.prototype, 'buffer');
  const dateGetTime = uncurry(Date.prototype.getTime);
  const dateToISO = uncurry(Date.prototype.toISOString);
  const reSource = getter(RegExp.prototype, 'source');
  const weakMapHas = uncurry(WeakMap.prototype.has);
  const weakSetHas = uncurry(WeakSet.prototype.has);
  const numberValueOf = uncurry(Number.prototype.valueOf);
  const stringValueOf = uncurry(String.prototype.valueOf);
  const booleanValueOf = uncurry(Boolean.prototype.valueOf);
  const bigintValueOf = uncurry(BigInt.prototype.valueOf);
  const symbolValueOf = uncurry(Symbol.prototype.valueOf);
  const isError = Error.isError || ((v) => objectToString(v) === '[object Error]');
  const AsyncFunctionProto = getProto(async function () {});
  const GeneratorFunctionProto = getProto(function* () {});
  const AsyncGeneratorFunctionProto = getProto(async function* () {});
  const builtinProtos = new Set([Object.prototype, Error.prototype, Array.prototype,
    Date.prototype, RegExp.prototype, Function.prototype, Number.prototype, String.prototype,
    Boolean.prototype, Symbol.prototype, BigInt.prototype, Map.prototype, Set.prototype,
    Promise.prototype, ArrayBuffer.prototype, DataView.prototype, TypedArray.prototype]);
  const setHas = uncurry(Set.prototype.has);
  const mapGet = uncurry(Map.prototype.get);
  const mapSet = uncurry(Map.prototype.set);
  const mapHas = uncurry(Map.prototype.has);

  const is = (check, v) => { try { check(v); return true; } catch { return false; } };
  const MAX_ITEMS = 100;
  const MAX_STRING = 10000;
  const BUDGET = 128 * 1024;

  const kObject = 0, kArray = 1;
  const identRe = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
  const escapeRe = /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  const escapeReNoQuote = /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  const escapeReG = /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
  const escapeReNoQuoteG = /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
  const meta = { __proto__: null, '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f',
    '\r': '\\r', "'": "\\'", '\\': '\\\\' };
  const hex2 = (n) => strPadStart(n.toString(16).toUpperCase(), 2, '0');
  const escapeChar = (ch) => {
    if (meta[ch] !== undefined) return meta[ch];
    const code = ch.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).toUpperCase()}` : `\\x${hex2(code)}`;
  };

  function strEscape(str) {
    let quote = "'";
    let re = escapeRe, reG = escapeReG;
    if (strIncludes(str, "'")) {
      if (!strIncludes(str, '"')) quote = '"';
      else if (!strIncludes(str, '`') && !strIncludes(str, '${')) quote = '`';
      if (quote !== "'") { re = escapeReNoQuote; reG = escapeReNoQuoteG; }
    }
    if (!reTest(re, str)) return quote + str + quote;
    return quote + strReplace(str, reG, escapeChar) + quote;
  }

  function formatString(str) {
    let trailer = '';
    if (str.length > MAX_STRING) {
      const remaining = str.length - MAX_STRING;
      str = strSlice(str, 0, MAX_STRING);
      trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`;
    }
    return strEscape(str) + trailer;
  }

  const formatNumber = (n) => (n === 0 && 1 / n < 0 ? '-0' : `${n}`);

  function formatPrimitive(v) {
    switch (typeof v) {
      case 'string': return formatString(v);
      case 'number': return formatNumber(v);
      case 'bigint': return `${v}n`;
      case 'boolean': return `${v}`;
      case 'undefined': return 'undefined';
      case 'symbol': return symToString(v);
      default: return 'null';
    }
  }

  function getCtorName(obj) {
    for (let i = 0; obj !== null && i < 1000; i++) {
      const desc = ownDesc(obj, 'constructor');
      if (desc !== undefined && typeof desc.value === 'function') {
        const nameDesc = ownDesc(desc.value, 'name');
        const name = nameDesc && nameDesc.value;
        if (typeof name === 'string' && name !== '') return name;
      }
      obj = getProto(obj);
      if (i === 0 && obj === null) return null;
    }
    return 'Object';
  }

  function getPrefix(ctor, tag, fallback, size = '') {
    if (ctor === null) {
      if (tag !== '' && fallback !== tag) return `[${fallback}${size}: null prototype] [${tag}] `;
      return `[${fallback}${size}: null prototype] `;
    }
    if (tag !== '' && ctor !== tag) return `${ctor}${size} [${tag}] `;
    return `${ctor}${size} `;
  }

  function getKeys(v) {
    const keys = [];
    for (const k of ownKeys(v)) {
      const d = ownDesc(v, k);
      if (d && d.enumerable) push(keys, k);
    }
    return keys;
  }

  function fnName(fn) {
    try {
      const d = ownDesc(fn, 'name');
      return d && typeof d.value === 'string' ? d.value : '';
    } catch { return ''; }
  }

  function getFunctionBase(fn, ctor, tag) {
    let src = '';
    try { src = fnToString(fn); } catch { /* a Proxy of a function */ }
    if (strSlice(src, 0, 5) === 'class' && strSlice(src, -1) === '}') {
      const name = fnName(fn);
      let base = `[class ${name || '(anonymous)'}`;
      try {
        const parent = getProto(fn);
        if (parent !== Function.prototype && parent !== null) {
          const pn = fnName(parent);
          if (pn) base += ` extends ${pn}`;
        }
      } catch { /* ignore */ }
      return `${base}]`;
    }
    let type = 'Function';
    try {
      const proto = getProto(fn);
      if (proto === AsyncFunctionProto) type = 'AsyncFunction';
      else if (proto === GeneratorFunctionProto) type = 'GeneratorFunction';
      else if (proto === AsyncGeneratorFunctionProto) type = 'AsyncGeneratorFunction';
    } catch { /* ignore */ }
    let base = `[${type}`;
    if (ctor === null) base += ' (null prototype)';
    const name = fnName(fn);
    base += name === '' ? ' (anonymous)' : `: ${name}`;
    base += ']';
    if (ctor !== type && ctor !== null && ctor !== 'Function') base += ` ${ctor}`;
    if (tag !== '' && ctor !== tag) base += ` [${tag}]`;
    return base;
  }

  // JSC stacks are "fn@url:1:2" lines without a header; print them the way V8 does.
  function formatError(err, ctx) {
    let name = 'Error', message = '', stack = '';
    // As Node does, these may run getters (DOMException's name and message are getters).
    try { const n = err.name; if (n !== undefined) name = String(n); } catch { /* keep */ }
    try { const m = err.message; if (m !== undefined) message = String(m); } catch { /* keep */ }
    try { const s = err.stack; if (typeof s === 'string') stack = s; } catch { /* keep */ }
    let out = message ? `${name}: ${message}` : name;
    if (stack) {
      const lines = strSplit(stack, '\n');
      let frames = '';
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (line === '') continue;
        const at = line.indexOf('@');
        if (at < 0) frames += `\n    at ${line}`;
        else if (at === 0) frames += `\n    at ${strSlice(line, 1)}`;
        else frames += `\n    at ${strSlice(line, 0, at)} (${strSlice(line, at + 1)})`;
      }
      if (frames === '') out = `[${out}]`;
      out += frames;
    } else {
      out = `[${out}]`;
    }
    if (ctx.indentationLvl !== 0) out = strReplace(out, /\n/g, `\n${strRepeat(' ', ctx.indentationLvl)}`);
    return out;
  }

  function formatValue(ctx, v, recurseTimes) {
    if ((typeof v !== 'object' || v === null) && typeof v !== 'function') {
      return formatPrimitive(v);
    }
    if (ctx.seen.includes(v)) {
      let index = 1;
      if (!mapHas(ctx.circular, v)) {
        mapSet(ctx.circular, v, ctx.circular.size + 1);
        index = ctx.circular.size;
      } else {
        index = mapGet(ctx.circular, v);
      }
      return `[Circular *${index}]`;
    }
    try {
      return formatRaw(ctx, v, recurseTimes);
    } catch {
      const i = ctx.seen.indexOf(v);
      if (i >= 0) ctx.seen.length = i;
      return '[Uninspectable]';
    }
  }

  function formatRaw(ctx, value, recurseTimes) {
    let keys;
    const ctor = getCtorName(value);
    let tag = '';
    try {
      const t = value[Symbol.toStringTag];
      const d = ownDesc(value, Symbol.toStringTag);
      if (typeof t === 'string' && !(t !== '' && d && d.enumerable)) tag = t;
    } catch { /* a throwing getter: no tag */ }
    let base = '';
    let formatter = () => [];
    let braces;
    let extrasType = kObject;
    let isNumeric = false;

    if (isArray(value)) {
      keys = [];
      for (const k of getKeys(value)) if (typeof k !== 'string' || !isIndex(k)) push(keys, k);
      const prefix = ctor !== 'Array' || tag !== '' ? getPrefix(ctor, tag, 'Array', `(${value.length})`) : '';
      braces = [`${prefix}[`, ']'];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      extrasType = kArray;
      formatter = formatArray;
    } else if (is(setSize, value)) {
      keys = getKeys(value);
      const size = setSize(value);
      const prefix = getPrefix(ctor, tag, 'Set', `(${size})`);
      formatter = formatSet;
      if (size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
    } else if (is(mapSize, value)) {
      keys = getKeys(value);
      const size = mapSize(value);
      const prefix = getPrefix(ctor, tag, 'Map', `(${size})`);
      formatter = formatMap;
      if (size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
    } else if (taTag(value) !== undefined) {
      keys = [];
      for (const k of getKeys(value)) if (typeof k !== 'string' || !isIndex(k)) push(keys, k);
      const size = taLength(value);
      const fallback = taTag(value);
      braces = [`${getPrefix(ctor, tag === fallback ? '' : tag, fallback, `(${size})`)}[`, ']'];
      if (size === 0 && keys.length === 0) return `${braces[0]}]`;
      formatter = formatTypedArray;
      extrasType = kArray;
      isNumeric = true;
    } else {
      keys = getKeys(value);
      braces = ['{', '}'];
      if (ctor === 'Object' && !isError(value) && typeof value !== 'function' &&
          objectToString(value) !== '[object Arguments]' && !isBoxed(value) &&
          !is(dateGetTime, value) && !is(reSource, value)) {
        if (tag !== '') braces[0] = `${getPrefix(ctor, tag, 'Object')}{`;
        if (keys.length === 0) return `${braces[0]}}`;
      } else if (typeof value === 'function') {
        base = getFunctionBase(value, ctor, tag);
        keys = keys.filter((k) => k !== 'prototype');
        if (keys.length === 0) return base;
      } else if (objectToString(value) === '[object Arguments]' && ctor === 'Object') {
        keys = keys.filter((k) => typeof k !== 'string' || !isIndex(k));
        braces = ['[Arguments] [', ']'];
        extrasType = kArray;
        formatter = formatArray;
      } else if (is(reSource, value) && value !== RegExp.prototype) {
        base = reToString(value);
        const prefix = getPrefix(ctor, tag, 'RegExp');
        if (prefix !== 'RegExp ') base = `${prefix}${base}`;
        if (keys.length === 0) return base;
      } else if (is(dateGetTime, value)) {
        const t = dateGetTime(value);
        base = t === t ? dateToISO(value) : 'Invalid Date';
        const prefix = getPrefix(ctor, tag, 'Date');
        if (prefix !== 'Date ') base = `${prefix}${base}`;
        if (keys.length === 0) return base;
      } else if (isError(value)) {
        base = formatError(value, ctx);
        keys = keys.filter((k) => k !== 'stack' && k !== 'message');
        const cause = ownDesc(value, 'cause');
        if (cause && !cause.enumerable) push(keys, 'cause');
        if (keys.length === 0) return base;
      } else if (is(abByteLength, value)) {
        const prefix = getPrefix(ctor, tag, 'ArrayBuffer');
        braces[0] = `${prefix}{`;
        formatter = formatArrayBuffer;
      } else if (is(dvByteLength, value) || (value !== DataView.prototype && is(dvBuffer, value))) {
        braces[0] = `${getPrefix(ctor, tag, 'DataView')}{`;
        formatter = formatDataView;
      } else if (is((v) => weakMapHas(v, {}), value)) {
        braces[0] = `${getPrefix(ctor, tag, 'WeakMap')}{`;
        formatter = () => ['<items unknown>'];
      } else if (is((v) => weakSetHas(v, {}), value)) {
        braces[0] = `${getPrefix(ctor, tag, 'WeakSet')}{`;
        formatter = () => ['<items unknown>'];
      } else if (isBoxed(value)) {
        base = formatBoxed(value, ctor, tag);
        keys = keys.filter((k) => typeof k !== 'string' || !isIndex(k));
        if (keys.length === 0) return base;
      } else if (tag === 'Promise' || ctor === 'Promise') {
        braces[0] = `${getPrefix(ctor, tag, 'Promise')}{`;
        formatter = () => ['<state unknown>'];
      } else {
        braces[0] = `${getPrefix(ctor, tag, 'Object')}{`;
        if (keys.length === 0) return `${braces[0]}}`;
      }
    }

    if (recurseTimes > ctx.depth) {
      if (ctor === null) return `[${strSlice(getPrefix(ctor, tag, 'Object'), 0, -1)}]`;
      return `[${isArray(value) ? (ctor === 'Array' ? 'Array' : ctor) : ctor}]`;
    }
    recurseTimes += 1;
    push(ctx.seen, value);
    ctx.currentDepth = recurseTimes;
    let output = formatter(ctx, value, recurseTimes);
    for (let i = 0; i < keys.length; i++) {
      if (ctx.budget <= 0) {
        push(output, `... ${keys.length - i} more propert${keys.length - i > 1 ? 'ies' : 'y'}`);
        break;
      }
      push(output, formatProperty(ctx, value, recurseTimes, keys[i], extrasType));
    }
    ctx.seen.pop();

    if (mapHas(ctx.circular, value)) {
      const reference = `<ref *${mapGet(ctx.circular, value)}> `;
      if (base === '') braces[0] = `${reference}${braces[0]}`;
      else base = `${reference}${base}`;
    }
    return reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes,
                                isNumeric ? true : value);
  }

  function isIndex(k) {
    const n = +k;
    return `${n >>> 0}` === k && n !== 4294967295;
  }

  function isBoxed(v) {
    return is(numberValueOf, v) || is(stringValueOf, v) || is(booleanValueOf, v) ||
      is(bigintValueOf, v) || is(symbolValueOf, v);
  }

  function formatBoxed(v, ctor, tag) {
    let type, prim;
    if (is(numberValueOf, v)) { type = 'Number'; prim = numberValueOf(v); }
    else if (is(stringValueOf, v)) { type = 'String'; prim = stringValueOf(v); }
    else if (is(booleanValueOf, v)) { type = 'Boolean'; prim = booleanValueOf(v); }
    else if (is(bigintValueOf, v)) { type = 'BigInt'; prim = bigintValueOf(v); }
    else { type = 'Symbol'; prim = symbolValueOf(v); }
    let base = `[${type}`;
    if (type !== ctor) base += ctor === null ? ' (null prototype)' : ` (${ctor})`;
    base += `: ${formatPrimitive(prim)}]`;
    if (tag !== '' && tag !== ctor) base += ` [${tag}]`;
    return base;
  }

  function formatArray(ctx, value, recurseTimes) {
    const len = value.length;
    const output = [];
    let i = 0;
    let indexKeys = null, pos = 0;
    while (i < len && output.length < ctx.maxArray && ctx.budget > 0) {
      if (hasOwn(value, i)) {
        push(output, formatProperty(ctx, value, recurseTimes, i, kArray));
        i++;
        continue;
      }
      if (indexKeys === null) {
        indexKeys = [];
        for (const k of ownKeys(value)) if (typeof k === 'string' && isIndex(k)) push(indexKeys, +k);
      }
      while (pos < indexKeys.length && indexKeys[pos] < i) pos++;
      const next = pos < indexKeys.length ? Math.min(indexKeys[pos], len) : len;
      const holes = next - i;
      push(output, `<${holes} empty item${holes > 1 ? 's' : ''}>`);
      i = next;
    }
    if (i < len) {
      const remaining = len - i;
      push(output, `... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    }
    return output;
  }

  function formatTypedArray(ctx, value) {
    const len = taLength(value);
    const n = Math.min(len, ctx.maxArray);
    const output = [];
    for (let i = 0; i < n; i++) push(output, formatPrimitive(value[i]));
    if (len > n) push(output, `... ${len - n} more item${len - n > 1 ? 's' : ''}`);
    return output;
  }

  function formatArrayBuffer(ctx, value) {
    if (abDetached(value)) return ['(detached)', 'byteLength: 0'];
    const len = abByteLength(value);
    const bytes = new Uint8Array(value, 0, Math.min(len, 50));
    let str = '';
    for (let i = 0; i < bytes.length; i++) str += (i ? ' ' : '') + strPadStart(bytes[i].toString(16), 2, '0');
    if (len > 50) str += ` ... ${len - 50} more byte${len - 50 > 1 ? 's' : ''}`;
    return [`[Uint8Contents]: <${str}>`, `byteLength: ${formatNumber(len)}`];
  }

  function formatDataView(ctx, value, recurseTimes) {
    ctx.indentationLvl += 2;
    const buffer = formatValue(ctx, dvBuffer(value), recurseTimes);
    ctx.indentationLvl -= 2;
    return [`byteLength: ${dvByteLength(value)}`, `byteOffset: ${dvByteOffset(value)}`,
      `buffer: ${buffer}`];
  }

  function formatSet(ctx, value, recurseTimes) {
    const output = [];
    const size = setSize(value);
    const it = setValues(value);
    ctx.indentationLvl += 2;
    for (let r = setIterNext(it); !r.done; r = setIterNext(it)) {
      if (output.length >= ctx.maxArray || ctx.budget <= 0) break;
      push(output, formatValue(ctx, r.value, recurseTimes));
    }
    ctx.indentationLvl -= 2;
    if (size > output.length) {
      const remaining = size - output.length;
      push(output, `... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    }
    return output;
  }

  function formatMap(ctx, value, recurseTimes) {
    const output = [];
    const size = mapSize(value);
    const it = mapEntries(value);
    ctx.indentationLvl += 2;
    for (let r = mapIterNext(it); !r.done; r = mapIterNext(it)) {
      if (output.length >= ctx.maxArray || ctx.budget <= 0) break;
      const k = formatValue(ctx, r.value[0], recurseTimes);
      push(output, `${k} => ${formatValue(ctx, r.value[1], recurseTimes)}`);
    }
    ctx.indentationLvl -= 2;
    if (size > output.length) {
      const remaining = size - output.length;
      push(output, `... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    }
    return output;
  }

  function formatProperty(ctx, value, recurseTimes, key, type) {
    let str;
    let desc;
    try {
      desc = ownDesc(value, key) || { value: undefined, enumerable: true };
    } catch {
      desc = { value: undefined, enumerable: true, broken: true };
    }
    if (desc.broken) {
      str = '[Uninspectable]';
    } else if (desc.value !== undefined) {
      ctx.indentationLvl += 2;
      str = formatValue(ctx, desc.value, recurseTimes);
      ctx.indentationLvl -= 2;
    } else if (desc.get !== undefined) {
      str = desc.set !== undefined ? '[Getter/Setter]' : '[Getter]';
    } else if (desc.set !== undefined) {
      str = '[Setter]';
    } else {
      str = 'undefined';
    }
    ctx.budget -= str.length;
    if (type === kArray) return str;
    let name;
    if (typeof key === 'symbol') name = `[${symToString(key)}]`;
    else if (key === '__proto__') name = "['__proto__']";
    else if (desc.enumerable === false) name = `[${key}]`;
    else if (reTest(identRe, key)) name = key;
    else name = strEscape(key);
    return `${name}: ${str}`;
  }

  function isBelowBreakLength(ctx, output, start, base) {
    let totalLength = output.length + start;
    if (totalLength + output.length > ctx.breakLength) return false;
    for (let i = 0; i < output.length; i++) {
      totalLength += output[i].length;
      if (totalLength > ctx.breakLength) return false;
    }
    return base === '' || !strIncludes(base, '\n');
  }

  function groupArrayElements(ctx, output, value) {
    let totalLength = 0;
    let maxLength = 0;
    let outputLength = output.length;
    if (outputLength > 0 && strSlice(output[outputLength - 1], 0, 4) === '... ') outputLength--;
    const separatorSpace = 2;
    const dataLen = [];
    for (let i = 0; i < outputLength; i++) {
      const len = output[i].length;
      dataLen[i] = len;
      totalLength += len + separatorSpace;
      if (maxLength < len) maxLength = len;
    }
    const actualMax = maxLength + separatorSpace;
    if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
        (totalLength / actualMax > 5 || maxLength <= 6)) {
      const averageBias = Math.sqrt(actualMax - totalLength / output.length);
      const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
      const columns = Math.min(
        Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
        Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
        ctx.compact * 4,
        15);
      if (columns <= 1) return output;
      const tmp = [];
      const maxLineLength = [];
      for (let i = 0; i < columns; i++) {
        let lineLength = 0;
        for (let j = i; j < output.length; j += columns) {
          if (dataLen[j] > lineLength) lineLength = dataLen[j];
        }
        push(maxLineLength, lineLength + separatorSpace);
      }
      let order = strPadStart;
      if (value !== true) {
        try {
          for (let i = 0; i < outputLength; i++) {
            const d = ownDesc(value, i);
            const v = d && d.value;
            if (typeof v !== 'number' && typeof v !== 'bigint') { order = strPadEnd; break; }
          }
        } catch { order = strPadEnd; }
      }
      for (let i = 0; i < outputLength; i += columns) {
        const max = Math.min(i + columns, outputLength);
        let str = '';
        let j = i;
        for (; j < max - 1; j++) str += order(`${output[j]}, `, maxLineLength[j - i], ' ');
        if (order === strPadStart) {
          str += strPadStart(output[j], maxLineLength[j - i] - separatorSpace, ' ');
        } else {
          str += output[j];
        }
        push(tmp, str);
      }
      if (outputLength < output.length) push(tmp, output[outputLength]);
      output = tmp;
    }
    return output;
  }

  function reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value) {
    const entries = output.length;
    if (extrasType === kArray && entries > 6) output = groupArrayElements(ctx, output, value);
    if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
      const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
      if (isBelowBreakLength(ctx, output, start, base)) {
        const joined = join(output, ', ');
        if (!strIncludes(joined, '\n')) {
          return `${base ? `${base} ` : ''}${braces[0]} ${joined} ${braces[1]}`;
        }
      }
    }
    const indentation = `\n${strRepeat(' ', ctx.indentationLvl)}`;
    return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ${
      join(output, `,${indentation}  `)}${indentation}${braces[1]}`;
  }

  // inspect(value, { depth = 2, breakLength = 80 }): never throws.
  function inspect(value, options) {
    let depth = 2, breakLength = 80, maxArray = MAX_ITEMS;
    if (options !== null && typeof options === 'object') {
      try {
        const d = options.depth;
        if (d === null || d === Infinity) depth = 20;
        else if (typeof d === 'number' && d === d) depth = Math.min(Math.trunc(d), 20);
        if (typeof options.breakLength === 'number') breakLength = options.breakLength;
        if (typeof options.maxArrayLength === 'number') maxArray = options.maxArrayLength;
      } catch { /* defaults */ }
    }
    const ctx = { depth, breakLength, compact: 3, indentationLvl: 0, currentDepth: 0,
      seen: [], circular: new Map(), budget: BUDGET, maxArray };
    try {
      return formatValue(ctx, value, 0);
    } catch {
      return '[Uninspectable]';
    }
  }

  function hasBuiltInToString(v) {
    try {
      let obj = v;
      for (let i = 0; obj !== null && i < 1000; i++) {
        if (ownDesc(obj, 'toString') !== undefined) return setHas(builtinProtos, obj);
        obj = getProto(obj);
      }
    } catch { /* a Proxy */ }
    return true;
  }

  function stringify(v) {
    try {
      return `${JSON.stringify(v)}`;
    } catch (e) {
      try {
        if (e instanceof P.TypeError && /circular|cyclic/i.test(`${e.message}`)) return '[Circular]';
      } catch { /* fall through */ }
      return '[Unserializable]';
    }
  }

  // util.format: printf-like %s %d %i %f %j %o %O %c %%, the rest appended. Never throws.
  function format(args) {
    const first = args[0];
    let a = 0;
    let str = '';
    let sep = '';
    if (typeof first === 'string') {
      if (args.length === 1) return first;
      let tempStr;
      let lastPos = 0;
      for (let i = 0; i < first.length - 1; i++) {
        if (first.charCodeAt(i) !== 37) continue;
        const next = first.charCodeAt(++i);
        if (a + 1 !== args.length) {
          switch (next) {
            case 115: { // s
              const arg = args[++a];
              if (typeof arg === 'number') tempStr = formatNumber(arg);
              else if (typeof arg === 'bigint') tempStr = `${arg}n`;
              else if (typeof arg === 'symbol') tempStr = symToString(arg);
              else if ((typeof arg !== 'object' && typeof arg !== 'function') || arg === null ||
                       !hasBuiltInToString(arg)) {
                try { tempStr = String(arg); } catch { tempStr = inspect(arg, { depth: 0 }); }
              } else {
                tempStr = inspect(arg, { depth: 0 });
              }
              break;
            }
            case 106: tempStr = stringify(args[++a]); break; // j
            case 100: { // d
              const arg = args[++a];
              if (typeof arg === 'bigint') tempStr = `${arg}n`;
              else if (typeof arg === 'symbol') tempStr = 'NaN';
              else { try { tempStr = formatNumber(Number(arg)); } catch { tempStr = 'NaN'; } }
              break;
            }
            case 79: tempStr = inspect(args[++a]); break; // O
            case 111: tempStr = inspect(args[++a], { depth: 4 }); break; // o
            case 105: { // i
              const arg = args[++a];
              if (typeof arg === 'bigint') tempStr = `${arg}n`;
              else if (typeof arg === 'symbol') tempStr = 'NaN';
              else { try { tempStr = formatNumber(parseInt(arg)); } catch { tempStr = 'NaN'; } }
              break;
            }
            case 102: { // f
              const arg = args[++a];
              if (typeof arg === 'symbol') tempStr = 'NaN';
              else { try { tempStr = formatNumber(parseFloat(arg)); } catch { tempStr = 'NaN'; } }
              break;
            }
            case 99: a += 1; tempStr = ''; break; // c
            case 37: str += strSlice(first, lastPos, i); lastPos = i + 1; continue; // %
            default: continue;
          }
          if (lastPos !== i - 1) str += strSlice(first, lastPos, i - 1);
          str += tempStr;
          lastPos = i + 1;
        } else if (next === 37) {
          str += strSlice(first, lastPos, i);
          lastPos = i + 1;
        }
      }
      if (lastPos !== 0) {
        a++;
        sep = ' ';
        if (lastPos < first.length) str += strSlice(first, lastPos);
      }
    }
    while (a < args.length) {
      const v = args[a];
      str += sep;
      str += typeof v !== 'string' ? inspect(v) : v;
      sep = ' ';
      a++;
      if (str.length > BUDGET * 2) break;
    }
    return str;
  }

  return { __proto__: null, '%inspect': { __proto__: null, inspect, format, formatError } };
})
