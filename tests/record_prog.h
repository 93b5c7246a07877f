/* Constants shared by record_prog.c (the recorded program) and record_recorder_test.c. */
#ifndef ALLOCREPLAY_RECORD_PROG_H
#define ALLOCREPLAY_RECORD_PROG_H

#define PROG_MARK_BEGIN 387793u /* sizes nothing else asks for */
#define PROG_MARK_END 387794u

#define PROG_THREADS 4
#define PROG_THREAD_ITERS 3000
#define PROG_THREAD_SIZE(i) (10000u + (unsigned)(i))
#define PROG_HANDOFFS 2000
#define PROG_HANDOFF_SIZE 777u

#define PROG_FORK_PARENT_BEFORE 11111u
#define PROG_FORK_CHILD 22222u
#define PROG_FORK_PARENT_AFTER 33333u

#define PROG_DLOPEN_SIZE 55555u

#define PROG_SLEEP_BEFORE 66666u /* allocated, then PROG_SLEEP_MS of sleep, then the other */
#define PROG_SLEEP_AFTER 66667u
#define PROG_SLEEP_MS 100
#define PROG_PHASES 4          /* phases: allocations, then a pause the import can use */
#define PROG_PHASE_OBJECTS 100000
#define PROG_PHASE_MS 30
#define PROG_HANDOVER_SIZE 77777u /* handover: allocated by main between create and join */
#define PROG_HANDOVER_MS 5000     /* how long the watching thread waits for main's records */

#endif
