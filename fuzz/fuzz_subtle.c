/* libFuzzer target for the key parsing of crypto.subtle (src/webapi/subtle.c): guest bytes
 * as SPKI, PKCS #8 or raw key parts of each kind. Whatever is accepted must survive a round
 * trip (key_to_der then key_from_der gives the same parts) and, for a private key, sign
 * something that its public part verifies. The first input byte picks the kind and format
 * (bit 4 set: RSA, as DER or packed JWK components; then the same checks).
 * Build: see docs/internals/subtle.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "engine/engine.h"
#include "webapi/subtle.h"

static dw__vm *vm;
static dw__ctx *ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static dw_val str(const char *s) { return dw__string(ctx, s, strlen(s)); }

static dw_val buf(const void *p, size_t n) {
  dw_val exc = NULL;
  dw_val v = dw__array_buffer(ctx, p, n, &exc);
  if (!v) abort();
  return v;
}

/* Runs one op. An exception is a bug unless `may_throw` (key data over its size cap is a
 * RangeError by design); then it reads as undefined. */
static dw_val op(size_t argc, const dw_val *argv, bool may_throw) {
  dw_val exc = NULL;
  dw_val r = dw__subtle_op(ctx, argc, argv, &exc);
  if (exc && !may_throw) abort();
  return exc ? dw__undefined(ctx) : r;
}

/* RSA: DER (bit 2: private) or packed JWK components (bit 3). */
static int rsa_one(const uint8_t *data, size_t size) {
  bool priv = data[0] & 4, jwk = data[0] & 8;
  dw_val input = buf(data + 1, size - 1);
  dw_val der;
  if (jwk) {
    dw_val a[] = {str("rsa_from_jwk"), input};
    der = op(2, a, true);
  } else {
    dw_val a[] = {str("rsa_from_der"), input, dw__bool(ctx, priv)};
    der = op(3, a, true);
  }
  if (dw__is_undefined(ctx, der)) return 0;
  size_t n = 0;
  const uint8_t *p = dw__bytes(ctx, der, &n);
  if (!p) abort();
  /* From packed components the DER is PKCS #8 or SPKI: whichever reads. */
  bool is_priv = priv;
  dw_val a1[] = {str("rsa_to_jwk"), der, dw__bool(ctx, is_priv), dw__bool(ctx, true)};
  dw_val parts = op(4, a1, false);
  if (jwk && dw__is_undefined(ctx, parts)) {
    is_priv = !is_priv;
    a1[2] = dw__bool(ctx, is_priv);
    parts = op(4, a1, false);
  }
  if (dw__is_undefined(ctx, parts)) abort();
  dw_val a2[] = {str("rsa_from_jwk"), parts};
  dw_val again = op(2, a2, false);
  size_t m = 0;
  const uint8_t *q = dw__is_undefined(ctx, again) ? NULL : dw__bytes(ctx, again, &m);
  p = dw__bytes(ctx, der, &n);
  if (!q || m != n || memcmp(p, q, n) != 0) abort(); /* DER -> JWK -> DER is exact */
  if (is_priv) {
    dw_val a3[] = {str("rsa_public"), der};
    dw_val spki = op(2, a3, false);
    dw_val msg = buf(data, size < 32 ? size : 32), hash = str("SHA-256");
    dw_val a4[] = {str("rsa_sign"), dw__bool(ctx, false), hash, der, msg, dw__number(ctx, 0)};
    dw_val sig = op(6, a4, false);
    if (dw__is_undefined(ctx, spki) || dw__is_undefined(ctx, sig)) abort();
    dw_val a5[] = {str("rsa_verify"), dw__bool(ctx, false), hash, spki, msg, sig, dw__number(ctx, 0)};
    if (!dw__to_bool(ctx, op(7, a5, false))) abort();
  }
  return 0;
}

static const char *const kinds[] = {"P-256", "P-384", "P-521", "Ed25519"};
static const size_t pub_len[] = {65, 97, 133, 32};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!vm) {
    dw__engine_init();
    vm = dw__vm_new(false);
    ctx = dw__ctx_new(vm, false);
    if (!ctx) abort();
  }
  if (size < 1 || size > 4096) return 0;
  if (data[0] & 16) return rsa_one(data, size);
  size_t ki = data[0] & 3, format = (data[0] >> 2) & 3;
  dw_val kind = str(kinds[ki]), undef = dw__undefined(ctx);
  dw_val input = buf(data + 1, size - 1);
  dw_val parts;
  if (format == 0 || format == 1) { /* spki, pkcs8 */
    dw_val a[] = {str("key_from_der"), kind, input, dw__bool(ctx, format == 1)};
    parts = op(4, a, true);
  } else if (format == 2) { /* raw public */
    dw_val a[] = {str("key_from_raw"), kind, input, undef};
    parts = op(4, a, true);
  } else { /* raw private */
    dw_val a[] = {str("key_from_raw"), kind, undef, input};
    parts = op(4, a, true);
  }
  if (dw__is_undefined(ctx, parts)) return 0;
  size_t n = 0;
  const uint8_t *p = dw__bytes(ctx, parts, &n);
  if (!p || n < pub_len[ki]) abort();
  uint8_t copy[1 + 2 * 66 + 66];
  if (n > sizeof copy) abort();
  memcpy(copy, p, n);
  size_t npub = pub_len[ki], npriv = n - npub;
  dw_val pub = buf(copy, npub), priv = npriv ? buf(copy + npub, npriv) : undef;
  dw_val a1[] = {str("key_to_der"), kind, pub, priv};
  dw_val der = op(4, a1, false);
  if (dw__is_undefined(ctx, der)) abort(); /* an accepted key must encode */
  dw_val a2[] = {str("key_from_der"), kind, der, dw__bool(ctx, npriv != 0)};
  dw_val again = op(4, a2, false);
  size_t m = 0;
  const uint8_t *q = dw__is_undefined(ctx, again) ? NULL : dw__bytes(ctx, again, &m);
  if (!q || m != n || memcmp(q, copy, n) != 0) abort(); /* the round trip is exact */
  if (npriv) {
    dw_val msg = buf(data, size < 32 ? size : 32);
    dw_val hash = ki < 3 ? str("SHA-256") : undef;
    dw_val a3[] = {str("sign"), kind, hash, pub, priv, msg};
    dw_val sig = op(6, a3, false);
    if (dw__is_undefined(ctx, sig)) abort();
    dw_val a4[] = {str("verify"), kind, hash, pub, msg, sig};
    if (!dw__to_bool(ctx, op(6, a4, false))) abort(); /* our own signature must verify */
  }
  return 0;
}
