/* Structured clone (the HTML algorithm) between realms and processes: a versioned byte
 * format (docs/internals/clone.md). Values cross sandboxes only in this form. */
#ifndef DW_ENGINE_CLONE_H
#define DW_ENGINE_CLONE_H

#include "engine/engine.h"

/* Capabilities: objects the host recognises (e.g. worker stubs) cross as slots, not data. */
typedef struct {
  void *user;
  /* Called for each object the serializer meets before treating it as data: return a slot
     number >= 0 to encode it as capability #slot, or -1 to treat it as ordinary data. */
  int32_t (*cap_encode)(void *user, dw__ctx *c, dw_val obj);
  /* Called by the deserializer for capability #slot: return the object to put there (in the
     destination realm), or NULL with *exc set. */
  dw_val (*cap_decode)(void *user, dw__ctx *c, int32_t slot, dw_val *exc);
} dw__clone_caps;

/* Serialises `v` (borrowed) from realm c into `out` (appended; the buffer's max caps the
   size). Returns 0, or DW_E_TOO_LARGE / DW_E_NOMEM, or DW_E_BAD_REQUEST with *exc set to a
   DataCloneError (an Error of realm c with name "DataCloneError") for functions, symbols,
   WeakMap/WeakSet/WeakRef, Promise, Proxy... and for anything over the depth cap, or to the
   exception a getter threw. Runs guest code (getters). On error `out` is left as it was. */
int dw__clone_write(dw__ctx *c, dw_val v, const dw__clone_caps *caps, dw_buf *out, dw_val *exc);

/* Builds the value encoded in bytes[0..n) in realm c. NULL with *exc set (a DataCloneError
   naming what is wrong) on malformed input; never reads out of bounds, never recurses more
   than DW__CLONE_MAX_DEPTH, never allocates more than a small multiple of n. */
dw_val dw__clone_read(dw__ctx *c, const void *bytes, size_t n, const dw__clone_caps *caps,
                      dw_val *exc);

#define DW__CLONE_VERSION 1
#define DW__CLONE_MAX_DEPTH 1000

#endif
