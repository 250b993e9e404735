# make interop: a PromQL query through Prometheus's HTTP API, until its value reaches a floor.
# Usage: promql.py PROMETHEUS_PORT QUERY MIN; prints the value and exits 0 once the query's
# (single) result is >= MIN; 1 if it is not within 60 s. Prometheus gives no notice of a scrape,
# so this asks again, four times a second: the wait is for the scrape, bounded, not a guess.
import json
import sys
import time
import urllib.parse
import urllib.request

port, query, floor = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
url = "http://127.0.0.1:%d/api/v1/query?query=%s" % (port, urllib.parse.quote(query))
deadline, value = time.monotonic() + 60, None
while time.monotonic() < deadline:
    reply = json.load(urllib.request.urlopen(url))
    result = reply["data"]["result"]
    if reply["status"] == "success" and len(result) == 1:
        value = float(result[0]["value"][1])
        if value >= floor:
            print(value)
            sys.exit(0)
    time.sleep(0.25)
print("%s: %s, wanted at least %g" % (query, value, floor))
sys.exit(1)
