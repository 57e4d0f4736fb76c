/* embed.c: a C host application using dynworker's Worker Loader API (include/dynworker.h).
 *
 * It registers two bindings (a synchronous key-value store and an asynchronous "clock" that
 * answers from another thread), loads a worker kept warm under an id, calls it over RPC and
 * fetch, shows that a runaway worker is stopped while the host goes on, and prints the
 * loader's statistics. Built with the project (build/examples/embed) and run by the tests:
 * it exits non-zero if anything is not as expected. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dynworker.h"

/* ---- Bindings -------------------------------------------------------------------------- */

/* A tiny key-value store the worker reaches as env.KV.get(key) / env.KV.put(key, value).
 * Synchronous: it answers before returning. The worker never sees this struct. */
typedef struct {
  char keys[16][64];
  char values[16][256];
  int n;
} kv_store;

static dw_loader *the_loader;

static void kv(void *user, const char *method, const char *args_json, dw_binding_call *call) {
  kv_store *s = user;
  if (strcmp(method, "reenter") == 0) {
    /* Calling back into the loader from a binding is refused, not a crash. */
    dw_result *r = NULL;
    dw_worker_ref w = {.id = "x"};
    int rc = dw_loader_call(the_loader, &w, "f", NULL, &r);
    dw_result_free(r);
    dw_binding_return(call, rc == DW_E_BAD_REQUEST ? "\"refused\"" : "\"allowed\"");
    return;
  }
  char key[64] = "", value[256] = "";
  /* args_json is a JSON array; a real host would use a JSON library. */
  if (sscanf(args_json, "[\"%63[^\"]\",%255[^]]]", key, value) < 1) {
    dw_binding_throw(call, "KV: expected a string key");
    return;
  }
  if (strcmp(method, "put") == 0) {
    int i = 0;
    while (i < s->n && strcmp(s->keys[i], key) != 0) i++;
    if (i == 16) {
      dw_binding_throw(call, "KV: full");
      return;
    }
    if (i == s->n) s->n++;
    snprintf(s->keys[i], sizeof s->keys[i], "%s", key);
    snprintf(s->values[i], sizeof s->values[i], "%s", value);
    dw_binding_return(call, "true");
  } else if (strcmp(method, "get") == 0) {
    for (int i = 0; i < s->n; i++)
      if (strcmp(s->keys[i], key) == 0) {
        dw_binding_return(call, s->values[i]);
        return;
      }
    dw_binding_return(call, "null");
  } else {
    dw_binding_throw(call, "KV: no such method");
  }
}

/* An asynchronous binding: the answer comes later, from another thread. */
static void *clock_thread(void *arg) {
  usleep(2000);
  dw_binding_return(arg, "\"tick from another thread\"");
  return NULL;
}

static void async_clock(void *user, const char *method, const char *args_json,
                        dw_binding_call *call) {
  pthread_t t;
  if (pthread_create(&t, NULL, clock_thread, call) != 0) {
    dw_binding_throw(call, "no thread");
    return;
  }
  pthread_detach(t);
}

/* ---- The worker -------------------------------------------------------------------------- */

static const char worker_src[] =
    "import { WorkerEntrypoint } from 'cloudflare:workers';\n"
    "export class Notes extends WorkerEntrypoint {\n"
    "  async add(key, text) { await this.env.KV.put(key, text); return this.env.KV.get(key); }\n"
    "  async time() { return this.env.CLOCK.now(); }\n"
    "  async reenter() { return this.env.KV.reenter(); }\n"
    "  spin() { for (;;) {} }\n"
    "}\n"
    "let calls = 0;\n"
    "export default {\n"
    "  async fetch(req, env) {\n"
    "    calls++;\n"
    "    return Response.json({ path: new URL(req.url).pathname, greeting: env.GREETING, calls });\n"
    "  },\n"
    "};\n";

static int failures = 0;

static void expect(bool ok, const char *what, const dw_result *r) {
  printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  if (!ok) {
    failures++;
    if (r) printf("     %s\n", dw_result_json(r));
  }
}

int main(void) {
  dw_loader *loader = NULL;
  dw_loader_options opts = {.limits = {.memory_mb = 256}, .max_workers = 100};
  if (dw_loader_new(&opts, &loader)) {
    fprintf(stderr, "embed: cannot create the loader\n");
    return 1;
  }
  the_loader = loader;
  kv_store store = {0};
  dw_loader_add_binding(loader, "KV", kv, &store);
  dw_loader_add_binding(loader, "CLOCK", async_clock, NULL);

  dw_code *code = dw_code_new();
  dw_code_add_module(code, "notes.js", worker_src, strlen(worker_src), DW_MODULE_AUTO);
  const char *const bindings[] = {"KV", "CLOCK", NULL};
  dw_worker_ref notes = {.id = "notes-v1", .code = code, .env_json = "{\"GREETING\":\"hello\"}",
                         .bindings = bindings, .entrypoint = "Notes"};

  dw_result *r = NULL;
  /* RPC through a synchronous binding. */
  dw_loader_call(loader, &notes, "add", "[\"k1\", {\"text\": \"first note\"}]", &r);
  expect(dw_result_ok(r) && strcmp(dw_result_value_json(r), "{\"text\":\"first note\"}") == 0,
         "RPC: Notes.add() through the KV binding", r);
  dw_result_free(r);

  /* An asynchronous binding answered from another thread. */
  dw_loader_call(loader, &notes, "time", NULL, &r);
  expect(dw_result_ok(r) && strstr(dw_result_value_json(r), "another thread"),
         "RPC: an asynchronous binding", r);
  dw_result_free(r);

  /* A binding that tries to call back into the loader is refused. */
  dw_loader_call(loader, &notes, "reenter", NULL, &r);
  expect(dw_result_ok(r) && strcmp(dw_result_value_json(r), "\"refused\"") == 0,
         "a binding calling back into the loader is refused", r);
  dw_result_free(r);

  /* fetch through the default entrypoint of the same warm worker. */
  dw_worker_ref web = notes;
  web.entrypoint = NULL;
  dw_request req = {.url = "http://notes/list"};
  for (int i = 1; i <= 2; i++) {
    dw_loader_fetch(loader, &web, &req, &r);
    size_t n = 0;
    const char *body = dw_result_body(r, &n);
    char want[128];
    snprintf(want, sizeof want, "{\"path\":\"/list\",\"greeting\":\"hello\",\"calls\":%d}", i);
    expect(dw_result_ok(r) && dw_result_status(r) == 200 && body && n == strlen(want) &&
               memcmp(body, want, n) == 0,
           i == 1 ? "fetch: the default entrypoint" : "fetch: the same warm worker again", r);
    dw_result_free(r);
  }

  /* A runaway is stopped at its CPU limit; the host goes on. */
  dw_worker_ref spin = notes;
  spin.limits.cpu_ms = 20;
  dw_loader_call(loader, &spin, "spin", NULL, &r);
  expect(dw_result_error(r) == DW_E_CPU_LIMIT, "a runaway call ends with cpu_limit_exceeded", r);
  dw_result_free(r);
  dw_loader_call(loader, &notes, "add", "[\"k2\", 2]", &r);
  expect(dw_result_ok(r) && strcmp(dw_result_value_json(r), "2") == 0,
         "the worker is made again after it was stopped", r);
  dw_result_free(r);

  /* A worker without an id: fresh for this call. */
  dw_worker_ref once = {.code = code, .entrypoint = "Notes", .bindings = bindings};
  dw_loader_call(loader, &once, "add", "[\"k3\", \"x\"]", &r);
  expect(dw_result_ok(r) && strcmp(dw_result_value_json(r), "\"x\"") == 0, "a fresh worker for one call", r);
  dw_result_free(r);

  /* Bad input is an error, not a crash. */
  dw_worker_ref bad = notes;
  bad.id = "other";
  bad.code = NULL;
  dw_loader_call(loader, &bad, "add", NULL, &r);
  expect(dw_result_error(r) == DW_E_BAD_REQUEST, "no code for a new id: bad_request", r);
  dw_result_free(r);

  dw_loader_stats st;
  dw_loader_stats_get(loader, &st);
  printf("stats: live %llu, cached %llu, hits %llu, misses %llu, created %llu, calls %llu\n",
         (unsigned long long)st.live, (unsigned long long)st.cached,
         (unsigned long long)st.hits, (unsigned long long)st.misses,
         (unsigned long long)st.created, (unsigned long long)st.calls);
  expect(st.created == 3 && st.hits >= 5, "statistics", NULL);

  dw_code_free(code);
  dw_loader_free(loader);
  printf("%s\n", failures ? "embed: FAILED" : "embed: all good");
  return failures ? 1 : 0;
}
