/* The report a worker writes to the driver over a pipe: text lines, versioned by the first.
 *
 *   allocreplay-report 1
 *   s COLUMN VALUE             a summary.csv value (COLUMN from SUMMARY_COLUMNS)
 *   l OP LO_NS HI_NS COUNT     one non-empty latency histogram bucket of operation OP
 *   t EVENT LIVE FOOTPRINT RSS TIME_S
 *                              one memory sample ("-" for a footprint the backend cannot say,
 *                              and for the time of an unpaced pass: seconds since its start)
 *   p DONE TOTAL               progress of a single-threaded pass, written during it: DONE
 *                              events replayed so far (over every loop of the throughput
 *                              pass), TOTAL the trace's events
 *   fail REASON                the pass failed (verify mismatch, out of memory, bad input)
 *   end                        the report is complete
 *
 * A report without "end" means the worker died; the driver then names the signal or exit
 * status instead. Values never contain a newline. */
#ifndef ALLOCREPLAY_WORKER_REPORT_H
#define ALLOCREPLAY_WORKER_REPORT_H

#define WORKER_REPORT_MAGIC "allocreplay-report 1"

/* Exit statuses of the worker. */
#define WORKER_EXIT_OK 0
#define WORKER_EXIT_FAILED 1 /* a "fail" line was written */
#define WORKER_EXIT_USAGE 2  /* bad arguments or backend spec (message on stderr) */

#endif
