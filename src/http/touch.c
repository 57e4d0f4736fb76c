/* touch: invocation counts and last-used stamps of registered workers, batched. One store
 * write per request (a WAL commit, sometimes a checkpoint with its fsync) cost the daemon more
 * than routing the request; so counts accumulate here and go to the store in one transaction
 * a second, before any read of them (GET /v1/workers, /v1/workers/{id}) and when the daemon
 * stops. A crash loses at most the last second of counts, never a definition. */
#include <string.h>
#include "http/http_internal.h"

#define TOUCH_FLUSH_MS 1000u
#define TOUCH_MAX_PENDING 65536u /* distinct workers waiting; past it, flushed at once */

static void flush_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  dw__touch_flush(arg);
}

int dw__touch_start(dw__http *h) {
  if (!(h->touch_pending = json_object())) return DW_E_NOMEM;
  h->touch_timer = event_new(h->base, -1, EV_PERSIST, flush_cb, h);
  if (!h->touch_timer) return DW_E_NOMEM;
  struct timeval tv = {TOUCH_FLUSH_MS / 1000, (TOUCH_FLUSH_MS % 1000) * 1000};
  return event_add(h->touch_timer, &tv) ? DW_E_INTERNAL : 0;
}

void dw__touch_add(dw__http *h, const char *tenant, const char *id, int64_t now_ms) {
  char key[600];
  size_t nt = strlen(tenant), ni = strlen(id);
  if (nt + ni + 2 > sizeof key) return; /* never stored: nothing to count */
  memcpy(key, tenant, nt);
  key[nt] = '\x1f';
  memcpy(key + nt + 1, id, ni + 1);
  json_t *e = json_object_get(h->touch_pending, key);
  if (e) {
    json_array_set_new(e, 0, json_integer(json_integer_value(json_array_get(e, 0)) + 1));
    json_array_set_new(e, 1, json_integer(now_ms));
    return;
  }
  json_object_set_new(h->touch_pending, key, json_pack("[I,I]", (json_int_t)1, (json_int_t)now_ms));
  if (json_object_size(h->touch_pending) >= TOUCH_MAX_PENDING) dw__touch_flush(h);
}

void dw__touch_flush(dw__http *h) {
  size_t n = json_object_size(h->touch_pending);
  if (!n) return;
  dw__store_touch_item *items = calloc(n, sizeof *items);
  char **keys = calloc(n, sizeof *keys);
  size_t k = 0;
  const char *key;
  json_t *e;
  json_object_foreach(h->touch_pending, key, e) {
    if (!items || !keys || !(keys[k] = strdup(key))) break;
    char *sep = strchr(keys[k], '\x1f');
    if (!sep) {
      free(keys[k]);
      continue;
    }
    *sep = 0;
    items[k] = (dw__store_touch_item){.tenant = keys[k], .id = sep + 1,
                                      .count = (uint64_t)json_integer_value(json_array_get(e, 0)),
                                      .last_used_ms = json_integer_value(json_array_get(e, 1))};
    k++;
  }
  if (k == n) {
    if (dw__store_touch_batch(h->store, items, k))
      dw__metrics_add(h->metrics, h->m_store_errors, "op=\"touch\"", 1);
    json_object_clear(h->touch_pending);
  } else {
    dw__metrics_add(h->metrics, h->m_store_errors, "op=\"touch\"", 1); /* out of memory: kept */
  }
  for (size_t i = 0; keys && i < k; i++) free(keys[i]);
  free(keys);
  free(items);
}

void dw__touch_stop(dw__http *h) {
  if (h->touch_pending && h->store) dw__touch_flush(h);
  if (h->touch_timer) event_free(h->touch_timer);
  h->touch_timer = NULL;
  json_decref(h->touch_pending);
  h->touch_pending = NULL;
}
