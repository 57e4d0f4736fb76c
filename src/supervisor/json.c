/* dw__json_dumps: JSON text with short numbers (supervisor.h). A file of its own: the HTTP
 * layer's unit test links it next to a test double of the rest of the supervisor. */
#include <stdio.h>
#include <stdlib.h>
#include "supervisor/supervisor.h"

/* The fewest significant digits that read back as d (1..17). */
static int shortest_digits(double d) {
  char buf[40];
  for (int p = 1; p < 17; p++) {
    snprintf(buf, sizeof buf, "%.*g", p, d);
    if (strtod(buf, NULL) == d) return p;
  }
  return 17;
}

/* The most digits any real in v needs; the walk is bounded (past it: 17). */
static int max_digits(const json_t *v, int depth, size_t *budget) {
  if (!*budget || depth > 2048) return 17;
  (*budget)--;
  if (json_is_real(v)) return shortest_digits(json_real_value(v));
  int best = 1;
  if (json_is_array(v)) {
    for (size_t i = 0; i < json_array_size(v) && best < 17; i++) {
      int d = max_digits(json_array_get(v, i), depth + 1, budget);
      if (d > best) best = d;
    }
  } else if (json_is_object(v)) {
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
      int d = max_digits(x, depth + 1, budget);
      if (d > best) best = d;
      if (best >= 17) break;
    }
  }
  return best;
}

char *dw__json_dumps(const json_t *v, size_t flags) {
  size_t budget = (size_t)1 << 22;
  int p = max_digits(v, 0, &budget);
  return json_dumps(v, flags | JSON_REAL_PRECISION(p));
}
