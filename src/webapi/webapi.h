/* webapi: the Web platform globals of a realm (console, timers, structuredClone, encoding,
 * base64, crypto (getRandomValues, randomUUID, subtle), Headers/Request/Response, URL, events and AbortSignal,
 * Blob/File/FormData, streams, compression streams, navigator, performance) and the
 * `cloudflare:workers` module object, installed lazily.
 *
 * Laziness: dw__webapi_install only evaluates a tiny installer that puts one configurable,
 * non-enumerable accessor per global name on the global object. The first read of a name
 * evaluates that API's embedded JS factory (src/webapi/js/<file>.js), memoises it and turns
 * the global into a plain writable, configurable, non-enumerable data property; a write
 * before first use just defines the data property. A realm that never touches an API never
 * parses its source.
 *
 * Natives (C functions) are handed to factories inside closures only; no host object is
 * reachable from guest code. Depends on: util, engine. */
#ifndef DW_WEBAPI_H
#define DW_WEBAPI_H

#include "engine/engine.h"

/* What the embedder provides. Every callback is called on the realm's thread, from inside
 * a JS call; none may re-enter the realm except through the dw_val it is given. */
typedef struct {
  void *user;
  /* One console line; level is "log", "info", "warn", "error" or "debug". `msg` is borrowed
   * UTF-8 of at most DW_WEBAPI_LOG_MAX bytes (longer lines end in "… [truncated]"). */
  void (*log)(void *user, const char *level, const char *msg, size_t len);
  /* Schedules JS function fn after ms (repeat: every ms). Returns an id > 0, or 0 with *exc
   * set (e.g. a RangeError when the timer cap is reached). The host keeps fn alive
   * (dw__protect) until the timer is cleared or, for a one-shot timer, has run. NULL: timers
   * throw an Error ("timers are not available"). */
  double (*timer_set)(void *user, dw__ctx *c, dw_val fn, double ms, bool repeat, dw_val *exc);
  /* Cancels a timer; unknown ids are ignored. May be NULL. */
  void (*timer_clear)(void *user, dw__ctx *c, double id);
  /* Optional (NULL: none): told each time an API factory is evaluated in a realm, with the
   * factory's file name ("fetch", "encoding", ...). For diagnostics and tests of laziness. */
  void (*on_factory)(void *user, const char *factory);
} dw__webapi_host;

/* Longest console line delivered to host->log, in bytes. */
#define DW_WEBAPI_LOG_MAX (64 * 1024)

/* Installs the lazy globals in realm c (and `self`); `host` is borrowed and must outlive the
 * realm. Returns a JS function load(name) (to keep protected) that returns the pristine value
 * of an API by global name ("Request", "structuredClone", "console", ...) or of
 * "cloudflare:workers" (a frozen namespace-like object: WorkerEntrypoint, DurableObject,
 * WorkflowEntrypoint, RpcTarget), the same object the global getter returns; load throws a
 * TypeError for an unknown name. Returns NULL with *exc set on failure. Cheap: no API
 * source is evaluated here. */
dw_val dw__webapi_install(dw__ctx *c, const dw__webapi_host *host, dw_val *exc);

#endif
