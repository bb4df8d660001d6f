"""Measure the addon's pages against Odoo's own on the same data (run by bench/run).

Sequential latency (median, p95) and SQL queries per request from the server's
request log, then throughput under a bounded concurrent load with ApacheBench. Every
figure is printed next to Odoo's equivalent page and the ratio ours/Odoo.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time

import requests

BASE = os.environ["BENCH_URL"]
DB = os.environ["BENCH_DB"]
LOG = os.environ["BENCH_SERVER_LOG"]
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 60))
LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", 10))
LOAD_CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", 20))
prepared = json.load(open(os.environ["BENCH_PREPARED"]))
# Odoo's request log: status, SQL queries, SQL seconds, the rest of the server's seconds.
LINE = re.compile(r'"GET (\S+) HTTP/1\.1" (\d{3}) - (\d+) ([\d.]+) ([\d.]+)')


def session_for(customer=None):
    session = requests.Session()
    if customer:
        response = session.post(
            f"{BASE}/web/session/authenticate",
            json={
                "params": {"db": DB, "login": customer["login"], "password": customer["password"]}
            },
            timeout=30,
        )
        response.raise_for_status()
    return session


def queries_of(marker, skip):
    """SQL queries per request of the requests tagged ``marker``: the median per
    URL after the ``skip`` first ones (warm-up), summed over the URLs."""
    counts = {}
    with open(LOG) as handle:
        for line in handle:
            match = LINE.search(line)
            if match and marker in match.group(1):
                counts.setdefault(match.group(1), []).append(int(match.group(3)))
    if not counts:
        return float("nan")
    return sum(statistics.median(per_url[skip:] or per_url) for per_url in counts.values())


WARM_UP = int(os.environ.get("BENCH_WARM_UP", 12))  # a few requests per worker: no cold caches


def compare(ours, theirs):
    """Median and p95 in ms of two pages, each over REQUESTS sequential views.

    ``ours``/``theirs`` are (session, urls, label): a view fetches its urls one
    after the other (a page and the iframe it embeds) and counts as their sum.
    Views alternate between the two sides (and which goes first), so drift on
    the machine hits both alike; each side is warmed up first.
    """
    sides = []
    for session, urls, label in (ours, theirs):
        marker = f"bench={label}"
        urls = [f"{url}{'&' if '?' in url else '?'}{marker}" for url in urls]
        for _ in range(WARM_UP):
            for url in urls:
                session.get(url, timeout=60).raise_for_status()
        sides.append({"session": session, "urls": urls, "label": label, "times": []})
    for i in range(REQUESTS):
        for side in sides if i % 2 else reversed(sides):
            started = time.perf_counter()
            for url in side["urls"]:
                response = side["session"].get(url, timeout=60)
                if response.status_code != 200:
                    sys.exit(f"{side['label']}: HTTP {response.status_code} for {url}")
            side["times"].append((time.perf_counter() - started) * 1000)
    time.sleep(0.5)  # let the server flush its request log
    results = []
    for side in sides:
        times = sorted(side["times"])
        results.append(
            {
                "median": statistics.median(times),
                "p95": times[max(int(len(times) * 0.95) - 1, 0)],
                "queries": queries_of(f"bench={side['label']}", WARM_UP),
            }
        )
    return results


def load(url):
    """Requests/s, errors and p95 (ms) of LOAD_CLIENTS concurrent clients for LOAD_SECONDS (ab).

    ApacheBench rather than wrk: Odoo's prefork workers answer HTTP/1.0 and close
    every connection, which wrk counts as a read error per request. ``-l``
    accepts pages whose length varies (each carries its own CSRF token).
    """
    command = ["ab", "-q", "-l", f"-c{LOAD_CLIENTS}", f"-t{LOAD_SECONDS}", "-n1000000", url]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    output = result.stdout
    found = re.search(r"Requests per second:\s+([\d.]+)", output)
    if not found:
        # ab stopped without its report (seen once, under a quick run): say what it said.
        print(f"ab gave no figure for {url} (exit {result.returncode}): {result.stderr[-300:]}")
        return float("nan"), 0, float("nan")
    rps = float(found.group(1))
    p95 = re.search(r"^\s*95%\s+(\d+)", output, re.MULTILINE)
    errors = int(re.search(r"Failed requests:\s+(\d+)", output).group(1))
    non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", output)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return rps, errors, float(p95.group(1)) if p95 else float("nan")


def ratio(ours, theirs):
    return ours / theirs if theirs else float("nan")


rows = []
anonymous = session_for()
for ref, customer in prepared["customers"].items():
    n = customer["invoice_count"]
    odoo_session = session_for(customer)
    odoo_invoice = (
        f"{BASE}/my/invoices/{customer['invoice_id']}"
        f"?access_token={customer['invoice_access_token']}"
    )
    ours_invoice = f"{BASE}/pay/{customer['invoice_token']}"
    ours, theirs = compare(
        (anonymous, [ours_invoice], f"inv-ours-{ref}"),
        (anonymous, [odoo_invoice], f"inv-odoo-{ref}"),
    )
    rows.append((f"Invoice page, HTML only ({n} invoices customer)", ours, theirs))
    # Odoo's page shows the invoice itself in an iframe the browser loads next
    # (report_type=html); ours renders it in the page. What a customer waits for:
    ours, theirs = compare(
        (anonymous, [ours_invoice], f"invview-ours-{ref}"),
        (anonymous, [odoo_invoice, f"{odoo_invoice}&report_type=html"], f"invview-odoo-{ref}"),
    )
    rows.append((f"Invoice page with its invoice ({n} invoices customer)", ours, theirs))
    ours, theirs = compare(
        (anonymous, [f"{BASE}/pay/{customer['portal_token']}"], f"portal-ours-{ref}"),
        (odoo_session, [f"{BASE}/my/invoices"], f"portal-odoo-{ref}"),
    )
    rows.append((f"Customer portal vs /my/invoices ({n} invoices)", ours, theirs))

print()
print(
    f"{'page':58} {'ours med/p95 ms':>17} {'Odoo med/p95 ms':>17} {'ratio':>6}"
    f" {'SQL ours/Odoo':>14}"
)
for label, ours, theirs in rows:
    print(
        f"{label:58} {ours['median']:8.1f}/{ours['p95']:<8.1f} "
        f"{theirs['median']:8.1f}/{theirs['p95']:<8.1f} "
        f"{ratio(ours['median'], theirs['median']):6.2f} "
        f"{ours['queries']:>6.0f}/{theirs['queries']:<6.0f}"
    )


def server_ms(marker):
    """Server time in ms of the request tagged ``marker``: SQL plus the rest, from
    the request log (what the server spent, whatever the client's own delays)."""
    for _attempt in range(20):
        with open(LOG) as handle:
            for line in handle:
                match = LINE.search(line)
                if match and marker in match.group(1):
                    return (float(match.group(4)) + float(match.group(5))) * 1000
        time.sleep(0.25)  # the server flushes its log line after the response
    return float("nan")


def fetch_pdf(label, url, view):
    """Server ms of one download of ``url`` (a PDF, or the benchmark stops)."""
    marker = f"bench=pdf-{label}-{view}"
    response = anonymous.get(f"{BASE}{url}{'&' if '?' in url else '?'}{marker}", timeout=300)
    if response.status_code != 200 or not response.content.startswith(b"%PDF"):
        sys.exit(f"PDF {label}: HTTP {response.status_code}, not a PDF")
    return server_ms(marker)


pdf_rows = []
pdf_urls = prepared.get("pdf") or {}
for key, label in (
    ("prepared", "ours, prepared in the background"),
    ("unprepared", "ours, never prepared (rendered on request)"),
    ("odoo", "Odoo /my/invoices/<id>?report_type=pdf&download=true"),
):
    if pdf_urls.get(key):
        first = fetch_pdf(key, pdf_urls[key], "first")
        pdf_rows.append((label, first, fetch_pdf(key, pdf_urls[key], "second")))

print()
print(f"{'PDF download, invoice never printed (server ms)':58} {'first':>9} {'second':>9}")
for label, first, second in pdf_rows:
    print(f"{label:58} {first:9.0f} {second:9.0f}")

print()
print(f"{'staff action (server time, in process)':52} {'n':>5} {'ms':>9} {'SQL':>6}")
for action in prepared["actions"]:
    print(
        f"{action['label']:52} {action['n']:>5} {action['seconds'] * 1000:9.1f} "
        f"{action['queries']:>6}"
    )

customer = prepared["customers"]["bench_c100"]
pages = {
    "ours": f"{BASE}/pay/{customer['invoice_token']}",
    "theirs": f"{BASE}/my/invoices/{customer['invoice_id']}"
    f"?access_token={customer['invoice_access_token']}",
}
# Ours, Odoo's, Odoo's, ours: drift during the runs weighs on both sides alike.
runs = {"ours": [], "theirs": []}
for side in ("ours", "theirs", "theirs", "ours"):
    runs[side].append(load(pages[side]))
ours_rps, theirs_rps = (statistics.mean(run[0] for run in runs[side]) for side in runs)
ours_err, theirs_err = (sum(run[1] for run in runs[side]) for side in runs)
# Under load, the slowest twentieth of the answers (ms, mean of the side's two runs).
ours_p95, theirs_p95 = (statistics.mean(run[2] for run in runs[side]) for side in runs)
print()
print(
    f"Load: {LOAD_CLIENTS} clients on the invoice page, twice {LOAD_SECONDS}s per side"
    " (ours, Odoo, Odoo, ours)"
)
print(f"{'':52} {'req/s':>9} {'errors':>7} {'p95 ms':>7}")
print(f"{'ours  /pay/<token>':52} {ours_rps:9.1f} {ours_err:>7} {ours_p95:7.0f}")
print(
    f"{'Odoo  /my/invoices/<id>?access_token=':52} {theirs_rps:9.1f} {theirs_err:>7}"
    f" {theirs_p95:7.0f}"
)
rps_ratio, p95_ratio = ratio(ours_rps, theirs_rps), ratio(ours_p95, theirs_p95)
print(f"{'ratio ours/Odoo':52} {rps_ratio:9.2f} {'':>7} {p95_ratio:7.2f}")

# The compact table: every ratio ours/Odoo of this run (below 1: ours is faster,
# except for requests/s where above 1 is better), and the SQL queries per request.
print()
print(f"{'Summary of this run':58} {'ours/Odoo':>9} {'SQL ours/Odoo':>14}")
for label, ours, theirs in rows:
    print(
        f"{label:58} {ratio(ours['median'], theirs['median']):9.2f}"
        f" {ours['queries']:>7.0f}/{theirs['queries']:<6.0f}"
    )
if not pdf_rows:
    print("PDF downloads: not measured (the legal PDF could not be rendered on this machine)")
else:
    (_label, ours_first, ours_second), _unprepared, (_odoo, odoo_first, odoo_second) = pdf_rows
    print(
        f"{'PDF first download (prepared) vs Odoo, server time':58}"
        f" {ratio(ours_first, odoo_first):9.2f}   ({ours_first:.0f} ms vs {odoo_first:.0f} ms)"
    )
    print(
        f"{'PDF second download vs Odoo, server time':58}"
        f" {ratio(ours_second, odoo_second):9.2f}   ({ours_second:.0f} ms vs {odoo_second:.0f} ms)"
    )
print(
    f"{f'Load, {LOAD_CLIENTS} clients, req/s (higher is better)':58}"
    f" {ratio(ours_rps, theirs_rps):9.2f}   ({ours_err + theirs_err} errors)"
)
print(
    f"{f'Load, {LOAD_CLIENTS} clients, p95 latency (lower is better)':58}"
    f" {ratio(ours_p95, theirs_p95):9.2f}   ({ours_p95:.0f} ms vs {theirs_p95:.0f} ms)"
)
