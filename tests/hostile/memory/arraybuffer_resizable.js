// expect: {"ok": true, "resultMatch": "^(RangeError|TypeError|grown)$"}
export default () => { try { const b = new ArrayBuffer(1, { maxByteLength: 2 ** 40 }); b.resize(2 ** 39); return 'grown' } catch (e) { return e.name } }
