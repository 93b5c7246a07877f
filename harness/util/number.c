#include "util/number.h"

#include <math.h> /* isfinite: a macro, no libm */
#include <stdio.h>
#include <stdlib.h>

int number_format(char *buf, size_t len, double v)
{
    if (!isfinite(v)) {
        if (len)
            buf[0] = '\0';
        return -1;
    }
    /* 2^53: every whole double below it is an exact integer; %.0f of -0.0 would print "-0". */
    double mag = v < 0 ? -v : v;
    if (mag < 9007199254740992.0 && v == (double)(long long)v) {
        snprintf(buf, len, "%.0f", v == 0 ? 0.0 : v);
        return 0;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return 0;
}
