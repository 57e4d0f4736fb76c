// why: a wasm import the guest does not provide cannot bind to anything of the host
// expect: {"ok": true, "resultMatch": "^(LinkError|TypeError)"}
export default () => { const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,4,1,96,0,0,2,13,1,3,101,110,118,5,104,111,115,116,102,0,0]); try { new WebAssembly.Instance(new WebAssembly.Module(bytes), {}); return 'instantiated' } catch (e) { return e.name } }
