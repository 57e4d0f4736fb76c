/* What the Web APIs ask of their sandbox: console lines and timers. */
#include <math.h>
#include <string.h>
#include "sandbox_internal.h"

static void host_log(void *user, const char *level, const char *msg, size_t len) {
  dw_sandbox *sb = user;
  if (sb->log_cb) sb->log_cb(sb->log_user, level, msg, len);
  if (sb->logs_truncated || sb->logs_off) return;
  size_t mark = sb->logs.len;
  double ts = dw__epoch_ms();
  int rc = sb->nlogs >= DW__LOGS_MAX_LINES ? DW_E_TOO_LARGE : 0;
  if (!rc && sb->nlogs) rc = dw__buf_putc(&sb->logs, ',');
  if (!rc) rc = dw__buf_puts(&sb->logs, "{\"level\":");
  if (!rc) rc = dw__buf_json_str(&sb->logs, level, strlen(level));
  if (!rc) rc = dw__buf_puts(&sb->logs, ",\"message\":");
  if (!rc) rc = dw__buf_json_str(&sb->logs, msg, len);
  if (!rc) rc = dw__buf_printf(&sb->logs, ",\"ts\":%.0f}", ts);
  if (!rc) {
    sb->nlogs++;
    return;
  }
  /* Over the cap: cut back to the last whole entry and say so, once. */
  sb->logs.len = mark;
  if (sb->logs.data) sb->logs.data[mark] = 0;
  sb->logs_truncated = true;
}

static double host_timer_set(void *user, dw__ctx *c, dw_val fn, double ms, bool repeat,
                             dw_val *exc) {
  dw_sandbox *sb = user;
  if (sb->ntimers >= DW__TIMERS_MAX) {
    *exc = dw__make_error(c, "RangeError", "too many timers (the limit is 10000)");
    return 0;
  }
  if (sb->ntimers == sb->timers_cap) {
    size_t cap = sb->timers_cap ? sb->timers_cap * 2 : 8;
    dw__timer *t = realloc(sb->timers, cap * sizeof *t);
    if (!t) {
      *exc = dw__make_error(c, "RangeError", "out of memory");
      return 0;
    }
    sb->timers = t;
    sb->timers_cap = cap;
  }
  if (!(ms >= 0) || isinf(ms)) ms = 0;
  if (ms > 2147483647.0) ms = 0; /* as browsers: an overflowing delay means 0 */
  uint64_t ns = (uint64_t)(ms * 1e6);
  if (repeat && ns < 1000000u) ns = 1000000u; /* intervals tick at most every 1 ms */
  dw__timer *t = &sb->timers[sb->ntimers++];
  t->id = ++sb->next_timer_id;
  t->due = dw__now_ns() + ns;
  t->interval = repeat ? ns : 0;
  t->fn = fn;
  dw__protect(c, fn);
  return t->id;
}

static void remove_at(dw_sandbox *sb, size_t i) {
  dw__unprotect(sb->c, sb->timers[i].fn);
  sb->timers[i] = sb->timers[--sb->ntimers];
}

static void host_timer_clear(void *user, dw__ctx *c, double id) {
  dw_sandbox *sb = user;
  for (size_t i = 0; i < sb->ntimers; i++)
    if (sb->timers[i].id == id) {
      remove_at(sb, i);
      return;
    }
}

void dw__sandbox_host_init(dw_sandbox *sb) {
  sb->host.user = sb;
  sb->host.log = host_log;
  sb->host.timer_set = host_timer_set;
  sb->host.timer_clear = host_timer_clear;
}

void dw__timers_clear(dw_sandbox *sb) {
  while (sb->ntimers) remove_at(sb, sb->ntimers - 1);
}

static size_t earliest(dw_sandbox *sb) {
  size_t best = 0;
  for (size_t i = 1; i < sb->ntimers; i++)
    if (sb->timers[i].due < sb->timers[best].due ||
        (sb->timers[i].due == sb->timers[best].due && sb->timers[i].id < sb->timers[best].id))
      best = i;
  return best;
}

uint64_t dw__timers_next_due(dw_sandbox *sb) {
  return sb->ntimers ? sb->timers[earliest(sb)].due : UINT64_MAX;
}

/* Runs the earliest timer. An exception escaping a timer callback ends the invocation as an
 * uncaught exception, unless it has already settled. */
void dw__timers_fire_one(dw_sandbox *sb) {
  if (!sb->ntimers) return;
  size_t i = earliest(sb);
  dw__timer *t = &sb->timers[i];
  dw_val fn = t->fn;
  double id = t->id;
  dw__protect(sb->c, fn);
  if (t->interval) t->due = dw__now_ns() + t->interval;
  else remove_at(sb, i);
  dw_val exc = NULL;
  dw__call(sb->c, fn, NULL, 0, NULL, &exc);
  dw__unprotect(sb->c, fn);
  (void)id;
  if (exc && !dw__vm_terminated(sb->vm)) {
    dw_val report = dw__get_index(sb->c, sb->runtime, RT_TIMER_ERROR, NULL);
    if (report) dw__call(sb->c, report, NULL, 1, &exc, NULL);
  }
}
