#!/usr/bin/env bash
# Re-records the traces of traces/recorded/ with `allocreplay record` (the commands are
# also listed in traces/README.md). Recorded traces depend on the C library, the program
# versions and the environment, so a re-recording differs in detail from the shipped files.
#   traces/recorded/record.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ar=$(cd "${1:-$here/../../build}" && pwd)/harness/allocreplay
cd "$here"
"$ar" record -o sqlite-small.alrt -- sh -c 'exec sqlite3 :memory: < sqlite-small.sql' >/dev/null
PYTHONMALLOC=malloc "$ar" record -o python-json.alrt -- /usr/bin/python3 -S -c '
import json, _thread
done = _thread.allocate_lock()
def work(n, last):
    d = [{"id": i, "name": "n%d" % i, "v": [i, i * 2.5]} for i in range(n)]
    assert json.loads(json.dumps(d)) == d
    if last: done.release()
done.acquire()
_thread.start_new_thread(work, (40, True))
work(40, False)
done.acquire()
'
"$ar" record --follow-forks -o gcc-compile.alrt -- gcc -O1 -c gcc-input.c -o /dev/null
