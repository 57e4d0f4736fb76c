/* A fake executor for tests/unit/test_supervisor.c: speaks the ipc protocol on fd 3
 * (src/executor/ipc.h) without any JavaScript. What it does with an invocation is chosen by
 * the code's mainModule name:
 *
 *   ok.js        answer ok: {pid, args, method, entrypoint, props, depth, egress, warmHit,
 *                forgets, codeHasOutbound, env: [...names], fdsAbove3}
 *   fetch.js     answer as a fetch handler: 200, body "fetched <method> <url> <body>"
 *   hang.js      never answer
 *   sleep.js     sleep 3600 s (the whole process stops)
 *   crash.js     abort()
 *   rss.js       touch 512 MiB, then never answer
 *   badheader.js / oversize.js / badjson.js / dupkeys.js / unknowninv.js / wrongtype.js
 *                send that kind of malformed frame
 *   call.js      args [binding, method, callArgs, body?]: a CALL with desc env[binding]
 *                (binding "$egress": {"$egress": true}; an object: that desc, forged), key
 *                and inv; answers ok with {"reply": the REPLY message, "body": its bin}.
 *                Args [binding, method]: the call forwards these same args (recursion).
 *   bgcall.js    answers ok at once, then makes the same CALL as background work (inv null,
 *                only the key); its REPLY is kept and ok.js reports it as lastBgReply
 *
 * Started with DW_EXECUTOR_MAX_WORKERS=7 it never says HELLO (the HELLO timeout test).
 *
 * Warm workers: a map key -> code. An INVOKE with a key and no code for an unknown key gets
 * NEED_CODE. FORGET drops the key. STOP exits 0. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "executor/ipc.h"

extern char **environ;

static json_t *warm;     /* key -> code */
static json_t *pending;  /* call id (string) -> {inv, key} */
static int forgets;
static json_t *last_bg_reply; /* the REPLY of the last background CALL */

static void send_json(uint8_t type, json_t *msg, const void *bin, size_t bin_len) {
  char *s = json_dumps(msg, JSON_COMPACT);
  if (dw__ipc_write(DW_IPC_FD, type, s, strlen(s), bin, bin_len)) _exit(2);
  free(s);
  json_decref(msg);
}

static void result(json_int_t inv, json_t *value) {
  json_t *r = json_pack("{s:b, s:o, s:n, s:[], s:n, s:f, s:f}", "ok", 1, "result", value,
                        "response", "logs", "error", "cpuMs", 1.0, "wallMs", 1.0);
  send_json(DW_IPC_RESULT, json_pack("{s:I, s:o, s:i}", "inv", inv, "result", r, "warm",
                                     (int)json_object_size(warm)),
            NULL, 0);
}

static int fds_above_3(void) {
  int n = 0;
  for (int fd = 4; fd < 256; fd++)
    if (fcntl(fd, F_GETFD) != -1) n++;
  return n;
}

static void raw(const void *p, size_t n) {
  if (write(DW_IPC_FD, p, n) != (ssize_t)n) _exit(2);
}

static void on_invoke(json_t *m, const void *bin, size_t bin_len) {
  json_int_t inv = json_integer_value(json_object_get(m, "inv"));
  const char *key = json_string_value(json_object_get(m, "key"));
  json_t *code = json_object_get(m, "code");
  bool hit = false;
  if (key) {
    if (code) {
      json_object_set(warm, key, code);
    } else {
      code = json_object_get(warm, key);
      if (!code) {
        send_json(DW_IPC_NEED_CODE, json_pack("{s:I}", "inv", inv), NULL, 0);
        return;
      }
      hit = true;
    }
  }
  const char *main = json_string_value(json_object_get(code, "mainModule"));
  if (!main) main = "ok.js";
  uint8_t hdr[DW_IPC_HEADER];
  if (!strcmp(main, "ok.js")) {
    json_t *env = json_array();
    for (char **e = environ; *e; e++) json_array_append_new(env, json_string(*e));
    json_t *args = json_object_get(m, "args");
    result(inv, json_pack("{s:i, s:O, s:O, s:O, s:O, s:O, s:O, s:b, s:i, s:b, s:o, s:i, s:O, s:O}",
                          "pid", (int)getpid(), "args", args ? args : json_null(), "method",
                          json_object_get(m, "method"), "entrypoint",
                          json_object_get(m, "entrypoint"), "props",
                          json_object_get(m, "props") ? json_object_get(m, "props") : json_null(),
                          "depth", json_object_get(m, "depth"), "egress",
                          json_object_get(m, "egress"), "warmHit", hit, "forgets", forgets,
                          "codeHasOutbound", json_object_get(code, "globalOutbound") != NULL,
                          "env", env, "fdsAbove3", fds_above_3(), "codeEnv",
                          json_object_get(code, "env") ? json_object_get(code, "env") : json_null(),
                          "lastBgReply", last_bg_reply ? last_bg_reply : json_null()));
  } else if (!strcmp(main, "fetch.js")) {
    json_t *req = json_object_get(m, "request");
    char body[4096];
    int n = snprintf(body, sizeof body, "fetched %s %s %.*s",
                     json_string_value(json_object_get(req, "method")),
                     json_string_value(json_object_get(req, "url")), (int)bin_len,
                     bin ? (const char *)bin : "");
    json_t *r = json_pack("{s:b, s:n, s:{s:i}, s:[], s:n, s:f, s:f}", "ok", 1, "result",
                          "response", "status", 200, "logs", "error", "cpuMs", 1.0, "wallMs", 1.0);
    send_json(DW_IPC_RESULT, json_pack("{s:I, s:o, s:i, s:[[s,s]]}", "inv", inv, "result", r,
                                       "status", 200, "headers", "content-type", "text/plain"),
              body, (size_t)n);
  } else if (!strcmp(main, "hang.js")) {
    /* nothing */
  } else if (!strcmp(main, "sleep.js")) {
    sleep(3600);
  } else if (!strcmp(main, "crash.js")) {
    abort();
  } else if (!strcmp(main, "rss.js")) {
    size_t n = (size_t)512 << 20;
    static char *volatile fat; /* kept: the compiler may not drop the allocation */
    fat = malloc(n);
    if (fat)
      for (size_t i = 0; i < n; i += 4096) fat[i] = 1;
  } else if (!strcmp(main, "badheader.js")) {
    dw__ipc_header_put(hdr, 99, 2, 0);
    raw(hdr, sizeof hdr);
    raw("{}", 2);
  } else if (!strcmp(main, "oversize.js")) {
    dw__ipc_header_put(hdr, DW_IPC_RESULT, 0xFFFFFFFFu, 0);
    raw(hdr, sizeof hdr);
  } else if (!strcmp(main, "badjson.js")) {
    dw__ipc_header_put(hdr, DW_IPC_RESULT, 9, 0);
    raw(hdr, sizeof hdr);
    raw("{not json", 9);
  } else if (!strcmp(main, "dupkeys.js")) {
    char js[256];
    int n = snprintf(js, sizeof js,
                     "{\"inv\":%lld,\"inv\":%lld,\"result\":{\"ok\":true,\"logs\":[]}}",
                     (long long)inv, (long long)inv);
    dw__ipc_write(DW_IPC_FD, DW_IPC_RESULT, js, (size_t)n, NULL, 0);
  } else if (!strcmp(main, "unknowninv.js")) {
    result(inv + 1000000, json_null());
  } else if (!strcmp(main, "wrongtype.js")) {
    send_json(DW_IPC_INVOKE, json_pack("{s:I}", "inv", inv), NULL, 0);
  } else if (!strcmp(main, "call.js") || !strcmp(main, "bgcall.js")) {
    bool bg = !strcmp(main, "bgcall.js");
    json_t *args = json_object_get(m, "args");
    json_t *b = json_array_get(args, 0);
    json_t *desc;
    if (json_is_object(b)) desc = json_incref(b);
    else if (!strcmp(json_string_value(b), "$egress")) desc = json_pack("{s:b}", "$egress", 1);
    else desc = json_incref(json_object_get(json_object_get(code, "env"), json_string_value(b)));
    const char *body = json_string_value(json_array_get(args, 3));
    static json_int_t next_call = 1;
    json_int_t call = next_call++;
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)call);
    json_object_set_new(pending, id, json_pack("{s:I, s:b}", "inv", inv, "bg", bg));
    if (bg) result(inv, json_string("background work started"));
    send_json(DW_IPC_CALL,
              json_pack("{s:I, s:o, s:O, s:o, s:O, s:O}", "call", call, "inv",
                        bg ? json_null() : json_integer(inv), "key",
                        json_object_get(m, "key"), "desc", desc ? desc : json_null(), "method",
                        json_array_get(args, 1), "args",
                        json_array_size(args) == 2 ? args : json_array_get(args, 2)),
              body, body ? strlen(body) : 0);
  } else {
    result(inv, json_string("unknown behaviour"));
  }
}

static void on_reply(json_t *m, const void *bin, size_t bin_len) {
  char id[32];
  snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(m, "call")));
  json_t *p = json_object_get(pending, id);
  if (!p) _exit(3);
  json_int_t inv = json_integer_value(json_object_get(p, "inv"));
  if (json_is_true(json_object_get(p, "bg"))) {
    json_decref(last_bg_reply);
    last_bg_reply = json_incref(m);
    json_object_del(pending, id);
    return;
  }
  json_object_del(pending, id);
  result(inv, json_pack("{s:O, s:s%}", "reply", m, "body", bin ? (const char *)bin : "",
                        bin_len));
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "__executor")) return 64;
  signal(SIGPIPE, SIG_IGN);
  warm = json_object();
  pending = json_object();
  const char *mw = getenv("DW_EXECUTOR_MAX_WORKERS");
  if (mw && !strcmp(mw, "7"))
    for (;;) pause(); /* silent: the supervisor must give up on it */
  send_json(DW_IPC_HELLO,
            json_pack("{s:i, s:[{s:s, s:s, s:s}, {s:s, s:s}]}", "pid", (int)getpid(), "steps",
                      "step", "user_namespace", "status", "refused", "detail", "fake executor",
                      "step", "no_new_privs", "status", "ok"),
            NULL, 0);
  for (;;) {
    uint8_t type;
    char *js;
    void *bin;
    size_t jn, bn;
    if (dw__ipc_read(DW_IPC_FD, &type, &js, &jn, &bin, &bn)) return 0; /* supervisor gone */
    json_error_t je;
    json_t *m = json_loadb(js, jn, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(m)) return 5;
    switch (type) {
    case DW_IPC_INVOKE: on_invoke(m, bin, bn); break;
    case DW_IPC_REPLY: on_reply(m, bin, bn); break;
    case DW_IPC_FORGET:
      json_object_del(warm, json_string_value(json_object_get(m, "key")));
      forgets++;
      break;
    case DW_IPC_STOP: return 0;
    default: return 6;
    }
    json_decref(m);
    free(js);
    free(bin);
  }
}
