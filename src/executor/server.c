/* The daemon's executor process (`dynworker __executor`): contains itself, then serves
 * invocations from the supervisor over fd 3 (ipc.h) with one Worker Loader whose workers
 * stay warm by key. Many invocations run at once on the loader's loop, one VM entry at a
 * time; binding calls and fetch() go out to the supervisor as CALL frames and come back as
 * REPLY frames. Nothing here trusts a guest; the supervisor is trusted (it made us), but
 * its frames are still checked, since a bug there must not become memory corruption here.
 *
 * One thread: it runs the loop (dw__loader_pump), which waits on the channel when idle; at
 * each of the loop's safe points (remote.tick) it reads what arrived (non-blocking), handles
 * the frames, and sends what the loop produced and the results of finished invocations. */
#include <errno.h>
#include <jansson.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "contain.h"
#include "executor.h"
#include "ipc.h"
#include "modules/modules.h"
#include "sandbox/sandbox.h"

#define MAX_INFLIGHT 4096u       /* invocations held at once (the supervisor caps far lower) */
#define MAX_PENDING_CALLS 65536u /* binding and egress calls waiting for a REPLY */
/* The most JSON of a payload (arguments, a result) that still fits a frame with its envelope. */
#define FRAME_JSON_ROOM ((size_t)DW_IPC_MAX_JSON - ((size_t)1 << 20))
#define MAX_HEADERS 256u         /* request headers of an invocation */

typedef struct frame {
  struct frame *next;
  uint8_t type;
  char *json;
  size_t json_len;
  void *bin;
  size_t bin_len;
} frame;

typedef struct exe exe;

typedef struct inv {
  struct inv *next;     /* in flight */
  exe *x;
  uint64_t id;
  dw__hcall *hc;
  bool done;
} inv;

typedef struct pend {
  struct pend *next;
  uint64_t id;
  dw_binding_call *call; /* a binding call, or */
  dw__egress_req *egress; /* an egress request */
} pend;

struct exe {
  int fd;
  struct {
    char *data;
    size_t len, cap_bytes;
  } inbuf;                  /* bytes read from the channel, not yet whole frames */
  frame *in_head, *in_tail; /* whole frames, not yet handled */
  bool closed;              /* the channel ended */
  dw_loader *L;
  /* Main thread only: */
  frame *out_head, *out_tail;
  inv *inflight;
  size_t ninflight, ndone;
  pend *pends;
  size_t npends;
  uint64_t next_call;
  bool stopping;
};

/* ---- Frames ---------------------------------------------------------------------------- */

static void frame_free(frame *f) {
  if (!f) return;
  free(f->json);
  free(f->bin);
  free(f);
}

/* Queues a frame to send (main thread); takes json (and bin). */
static void out_push(exe *x, uint8_t type, char *json, size_t json_len, void *bin, size_t bin_len) {
  frame *f = calloc(1, sizeof *f);
  if (!f || !json) {
    /* Out of memory here leaves a peer waiting: end, and let the supervisor answer. */
    fprintf(stderr, "dynworker executor: out of memory\n");
    _exit(4);
  }
  *f = (frame){.type = type, .json = json, .json_len = json_len, .bin = bin, .bin_len = bin_len};
  if (x->out_tail) x->out_tail->next = f;
  else x->out_head = f;
  x->out_tail = f;
}

static void out_push_json(exe *x, uint8_t type, json_t *o, void *bin, size_t bin_len) {
  char *s = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  out_push(x, type, s, s ? strlen(s) : 0, bin, bin_len);
}

static void out_flush(exe *x) {
  while (x->out_head) {
    frame *f = x->out_head;
    x->out_head = f->next;
    if (!x->out_head) x->out_tail = NULL;
    if (dw__ipc_write(x->fd, f->type, f->json, f->json_len, f->bin, f->bin_len)) _exit(0);
    frame_free(f);
  }
}

/* Reads what the channel has (non-blocking) and queues the complete frames. A frame that
 * is malformed ends the process (the supervisor is trusted; garbage means a bug). */
static void read_frames(exe *x) {
  for (;;) {
    if (x->inbuf.len == x->inbuf.cap_bytes) {
      size_t ncap = x->inbuf.cap_bytes ? x->inbuf.cap_bytes * 2 : 65536;
      char *p = realloc(x->inbuf.data, ncap);
      if (!p) _exit(4);
      x->inbuf.data = p;
      x->inbuf.cap_bytes = ncap;
    }
    size_t room = x->inbuf.cap_bytes - x->inbuf.len;
    ssize_t n = read(x->fd, x->inbuf.data + x->inbuf.len, room);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {
      x->closed = true;
      break;
    }
    x->inbuf.len += (size_t)n;
    if ((size_t)n < room) break; /* a short read: nothing more is waiting */
  }
  size_t off = 0;
  while (x->inbuf.len - off >= DW_IPC_HEADER) {
    dw__ipc_header h;
    if (dw__ipc_header_get((const uint8_t *)x->inbuf.data + off, &h)) {
      fprintf(stderr, "dynworker executor: a malformed frame from the supervisor\n");
      _exit(4);
    }
    size_t need = DW_IPC_HEADER + (size_t)h.json_len + h.bin_len;
    if (x->inbuf.len - off < need) break;
    frame *f = calloc(1, sizeof *f);
    const char *p = x->inbuf.data + off + DW_IPC_HEADER;
    if (!f || !(f->json = malloc(h.json_len + 1)) || (h.bin_len && !(f->bin = malloc(h.bin_len)))) _exit(4);
    memcpy(f->json, p, h.json_len);
    f->json[h.json_len] = 0;
    f->json_len = h.json_len;
    if (h.bin_len) memcpy(f->bin, p + h.json_len, h.bin_len);
    f->bin_len = h.bin_len;
    f->type = h.type;
    if (x->in_tail) x->in_tail->next = f;
    else x->in_head = f;
    x->in_tail = f;
    off += need;
  }
  if (off) {
    memmove(x->inbuf.data, x->inbuf.data + off, x->inbuf.len - off);
    x->inbuf.len -= off;
  }
  /* A buffer grown for a big frame goes back to its usual size once it is empty. */
  if (!x->inbuf.len && x->inbuf.cap_bytes > ((size_t)1 << 20)) {
    free(x->inbuf.data);
    x->inbuf.data = NULL;
    x->inbuf.cap_bytes = 0;
  }
}

/* The pump's stop predicate: only the end (the tick does the work without leaving it). */
static bool must_stop(void *user) {
  exe *x = user;
  return x->closed || (x->stopping && !x->inflight);
}

/* ---- Calls out: bindings and egress ----------------------------------------------------- */

static uint64_t pend_add(exe *x, dw_binding_call *call, dw__egress_req *e) {
  if (x->npends >= MAX_PENDING_CALLS) return 0;
  pend *p = calloc(1, sizeof *p);
  if (!p) return 0;
  p->id = ++x->next_call;
  p->call = call;
  p->egress = e;
  p->next = x->pends;
  x->pends = p;
  x->npends++;
  return p->id;
}

static pend *pend_take(exe *x, uint64_t id) {
  for (pend **pp = &x->pends; *pp; pp = &(*pp)->next)
    if ((*pp)->id == id) {
      pend *p = *pp;
      *pp = p->next;
      x->npends--;
      return p;
    }
  return NULL;
}

/* The "inv" and "key" of a CALL: the one-shot invocation, or the warm worker's key. */
static void call_origin(json_t *o, uint64_t tag, const char *key) {
  if (key) json_object_set_new(o, "key", json_string(key));
  else json_object_set_new(o, "inv", json_integer((json_int_t)tag));
}

static void desc_call(void *user, uint64_t tag, const char *key, const char *desc_json,
                      const char *method, const char *args_json, dw_binding_call *call) {
  exe *x = user;
  /* A frame past the channel's cap cannot be sent (dw__ipc_write refuses it, and the executor
   * would end): the call is refused here, in the worker, instead. */
  if (strlen(args_json) + strlen(desc_json) + strlen(method) > FRAME_JSON_ROOM) {
    dw_binding_throw(call, "the arguments of this binding call are too large (over 79 MiB as JSON)");
    return;
  }
  json_t *desc = json_loads(desc_json, 0, NULL), *args = json_loads(args_json, 0, NULL);
  uint64_t id = desc && args ? pend_add(x, call, NULL) : 0;
  if (!id) {
    json_decref(desc);
    json_decref(args);
    dw_binding_throw(call, "too many binding calls in flight in this executor");
    return;
  }
  json_t *o = json_object();
  json_object_set_new(o, "call", json_integer((json_int_t)id));
  call_origin(o, tag, key);
  json_object_set_new(o, "desc", desc);
  json_object_set_new(o, "method", json_string(method));
  json_object_set_new(o, "args", args);
  out_push_json(x, DW_IPC_CALL, o, NULL, 0);
}

static void egress(void *user, uint64_t tag, const char *key, const dw__net_request *req,
                   dw__egress_req *e) {
  exe *x = user;
  uint64_t id = pend_add(x, NULL, e);
  if (!id) {
    dw__egress_complete(e, DW_E_OVERLOADED, "too many fetch() requests in flight in this executor", NULL);
    return;
  }
  json_t *r = json_object(), *hs = json_array();
  json_object_set_new(r, "method", json_string(req->method ? req->method : "GET"));
  json_object_set_new(r, "url", json_string(req->url ? req->url : ""));
  for (size_t i = 0; req->headers && req->headers[i]; i++) {
    const char *line = req->headers[i], *colon = strchr(line, ':');
    if (!colon) continue;
    const char *v = colon + 1;
    while (*v == ' ') v++;
    json_array_append_new(hs, json_pack("[s#s]", line, (int)(colon - line), v));
  }
  json_object_set_new(r, "headers", hs);
  json_t *o = json_object();
  json_object_set_new(o, "call", json_integer((json_int_t)id));
  call_origin(o, tag, key);
  json_object_set_new(o, "desc", json_pack("{s:b}", "$egress", 1));
  json_object_set_new(o, "method", json_string("fetch"));
  json_object_set_new(o, "args", json_pack("[o]", r));
  void *body = req->body_len ? dw__memdup(req->body, req->body_len) : NULL;
  if (req->body_len && !body) {
    json_decref(o);
    pend_take(x, id);
    dw__egress_complete(e, DW_E_NOMEM, "out of memory", NULL);
    return;
  }
  out_push_json(x, DW_IPC_CALL, o, body, body ? req->body_len : 0);
}

/* A REPLY: completes the binding call or egress request it answers. */
static void on_reply(exe *x, json_t *o, frame *f) {
  json_t *idv = json_object_get(o, "call");
  pend *p = json_is_integer(idv) ? pend_take(x, (uint64_t)json_integer_value(idv)) : NULL;
  if (!p) return; /* unknown or answered: ignored */
  bool ok = json_is_true(json_object_get(o, "ok"));
  const char *err = json_string_value(json_object_get(o, "error"));
  if (!err) err = "the call failed";
  if (p->call) {
    if (ok) {
      char *res = json_dumps(json_object_get(o, "result"), JSON_COMPACT | JSON_ENCODE_ANY);
      dw_binding_return(p->call, res ? res : "null");
      free(res);
    } else {
      dw_binding_throw(p->call, err);
    }
  } else if (!ok) {
    const char *code = json_string_value(json_object_get(o, "code"));
    int e = code ? dw_err_from_code(code) : DW_E_IO;
    dw__egress_complete(p->egress, e ? e : DW_E_IO, err, NULL);
  } else {
    json_t *r = json_object_get(o, "result"), *hs = json_object_get(r, "headers");
    size_t nh = json_array_size(hs);
    char **lines = calloc(nh + 1, sizeof *lines);
    size_t n = 0;
    for (size_t i = 0; lines && i < nh; i++) {
      const char *k = json_string_value(json_array_get(json_array_get(hs, i), 0));
      const char *v = json_string_value(json_array_get(json_array_get(hs, i), 1));
      if (!k || !v) continue;
      size_t len = strlen(k) + strlen(v) + 3;
      if (!(lines[n] = malloc(len))) break;
      snprintf(lines[n], len, "%s: %s", k, v);
      for (char *c = lines[n]; *c != ':'; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
      n++;
    }
    const char *st = json_string_value(json_object_get(r, "statusText"));
    const char *url = json_string_value(json_object_get(r, "url"));
    json_int_t status = json_integer_value(json_object_get(r, "status"));
    dw__net_response res = {.status = status >= 100 && status <= 999 ? (int)status : 502,
                            .status_text = st ? st : "", .headers = (const char *const *)lines,
                            .nheaders = n, .body = f->bin ? f->bin : "", .body_len = f->bin_len,
                            .url = url ? url : ""};
    if (lines) dw__egress_complete(p->egress, 0, NULL, &res);
    else dw__egress_complete(p->egress, DW_E_NOMEM, "out of memory", NULL);
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
  }
  free(p);
}

/* ---- Invocations ------------------------------------------------------------------------- */

static void inv_done(void *user, dw__hcall *c) {
  inv *v = user;
  (void)c;
  v->done = true;
  v->x->ndone++;
}

/* A RESULT frame for an invocation that could not start. */
static void send_failure(exe *x, uint64_t id, int err, const char *msg) {
  dw_result *r = NULL;
  dw__result_parts p = {.err = err, .name = "Error", .message = msg, .stack = ""};
  if (dw__result_make(&p, &r)) _exit(4);
  json_t *res = json_loads(dw_result_json(r), 0, NULL);
  dw_result_free(r);
  out_push_json(x, DW_IPC_RESULT, json_pack("{s:I,s:o}", "inv", (json_int_t)id, "result", res),
                NULL, 0);
}

/* Builds a module set from a WorkerCode's "modules" and "mainModule" (checked by the
 * supervisor; checked again here for what could corrupt memory). */
static int make_code(json_t *code, dw_code **out, char *why, size_t n) {
  *out = NULL;
  json_t *mods = json_object_get(code, "modules");
  const char *main_name = json_string_value(json_object_get(code, "mainModule"));
  if (!json_is_object(mods)) {
    snprintf(why, n, "modules: must be an object");
    return DW_E_BAD_REQUEST;
  }
  dw_code *c = dw_code_new();
  if (!c) return DW_E_NOMEM;
  int rc = 0;
  const char *name;
  json_t *m;
  if (main_name) {
    /* The main module first (dw_code_add_module: the first is the main one). */
    json_t *mm = json_object_get(mods, main_name);
    if (!mm) {
      snprintf(why, n, "mainModule: '%.200s' is not a key of modules", main_name);
      rc = DW_E_BAD_REQUEST;
      goto out;
    }
  }
  for (int pass = 0; pass < 2 && !rc; pass++) {
    json_object_foreach(mods, name, m) {
      bool is_main = main_name ? strcmp(name, main_name) == 0 : false;
      if (main_name && (pass == 0) != is_main) continue;
      if (!main_name && pass == 1) break;
      const char *src = NULL;
      size_t len = 0;
      void *dec = NULL;
      char *json_text = NULL;
      dw_module_type t = DW_MODULE_AUTO;
      if (json_is_string(m)) {
        src = json_string_value(m);
        len = json_string_length(m);
      } else if (json_is_object(m) && json_object_size(m) == 1) {
        const char *k = json_object_iter_key(json_object_iter(m));
        json_t *v = json_object_get(m, k);
        if (strcmp(k, "json") == 0) {
          t = DW_MODULE_JSON;
          json_text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
          src = json_text;
          len = json_text ? strlen(json_text) : 0;
        } else if (json_is_string(v)) {
          src = json_string_value(v);
          len = json_string_length(v);
          t = strcmp(k, "js") == 0 ? DW_MODULE_ESM : strcmp(k, "cjs") == 0 ? DW_MODULE_CJS
              : strcmp(k, "ts") == 0 ? DW_MODULE_TS : strcmp(k, "text") == 0 ? DW_MODULE_TEXT
              : strcmp(k, "data") == 0 ? DW_MODULE_DATA : strcmp(k, "wasm") == 0 ? DW_MODULE_WASM
                                                                                : DW_MODULE_AUTO;
          if (t == DW_MODULE_DATA || t == DW_MODULE_WASM) {
            if (dw__base64_decode(src, len, &dec, &len)) {
              snprintf(why, n, "modules['%.200s'].%s: must be base64", name, k);
              rc = DW_E_BAD_REQUEST;
              break;
            }
            src = dec;
          }
        }
      }
      if (!src) {
        free(json_text);
        snprintf(why, n, "modules['%.200s']: must be a string or an object with one of js, cjs, "
                 "ts, text, data, json, wasm", name);
        rc = DW_E_BAD_REQUEST;
        break;
      }
      rc = dw_code_add_module(c, name, src, len, t);
      free(dec);
      free(json_text);
      if (rc) {
        snprintf(why, n, "modules['%.200s']: %s", name, dw_strerror(rc));
        break;
      }
    }
  }
out:
  if (rc) dw_code_free(c);
  else *out = c;
  return rc;
}

static uint32_t limit_of(json_t *limits, const char *k) {
  json_int_t v = json_integer_value(json_object_get(limits, k));
  return v > 0 && v <= UINT32_MAX ? (uint32_t)v : 0;
}

static void on_invoke(exe *x, json_t *o, frame *f) {
  json_t *idv = json_object_get(o, "inv");
  if (!json_is_integer(idv)) return;
  uint64_t id = (uint64_t)json_integer_value(idv);
  const char *key = json_string_value(json_object_get(o, "key"));
  json_t *code = json_object_get(o, "code");
  if (x->stopping) {
    send_failure(x, id, DW_E_EXECUTOR_LOST, "this executor is stopping; retry");
    return;
  }
  if (x->ninflight >= MAX_INFLIGHT) {
    send_failure(x, id, DW_E_OVERLOADED, "this executor holds too many invocations");
    return;
  }
  if (key && !json_is_object(code) && !dw__loader_warm(x->L, key)) {
    out_push_json(x, DW_IPC_NEED_CODE, json_pack("{s:I}", "inv", (json_int_t)id), NULL, 0);
    return;
  }
  char why[512] = "";
  dw_code *dc = NULL;
  char *env_json = NULL;
  const char *lines[MAX_HEADERS + 1] = {0};
  char *line_buf[MAX_HEADERS] = {0};
  size_t nlines = 0;
  char *args_json = NULL;
  int rc = 0;
  if (json_is_object(code)) {
    rc = make_code(code, &dc, why, sizeof why);
    if (!rc) {
      json_t *env = json_object_get(code, "env");
      env_json = env ? json_dumps(env, JSON_COMPACT) : dw__strdup("{}");
      if (!env_json) rc = DW_E_NOMEM;
    }
  }
  json_t *limits = json_object_get(o, "limits");
  const char *kind = json_string_value(json_object_get(o, "kind"));
  const char *entry = json_string_value(json_object_get(o, "entrypoint"));
  if (entry && strcmp(entry, "default") == 0) entry = NULL;
  json_t *req = json_object_get(o, "request"), *args = json_object_get(o, "args");
  dw_request r = {0};
  if (!rc && json_is_object(req)) {
    r.method = json_string_value(json_object_get(req, "method"));
    r.url = json_string_value(json_object_get(req, "url"));
    json_t *hs = json_object_get(req, "headers");
    for (size_t i = 0; i < json_array_size(hs) && nlines < MAX_HEADERS; i++) {
      const char *k = json_string_value(json_array_get(json_array_get(hs, i), 0));
      const char *v = json_string_value(json_array_get(json_array_get(hs, i), 1));
      if (!k || !v) continue;
      size_t len = strlen(k) + strlen(v) + 3;
      if (!(line_buf[nlines] = malloc(len))) {
        rc = DW_E_NOMEM;
        break;
      }
      snprintf(line_buf[nlines], len, "%s: %s", k, v);
      lines[nlines] = line_buf[nlines];
      nlines++;
    }
    r.headers = lines;
    r.body = f->bin;
    r.body_len = f->bin_len;
  }
  if (!rc && json_is_array(args) && !(args_json = json_dumps(args, JSON_COMPACT))) rc = DW_E_NOMEM;
  json_t *props = json_object_get(o, "props");
  char *props_json = json_is_object(props) ? json_dumps(props, JSON_COMPACT) : NULL;
  if (!rc && json_is_object(props) && !props_json) rc = DW_E_NOMEM;
  if (!rc && (!kind || (strcmp(kind, "run") && strcmp(kind, "fetch") && strcmp(kind, "rpc")))) {
    snprintf(why, sizeof why, "kind: must be run, fetch or rpc");
    rc = DW_E_BAD_REQUEST;
  }
  inv *v = NULL;
  if (!rc) {
    dw_worker_ref w = {.id = key, .code = dc, .env_json = env_json, .entrypoint = entry,
                       .limits = {.cpu_ms = limit_of(limits, "cpuMs"),
                                  .wall_ms = limit_of(limits, "wallMs")}};
    const char *method = json_string_value(json_object_get(o, "method"));
    dw__host_call hc = {.ref = &w, .tag = id, .egress = json_is_true(json_object_get(o, "egress")),
                        .subrequests = limit_of(limits, "subRequests"),
                        .convention = strcmp(kind, "run") == 0,
                        .method = strcmp(kind, "fetch") == 0 ? "fetch" : method,
                        .args_json = args_json, .req = json_is_object(req) ? &r : NULL,
                        .props_json = props_json};
    if (!(v = calloc(1, sizeof *v))) rc = DW_E_NOMEM;
    else {
      v->id = id;
      v->x = x;
      rc = dw__loader_start(x->L, &hc, inv_done, v, &v->hc);
      if (rc) {
        free(v);
        v = NULL;
        snprintf(why, sizeof why, "%s", rc == DW_E_BAD_REQUEST ? "the invocation is malformed (no method, or an env that is not an object)" : dw_strerror(rc));
      }
    }
  }
  if (rc) {
    send_failure(x, id, rc, *why ? why : dw_strerror(rc));
  } else {
    v->next = x->inflight;
    x->inflight = v;
    x->ninflight++;
  }
  dw_code_free(dc);
  free(env_json);
  free(args_json);
  free(props_json);
  for (size_t i = 0; i < nlines; i++) free(line_buf[i]);
}

/* Sends the results of the invocations that finished. */
static void finish_done(exe *x) {
  for (inv **pp = &x->inflight; *pp;) {
    inv *v = *pp;
    if (!v->done) {
      pp = &v->next;
      continue;
    }
    *pp = v->next;
    x->ninflight--;
    dw_result *r = NULL;
    char *headers = NULL;
    dw__loader_finish(x->L, v->hc, &r, &headers);
    if (!r) {
      send_failure(x, v->id, DW_E_NOMEM, "out of memory");
    } else {
      /* The frame is written around the result's JSON text (no second parse). */
      dw__loader_stats st;
      dw__loader_stats_get(x->L, &st);
      dw_buf b;
      dw__buf_init(&b, DW_IPC_MAX_JSON);
      int rc = dw__buf_printf(&b, "{\"inv\":%llu,\"warm\":%llu", (unsigned long long)v->id,
                              (unsigned long long)st.cached);
      size_t blen = 0;
      const void *body = dw_result_body(r, &blen);
      void *bin = NULL;
      /* A body past the channel's cap could not be sent and the executor would end, taking
       * its other invocations with it: this one fails alone. */
      if (!rc && blen > DW_IPC_MAX_BIN) rc = DW_E_TOO_LARGE;
      if (!rc && body) {
        json_t *h = headers ? json_loads(headers, 0, NULL) : NULL, *pairs = json_array();
        const char *k;
        json_t *hv;
        json_object_foreach(h, k, hv)
          if (json_is_string(hv)) json_array_append_new(pairs, json_pack("[sO]", k, hv));
        char *ps = json_dumps(pairs, JSON_COMPACT);
        json_decref(h);
        json_decref(pairs);
        rc = ps ? dw__buf_printf(&b, ",\"status\":%d,\"headers\":%s", dw_result_status(r), ps)
                : DW_E_NOMEM;
        free(ps);
        if (blen && !(bin = dw__memdup(body, blen))) blen = 0;
      }
      if (!rc) rc = dw__buf_puts(&b, ",\"result\":");
      if (!rc) rc = dw__buf_puts(&b, dw_result_json(r));
      if (!rc) rc = dw__buf_putc(&b, '}');
      if (rc) {
        dw__buf_free(&b);
        free(bin);
        send_failure(x, v->id, rc, "the result is too large to send");
      } else {
        size_t n = 0;
        char *text = dw__buf_steal(&b, &n);
        out_push(x, DW_IPC_RESULT, text, n, bin, bin ? blen : 0);
      }
      if (dw_result_error(r) == DW_E_MEMORY_LIMIT && !x->stopping) {
        /* After a worker ran out of memory the engine may keep refusing allocations for a
         * while (address space its allocator keeps reserved, counted against RLIMIT_AS):
         * innocent workers then fail too (tests/hostile, finding F2). A fresh process is
         * the way back: finish what is in flight, refuse new work as executor_lost
         * (retriable), exit; the supervisor starts a new executor. */
        fprintf(stderr, "dynworker executor: a worker ran out of memory; this executor is "
                        "replaced once its other invocations are answered\n");
        x->stopping = true;
        out_push_json(x, DW_IPC_RETIRE, json_object(), NULL, 0);
      }
    }
    free(headers);
    dw_result_free(r);
    free(v);
  }
  x->ndone = 0;
}

static void handle_inbox(exe *x) {
  read_frames(x);
  frame *list = x->in_head;
  x->in_head = x->in_tail = NULL;
  bool closed = x->closed;
  while (list) {
    frame *f = list;
    list = f->next;
    json_t *o = json_loadb(f->json, f->json_len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(o)) {
      fprintf(stderr, "dynworker executor: a malformed frame from the supervisor\n");
      _exit(4);
    }
    switch (f->type) {
    case DW_IPC_INVOKE: on_invoke(x, o, f); break;
    case DW_IPC_REPLY: on_reply(x, o, f); break;
    case DW_IPC_FORGET: {
      const char *key = json_string_value(json_object_get(o, "key"));
      if (key) dw__loader_forget(x->L, key);
      break;
    }
    case DW_IPC_STOP: x->stopping = true; break;
    default: break; /* frames meant for the supervisor: ignored */
    }
    json_decref(o);
    frame_free(f);
  }
  /* The supervisor is gone: nobody is left to answer. */
  if (closed) _exit(0);
}

/* What the loop's tick does (a safe point): new frames, finished invocations, output. */
static void work(void *user) {
  exe *x = user;
  handle_inbox(x);
  if (x->ndone) finish_done(x);
  if (x->out_head) out_flush(x);
}

/* ---- Start-up ------------------------------------------------------------------------------ */

static uint32_t env_u32(const char *name, uint32_t dflt, uint32_t max) {
  const char *s = getenv(name);
  char *end;
  unsigned long v = s ? strtoul(s, &end, 10) : 0;
  return s && *s && !*end && v > 0 && v <= max ? (uint32_t)v : dflt;
}

static void hello(exe *x, const dw__contain_report *cr) {
  json_t *steps = json_array();
  for (int i = 0; i < DW__CONTAIN_NSTEPS; i++) {
    unsigned bit = 1u << i;
    const char *status = cr->applied & bit ? "ok" : cr->fell_back & bit ? "refused" : "skipped";
    json_array_append_new(steps, json_pack("{s:s,s:s}", "step", dw__contain_step_name(i), "status", status));
  }
  out_push_json(x, DW_IPC_HELLO, json_pack("{s:i,s:o}", "pid", (int)getpid(), "steps", steps), NULL, 0);
  out_flush(x);
}

int dw__executor_main(void) {
  int fd = DW_IPC_FD;
  int type = 0;
  socklen_t tl = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_STREAM) {
    fprintf(stderr, "dynworker __executor: fd 3 is not the supervisor's channel (this command "
                    "is started by `dynworker serve`, not by hand)\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  uint32_t memory_mb = env_u32("DW_EXECUTOR_MEMORY_MB", 512, 65536);
  uint32_t max_workers = env_u32("DW_EXECUTOR_MAX_WORKERS", 1000, 1000000);
  pid_t parent = getpid();
  /* pid 1 of a new PID namespace where the kernel allows (see contain.h); this process
   * stays behind as the reaper and ends as the executor does. */
  int pid_ns_errno = 0;
  pid_t pid = dw__contain_fork(0, &pid_ns_errno);
  if (pid < 0) return 4;
  if (pid > 0) {
    close(fd);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(st) ? WEXITSTATUS(st) : 4;
  }

  int keep[2] = {fd, STDERR_FILENO};
  dw__contain_opts co = {.phase = DW__CONTAIN_EARLY, .keep_fds = keep, .nkeep = 2,
                         .parent = parent, .channel = fd, .pid_ns_errno = pid_ns_errno};
  dw__contain_report cr;
  dw__contain_report_init(&cr);
  /* Tests only (the supervisor's contain_relaxed): start even when a required step failed. */
  const char *relaxed_env = getenv("DW_EXECUTOR_CONTAIN_RELAXED");
  bool relaxed = relaxed_env && strcmp(relaxed_env, "1") == 0;
  if (dw__contain(&co, &cr) && !relaxed) {
    fprintf(stderr, "dynworker executor: refusing to start: %s\n", cr.message);
    _exit(4);
  }
  static exe xs; /* one per process: this is the process's main */
  exe *x = &xs;
  x->fd = fd;
  dw__loader_remote remote = {.user = x, .desc_call = desc_call, .egress = egress,
                              .tick = work, .wait_fd = fd};
  /* The warm cache is bounded by count (DW_EXECUTOR_MAX_WORKERS) and by the VM's own heap cap
   * (not the loader's 256 MiB default estimate): under memory pressure idle workers are
   * evicted before anything fails (the loader's pressure hook). */
  dw__loader_config cfg = {.max_instances = max_workers, .max_bytes = (size_t)memory_mb << 20,
                           .remote = &remote};
  dw_sandbox_options so = {.limits = {.memory_mb = memory_mb}, .allow_wasm = true};
  /* The engine initialises with the loader's VM: before the root is emptied. */
  if (dw__loader_new(&cfg, &so, NULL, NULL, &x->L)) {
    fprintf(stderr, "dynworker executor: could not create the engine\n");
    _exit(4);
  }
  tzset();
  co.phase = DW__CONTAIN_LATE;
  co.as_headroom = ((size_t)8 << 30) + 4 * (((size_t)memory_mb << 20) + ((size_t)512 << 20));
  if (dw__contain(&co, &cr) && !relaxed) {
    fprintf(stderr, "dynworker executor: refusing to start: %s\n", cr.message);
    _exit(4);
  }
  hello(x, &cr);
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) _exit(4);
  for (;;) {
    int rc = dw__loader_pump(x->L, must_stop, x);
    work(x);
    if (rc) {
      /* The VM is past its cap with nothing left to evict: its calls have failed (and were
       * answered above); a fresh process is the way back. */
      fprintf(stderr, "dynworker executor: %s; exiting\n", dw_strerror(rc));
      _exit(3);
    }
    if (x->stopping && !x->inflight) _exit(0);
  }
}
