/* dw_result: the outcome of one invocation, in the shape every interface shares. */
#include <jansson.h>
#include <string.h>
#include "sandbox_internal.h"

#define MAX_RESULT_BYTES ((size_t)512 << 20)

struct dw_result {
  int err;
  int status;
  char *json;       /* the whole result object */
  char *value_json; /* "result", or NULL */
  void *body;
  size_t body_len;
  bool has_body;
  double cpu_ms, wall_ms;
};

static int put_error(dw_buf *b, int err, const char *name, const char *message,
                     const char *stack) {
  const char *code = dw_err_code(err);
  int rc = dw__buf_puts(b, "{\"code\":");
  if (!rc) rc = dw__buf_json_str(b, code, strlen(code));
  if (!rc) rc = dw__buf_puts(b, ",\"name\":");
  if (!rc) rc = dw__buf_json_str(b, name, strlen(name));
  if (!rc) rc = dw__buf_puts(b, ",\"message\":");
  if (!rc) rc = dw__buf_json_str(b, message, strlen(message));
  if (!rc) rc = dw__buf_puts(b, ",\"stack\":");
  if (!rc) rc = dw__buf_json_str(b, stack, strlen(stack));
  if (!rc) rc = dw__buf_putc(b, '}');
  return rc;
}

static const char *jstr(json_t *o, const char *k, const char *dflt) {
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : dflt;
}

/* Appends the "response" object of a fetch handler from the runtime's outcome. */
static int put_response(dw_buf *b, json_t *outcome, const dw_sandbox *sb, int *status) {
  *status = (int)json_integer_value(json_object_get(outcome, "status"));
  int rc = dw__buf_printf(b, "{\"status\":%d,\"headers\":", *status);
  char *h = json_dumps(json_object_get(outcome, "headers"), JSON_COMPACT | JSON_ENCODE_ANY);
  if (!rc) rc = h ? dw__buf_puts(b, h) : DW_E_NOMEM;
  free(h);
  const char *body = sb->has_body ? sb->body : "";
  size_t n = sb->has_body ? sb->body_len : 0;
  if (!rc) rc = dw__buf_puts(b, ",\"body\":");
  if (!rc) rc = dw__buf_json_str(b, body, n);
  if (!rc && !dw__utf8_valid(body, n)) rc = dw__buf_puts(b, ",\"bodyNotUtf8\":true");
  if (!rc) rc = dw__buf_putc(b, '}');
  return rc;
}

int dw__result_build(dw_sandbox *sb, int limit, dw_result **out) {
  dw_result *r = calloc(1, sizeof *r);
  if (!r) return DW_E_NOMEM;
  json_t *outcome = sb->outcome_json ? json_loads(sb->outcome_json, 0, NULL) : NULL;
  r->cpu_ms = sb->cpu_ms;
  r->wall_ms = sb->wall_ms;
  r->err = limit;
  if (!r->err && !sb->ok)
    r->err = dw_err_from_code(jstr(outcome, "code", "uncaught_exception"));
  const char *kind = r->err ? "" : jstr(outcome, "kind", "");

  dw_buf b;
  dw__buf_init(&b, MAX_RESULT_BYTES);
  int rc = dw__buf_printf(&b, "{\"ok\":%s,\"result\":", r->err ? "false" : "true");
  if (!rc) {
    if (!r->err && strcmp(kind, "value") == 0 && sb->value_json) {
      rc = dw__buf_puts(&b, sb->value_json);
      r->value_json = dw__strdup(sb->value_json);
    } else {
      rc = dw__buf_puts(&b, "null");
    }
  }
  if (!rc) rc = dw__buf_puts(&b, ",\"response\":");
  if (!rc) {
    if (!r->err && strcmp(kind, "response") == 0) {
      rc = put_response(&b, outcome, sb, &r->status);
      r->body = sb->body;
      r->body_len = sb->body_len;
      r->has_body = sb->has_body;
      sb->body = NULL;
      sb->has_body = false;
    } else {
      rc = dw__buf_puts(&b, "null");
    }
  }
  if (!rc) rc = dw__buf_puts(&b, ",\"logs\":[");
  if (!rc && sb->logs.len) rc = dw__buf_append(&b, sb->logs.data, sb->logs.len);
  if (!rc && sb->logs_truncated)
    rc = dw__buf_printf(&b, "%s{\"level\":\"warn\",\"message\":\"[logs truncated: over %zu "
                            "lines or %zu bytes]\",\"ts\":0}",
                        sb->nlogs ? "," : "", (size_t)DW__LOGS_MAX_LINES, DW__LOGS_MAX_BYTES);
  if (!rc) rc = dw__buf_puts(&b, "],\"error\":");
  if (!rc) {
    if (!r->err) rc = dw__buf_puts(&b, "null");
    else if (limit) rc = put_error(&b, limit, "Error", dw__limit_message(limit), "");
    else
      rc = put_error(&b, r->err, jstr(outcome, "name", "Error"),
                     jstr(outcome, "message", "unknown error"), jstr(outcome, "stack", ""));
  }
  if (!rc) rc = dw__buf_printf(&b, ",\"cpuMs\":%.3f,\"wallMs\":%.3f}", r->cpu_ms, r->wall_ms);
  json_decref(outcome);
  if (rc) {
    /* The result itself is too large: report that instead, without the parts. */
    dw__buf_reset(&b);
    r->err = DW_E_TOO_LARGE;
    free(r->value_json);
    r->value_json = NULL;
    dw__buf_printf(&b, "{\"ok\":false,\"result\":null,\"response\":null,\"logs\":[],\"error\":");
    put_error(&b, DW_E_TOO_LARGE, "RangeError", "The result is larger than 512 MiB", "");
    dw__buf_printf(&b, ",\"cpuMs\":%.3f,\"wallMs\":%.3f}", r->cpu_ms, r->wall_ms);
  }
  r->json = dw__buf_steal(&b, NULL);
  *out = r;
  return r->err;
}

int dw__result_fail(dw_result **out, int err, const char *name, const char *msg,
                    dw_sandbox *sb) {
  dw_result *r = calloc(1, sizeof *r);
  if (!r) return DW_E_NOMEM;
  r->err = err;
  dw_buf b;
  dw__buf_init(&b, 1 << 20);
  dw__buf_puts(&b, "{\"ok\":false,\"result\":null,\"response\":null,\"logs\":[],\"error\":");
  put_error(&b, err, name, msg, "");
  dw__buf_puts(&b, ",\"cpuMs\":0,\"wallMs\":0}");
  r->json = dw__buf_steal(&b, NULL);
  *out = r;
  return err;
}

void dw_result_free(dw_result *r) {
  if (!r) return;
  free(r->json);
  free(r->value_json);
  free(r->body);
  free(r);
}

bool dw_result_ok(const dw_result *r) { return r && r->err == 0; }
int dw_result_error(const dw_result *r) { return r ? r->err : DW_E_NOMEM; }
const char *dw_result_json(const dw_result *r) { return r ? r->json : NULL; }
const char *dw_result_value_json(const dw_result *r) { return r ? r->value_json : NULL; }
int dw_result_status(const dw_result *r) { return r ? r->status : 0; }
double dw_result_cpu_ms(const dw_result *r) { return r ? r->cpu_ms : 0; }
double dw_result_wall_ms(const dw_result *r) { return r ? r->wall_ms : 0; }

const void *dw_result_body(const dw_result *r, size_t *len) {
  if (!r || !r->has_body) return NULL;
  if (len) *len = r->body_len;
  return r->body ? r->body : "";
}

int dw__result_make(const dw__result_parts *p, dw_result **out) {
  *out = NULL;
  dw_result *r = calloc(1, sizeof *r);
  if (!r) return DW_E_NOMEM;
  r->err = p->err;
  r->cpu_ms = p->cpu_ms;
  r->wall_ms = p->wall_ms;
  r->status = p->status;
  dw_buf b;
  dw__buf_init(&b, MAX_RESULT_BYTES);
  int rc = dw__buf_printf(&b, "{\"ok\":%s,\"result\":", p->err ? "false" : "true");
  if (!rc) rc = dw__buf_puts(&b, !p->err && p->value_json ? p->value_json : "null");
  if (!rc) rc = dw__buf_puts(&b, ",\"response\":");
  if (!rc && !p->err && p->has_body) {
    const char *body = p->body ? p->body : "";
    rc = dw__buf_printf(&b, "{\"status\":%d,\"headers\":%s,\"body\":", p->status,
                        p->headers_json ? p->headers_json : "{}");
    if (!rc) rc = dw__buf_json_str(&b, body, p->body_len);
    if (!rc && !dw__utf8_valid(body, p->body_len)) rc = dw__buf_puts(&b, ",\"bodyNotUtf8\":true");
    if (!rc) rc = dw__buf_putc(&b, '}');
  } else if (!rc) {
    rc = dw__buf_puts(&b, "null");
  }
  if (!rc) rc = dw__buf_printf(&b, ",\"logs\":[%s],\"error\":", p->logs_json ? p->logs_json : "");
  if (!rc) rc = p->err ? put_error(&b, p->err, p->name ? p->name : "Error",
                                   p->message ? p->message : dw_strerror(p->err),
                                   p->stack ? p->stack : "")
                       : dw__buf_puts(&b, "null");
  if (!rc) rc = dw__buf_printf(&b, ",\"cpuMs\":%.3f,\"wallMs\":%.3f}", p->cpu_ms, p->wall_ms);
  if (!rc && !p->err && p->value_json) rc = (r->value_json = dw__strdup(p->value_json)) ? 0 : DW_E_NOMEM;
  if (!rc && !p->err && p->has_body) {
    r->body = p->body_len ? dw__memdup(p->body, p->body_len) : NULL;
    r->body_len = p->body_len;
    r->has_body = true;
    if (p->body_len && !r->body) rc = DW_E_NOMEM;
  }
  if (rc) {
    dw__buf_free(&b);
    dw_result_free(r);
    return rc;
  }
  r->json = dw__buf_steal(&b, NULL);
  *out = r;
  return 0;
}
