# Allocation-heavy Python workload for bench/recorder_overhead.sh and traces/recorded/.
# Run with PYTHONMALLOC=malloc so every object goes through malloc.
import json
data = [{"id": i, "name": "item%d" % i, "tags": ["a", "b", str(i)],
         "nested": {"x": i * 1.5, "y": [i, i + 1]}} for i in range(20000)]
for _ in range(5):
    d = json.loads(json.dumps(data))
