/* subtle: the stateless cryptographic operations behind crypto.subtle (js/subtle.js), done by
 * OpenSSL 3. Key material lives in JS (private fields of CryptoKey objects) and is passed in
 * for every operation; nothing here keeps state between calls or creates host objects.
 * Depends on: engine, util, OpenSSL libcrypto. */
#ifndef DW_WEBAPI_SUBTLE_H
#define DW_WEBAPI_SUBTLE_H

#include "engine/engine.h"

/* Largest data, iv, salt or signature a subtle operation accepts, in bytes. */
#define DW_SUBTLE_DATA_MAX (64 * 1024 * 1024)
/* Largest secret key (HMAC, AES, PBKDF2 password, HKDF input) in bytes. */
#define DW_SUBTLE_KEY_MAX (64 * 1024)
/* Most PBKDF2 iterations (as in Cloudflare Workers). */
#define DW_SUBTLE_PBKDF2_MAX_ITERATIONS 100000

/* Runs the subtle operation named by argv[0] (a string) on argv[1..]; the operations and
 * their arguments are listed in subtle.c. Buffers are borrowed for the call; results are new
 * ArrayBuffers or booleans. An input the operation rejects
 * (authentication failure, invalid key data) returns undefined; malformed arguments (the JS
 * side's bug) and inputs over the caps throw a TypeError or RangeError in *exc. Never calls
 * back into JS other than to build its result. Blocks for the computation (bounded by
 * DW_SUBTLE_DATA_MAX and the iteration cap). */
dw_val dw__subtle_op(dw__ctx *c, size_t argc, const dw_val *argv, dw_val *exc);

#endif
