/* Numbers as text for machine-read outputs (compare's CSV, JSON): a whole number exactly, as
 * an integer ("3436544", never "3.43654e+06"), anything else in the fewest significant digits
 * that read back as the same double. */
#ifndef ALLOCREPLAY_NUMBER_H
#define ALLOCREPLAY_NUMBER_H

#include <stddef.h>

/* Writes V into buf (at least NUMBER_BUF bytes): an integer when V is whole and below 2^53 in
 * magnitude, else the shortest %g text that round-trips. NaN and infinities write "" and
 * return -1 (CSV leaves the field empty, JSON writes null); otherwise returns 0. */
#define NUMBER_BUF 32
int number_format(char *buf, size_t len, double v);

#endif
