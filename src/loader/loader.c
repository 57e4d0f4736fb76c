/* The Worker Loader (issue 3) builds here on dw_sandbox: instance cache by id, one-shot
 * loads, bindings. This file holds only what exists so far. */
#include "util/util.h"

/* The loader layer's version check: the library a host links is the one it compiled with. */
bool dw__loader_abi_ok(unsigned header_version) { return header_version == dw_version(); }
