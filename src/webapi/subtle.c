/* The stateless operations behind crypto.subtle, done by OpenSSL 3 (libcrypto only).
 *
 * js/subtle.js does the WebCrypto semantics (algorithm normalisation, usages, formats, JWK,
 * DOMExceptions); this file only computes. Key material arrives as bytes on every call:
 * symmetric keys raw; EC keys as the uncompressed public point and the private scalar
 * (big-endian, padded to the field size); Ed25519 keys as their 32-byte raw forms. Each
 * operation builds the OpenSSL objects it needs and frees them before returning, so no C
 * object is tied to the lifetime of a JS value.
 *
 * Threat: the arguments come from our own JS, but everything in them was chosen by the guest
 * (sizes, key bytes, DER). Every buffer is bounded, every DER input must be consumed exactly,
 * every EC point is checked on its curve, and OpenSSL's error queue is emptied after each
 * operation. OpenSSL's configuration file is never read (OPENSSL_INIT_NO_LOAD_CONFIG): a
 * sandbox must not depend on, or open, files of the host. */
#include <stdio.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include "webapi/subtle.h"

typedef struct {
  dw__ctx *c;
  size_t argc;
  const dw_val *argv;
  dw_val *exc;
} call;

static dw_val arg(const call *k, size_t i) {
  return i < k->argc ? k->argv[i] : dw__undefined(k->c);
}

/* Sets a TypeError/RangeError (unless one is set) and returns NULL, for "return bad(...)". */
static dw_val bad(const call *k, const char *kind, const char *msg) {
  if (!*k->exc) *k->exc = dw__make_error(k->c, kind, msg);
  return NULL;
}

/* A borrowed byte range of an argument. */
typedef struct {
  const unsigned char *p;
  size_t n;
} bytes;

/* Reads argument i as an ArrayBuffer or view of at most `max` bytes. `optional`: undefined
 * reads as empty. False with *exc set otherwise. */
static bool get_bytes(const call *k, size_t i, size_t max, bool optional, bytes *out) {
  static const unsigned char empty[1];
  dw_val v = arg(k, i);
  out->p = empty;
  out->n = 0;
  if (optional && dw__is_undefined(k->c, v)) return true;
  size_t n = SIZE_MAX;
  const unsigned char *p = dw__bytes(k->c, v, &n);
  if (!p && n == SIZE_MAX) return bad(k, "TypeError", "subtle: expected a BufferSource"), false;
  if (n > max) {
    char msg[96];
    snprintf(msg, sizeof msg, "subtle: an input of %zu bytes is over the limit of %zu bytes", n, max);
    bad(k, "RangeError", msg);
    return false;
  }
  out->p = p ? p : empty;
  out->n = n;
  return true;
}

/* Copies a short string argument (names of hashes, curves, ...) into buf. */
static bool get_name(const call *k, size_t i, char *buf, size_t size) {
  dw_val v = arg(k, i);
  if (!dw__is_string(k->c, v)) return bad(k, "TypeError", "subtle: expected a name"), false;
  size_t n = 0;
  char *s = dw__to_utf8(k->c, v, &n, k->exc);
  if (!s) return bad(k, "RangeError", "out of memory"), false;
  bool ok = n < size;
  if (ok) memcpy(buf, s, n + 1);
  free(s);
  if (!ok) bad(k, "TypeError", "subtle: unknown name");
  return ok;
}

static bool get_uint(const call *k, size_t i, double max, size_t *out) {
  dw_val v = arg(k, i);
  double d = dw__is_number(k->c, v) ? dw__to_number(k->c, v) : -1;
  if (!(d >= 0 && d <= max && d == (double)(size_t)d))
    return bad(k, "TypeError", "subtle: expected an integer in range"), false;
  *out = (size_t)d;
  return true;
}

static dw_val ab(const call *k, const void *p, size_t n) {
  return dw__array_buffer(k->c, n ? p : "", n, k->exc);
}

static const EVP_MD *hash_md(const call *k, size_t i) {
  char name[16];
  if (!get_name(k, i, name, sizeof name)) return NULL;
  if (!strcmp(name, "SHA-1")) return EVP_sha1();
  if (!strcmp(name, "SHA-256")) return EVP_sha256();
  if (!strcmp(name, "SHA-384")) return EVP_sha384();
  if (!strcmp(name, "SHA-512")) return EVP_sha512();
  bad(k, "TypeError", "subtle: unknown hash");
  return NULL;
}

/* ---- Hashes, HMAC, comparison ------------------------------------------------------------ */

/* ("digest", hash, data) -> ArrayBuffer */
static dw_val op_digest(const call *k) {
  const EVP_MD *md = hash_md(k, 1);
  bytes d;
  if (!md || !get_bytes(k, 2, DW_SUBTLE_DATA_MAX, false, &d)) return NULL;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!EVP_Digest(d.p, d.n, out, &n, md, NULL)) return dw__undefined(k->c);
  return ab(k, out, n);
}

static bool hmac(const call *k, unsigned char *out, unsigned int *n) {
  const EVP_MD *md = hash_md(k, 1);
  bytes key, d;
  if (!md || !get_bytes(k, 2, DW_SUBTLE_KEY_MAX, false, &key) ||
      !get_bytes(k, 3, DW_SUBTLE_DATA_MAX, false, &d))
    return false;
  return HMAC(md, key.p, (int)key.n, d.p, d.n, out, n) != NULL;
}

/* ("hmac", hash, key, data) -> ArrayBuffer */
static dw_val op_hmac(const call *k) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!hmac(k, out, &n)) return *k->exc ? NULL : dw__undefined(k->c);
  return ab(k, out, n);
}

/* ("hmac_verify", hash, key, data, signature) -> boolean, compared in constant time */
static dw_val op_hmac_verify(const call *k) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  bytes sig;
  if (!get_bytes(k, 4, DW_SUBTLE_DATA_MAX, false, &sig)) return NULL;
  if (!hmac(k, out, &n)) return *k->exc ? NULL : dw__undefined(k->c);
  return dw__bool(k->c, sig.n == n && CRYPTO_memcmp(out, sig.p, n) == 0);
}

/* ("equal", a, b) -> boolean: same length and same bytes, in time independent of the bytes */
static dw_val op_equal(const call *k) {
  bytes a, b;
  if (!get_bytes(k, 1, DW_SUBTLE_DATA_MAX, false, &a) ||
      !get_bytes(k, 2, DW_SUBTLE_DATA_MAX, false, &b))
    return NULL;
  return dw__bool(k->c, a.n == b.n && CRYPTO_memcmp(a.p, b.p, a.n) == 0);
}

/* ("copy", value) -> a new ArrayBuffer with the bytes of a BufferSource, or undefined when
 * the value is not one. How the JS side takes a private copy of guest buffers without calling
 * anything the guest can replace. */
static dw_val op_copy(const call *k) {
  size_t n = SIZE_MAX;
  const unsigned char *p = dw__bytes(k->c, arg(k, 1), &n);
  if (!p && n == SIZE_MAX) return dw__undefined(k->c);
  if (n > DW_SUBTLE_DATA_MAX) return bad(k, "RangeError", "subtle: data larger than 64 MiB is not supported");
  return ab(k, p, n);
}

/* ---- AES-GCM --------------------------------------------------------------------------- */

/* ("aes_gcm", encrypt, key, iv, additionalData | undefined, tagBytes, data) -> ArrayBuffer
 * (ciphertext || tag, or plaintext), or undefined when decryption fails authentication or
 * the parameters are unsupported (iv over 128 bytes). */
static dw_val op_aes_gcm(const call *k) {
  bool enc = dw__to_bool(k->c, arg(k, 1));
  bytes key, iv, aad, d;
  size_t tag = 0;
  if (!get_bytes(k, 2, 32, false, &key) || !get_bytes(k, 3, DW_SUBTLE_DATA_MAX, false, &iv) ||
      !get_bytes(k, 4, DW_SUBTLE_DATA_MAX, true, &aad) || !get_uint(k, 5, 16, &tag) ||
      !get_bytes(k, 6, DW_SUBTLE_DATA_MAX, false, &d))
    return NULL;
  const EVP_CIPHER *cipher = key.n == 16 ? EVP_aes_128_gcm()
                             : key.n == 24 ? EVP_aes_192_gcm()
                             : key.n == 32 ? EVP_aes_256_gcm()
                                           : NULL;
  if (!cipher || tag < 4 || iv.n == 0 || iv.n > 128 || (!enc && d.n < tag))
    return dw__undefined(k->c);
  size_t body = enc ? d.n : d.n - tag;
  size_t outn = enc ? d.n + tag : body;
  unsigned char *out = malloc(outn ? outn : 1);
  EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
  dw_val r = NULL;
  int len = 0, fin = 0;
  if (!out || !x) {
    bad(k, "RangeError", "out of memory");
    goto out;
  }
  r = dw__undefined(k->c);
  if (EVP_CipherInit_ex(x, cipher, NULL, NULL, NULL, enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, (int)iv.n, NULL) != 1 ||
      EVP_CipherInit_ex(x, NULL, NULL, key.p, iv.p, enc) != 1)
    goto out;
  if (!enc && EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, (int)tag, (void *)(d.p + body)) != 1)
    goto out;
  /* Fed in chunks: EVP lengths are ints. */
  for (size_t off = 0; off < aad.n; off += 1 << 20) {
    size_t m = aad.n - off < (1u << 20) ? aad.n - off : 1u << 20;
    if (EVP_CipherUpdate(x, NULL, &len, aad.p + off, (int)m) != 1) goto out;
  }
  size_t done = 0;
  for (size_t off = 0; off < body; off += 1 << 20) {
    size_t m = body - off < (1u << 20) ? body - off : 1u << 20;
    if (EVP_CipherUpdate(x, out + done, &len, d.p + off, (int)m) != 1) goto out;
    done += (size_t)len;
  }
  if (EVP_CipherFinal_ex(x, out + done, &fin) != 1) goto out; /* authentication failure */
  done += (size_t)fin;
  if (enc && EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, (int)tag, out + done) != 1) goto out;
  r = ab(k, out, outn);
out:
  EVP_CIPHER_CTX_free(x);
  if (out) OPENSSL_cleanse(out, outn);
  free(out);
  return r;
}

/* ---- AES-CBC, AES-CTR, AES-KW ---------------------------------------------------------- */

/* Runs a whole buffer through an initialised EVP context in 1 MiB steps (EVP lengths are
 * ints) and finishes it. *outn: bytes written. */
static bool cipher_run(EVP_CIPHER_CTX *x, const unsigned char *in, size_t n, unsigned char *out,
                       size_t *outn) {
  size_t done = 0;
  int len = 0;
  for (size_t off = 0; off < n; off += 1 << 20) {
    size_t m = n - off < (1u << 20) ? n - off : 1u << 20;
    if (EVP_CipherUpdate(x, out + done, &len, in + off, (int)m) != 1) return false;
    done += (size_t)len;
  }
  if (EVP_CipherFinal_ex(x, out + done, &len) != 1) return false;
  *outn = done + (size_t)len;
  return true;
}

static const EVP_CIPHER *aes_cipher(size_t keylen, char mode) {
  switch (mode) {
  case 'b':
    return keylen == 16 ? EVP_aes_128_cbc() : keylen == 24 ? EVP_aes_192_cbc() : keylen == 32 ? EVP_aes_256_cbc() : NULL;
  case 't':
    return keylen == 16 ? EVP_aes_128_ctr() : keylen == 24 ? EVP_aes_192_ctr() : keylen == 32 ? EVP_aes_256_ctr() : NULL;
  default:
    return keylen == 16 ? EVP_aes_128_wrap() : keylen == 24 ? EVP_aes_192_wrap() : keylen == 32 ? EVP_aes_256_wrap() : NULL;
  }
}

/* One run of `cipher` with key and iv over data into out (sized by the caller). */
static bool aes_once(const EVP_CIPHER *cipher, bool enc, bool pad, const unsigned char *key,
                     const unsigned char *iv, const unsigned char *in, size_t n, unsigned char *out,
                     size_t *outn) {
  EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
  bool ok = x && EVP_CipherInit_ex(x, cipher, NULL, key, iv, enc) == 1 &&
            EVP_CIPHER_CTX_set_padding(x, pad) == 1 && cipher_run(x, in, n, out, outn);
  EVP_CIPHER_CTX_free(x);
  return ok;
}

/* ("aes_cbc", encrypt, key, iv, data) -> ArrayBuffer (PKCS #7 padding), or undefined (an iv
 * that is not 16 bytes, bad padding) */
static dw_val op_aes_cbc(const call *k) {
  bool enc = dw__to_bool(k->c, arg(k, 1));
  bytes key, iv, d;
  if (!get_bytes(k, 2, 32, false, &key) || !get_bytes(k, 3, DW_SUBTLE_DATA_MAX, false, &iv) ||
      !get_bytes(k, 4, DW_SUBTLE_DATA_MAX, false, &d))
    return NULL;
  const EVP_CIPHER *cipher = aes_cipher(key.n, 'b');
  if (!cipher || iv.n != 16) return dw__undefined(k->c);
  size_t cap = d.n + 16, n = 0;
  unsigned char *out = malloc(cap);
  if (!out) return bad(k, "RangeError", "out of memory");
  dw_val r = aes_once(cipher, enc, true, key.p, iv.p, d.p, d.n, out, &n) ? ab(k, out, n) : dw__undefined(k->c);
  OPENSSL_clear_free(out, cap);
  return r;
}

/* ("aes_ctr", key, counter, length, data) -> ArrayBuffer, or undefined (a counter that is not
 * 16 bytes, length not in 1..128, more blocks than 2^length). The rightmost `length` bits of
 * the counter block count and wrap to zero without carrying into the rest (OpenSSL's CTR
 * carries, so the data is run in two parts around the wrap). */
static dw_val op_aes_ctr(const call *k) {
  bytes key, ctr, d;
  size_t len = 0;
  if (!get_bytes(k, 1, 32, false, &key) || !get_bytes(k, 2, DW_SUBTLE_DATA_MAX, false, &ctr) ||
      !get_uint(k, 3, 255, &len) || !get_bytes(k, 4, DW_SUBTLE_DATA_MAX, false, &d))
    return NULL;
  const EVP_CIPHER *cipher = aes_cipher(key.n, 't');
  uint64_t blocks = (d.n + 15) / 16;
  if (!cipher || ctr.n != 16 || len == 0 || len > 128 || (len < 64 && blocks > (uint64_t)1 << len))
    return dw__undefined(k->c);
  /* Blocks before the low `len` bits wrap: 2^len - low, or "more than any input". */
  uint64_t low = 0;
  for (int i = 8; i < 16; i++) low = low << 8 | ctr.p[i];
  uint64_t until = UINT64_MAX;
  if (len < 64) {
    until = ((uint64_t)1 << len) - (low & (((uint64_t)1 << len) - 1));
  } else {
    bool upper_ones = true; /* bits 64 .. len-1 all set: the wrap is within 2^64 blocks */
    for (size_t b = 64; b < len; b++) upper_ones &= (ctr.p[15 - b / 8] >> (b % 8)) & 1;
    if (upper_ones && low != 0) until = ~low + 1;
  }
  unsigned char *out = malloc(d.n ? d.n : 1);
  if (!out) return bad(k, "RangeError", "out of memory");
  size_t first = blocks <= until ? d.n : (size_t)until * 16, n1 = 0, n2 = 0;
  bool ok = aes_once(cipher, true, false, key.p, ctr.p, d.p, first, out, &n1);
  if (ok && first < d.n) {
    unsigned char iv[16];
    memcpy(iv, ctr.p, 16);
    for (size_t b = 0; b < len; b++) iv[15 - b / 8] &= (unsigned char)~(1u << (b % 8));
    ok = aes_once(cipher, true, false, key.p, iv, d.p + first, d.n - first, out + n1, &n2);
  }
  dw_val r = ok ? ab(k, out, n1 + n2) : dw__undefined(k->c);
  OPENSSL_clear_free(out, d.n ? d.n : 1);
  return r;
}

/* ("aes_kw", wrap, key, data) -> ArrayBuffer (RFC 3394), or undefined (data not a multiple of
 * 8 bytes of at least 16, or an integrity failure on unwrap) */
static dw_val op_aes_kw(const call *k) {
  bool enc = dw__to_bool(k->c, arg(k, 1));
  bytes key, d;
  if (!get_bytes(k, 2, 32, false, &key) || !get_bytes(k, 3, DW_SUBTLE_KEY_MAX + 8, false, &d))
    return NULL;
  const EVP_CIPHER *cipher = aes_cipher(key.n, 'w');
  if (!cipher || d.n % 8 || d.n < (enc ? 16u : 24u)) return dw__undefined(k->c);
  size_t cap = d.n + 8, n = 0;
  unsigned char *out = malloc(cap);
  if (!out) return bad(k, "RangeError", "out of memory");
  EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
  int len = 0;
  bool ok = x;
  if (ok) EVP_CIPHER_CTX_set_flags(x, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  ok = ok && EVP_CipherInit_ex(x, cipher, NULL, key.p, NULL, enc) == 1 &&
       EVP_CipherUpdate(x, out, &len, d.p, (int)d.n) == 1 && len > 0;
  n = ok ? (size_t)len : 0;
  ok = ok && EVP_CipherFinal_ex(x, out + n, &len) == 1;
  n += ok ? (size_t)len : 0;
  dw_val r = ok ? ab(k, out, n) : dw__undefined(k->c);
  EVP_CIPHER_CTX_free(x);
  OPENSSL_clear_free(out, cap);
  return r;
}

/* ---- Asymmetric keys: NIST curves, Ed25519, X25519 -------------------------------------- */

typedef struct {
  const char *name;  /* WebCrypto's name */
  const char *group; /* OpenSSL's group name; NULL for Ed25519 and X25519 */
  int nid;
  size_t size;      /* bytes of a coordinate / scalar (Ed25519, X25519: key size) */
  const char *okp;  /* OpenSSL's key type of an Ed25519/X25519 key; NULL for EC */
} kind;

static const kind kinds[] = {
    {"P-256", "prime256v1", NID_X9_62_prime256v1, 32, NULL},
    {"P-384", "secp384r1", NID_secp384r1, 48, NULL},
    {"P-521", "secp521r1", NID_secp521r1, 66, NULL},
    {"Ed25519", NULL, NID_ED25519, 32, "ED25519"},
    {"X25519", NULL, NID_X25519, 32, "X25519"},
};

static const kind *get_kind(const call *k, size_t i) {
  char name[16];
  if (!get_name(k, i, name, sizeof name)) return NULL;
  for (size_t j = 0; j < DW_ARRAY_LEN(kinds); j++)
    if (!strcmp(name, kinds[j].name)) return &kinds[j];
  bad(k, "TypeError", "subtle: unknown key kind");
  return NULL;
}

/* Raw parts of a key: public (EC: 0x04 || x || y; Ed25519: 32 bytes) and, for a private
 * key, the private scalar / seed. */
typedef struct {
  unsigned char pub[1 + 2 * 66];
  size_t npub;
  unsigned char priv[66];
  size_t npriv; /* 0: a public key */
} parts;

static void parts_clear(parts *p) { OPENSSL_cleanse(p, sizeof *p); }

/* Validates and normalises the parts of an EC key: a public point in any SEC1 form is checked
 * on the curve and re-encoded uncompressed; a private scalar must be in [1, order), and the
 * public point is derived from it (and must equal a given one). pub may be NULL when priv is
 * given. */
static bool ec_normalize(const kind *kd, const bytes *pub, const bytes *priv, parts *out) {
  bool ok = false;
  EC_GROUP *g = EC_GROUP_new_by_curve_name(kd->nid);
  BN_CTX *bn = BN_CTX_new();
  EC_POINT *q = g ? EC_POINT_new(g) : NULL, *q2 = g ? EC_POINT_new(g) : NULL;
  BIGNUM *d = NULL;
  if (!g || !bn || !q || !q2) goto out;
  if (pub && !EC_POINT_oct2point(g, q, pub->p, pub->n, bn)) goto out;
  if (pub && (EC_POINT_is_at_infinity(g, q) || EC_POINT_is_on_curve(g, q, bn) != 1)) goto out;
  if (priv) {
    if (priv->n != kd->size) goto out;
    d = BN_bin2bn(priv->p, (int)priv->n, NULL);
    if (!d || BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(g)) >= 0) goto out;
    if (!EC_POINT_mul(g, q2, d, NULL, NULL, bn)) goto out;
    if (pub && EC_POINT_cmp(g, q, q2, bn) != 0) goto out;
    if (!EC_POINT_copy(q, q2)) goto out;
    memcpy(out->priv, priv->p, priv->n);
    out->npriv = priv->n;
  } else if (!pub) {
    goto out;
  }
  out->npub = EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, out->pub, sizeof out->pub, bn);
  ok = out->npub == 1 + 2 * kd->size;
out:
  BN_clear_free(d);
  EC_POINT_free(q);
  EC_POINT_free(q2);
  BN_CTX_free(bn);
  EC_GROUP_free(g);
  return ok;
}

/* Ed25519, X25519: the public key derived from a private key must equal a given one. */
static bool ed_normalize(const kind *kd, const bytes *pub, const bytes *priv, parts *out) {
  if (priv) {
    if (priv->n != 32) return false;
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key_ex(NULL, kd->okp, NULL, priv->p, 32);
    size_t n = 32;
    bool ok = pk && EVP_PKEY_get_raw_public_key(pk, out->pub, &n) == 1 && n == 32;
    EVP_PKEY_free(pk);
    if (!ok || (pub && (pub->n != 32 || CRYPTO_memcmp(pub->p, out->pub, 32) != 0))) return false;
    memcpy(out->priv, priv->p, 32);
    out->npriv = 32;
    out->npub = 32;
    return true;
  }
  if (!pub || pub->n != 32) return false;
  memcpy(out->pub, pub->p, 32);
  out->npub = 32;
  return true;
}

static bool normalize(const kind *kd, const bytes *pub, const bytes *priv, parts *out) {
  memset(out, 0, sizeof *out);
  return kd->group ? ec_normalize(kd, pub, priv, out) : ed_normalize(kd, pub, priv, out);
}

/* An EVP_PKEY from normalised parts; NULL on failure. */
static EVP_PKEY *build_pkey(const kind *kd, const parts *p) {
  if (!kd->group) {
    return p->npriv ? EVP_PKEY_new_raw_private_key_ex(NULL, kd->okp, NULL, p->priv, p->npriv)
                    : EVP_PKEY_new_raw_public_key_ex(NULL, kd->okp, NULL, p->pub, p->npub);
  }
  EVP_PKEY *pk = NULL;
  OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  BIGNUM *d = p->npriv ? BN_secure_new() : NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  if (!b || !ctx || (p->npriv && (!d || !BN_bin2bn(p->priv, (int)p->npriv, d)))) goto out;
  if (!OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, kd->group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, p->pub, p->npub) ||
      (d && !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d)))
    goto out;
  params = OSSL_PARAM_BLD_to_param(b);
  if (!params || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pk, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1)
    pk = NULL;
out:
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(b);
  BN_clear_free(d);
  return pk;
}

/* The raw parts of a parsed key of kind kd (type and curve checked), normalised. */
static bool pkey_parts(const kind *kd, EVP_PKEY *pk, bool priv, parts *out) {
  unsigned char pubb[1 + 2 * 66], privb[66];
  size_t npub = 0, npriv = 0;
  bool ok = false;
  BIGNUM *x = NULL, *y = NULL, *d = NULL;
  if (!kd->group) {
    npub = npriv = 32;
    if (!EVP_PKEY_is_a(pk, kd->okp) || EVP_PKEY_get_raw_public_key(pk, pubb, &npub) != 1 ||
        (priv && EVP_PKEY_get_raw_private_key(pk, privb, &npriv) != 1))
      goto out;
  } else {
    char group[32];
    if (!EVP_PKEY_is_a(pk, "EC") ||
        !EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) ||
        strcmp(group, kd->group) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, &y) ||
        BN_bn2binpad(x, pubb + 1, (int)kd->size) < 0 ||
        BN_bn2binpad(y, pubb + 1 + kd->size, (int)kd->size) < 0)
      goto out;
    pubb[0] = 0x04;
    npub = 1 + 2 * kd->size;
    if (priv) {
      if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d) ||
          BN_bn2binpad(d, privb, (int)kd->size) < 0)
        goto out;
      npriv = kd->size;
    }
  }
  bytes pb = {pubb, npub}, vb = {privb, npriv};
  ok = normalize(kd, &pb, priv ? &vb : NULL, out);
out:
  BN_free(x);
  BN_free(y);
  BN_clear_free(d);
  OPENSSL_cleanse(privb, sizeof privb);
  return ok;
}

/* The parts as one new ArrayBuffer, public || private. (Not an object of two buffers: filling
 * one from here assigns, and a setter the guest put on Object.prototype would see key bytes.) */
static dw_val parts_value(const call *k, const parts *p) {
  unsigned char both[sizeof p->pub + sizeof p->priv];
  memcpy(both, p->pub, p->npub);
  memcpy(both + p->npub, p->priv, p->npriv);
  dw_val r = ab(k, both, p->npub + p->npriv);
  OPENSSL_cleanse(both, sizeof both);
  return r;
}

/* Reads the kind at argument ik and (pub | undefined, priv | undefined) at ip, ip + 1, and
 * normalises them. False with *exc set for malformed arguments, false without for invalid
 * keys. */
static bool get_parts(const call *k, size_t ik, size_t ip, const kind **kd, parts *p) {
  bytes pub, priv;
  memset(p, 0, sizeof *p);
  if (!(*kd = get_kind(k, ik)) || !get_bytes(k, ip, 1 + 2 * 66, true, &pub) ||
      !get_bytes(k, ip + 1, 66, true, &priv))
    return false;
  bool has_pub = !dw__is_undefined(k->c, arg(k, ip));
  bool has_priv = !dw__is_undefined(k->c, arg(k, ip + 1));
  return normalize(*kd, has_pub ? &pub : NULL, has_priv ? &priv : NULL, p);
}

/* ("key_from_raw", kind, pub | undefined, priv | undefined) -> pub || priv normalised, or
 * undefined when not a valid key (point off the curve, public not matching private, ...) */
static dw_val op_key_from_raw(const call *k) {
  const kind *kd = NULL;
  parts p;
  dw_val r = get_parts(k, 1, 2, &kd, &p) ? parts_value(k, &p) : *k->exc ? NULL : dw__undefined(k->c);
  parts_clear(&p);
  return r;
}

/* ("key_from_der", kind, der, private) -> pub || priv: SubjectPublicKeyInfo (private false)
 * or PKCS #8 PrivateKeyInfo of that kind and curve, or undefined when it is not one. */
static dw_val op_key_from_der(const call *k) {
  const kind *kd = get_kind(k, 1);
  bytes der;
  if (!kd || !get_bytes(k, 2, DW_SUBTLE_KEY_MAX, false, &der)) return NULL;
  bool priv = dw__to_bool(k->c, arg(k, 3));
  const unsigned char *q = der.p;
  EVP_PKEY *pk = NULL;
  PKCS8_PRIV_KEY_INFO *p8 = NULL;
  if (priv) {
    p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &q, (long)der.n);
    if (p8 && q == der.p + der.n) pk = EVP_PKCS82PKEY(p8);
  } else {
    pk = d2i_PUBKEY(NULL, &q, (long)der.n);
    if (pk && q != der.p + der.n) {
      EVP_PKEY_free(pk);
      pk = NULL;
    }
  }
  parts p;
  memset(&p, 0, sizeof p);
  dw_val r = pk && pkey_parts(kd, pk, priv, &p) ? parts_value(k, &p) : dw__undefined(k->c);
  parts_clear(&p);
  EVP_PKEY_free(pk);
  PKCS8_PRIV_KEY_INFO_free(p8);
  return r;
}

/* ("key_to_der", kind, pub, priv | undefined) -> ArrayBuffer: SPKI for a public key, PKCS #8
 * for a private one */
static dw_val op_key_to_der(const call *k) {
  const kind *kd = NULL;
  parts p;
  if (!get_parts(k, 1, 2, &kd, &p)) {
    parts_clear(&p);
    return *k->exc ? NULL : dw__undefined(k->c);
  }
  EVP_PKEY *pk = build_pkey(kd, &p);
  PKCS8_PRIV_KEY_INFO *p8 = NULL;
  unsigned char *der = NULL;
  int n = -1;
  if (pk && p.npriv) {
    p8 = EVP_PKEY2PKCS8(pk);
    if (p8) n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
  } else if (pk) {
    n = i2d_PUBKEY(pk, &der);
  }
  dw_val r = n > 0 ? ab(k, der, (size_t)n) : dw__undefined(k->c);
  if (n > 0) OPENSSL_clear_free(der, (size_t)n);
  PKCS8_PRIV_KEY_INFO_free(p8);
  EVP_PKEY_free(pk);
  parts_clear(&p);
  return r;
}

/* ("generate", kind) -> pub || priv of a new key pair */
static dw_val op_generate(const call *k) {
  const kind *kd = get_kind(k, 1);
  if (!kd) return NULL;
  EVP_PKEY *pk = kd->group ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", kd->group)
                           : EVP_PKEY_Q_keygen(NULL, NULL, kd->okp);
  parts p;
  memset(&p, 0, sizeof p);
  dw_val r = pk && pkey_parts(kd, pk, true, &p) ? parts_value(k, &p)
                                                 : bad(k, "Error", "subtle: key generation failed");
  parts_clear(&p);
  EVP_PKEY_free(pk);
  return r;
}

/* ("sign", kind, hash | undefined, pub, priv, data) -> ArrayBuffer: ECDSA in IEEE P1363 form
 * (r || s, each padded to the field size), or Ed25519 (64 bytes) */
static dw_val op_sign(const call *k) {
  const kind *kd = NULL;
  parts p;
  bytes d;
  const EVP_MD *md = NULL;
  memset(&p, 0, sizeof p);
  if (!get_bytes(k, 5, DW_SUBTLE_DATA_MAX, false, &d)) return NULL;
  if (!dw__is_undefined(k->c, arg(k, 2)) && !(md = hash_md(k, 2))) return NULL;
  if (!get_parts(k, 1, 3, &kd, &p) || !p.npriv) {
    parts_clear(&p);
    return *k->exc ? NULL : dw__undefined(k->c);
  }
  EVP_PKEY *pk = build_pkey(kd, &p);
  EVP_MD_CTX *m = EVP_MD_CTX_new();
  unsigned char sig[256], out[2 * 66];
  size_t n = sizeof sig;
  ECDSA_SIG *es = NULL;
  dw_val r = dw__undefined(k->c);
  if (!pk || !m || (kd->group && !md) || EVP_DigestSignInit(m, NULL, kd->group ? md : NULL, NULL, pk) != 1 ||
      EVP_DigestSign(m, sig, &n, d.p, d.n) != 1)
    goto out;
  if (!kd->group) {
    r = ab(k, sig, n);
    goto out;
  }
  const unsigned char *q = sig;
  const BIGNUM *br, *bs;
  if (!(es = d2i_ECDSA_SIG(NULL, &q, (long)n))) goto out;
  ECDSA_SIG_get0(es, &br, &bs);
  if (BN_bn2binpad(br, out, (int)kd->size) < 0 || BN_bn2binpad(bs, out + kd->size, (int)kd->size) < 0)
    goto out;
  r = ab(k, out, 2 * kd->size);
out:
  ECDSA_SIG_free(es);
  EVP_MD_CTX_free(m);
  EVP_PKEY_free(pk);
  parts_clear(&p);
  return r;
}

/* ("verify", kind, hash | undefined, pub, data, signature) -> boolean (false for a signature
 * of the wrong length); undefined when the public key is invalid */
static dw_val op_verify(const call *k) {
  const kind *kd = NULL;
  parts p;
  bytes d, s;
  const EVP_MD *md = NULL;
  memset(&p, 0, sizeof p);
  if (!get_bytes(k, 4, DW_SUBTLE_DATA_MAX, false, &d) || !get_bytes(k, 5, DW_SUBTLE_DATA_MAX, false, &s))
    return NULL;
  if (!dw__is_undefined(k->c, arg(k, 2)) && !(md = hash_md(k, 2))) return NULL;
  /* Only the public part is used (argument 3; no private part). */
  bytes pub;
  if (!(kd = get_kind(k, 1)) || !get_bytes(k, 3, 1 + 2 * 66, false, &pub)) return NULL;
  if (!normalize(kd, &pub, NULL, &p)) return dw__undefined(k->c);
  if (s.n != 2 * kd->size) return dw__bool(k->c, false);
  EVP_PKEY *pk = build_pkey(kd, &p);
  EVP_MD_CTX *m = EVP_MD_CTX_new();
  ECDSA_SIG *es = NULL;
  BIGNUM *br = NULL, *bs = NULL;
  unsigned char *der = NULL;
  int dn = 0;
  dw_val r = dw__undefined(k->c);
  if (!pk || !m || (kd->group && !md)) goto out;
  const unsigned char *sp = s.p;
  size_t sn = s.n;
  if (kd->group) {
    es = ECDSA_SIG_new();
    br = BN_bin2bn(s.p, (int)kd->size, NULL);
    bs = BN_bin2bn(s.p + kd->size, (int)kd->size, NULL);
    if (!es || !br || !bs || !ECDSA_SIG_set0(es, br, bs)) goto out;
    br = bs = NULL; /* owned by es */
    if ((dn = i2d_ECDSA_SIG(es, &der)) <= 0) goto out;
    sp = der;
    sn = (size_t)dn;
  }
  if (EVP_DigestVerifyInit(m, NULL, kd->group ? md : NULL, NULL, pk) != 1) goto out;
  r = dw__bool(k->c, EVP_DigestVerify(m, sp, sn, d.p, d.n) == 1);
out:
  OPENSSL_free(der);
  BN_free(br);
  BN_free(bs);
  ECDSA_SIG_free(es);
  EVP_MD_CTX_free(m);
  EVP_PKEY_free(pk);
  return r;
}

/* ("ecdh", kind, pub, priv, peerPub) -> the shared secret (EC: the x coordinate, padded to
 * the field size; X25519: 32 bytes), or undefined (X25519: an all-zero secret, from a
 * small-order peer key) */
static dw_val op_ecdh(const call *k) {
  const kind *kd = NULL;
  parts me, peer;
  memset(&peer, 0, sizeof peer);
  bytes pb;
  dw_val r = NULL;
  EVP_PKEY *a = NULL, *b = NULL;
  EVP_PKEY_CTX *x = NULL;
  unsigned char secret[66];
  size_t n = sizeof secret;
  if (!get_parts(k, 1, 2, &kd, &me) || !me.npriv) {
    r = *k->exc ? NULL : dw__undefined(k->c);
    goto out;
  }
  if (!get_bytes(k, 4, 1 + 2 * 66, false, &pb)) goto out;
  r = dw__undefined(k->c);
  if (!normalize(kd, &pb, NULL, &peer)) goto out;
  a = build_pkey(kd, &me);
  b = build_pkey(kd, &peer);
  x = a ? EVP_PKEY_CTX_new_from_pkey(NULL, a, NULL) : NULL;
  if (!b || !x || EVP_PKEY_derive_init(x) != 1 || EVP_PKEY_derive_set_peer(x, b) != 1 ||
      EVP_PKEY_derive(x, secret, &n) != 1 || n != kd->size)
    goto out;
  unsigned char any = 0;
  for (size_t i = 0; i < n; i++) any |= secret[i];
  if (any) r = ab(k, secret, n);
out:
  OPENSSL_cleanse(secret, sizeof secret);
  EVP_PKEY_CTX_free(x);
  EVP_PKEY_free(a);
  EVP_PKEY_free(b);
  parts_clear(&me);
  parts_clear(&peer);
  return r;
}

/* ---- RSA (RSASSA-PKCS1-v1_5, RSA-PSS, RSA-OAEP) ---------------------------------------------- */

/* RSA keys travel as DER: PKCS #8 for a private key, SPKI for a public one, both as OpenSSL
 * re-encoded them. JWK components travel packed in one buffer: for each of n, e (and d, p, q,
 * dp, dq, qi for a private key), a 4-byte big-endian length and the big-endian bytes. */
#define RSA_MIN_BITS 1024
#define RSA_MAX_BITS 8192
#define RSA_GEN_MAX_BITS 4096

static const char *const rsa_params[] = {
    OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,         OSSL_PKEY_PARAM_RSA_D,
    OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
    OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

/* Parses DER of an RSA key (rsaEncryption only) of a supported size; NULL otherwise. */
static EVP_PKEY *rsa_parse(const bytes *der, bool priv) {
  const unsigned char *q = der->p;
  EVP_PKEY *pk = NULL;
  if (priv) {
    PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &q, (long)der->n);
    if (p8 && q == der->p + der->n) pk = EVP_PKCS82PKEY(p8);
    PKCS8_PRIV_KEY_INFO_free(p8);
  } else {
    pk = d2i_PUBKEY(NULL, &q, (long)der->n);
    if (pk && q != der->p + der->n) {
      EVP_PKEY_free(pk);
      pk = NULL;
    }
  }
  int bits = pk ? EVP_PKEY_get_bits(pk) : 0;
  if (pk && (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA || bits < RSA_MIN_BITS || bits > RSA_MAX_BITS)) {
    EVP_PKEY_free(pk);
    pk = NULL;
  }
  return pk;
}

/* DER of pk (PKCS #8 when priv, else SPKI) as a new ArrayBuffer; undefined on failure. */
static dw_val rsa_der(const call *k, EVP_PKEY *pk, bool priv) {
  unsigned char *der = NULL;
  int n = -1;
  if (priv) {
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
    if (p8) n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
    PKCS8_PRIV_KEY_INFO_free(p8);
  } else {
    n = i2d_PUBKEY(pk, &der);
  }
  dw_val r = n > 0 ? ab(k, der, (size_t)n) : dw__undefined(k->c);
  if (n > 0) OPENSSL_clear_free(der, (size_t)n);
  return r;
}

/* Checks a parsed key cheaply (OpenSSL's own checks test the primes: seconds for an 8192-bit
 * key, inside one native call). Public: n odd, 1 < e < n, e odd. Private: n = p q, and d, dp,
 * dq, qi consistent with them, so that no CRT fault can come out of a malformed key. */
static bool rsa_check(EVP_PKEY *pk, bool priv) {
  BIGNUM *v[DW_ARRAY_LEN(rsa_params)] = {0};
  BIGNUM *t = BN_new(), *u = BN_new();
  BN_CTX *bn = BN_CTX_new();
  bool ok = false;
  size_t count = priv ? DW_ARRAY_LEN(rsa_params) : 2;
  if (!t || !u || !bn) goto out;
  for (size_t i = 0; i < count; i++)
    if (!EVP_PKEY_get_bn_param(pk, rsa_params[i], &v[i])) goto out;
  BIGNUM *n = v[0], *e = v[1];
  if (!BN_is_odd(n) || !BN_is_odd(e) || BN_is_one(e) || BN_cmp(e, n) >= 0) goto out;
  if (priv) {
    BIGNUM *d = v[2], *p = v[3], *q = v[4], *dp = v[5], *dq = v[6], *qi = v[7];
    /* n = p q */
    if (!BN_mul(t, p, q, bn) || BN_cmp(t, n) != 0) goto out;
    /* dp = d mod (p - 1), e dp = 1 mod (p - 1); the same for q */
    BIGNUM *f[2] = {p, q}, *df[2] = {dp, dq};
    for (int i = 0; i < 2; i++) {
      if (!BN_sub(u, f[i], BN_value_one()) || !BN_mod(t, d, u, bn) || BN_cmp(t, df[i]) != 0 ||
          !BN_mod_mul(t, e, df[i], u, bn) || !BN_is_one(t))
        goto out;
    }
    /* qi q = 1 mod p */
    if (!BN_mod_mul(t, qi, q, p, bn) || !BN_is_one(t)) goto out;
  }
  ok = true;
out:
  for (size_t i = 0; i < DW_ARRAY_LEN(v); i++) BN_clear_free(v[i]);
  BN_clear_free(t);
  BN_clear_free(u);
  BN_CTX_free(bn);
  return ok;
}

/* ("rsa_from_der", der, private) -> the key's DER re-encoded, or undefined when it is not a
 * valid RSA key of 1024..8192 bits */
static dw_val op_rsa_from_der(const call *k) {
  bytes der;
  if (!get_bytes(k, 1, DW_SUBTLE_KEY_MAX, false, &der)) return NULL;
  bool priv = dw__to_bool(k->c, arg(k, 2));
  EVP_PKEY *pk = rsa_parse(&der, priv);
  dw_val r = pk && rsa_check(pk, priv) ? rsa_der(k, pk, priv) : dw__undefined(k->c);
  EVP_PKEY_free(pk);
  return r;
}

/* ("rsa_public", pkcs8) -> the SPKI of a private key's public half */
static dw_val op_rsa_public(const call *k) {
  bytes der;
  if (!get_bytes(k, 1, DW_SUBTLE_KEY_MAX, false, &der)) return NULL;
  EVP_PKEY *pk = rsa_parse(&der, true);
  dw_val r = pk ? rsa_der(k, pk, false) : dw__undefined(k->c);
  EVP_PKEY_free(pk);
  return r;
}

/* ("rsa_generate", bits, publicExponent) -> PKCS #8 of a new key; bits 1024..4096 in steps
 * of 8 and the exponent 3 or 65537 (undefined otherwise) */
static dw_val op_rsa_generate(const call *k) {
  size_t bits = 0;
  bytes e;
  if (!get_uint(k, 1, RSA_MAX_BITS, &bits) || !get_bytes(k, 2, 16, false, &e)) return NULL;
  size_t i = 0;
  while (i < e.n && e.p[i] == 0) i++;
  unsigned long ev = 0;
  for (; i < e.n && ev <= 0xffffff; i++) ev = ev << 8 | e.p[i];
  if (bits < 1024 || bits > RSA_GEN_MAX_BITS || bits % 8 || (ev != 3 && ev != 65537))
    return dw__undefined(k->c);
  EVP_PKEY *pk = NULL;
  EVP_PKEY_CTX *x = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
  BIGNUM *be = BN_new();
  dw_val r = dw__undefined(k->c);
  if (x && be && BN_set_word(be, ev) && EVP_PKEY_keygen_init(x) == 1 &&
      EVP_PKEY_CTX_set_rsa_keygen_bits(x, (int)bits) == 1 &&
      EVP_PKEY_CTX_set1_rsa_keygen_pubexp(x, be) == 1 && EVP_PKEY_generate(x, &pk) == 1)
    r = rsa_der(k, pk, true);
  BN_free(be);
  EVP_PKEY_free(pk);
  EVP_PKEY_CTX_free(x);
  return r;
}

/* ("rsa_from_jwk", packed components) -> DER (PKCS #8 when the private components are
 * there, else SPKI), or undefined when they do not make a valid key */
static dw_val op_rsa_from_jwk(const call *k) {
  bytes in;
  if (!get_bytes(k, 1, DW_SUBTLE_KEY_MAX, false, &in)) return NULL;
  BIGNUM *bn[DW_ARRAY_LEN(rsa_params)] = {0};
  size_t count = 0, off = 0;
  while (off < in.n && count < DW_ARRAY_LEN(rsa_params)) {
    if (in.n - off < 4) break;
    size_t len = (size_t)in.p[off] << 24 | (size_t)in.p[off + 1] << 16 | (size_t)in.p[off + 2] << 8 | in.p[off + 3];
    off += 4;
    if (len > in.n - off || len == 0) break;
    bn[count] = BN_secure_new();
    if (!bn[count] || !BN_bin2bn(in.p + off, (int)len, bn[count])) break;
    count++;
    off += len;
  }
  dw_val r = dw__undefined(k->c);
  bool priv = count == DW_ARRAY_LEN(rsa_params);
  OSSL_PARAM_BLD *b = NULL;
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *x = NULL;
  EVP_PKEY *pk = NULL;
  if (off != in.n || (count != 2 && !priv)) goto out;
  b = OSSL_PARAM_BLD_new();
  if (!b) goto out;
  for (size_t i = 0; i < count; i++)
    if (!OSSL_PARAM_BLD_push_BN(b, rsa_params[i], bn[i])) goto out;
  params = OSSL_PARAM_BLD_to_param(b);
  x = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
  if (!params || !x || EVP_PKEY_fromdata_init(x) != 1 ||
      EVP_PKEY_fromdata(x, &pk, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1)
    goto out;
  int bits = EVP_PKEY_get_bits(pk);
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS || !rsa_check(pk, priv)) goto out;
  r = rsa_der(k, pk, priv);
out:
  EVP_PKEY_free(pk);
  EVP_PKEY_CTX_free(x);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(b);
  for (size_t i = 0; i < DW_ARRAY_LEN(bn); i++) BN_clear_free(bn[i]);
  return r;
}

/* ("rsa_to_jwk", der, private, all) -> packed components: n, e, and when `all` (of a
 * private key) the private ones */
static dw_val op_rsa_to_jwk(const call *k) {
  bytes der;
  if (!get_bytes(k, 1, DW_SUBTLE_KEY_MAX, false, &der)) return NULL;
  bool priv = dw__to_bool(k->c, arg(k, 2));
  EVP_PKEY *pk = rsa_parse(&der, priv);
  size_t count = priv && dw__to_bool(k->c, arg(k, 3)) ? DW_ARRAY_LEN(rsa_params) : 2;
  unsigned char *out = malloc(count * (4 + RSA_MAX_BITS / 8));
  size_t n = 0;
  dw_val r = dw__undefined(k->c);
  if (!pk || !out) goto out;
  for (size_t i = 0; i < count; i++) {
    BIGNUM *v = NULL;
    if (!EVP_PKEY_get_bn_param(pk, rsa_params[i], &v)) goto out;
    int len = BN_num_bytes(v);
    bool fits = len > 0 && len <= RSA_MAX_BITS / 8;
    if (fits) {
      out[n] = (unsigned char)(len >> 24);
      out[n + 1] = (unsigned char)(len >> 16);
      out[n + 2] = (unsigned char)(len >> 8);
      out[n + 3] = (unsigned char)len;
      BN_bn2bin(v, out + n + 4);
      n += 4 + (size_t)len;
    }
    BN_clear_free(v);
    if (!fits) goto out;
  }
  r = ab(k, out, n);
out:
  if (out) OPENSSL_clear_free(out, count * (4 + RSA_MAX_BITS / 8));
  EVP_PKEY_free(pk);
  return r;
}

/* Sets PKCS #1 v1.5 or PSS padding (with the salt length) on a signing context. */
static bool rsa_padding(EVP_PKEY_CTX *pc, bool pss, size_t salt, const EVP_MD *md) {
  if (!pss) return EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1;
  return EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, (int)salt) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pc, md) == 1;
}

/* ("rsa_sign", pss, hash, pkcs8, data, saltLength) -> signature, or undefined (e.g. a salt
 * too long for the key) */
static dw_val op_rsa_sign(const call *k) {
  bool pss = dw__to_bool(k->c, arg(k, 1));
  const EVP_MD *md = hash_md(k, 2);
  bytes der, d;
  size_t salt = 0;
  if (!md || !get_bytes(k, 3, DW_SUBTLE_KEY_MAX, false, &der) ||
      !get_bytes(k, 4, DW_SUBTLE_DATA_MAX, false, &d) || !get_uint(k, 5, RSA_MAX_BITS / 8, &salt))
    return NULL;
  EVP_PKEY *pk = rsa_parse(&der, true);
  EVP_MD_CTX *m = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pc = NULL;
  unsigned char sig[RSA_MAX_BITS / 8];
  size_t n = sizeof sig;
  dw_val r = dw__undefined(k->c);
  if (pk && m && EVP_DigestSignInit(m, &pc, md, NULL, pk) == 1 && rsa_padding(pc, pss, salt, md) &&
      EVP_DigestSign(m, sig, &n, d.p, d.n) == 1)
    r = ab(k, sig, n);
  EVP_MD_CTX_free(m);
  EVP_PKEY_free(pk);
  return r;
}

/* ("rsa_verify", pss, hash, spki, data, signature, saltLength) -> boolean */
static dw_val op_rsa_verify(const call *k) {
  bool pss = dw__to_bool(k->c, arg(k, 1));
  const EVP_MD *md = hash_md(k, 2);
  bytes der, d, s;
  size_t salt = 0;
  if (!md || !get_bytes(k, 3, DW_SUBTLE_KEY_MAX, false, &der) ||
      !get_bytes(k, 4, DW_SUBTLE_DATA_MAX, false, &d) ||
      !get_bytes(k, 5, DW_SUBTLE_DATA_MAX, false, &s) || !get_uint(k, 6, RSA_MAX_BITS / 8, &salt))
    return NULL;
  EVP_PKEY *pk = rsa_parse(&der, false);
  EVP_MD_CTX *m = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pc = NULL;
  dw_val r = dw__undefined(k->c);
  if (pk && m && EVP_DigestVerifyInit(m, &pc, md, NULL, pk) == 1 && rsa_padding(pc, pss, salt, md))
    r = dw__bool(k->c, EVP_DigestVerify(m, s.p, s.n, d.p, d.n) == 1);
  EVP_MD_CTX_free(m);
  EVP_PKEY_free(pk);
  return r;
}

/* ("rsa_oaep", encrypt, hash, der, label | undefined, data) -> ArrayBuffer, or undefined
 * (data too long, decryption failure) */
static dw_val op_rsa_oaep(const call *k) {
  bool enc = dw__to_bool(k->c, arg(k, 1));
  const EVP_MD *md = hash_md(k, 2);
  bytes der, label, d;
  if (!md || !get_bytes(k, 3, DW_SUBTLE_KEY_MAX, false, &der) ||
      !get_bytes(k, 4, DW_SUBTLE_DATA_MAX, true, &label) ||
      !get_bytes(k, 5, DW_SUBTLE_DATA_MAX, false, &d))
    return NULL;
  EVP_PKEY *pk = rsa_parse(&der, !enc);
  EVP_PKEY_CTX *x = pk ? EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL) : NULL;
  unsigned char out[RSA_MAX_BITS / 8];
  size_t n = sizeof out;
  void *lab = label.n ? OPENSSL_memdup(label.p, label.n) : NULL;
  dw_val r = dw__undefined(k->c);
  if (!x || (label.n && !lab)) goto out;
  if ((enc ? EVP_PKEY_encrypt_init(x) : EVP_PKEY_decrypt_init(x)) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(x, RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(x, md) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(x, md) != 1)
    goto out;
  if (lab && EVP_PKEY_CTX_set0_rsa_oaep_label(x, lab, (int)label.n) != 1) goto out;
  lab = NULL; /* owned by x */
  if ((enc ? EVP_PKEY_encrypt(x, out, &n, d.p, d.n) : EVP_PKEY_decrypt(x, out, &n, d.p, d.n)) == 1)
    r = ab(k, out, n);
out:
  OPENSSL_cleanse(out, sizeof out);
  OPENSSL_free(lab);
  EVP_PKEY_CTX_free(x);
  EVP_PKEY_free(pk);
  return r;
}

/* ---- Key derivation ------------------------------------------------------------------------ */

/* Largest derived output, in bytes (HKDF's own limit is 255 hash lengths). */
#define DERIVE_MAX (64 * 1024)

/* ("pbkdf2", hash, password, salt, iterations, bytes) -> ArrayBuffer */
static dw_val op_pbkdf2(const call *k) {
  const EVP_MD *md = hash_md(k, 1);
  bytes pw, salt;
  size_t iter = 0, n = 0;
  if (!md || !get_bytes(k, 2, DW_SUBTLE_KEY_MAX, false, &pw) ||
      !get_bytes(k, 3, DW_SUBTLE_DATA_MAX, false, &salt) ||
      !get_uint(k, 4, DW_SUBTLE_PBKDF2_MAX_ITERATIONS, &iter) || !get_uint(k, 5, DERIVE_MAX, &n))
    return NULL;
  if (iter == 0 || n == 0) return dw__undefined(k->c);
  unsigned char *out = malloc(n);
  if (!out) return bad(k, "RangeError", "out of memory");
  dw_val r = PKCS5_PBKDF2_HMAC((const char *)pw.p, (int)pw.n, salt.p, (int)salt.n, (int)iter,
                               md, (int)n, out) == 1
                 ? ab(k, out, n)
                 : dw__undefined(k->c);
  OPENSSL_clear_free(out, n);
  return r;
}

/* ("hkdf", hash, key, salt, info, bytes) -> ArrayBuffer, or undefined when more than 255
 * hash lengths are asked for */
static dw_val op_hkdf(const call *k) {
  const EVP_MD *md = hash_md(k, 1);
  bytes key, salt, info;
  size_t n = 0;
  if (!md || !get_bytes(k, 2, DW_SUBTLE_KEY_MAX, false, &key) ||
      !get_bytes(k, 3, DW_SUBTLE_DATA_MAX, false, &salt) ||
      !get_bytes(k, 4, DW_SUBTLE_DATA_MAX, false, &info) || !get_uint(k, 5, DERIVE_MAX, &n))
    return NULL;
  if (n == 0 || n > 255 * (size_t)EVP_MD_get_size(md)) return dw__undefined(k->c);
  unsigned char *out = malloc(n);
  EVP_PKEY_CTX *x = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
  dw_val r = dw__undefined(k->c);
  if (!out || !x) {
    r = bad(k, "RangeError", "out of memory");
    goto out;
  }
  /* An empty key or salt is valid HKDF input; OpenSSL wants non-NULL pointers. */
  size_t outn = n;
  if (EVP_PKEY_derive_init(x) == 1 && EVP_PKEY_CTX_set_hkdf_md(x, md) == 1 &&
      EVP_PKEY_CTX_set1_hkdf_salt(x, salt.p, (int)salt.n) == 1 &&
      EVP_PKEY_CTX_set1_hkdf_key(x, key.p, (int)key.n) == 1 &&
      EVP_PKEY_CTX_add1_hkdf_info(x, info.p, (int)info.n) == 1 &&
      EVP_PKEY_derive(x, out, &outn) == 1 && outn == n)
    r = ab(k, out, n);
out:
  EVP_PKEY_CTX_free(x);
  if (out) OPENSSL_clear_free(out, n);
  return r;
}

/* ---- Dispatch ------------------------------------------------------------------------------ */

static const struct {
  const char *name;
  dw_val (*fn)(const call *k);
} ops[] = {
    {"copy", op_copy},
    {"digest", op_digest},
    {"hmac", op_hmac},
    {"hmac_verify", op_hmac_verify},
    {"equal", op_equal},
    {"aes_gcm", op_aes_gcm},
    {"aes_cbc", op_aes_cbc},
    {"aes_ctr", op_aes_ctr},
    {"aes_kw", op_aes_kw},
    {"generate", op_generate},
    {"key_from_raw", op_key_from_raw},
    {"key_from_der", op_key_from_der},
    {"key_to_der", op_key_to_der},
    {"sign", op_sign},
    {"verify", op_verify},
    {"pbkdf2", op_pbkdf2},
    {"hkdf", op_hkdf},
    {"ecdh", op_ecdh},
    {"rsa_from_der", op_rsa_from_der},
    {"rsa_public", op_rsa_public},
    {"rsa_generate", op_rsa_generate},
    {"rsa_from_jwk", op_rsa_from_jwk},
    {"rsa_to_jwk", op_rsa_to_jwk},
    {"rsa_sign", op_rsa_sign},
    {"rsa_verify", op_rsa_verify},
    {"rsa_oaep", op_rsa_oaep},
};

dw_val dw__subtle_op(dw__ctx *c, size_t argc, const dw_val *argv, dw_val *exc) {
  call k = {c, argc, argv, exc};
  char name[16];
  if (!get_name(&k, 0, name, sizeof name)) return NULL;
  /* Idempotent and cheap after the first call; must precede any other OpenSSL call. */
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
  dw_val r = NULL;
  bool found = false;
  for (size_t i = 0; i < DW_ARRAY_LEN(ops); i++) {
    if (!strcmp(name, ops[i].name)) {
      r = ops[i].fn(&k);
      found = true;
      break;
    }
  }
  ERR_clear_error();
  if (!found) return bad(&k, "TypeError", "subtle: unknown operation");
  return r;
}
