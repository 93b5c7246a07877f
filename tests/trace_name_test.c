/* trace_name_from_path: the one rule that names a trace (or a generated trace, a recording, a
 * campaign) after its file. `record -o my.prog.alrt` and loading my.prog.alrt used to disagree
 * ("my" against "my.prog"). */
#include "tap.h"
#include "trace/trace.h"

#include <stdlib.h>
#include <string.h>

static void expect(const char *path, const char *want)
{
    char *got = trace_name_from_path(path);
    TAP_OK(got && !strcmp(got, want), "%s -> %s (got %s)", path, want, got ? got : "NULL");
    free(got);
}

int main(void)
{
    expect("traces/list-churn.yaml", "list-churn");
    expect("a.yml", "a");
    expect("my.prog.alrt", "my.prog");
    expect("/tmp/out/my.prog.alrt", "my.prog");
    expect("app.android.txt", "app");
    expect("app.v2.android.txt", "app.v2");
    expect("run.mtrace", "run");
    expect("server-churn.yaml", "server-churn");
    expect("notes.txt", "notes.txt");    /* .txt alone is no trace extension */
    expect("archive.alrt.gz", "archive.alrt.gz");
    expect(".alrt", ".alrt");            /* nothing would be left */
    expect("dir.d/plain", "plain");
    return tap_done();
}
