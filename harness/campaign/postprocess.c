#include "campaign/postprocess.h"

#include "campaign/aggregate.h"
#include "campaign/plot.h"
#include "campaign/report.h"

#include <stdio.h>

int results_postprocess(const char *dir, unsigned charts, char *err, size_t err_len)
{
    struct aggregate agg;
    char path[4200], plot_err[1024];
    int rc;

    if (aggregate_load(&agg, dir, err, err_len))
        return -1;
    snprintf(path, sizeof path, "%s/aggregate.csv", dir);
    rc = aggregate_write(&agg, path, err, err_len);
    aggregate_free(&agg);
    if (rc || !charts)
        return rc;
    int drawn = plot_results(dir, charts, plot_err, sizeof plot_err);
    if (report_write(dir, err, err_len))
        return -1;
    if (drawn < 0) {
        snprintf(err, err_len, "no charts: %s (then run: allocreplay plot %s)", plot_err, dir);
        return -1;
    }
    return 0;
}
