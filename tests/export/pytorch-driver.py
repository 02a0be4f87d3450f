"""Runs several exported train.py programs in one Python process (importing torch once), for
tests/export/pytorch.test.ts. Argument: a JSON file {"runs": [[folder, [args...]], ...],
"strings": FILE}; each run is train.py as `python3 train.py ARGS` in its folder would run it.
With "strings", prints the STRINGS list of that Python file as JSON (the escaping test)."""
import json
import os
import runpy
import sys

job = json.load(open(sys.argv[1]))
for folder, args in job["runs"]:
    for name in ("model", "grove_support"):
        sys.modules.pop(name, None)
    sys.path.insert(0, folder)
    sys.argv = [os.path.join(folder, "train.py"), *args]
    runpy.run_path(sys.argv[0], run_name="__main__")
    sys.path.remove(folder)
if job.get("strings"):
    print("STRINGS " + json.dumps(runpy.run_path(job["strings"])["STRINGS"]))
